"""Every SLA write. `tickets.services` calls the `sla_on_*` hooks inside its transactions."""

from .calendars import calendar_bump, calendar_for, calendar_missing_years
from .clocks import (
    clock_extend,
    policy_for,
    policy_snapshot,
    sla_on_event,
    sla_on_priority_change,
    sla_on_registration,
    sla_on_status_change,
    ticket_sla_reapply,
)
from .sweep import SweepResult, sla_sweep, task_acknowledge

__all__ = [
    "SweepResult",
    "calendar_bump",
    "calendar_for",
    "calendar_missing_years",
    "clock_extend",
    "policy_for",
    "policy_snapshot",
    "sla_on_event",
    "sla_on_priority_change",
    "sla_on_registration",
    "sla_on_status_change",
    "sla_sweep",
    "task_acknowledge",
    "ticket_sla_reapply",
]
