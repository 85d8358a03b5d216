"""Alerts raised by the SLA sweep: one batch per sweep step, in the helpdesk's language."""

from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .services import Alert, alerts_record


def sla_alerts(*, kind: str, clocks: Sequence) -> None:
    """`kind` is "warning", "breach" or "escalation"; `clocks` are claimed TicketClocks with
    their ticket and definition loaded. Acknowledgement clocks (a supervisor's own deadline to
    react) do not alert the team's group."""
    from sla.models import ClockKind

    alerts = []
    with translation.override(settings.LANGUAGE_CODE):
        for clock in clocks:
            if clock.kind == ClockKind.ACKNOWLEDGEMENT:
                continue
            ticket = clock.ticket
            due = (
                timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") if clock.due_at else ""
            )
            values = {
                "number": ticket.number,
                "clock": clock.definition.label,
                "due": due,
                "level": clock.escalation_level,
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
            alerts.append(
                Alert(
                    kind=kind, ticket=ticket, title=title, text=ticket.title, team_id=ticket.team_id
                )
            )
    alerts_record(alerts)
