"""Reads for the UI and the API: clocks, their explanations, the supervisors' queue."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets.models import Notification, Ticket, User
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to

from . import calendar as pure
from .models import Calendar, ClockEvent, ClockState, SupervisorTask, TargetUnit, TicketClock
from .services.calendars import calendar_for, calendar_missing_years


def clock_list(*, ticket: Ticket) -> list[TicketClock]:
    return list(
        TicketClock.objects.filter(ticket=ticket)
        .select_related("definition", "calendar", "policy")
        .order_by("definition__position", "round", "id")
    )


def clock_events(*, ticket: Ticket) -> QuerySet[ClockEvent]:
    return ClockEvent.objects.filter(ticket=ticket).select_related("clock", "actor")


def badge(*, due_at: dt.datetime | None, warn_at: dt.datetime | None, now: dt.datetime) -> str:
    """normal / warning / breached / none, from a ticket's nearest deadline."""
    if due_at is None:
        return "none"
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "normal"


def _hm(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _target_text(amount: int, unit: str) -> str:
    if unit == TargetUnit.WORKING_DAYS:
        return ngettext("%(n)d working day", "%(n)d working days", amount) % {"n": amount}
    if unit == TargetUnit.CALENDAR_MINUTES:
        return _("%(n)s (around the clock)") % {"n": _duration(amount)}
    return _("%(n)s of business time") % {"n": _duration(amount)}


def _duration(minutes: float) -> str:
    minutes = round(minutes)
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    if hours:
        return ngettext("%(h)d hour", "%(h)d hours", hours) % {"h": hours}
    return ngettext("%(m)d minute", "%(m)d minutes", mins) % {"m": mins}


@dataclass(frozen=True)
class Explanation:
    headline: str
    reasons: list[str]


def clock_explanation(clock: TicketClock, events: list[ClockEvent] | None = None) -> Explanation:
    """Why the deadline is what it is, in words (target, start, calendar, skips, pauses, changes)."""
    events = events if events is not None else list(clock.events.all())
    cal_row: Calendar = clock.calendar
    reasons = [
        _("%(target)s from %(start)s in calendar “%(calendar)s”")
        % {
            "target": _target_text(clock.target_amount, clock.target_unit),
            "start": _hm(clock.started_at),
            "calendar": cal_row.label,
        }
    ]
    due = clock.due_at or clock.breached_at
    if due and clock.target_unit != TargetUnit.CALENDAR_MINUTES and not cal_row.always_open:
        cal = calendar_for(cal_row)
        span = pure.business_minutes_between(clock.started_at, due, cal)
        explained = pure.explain_add(clock.started_at, span, cal)
        labels = {
            pure.SkipKind.BREAK: _("break"),
            pure.SkipKind.OFF_HOURS: _("outside working hours"),
            pure.SkipKind.REST_DAY: _("rest day"),
            pure.SkipKind.HOLIDAY: _("public holiday"),
        }
        for skip in explained.skips[:8]:
            local_start, local_end = timezone.localtime(skip.start), timezone.localtime(skip.end)
            if local_start.date() == local_end.date():
                when = f"{local_start:%H:%M}–{local_end:%H:%M}"
            else:
                when = f"{local_start:%m-%d %H:%M} – {local_end:%m-%d %H:%M}"
            reasons.append(
                _("%(what)s %(when)s skipped") % {"what": labels[skip.kind], "when": when}
            )
        if len(explained.skips) > 8:
            reasons.append(
                _("and %(n)d more non-working periods") % {"n": len(explained.skips) - 8}
            )
        for day in explained.makeup_days:
            reasons.append(_("%(day)s is a make-up working day (调休)") % {"day": day})
        if explained.uncovered_years:
            reasons.append(
                _("no published holiday data for %(years)s: holidays may be missing")
                % {"years": ", ".join(str(y) for y in explained.uncovered_years)}
            )
    if clock.paused_minutes:
        reasons.append(
            _("%(d)s paused waiting for the customer") % {"d": _duration(clock.paused_minutes)}
        )
    for event in events:
        if event.kind == ClockEvent.Kind.EXTENDED:
            reasons.append(
                _("extended on %(at)s from %(old)s to %(new)s: %(reason)s")
                % {
                    "at": _hm(event.at),
                    "old": _hm(event.old_due),
                    "new": _hm(event.new_due),
                    "reason": event.reason,
                }
            )
        elif event.kind == ClockEvent.Kind.RECOMPUTED and event.new_due:
            reasons.append(
                _("recomputed on %(at)s: %(reason)s")
                % {"at": _hm(event.at), "reason": event.reason}
            )
    if clock.state == ClockState.PAUSED:
        headline = _("paused since %(at)s, %(left)s left") % {
            "at": _hm(clock.paused_at),
            "left": _duration(clock.remaining_minutes or 0),
        }
    elif clock.state == ClockState.MET:
        headline = _("met at %(at)s") % {"at": _hm(clock.met_at)}
    elif clock.state == ClockState.CANCELLED:
        headline = _("no longer needed since %(at)s") % {"at": _hm(clock.stopped_at)}
    elif clock.state == ClockState.BREACHED:
        headline = _("breached at %(at)s") % {"at": _hm(clock.breached_at)}
    else:
        headline = _("due at %(at)s") % {"at": _hm(clock.due_at)}
    return Explanation(headline=headline, reasons=reasons)


def sla_attention_queue(*, user: User, now: dt.datetime | None = None) -> QuerySet[TicketClock]:
    """Breached and warned clocks of tickets the user may see, nearest deadline first.

    An internal view: customers get nothing, not even for their own organization's tickets.
    """
    now = now or timezone.now()
    if user_caps(user).is_customer:
        return TicketClock.objects.none()
    return (
        TicketClock.objects.filter(ticket__in=ticket_visible_to(user))
        .filter(
            Q(state=ClockState.BREACHED, stopped_at__isnull=True)
            | Q(state=ClockState.RUNNING, warn_at__lte=now)
        )
        .exclude(kind="acknowledgement")
        .select_related("ticket__assignee", "ticket__team", "definition")
        .order_by("due_at", "id")
    )


def open_tasks(*, user: User) -> QuerySet[SupervisorTask]:
    return (
        SupervisorTask.objects.filter(assignee=user, acknowledged_at__isnull=True)
        .select_related("ticket", "source_clock__definition")
        .order_by("created_at")
    )


def calendars_missing_data() -> list[tuple[Calendar, list[int]]]:
    """Calendars whose holiday data is missing for a year around today (dashboard warning)."""
    out = []
    for cal in Calendar.objects.filter(china_holidays=True, always_open=False):
        missing = calendar_missing_years(cal)
        if missing:
            out.append((cal, missing))
    return out


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("ticket")
        .order_by("-created_at", "-id")
    )


def unread_notification_count(*, user: User, limit: int = 100) -> int:
    """Unread notifications, counted up to `limit` (the bell shows “99+”): one bounded query."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:limit].count()
