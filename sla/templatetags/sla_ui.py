"""SLA countdown badges for lists and the ticket page: computed from columns already loaded
(`Ticket.sla_due_at`/`sla_warn_at`, `TicketClock.due_at`/`warn_at`), never a query per row."""

import datetime as dt
from dataclasses import dataclass

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.models import Status, Ticket
from tickets.templatetags.helpdesk_ui import format_duration, status_badge

from ..models import ClockEvent, ClockState, TicketClock
from ..selectors import badge

register = template.Library()

BADGE_COLOURS = {
    "normal": "text-bg-success",
    "warning": "text-bg-warning",
    "breached": "text-bg-danger",
}
STATE_COLOURS = {
    ClockState.RUNNING: "text-bg-primary",
    ClockState.PAUSED: "text-bg-secondary",
    ClockState.MET: "text-bg-success",
    ClockState.BREACHED: "text-bg-danger",
    ClockState.CANCELLED: "text-bg-light border",
}


# What the services record as the reason of an automatic cancel: the event that ended the clock
# (`sla.services.clocks._dispatch`). `status:<status>` events are worded from the status label.
EVENT_DESCRIPTIONS = {
    "received": gettext_lazy("request received"),
    "registered": gettext_lazy("ticket registered"),
    "classified": gettext_lazy("classification confirmed"),
    "assigned": gettext_lazy("ticket dispatched"),
    "first_response": gettext_lazy("first response sent"),
    "public_reply": gettext_lazy("reply sent to the customer"),
    "worklog": gettext_lazy("work log entry added"),
    "handed_back": gettext_lazy("ticket handed back"),
    "reopened": gettext_lazy("ticket reopened"),
    "survey_sent": gettext_lazy("satisfaction survey sent"),
    "survey_skipped": gettext_lazy("no survey this time (contact surveyed recently or no address)"),
    "dissatisfied": gettext_lazy("the customer was dissatisfied"),
    "followup_started": gettext_lazy("follow-up started"),
    "escalation_requested": gettext_lazy("escalation to L2 requested"),
    "escalation_answered": gettext_lazy("escalation request answered"),
    "plan_submitted": gettext_lazy("solution plan submitted for review"),
    "requirement_created": gettext_lazy("customer requirement registered"),
    "requirement_evaluated": gettext_lazy("customer requirement evaluated"),
    "verified": gettext_lazy("the customer verified the fix"),
}
# Reasons typed by people (extension, supervisor's note) or worded by the services already.
TYPED_REASON_KINDS = frozenset(
    {ClockEvent.Kind.EXTENDED, ClockEvent.Kind.ACKNOWLEDGED, ClockEvent.Kind.RECOMPUTED}
)


def _status_text(value: str) -> str | None:
    try:
        return str(Status(value).label)
    except ValueError:
        return None


def describe_event(name: str) -> str | None:
    """An SLA event name (`assigned`, `status:closed`, …) in words; None if it is not one."""
    if name in EVENT_DESCRIPTIONS:
        return str(EVENT_DESCRIPTIONS[name])
    if name.startswith("status:"):
        label = _status_text(name.removeprefix("status:"))
        if label is not None:
            return _("status changed to “%(status)s”") % {"status": label}
    return None


@register.filter
def clock_event_reason(event: ClockEvent) -> SafeString:
    """The reason of a clock event for people: the status a clock paused in, the event that
    cancelled it in words, or — quoted — what a person typed (an extension's reason)."""
    reason = event.reason
    if not reason:
        return mark_safe("")
    if event.kind == ClockEvent.Kind.PAUSED and _status_text(reason) is not None:
        return status_badge(reason)
    if event.kind not in TYPED_REASON_KINDS:
        described = describe_event(reason)
        if described is not None:
            return format_html('<span class="sla-event-cause">· {}</span>', described)
    return format_html('<span class="reason">“{}”</span>', reason)


@dataclass(frozen=True)
class Countdown:
    state: str  # normal / warning / breached / none, as `sla.selectors.badge`
    text: str


def countdown(
    due_at: dt.datetime | None, warn_at: dt.datetime | None, now: dt.datetime
) -> Countdown:
    """“due in 1 h 20 min” or “overdue 35 min” (wall-clock time), with the badge's state."""
    state = badge(due_at=due_at, warn_at=warn_at, now=now)
    if due_at is None:
        return Countdown(state, "")
    if state == "breached":
        return Countdown(state, _("overdue %(d)s") % {"d": format_duration(now - due_at)})
    return Countdown(state, _("due in %(d)s") % {"d": format_duration(due_at - now)})


def _render(due_at: dt.datetime | None, warn_at: dt.datetime | None) -> SafeString:
    found = countdown(due_at, warn_at, timezone.now())
    if due_at is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    return format_html(
        '<span class="badge sla-badge sla-{} {}" title="{}">{}</span>',
        found.state,
        BADGE_COLOURS[found.state],
        _("deadline %(at)s") % {"at": date_format(timezone.localtime(due_at), "Y-m-d H:i")},
        found.text,
    )


@register.filter
def sla_badge(ticket: Ticket) -> SafeString:
    """The ticket's nearest open deadline as a coloured countdown."""
    return _render(ticket.sla_due_at, ticket.sla_warn_at)


@register.filter
def clock_badge(clock: TicketClock) -> SafeString:
    """A countdown for a clock still counting (running, or breached and not yet stopped)."""
    counting = clock.state == ClockState.RUNNING or (
        clock.state == ClockState.BREACHED and clock.stopped_at is None
    )
    if not counting:
        return mark_safe("")
    return _render(clock.due_at, clock.warn_at)


@register.filter
def clock_state(clock: TicketClock) -> SafeString:
    return format_html(
        '<span class="badge clock-state clock-{} {}">{}</span>',
        clock.state,
        STATE_COLOURS.get(clock.state, "text-bg-light"),
        clock.get_state_display(),
    )
