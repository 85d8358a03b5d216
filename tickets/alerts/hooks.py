"""Alerts raised by the SLA sweep: one batch per sweep step, in the helpdesk's language."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Ticket
from .services import Alert, alerts_record


def sla_alerts(*, kind: str, rows: Sequence[Any], definitions: Mapping[int, Any]) -> None:
    """`kind` is "warning", "breach" or "escalation"; `rows` are the sweep's claimed clocks as
    plain values (kind, ticket_id, number, title, team_id, due_at, level, definition_id), and
    `definitions` the clock definitions by id. Acknowledgement clocks (a supervisor's own
    deadline to react) do not alert the team's group."""
    from sla.models import ClockKind

    alerts = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            if row.kind == ClockKind.ACKNOWLEDGEMENT:
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
