"""Alerts raised by the SLA sweep: one batch per sweep step, in the helpdesk's language."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import ChatRobot, Ticket, WebhookEndpoint
from .services import Alert, alerts_record


def sla_alerts(*, kind: str, rows: Sequence[Any], definitions: Mapping[int, Any]) -> None:
    """`kind` is "warning", "breach" or "escalation"; `rows` are the sweep's claimed clocks as
    plain values (kind, ticket_id, number, title, team_id, due_at, level, definition_id), and
    `definitions` the clock definitions by id. Acknowledgement clocks (a supervisor's own
    deadline to react) do not alert the team's group."""
    from sla.models import ClockKind
    from sla.services.clocks import SYSTEM_CLOCKS

    # Most sweeps concern teams without a robot for this kind and no alert webhook: then there
    # is nothing to write, and the thousands of rows of a sweep after an outage cost nothing.
    team_ids = {row.team_id for row in rows if row.team_id}
    robot_teams = {
        team_id
        for team_id, kinds in ChatRobot.objects.filter(
            team_id__in=team_ids, active=True
        ).values_list("team_id", "kinds")
        if kind in (kinds or [])
    }
    webhooks = any(
        "alert" in (events or [])
        for events in WebhookEndpoint.objects.filter(active=True).values_list("events", flat=True)
    )
    if not robot_teams and not webhooks:
        return
    alerts = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            if row.kind == ClockKind.ACKNOWLEDGEMENT or row.kind in SYSTEM_CLOCKS:
                continue
            if not webhooks and row.team_id not in robot_teams:
                continue
            due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") if row.due_at else ""
            values = {
                "number": row.number,
                "clock": definitions[row.definition_id].label,
                "due": due,
                "level": row.level,
            }
            if kind == "warning":
                title = _("SLA warning %(number)s: %(clock)s due at %(due)s") % values
            elif kind == "breach":
                title = _("SLA breached %(number)s: %(clock)s was due at %(due)s") % values
            else:
                title = (
                    _("Escalated %(number)s (level %(level)d): %(clock)s overdue since %(due)s")
                    % values
                )
            # A reference to the ticket, not a read of it: the sweep has what the alert needs.
            ticket = Ticket(pk=row.ticket_id, number=row.number, title=row.title)
            alerts.append(
                Alert(kind=kind, ticket=ticket, title=title, text=row.title, team_id=row.team_id)
            )
    alerts_record(alerts)
