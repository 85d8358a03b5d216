"""Clocks on tickets: started, stopped, cancelled, paused and resumed by ticket events.

Called by `tickets.services` inside the same transaction as the ticket change.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError
from tickets.models import Category, Ticket, User
from tickets.permissions import user_caps

from .. import calendar as pure
from ..models import (
    Calendar,
    ClockDefinition,
    ClockEvent,
    ClockKind,
    ClockState,
    SlaPolicy,
    TargetUnit,
    TicketClock,
    TicketSla,
)
from .calendars import calendar_for

# Clocks the system itself stops (the survey is sent by a task, archiving is a job): they are
# measured and explained like the others, but they are not the ticket's deadline in queues and
# badges, nobody is warned of them, and a late one is recorded without notifying anybody.
SYSTEM_CLOCKS = frozenset({ClockKind.SURVEY, ClockKind.ARCHIVE})

OPEN_Q = Q(state__in=(ClockState.RUNNING, ClockState.PAUSED)) | Q(
    state=ClockState.BREACHED, stopped_at__isnull=True
)


# --- policy choice and snapshot ------------------------------------------------------------


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """First active policy whose conditions all hold, in position order; else the default."""
    scheme_id = ticket.priority.scheme_id if ticket.priority_id else None
    category: Category | None = ticket.category
    category_ids = {category.pk, category.parent_id} - {None} if category else set()
    default = None
    for policy in SlaPolicy.objects.filter(active=True).order_by("position", "id"):
        if policy.is_default:
            default = policy
            continue
        if policy.priority_scheme_id != scheme_id:
            continue
        if policy.organization_id and policy.organization_id != ticket.organization_id:
            continue
        if policy.category_id and policy.category_id not in category_ids:
            continue
        if policy.channel and policy.channel != ticket.channel:
            continue
        return policy
    return default


def policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    targets: dict[str, dict[str, list[Any]]] = {}
    for t in policy.targets.select_related("clock"):
        key = str(t.level_id) if t.level_id else "*"
        targets.setdefault(t.clock.code, {})[key] = [t.amount, t.unit]
    return {
        "calendar_id": policy.calendar_id,
        "warn_minutes": policy.warn_minutes,
        "warn_percent": policy.warn_percent,
        "targets": targets,
        "escalations": [
            [s.level, s.after_minutes, s.notify_team_lead, s.notify_role, s.notify_user_id]
            for s in policy.escalations.order_by("level")
        ],
    }


def target_for(
    snapshot: dict[str, Any], clock: str, level_id: int | None
) -> tuple[int, str] | None:
    per_level = snapshot.get("targets", {}).get(clock)
    if not per_level:
        return None
    found = per_level.get(str(level_id)) if level_id else None
    found = found or per_level.get("*")
    return (int(found[0]), str(found[1])) if found else None


# --- arithmetic on one clock ----------------------------------------------------------------


def compute_due(
    cal: pure.BusinessCalendar, start: dt.datetime, amount: float, unit: str
) -> dt.datetime:
    if unit == TargetUnit.CALENDAR_MINUTES:
        return start + dt.timedelta(minutes=amount)
    if unit == TargetUnit.WORKING_DAYS:
        return pure.add_working_days(start, int(amount), cal)
    return pure.add_business_minutes(start, amount, cal)


def minutes_between(
    cal: pure.BusinessCalendar, start: dt.datetime, end: dt.datetime, unit: str
) -> float:
    if end <= start:
        return 0.0
    if unit == TargetUnit.CALENDAR_MINUTES:
        return (end - start).total_seconds() / 60
    return pure.business_minutes_between(start, end, cal)


def add_minutes(
    cal: pure.BusinessCalendar, start: dt.datetime, minutes: float, unit: str
) -> dt.datetime:
    if unit == TargetUnit.CALENDAR_MINUTES:
        return start + dt.timedelta(minutes=minutes)
    return pure.add_business_minutes(start, minutes, cal)


def compute_warn(
    cal: pure.BusinessCalendar,
    anchor: dt.datetime,
    due: dt.datetime,
    unit: str,
    snapshot: dict[str, Any],
    *,
    elapsed: float = 0.0,
) -> dt.datetime | None:
    """Warn `warn_minutes` (business) before the deadline, or once `warn_percent` of the whole
    span has elapsed (the earlier wins); None when neither applies.

    `elapsed` is the active time the clock already used before `anchor` (a resumed, recomputed
    or extended clock), so the percentage is of the whole span, not of what is left. A span no
    longer than `warn_minutes` gets no minutes-based warning: it would fire as the clock starts.
    """
    remaining = minutes_between(cal, anchor, due, unit)
    total = elapsed + remaining
    lead = float(snapshot.get("warn_minutes") or 0)
    offsets = []
    if lead and total > lead:
        offsets.append(max(remaining - lead, 0.0))
    if snapshot.get("warn_percent"):
        offsets.append(max(total * float(snapshot["warn_percent"]) / 100 - elapsed, 0.0))
    if not offsets:
        return None
    return add_minutes(cal, anchor, min(offsets), unit).astimezone(dt.UTC)


def _warn_for(ctx: "_Context", clock: TicketClock, at: dt.datetime) -> dt.datetime | None:
    """The warning instant of a running clock whose deadline was (re)set at `at` (none for the
    system's own steps: nobody is to be reminded of them)."""
    if clock.kind in SYSTEM_CLOCKS:
        return None
    elapsed = minutes_between(ctx.calendar, clock.started_at, at, clock.target_unit)
    return compute_warn(
        ctx.calendar,
        at,
        clock.due_at,
        clock.target_unit,
        ctx.sla.snapshot,
        elapsed=max(elapsed - clock.paused_minutes, 0.0),
    )


# --- the event machine ------------------------------------------------------------------------


class _Context:
    """What SLA events on one ticket need, loaded once, and the writes they make, held back.

    Clock rows and their events are written by `flush()` in bulk (one INSERT for new clocks, one
    for the event log), so a registration that starts, stops and cancels several clocks costs a
    handful of queries instead of one per step. `fresh` says the ticket has no clocks yet.
    """

    def __init__(self, ticket: Ticket, *, sla: TicketSla | None = None, fresh: bool = False):
        self.ticket = ticket
        self.sla = (
            sla
            if sla is not None
            else TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
        )
        self._definitions: list[ClockDefinition] | None = None
        self._calendar: pure.BusinessCalendar | None = None
        self._calendar_row: Calendar | None = None
        self._open: list[TicketClock] | None = [] if fresh else None
        self._rounds: dict[str, int] | None = {} if fresh else None
        self._new: list[TicketClock] = []
        self._dirty: dict[int, TicketClock] = {}
        self._events: list[ClockEvent] = []

    @property
    def definitions(self) -> list[ClockDefinition]:
        if self._definitions is None:
            self._definitions = list(ClockDefinition.objects.filter(active=True))
        return self._definitions

    @property
    def calendar_row(self) -> Calendar:
        if self._calendar_row is None:
            self._calendar_row = Calendar.objects.get(pk=self.sla.snapshot["calendar_id"])
        return self._calendar_row

    @property
    def calendar(self) -> pure.BusinessCalendar:
        if self._calendar is None:
            self._calendar = calendar_for(self.calendar_row)
        return self._calendar

    def open_clocks(self) -> list[TicketClock]:
        """The ticket's open clocks (running, paused, or breached and not stopped), as they are
        now in memory, acknowledgement clocks excepted."""
        if self._open is None:
            self._open = list(
                TicketClock.objects.filter(OPEN_Q, ticket=self.ticket).exclude(
                    kind=ClockKind.ACKNOWLEDGEMENT
                )
            )
        return [c for c in self._open if _is_open(c)]

    def next_round(self, kind: str) -> int:
        if self._rounds is None:
            self._rounds = dict(
                TicketClock.objects.filter(ticket=self.ticket)
                .values("kind")
                .annotate(n=Max("round"))
                .values_list("kind", "n")
            )
        self._rounds[kind] = self._rounds.get(kind, 0) + 1
        return self._rounds[kind]

    def add(self, clock: TicketClock) -> None:
        self.open_clocks()
        self._new.append(clock)
        self._open.append(clock)

    def touch(self, clock: TicketClock) -> None:
        if clock.pk is not None:
            self._dirty[clock.pk] = clock

    def event(self, clock: TicketClock, kind: str, at: dt.datetime, **extra: Any) -> None:
        self._events.append(
            ClockEvent(clock=clock, ticket_id=clock.ticket_id, kind=kind, at=at, **extra)
        )

    def flush(self) -> None:
        """Write what the events changed: new clocks, changed clocks, then the event log."""
        if self._new:
            TicketClock.objects.bulk_create(self._new)
        for clock in self._dirty.values():
            clock.save()
        if self._events:
            for event in self._events:
                event.clock_id = event.clock.pk
            ClockEvent.objects.bulk_create(self._events)
        self._new, self._dirty, self._events = [], {}, []

    def deadline(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The nearest open deadline and warning of the people working the ticket, from the
        clocks in memory (the system's own steps, such as sending the survey, are left out)."""
        live = [
            c
            for c in self.open_clocks()
            if c.state in (ClockState.RUNNING, ClockState.BREACHED)
            and c.stopped_at is None
            and c.kind not in SYSTEM_CLOCKS
        ]
        dues = [c.due_at for c in live if c.due_at is not None]
        warns = [c.warn_at for c in live if c.warn_at is not None]
        return (min(dues) if dues else None, min(warns) if warns else None)

    def finish(self, *, save_deadline: bool = True) -> None:
        """Flush, then keep the nearest deadline on the ticket (saved unless the caller saves
        the ticket row itself)."""
        self.flush()
        due, warn = self.deadline()
        if (self.ticket.sla_due_at, self.ticket.sla_warn_at) != (due, warn):
            self.ticket.sla_due_at, self.ticket.sla_warn_at = due, warn
            if save_deadline:
                Ticket.objects.filter(pk=self.ticket.pk).update(sla_due_at=due, sla_warn_at=warn)


def _is_open(clock: TicketClock) -> bool:
    return clock.state in (ClockState.RUNNING, ClockState.PAUSED) or (
        clock.state == ClockState.BREACHED and clock.stopped_at is None
    )


class _Immediate:
    """The writes of a clock change made outside an event run (the sweep): at once."""

    def touch(self, clock: TicketClock) -> None:
        clock.save()

    def event(self, clock: TicketClock, kind: str, at: dt.datetime, **extra: Any) -> None:
        ClockEvent.objects.create(clock=clock, ticket_id=clock.ticket_id, kind=kind, at=at, **extra)


def start_clock(ctx: _Context, definition: ClockDefinition, at: dt.datetime) -> TicketClock | None:
    target = target_for(ctx.sla.snapshot, definition.code, ctx.ticket.priority_id)
    if target is None:
        return None
    amount, unit = target
    cal = ctx.calendar
    due = compute_due(cal, at, amount, unit).astimezone(dt.UTC)
    clock = TicketClock(
        ticket=ctx.ticket,
        definition=definition,
        kind=definition.code,
        round=ctx.next_round(definition.code),
        policy=ctx.sla.policy,
        policy_version=ctx.sla.policy_version,
        calendar_id=ctx.sla.snapshot["calendar_id"],
        target_amount=amount,
        target_unit=unit,
        started_at=at,
        due_at=due,
        warn_at=None
        if definition.code in SYSTEM_CLOCKS
        else compute_warn(cal, at, due, unit, ctx.sla.snapshot),
    )
    ctx.add(clock)
    ctx.event(
        clock, ClockEvent.Kind.STARTED, at, new_due=due, detail={"amount": amount, "unit": unit}
    )
    if ctx.ticket.status in definition.pause_statuses:
        pause_clock(ctx, clock, at)
    return clock


def stop_clock(
    clock: TicketClock,
    at: dt.datetime,
    actor: User | None = None,
    *,
    ctx: "_Context | _Immediate | None" = None,
) -> None:
    ctx = ctx or _Immediate()
    clock.stopped_at = at
    clock.next_escalation_at = None
    if clock.state == ClockState.BREACHED:
        ctx.event(clock, ClockEvent.Kind.STOPPED, at, actor=actor, old_due=clock.due_at)
    elif clock.state == ClockState.PAUSED or (clock.due_at and at <= clock.due_at):
        clock.state = ClockState.MET
        clock.met_at = at
        ctx.event(clock, ClockEvent.Kind.MET, at, actor=actor, old_due=clock.due_at)
    else:
        clock.state = ClockState.BREACHED
        clock.breached_at = clock.due_at
        ctx.event(clock, ClockEvent.Kind.BREACHED, at, actor=actor, old_due=clock.due_at)
    ctx.touch(clock)


def cancel_clock(ctx: _Context, clock: TicketClock, at: dt.datetime, reason: str) -> None:
    overdue = clock.state == ClockState.RUNNING and clock.due_at is not None and clock.due_at < at
    if clock.state == ClockState.BREACHED or overdue:
        # A breach the sweep has not recorded yet (it runs every minute, or the cluster is
        # down) is recorded now rather than lost.
        stop_clock(clock, at, ctx=ctx)
        return
    clock.state = ClockState.CANCELLED
    clock.stopped_at = at
    ctx.touch(clock)
    ctx.event(clock, ClockEvent.Kind.CANCELLED, at, reason=reason)


def pause_clock(ctx: _Context, clock: TicketClock, at: dt.datetime) -> None:
    if clock.state != ClockState.RUNNING or clock.due_at <= at:
        # Already overdue: it stays running so the sweep records the breach at `due_at`.
        return
    clock.remaining_minutes = minutes_between(ctx.calendar, at, clock.due_at, clock.target_unit)
    clock.state = ClockState.PAUSED
    clock.paused_at = at
    old_due, clock.due_at, clock.warn_at = clock.due_at, None, None
    ctx.touch(clock)
    ctx.event(clock, ClockEvent.Kind.PAUSED, at, old_due=old_due, reason=ctx.ticket.status)


def resume_clock(ctx: _Context, clock: TicketClock, at: dt.datetime) -> None:
    if clock.state != ClockState.PAUSED:
        return
    cal = ctx.calendar
    paused = minutes_between(cal, clock.paused_at, at, clock.target_unit)
    clock.paused_minutes += paused
    clock.due_at = add_minutes(cal, at, clock.remaining_minutes or 0, clock.target_unit).astimezone(
        dt.UTC
    )
    clock.warn_at = _warn_for(ctx, clock, at)
    clock.state = ClockState.RUNNING
    clock.paused_at = None
    clock.remaining_minutes = None
    ctx.touch(clock)
    ctx.event(clock, ClockEvent.Kind.RESUMED, at, new_due=clock.due_at, detail={"paused": paused})


def _dispatch(ctx: _Context, event: str, at: dt.datetime, actor: User | None) -> None:
    """Apply one event to every clock definition: stop, then cancel, then start."""
    open_by_kind: dict[str, list[TicketClock]] = {}
    for clock in ctx.open_clocks():
        open_by_kind.setdefault(clock.kind, []).append(clock)
    for definition in ctx.definitions:
        clocks = open_by_kind.get(definition.code, [])
        stopped = False
        if event in definition.stop_events and clocks:
            for clock in clocks:
                stop_clock(clock, at, actor, ctx=ctx)
            stopped, clocks = True, []
        if event in definition.cancel_events and clocks:
            for clock in clocks:
                cancel_clock(ctx, clock, at, event)
            clocks = []
        starts = event in definition.start_events or (stopped and definition.recurring)
        if starts and not clocks:
            start_clock(ctx, definition, at)


def sla_on_registration(
    *,
    ticket: Ticket,
    actor: User | None = None,
    events: Sequence[tuple[str, dt.datetime]] = (),
    save_deadline: bool = True,
) -> TicketSla | None:
    """Choose the policy (snapshotting its current version) and run the intake events, then
    `events` (say, classified and assigned at registration), writing the clocks in bulk.

    With `save_deadline=False` the nearest deadline is only set on `ticket`; the caller saves it.
    """
    policy = policy_for(ticket)
    if policy is None:
        return None
    sla = TicketSla.objects.create(
        ticket=ticket,
        policy=policy,
        policy_version=policy.version,
        snapshot=policy_snapshot(policy),
        applied_at=ticket.created_at,
    )
    ctx = _Context(ticket, sla=sla, fresh=True)
    _dispatch(ctx, "received", ticket.received_at, actor)
    _dispatch(ctx, "registered", ticket.created_at, actor)
    for name, at in events:
        _dispatch(ctx, name, at, actor)
    ctx.finish(save_deadline=save_deadline)
    return sla


def sla_on_event(
    *, ticket: Ticket, event: str, at: dt.datetime | None = None, actor: User | None = None
) -> None:
    ctx = _Context(ticket)
    if ctx.sla is None:
        return
    _dispatch(ctx, event, at or timezone.now(), actor)
    ctx.finish()


def sla_on_status_change(
    *,
    ticket: Ticket,
    old: str,
    new: str,
    at: dt.datetime | None = None,
    actor: User | None = None,
) -> None:
    """Run `status:<new>` (and `reopened`), then pause or resume by the definitions' states."""
    ctx = _Context(ticket)
    if ctx.sla is None:
        return
    at = at or timezone.now()
    _dispatch(ctx, f"status:{new}", at, actor)
    by_code = {d.code: d for d in ctx.definitions}
    for clock in ctx.open_clocks():
        definition = by_code.get(clock.kind)
        if definition is None:
            continue
        if new in definition.pause_statuses:
            pause_clock(ctx, clock, at)
        else:
            resume_clock(ctx, clock, at)
    ctx.finish()


def sla_on_priority_change(
    *, ticket: Ticket, actor: User | None = None, at: dt.datetime | None = None
) -> None:
    """Recompute running and paused clocks against the new level's targets."""
    ctx = _Context(ticket)
    if ctx.sla is None:
        return
    at = at or timezone.now()
    for clock in ctx.open_clocks():
        if clock.state == ClockState.BREACHED:
            continue
        target = target_for(ctx.sla.snapshot, clock.kind, ticket.priority_id)
        if target is None or target == (clock.target_amount, clock.target_unit):
            continue
        _recompute(ctx, clock, target, at, actor, reason=_("priority changed"))
    ctx.finish()


def _recompute(
    ctx: _Context,
    clock: TicketClock,
    target: tuple[int, str],
    at: dt.datetime,
    actor: User | None,
    *,
    reason: str,
) -> None:
    amount, unit = target
    cal = ctx.calendar
    new_due = compute_due(cal, clock.started_at, amount, unit)
    if clock.paused_minutes:
        # (adding 0 minutes would move a deadline at the end of a slot to the next opening)
        new_due = add_minutes(cal, new_due, clock.paused_minutes, unit)
    new_due = new_due.astimezone(dt.UTC)
    old_due = clock.due_at
    clock.target_amount, clock.target_unit = amount, unit
    if clock.state == ClockState.PAUSED:
        # What is left of the new target when the pause began (a paused clock has no due_at).
        clock.remaining_minutes = minutes_between(cal, clock.paused_at, new_due, unit)
        new_due = None
    else:
        clock.due_at = new_due
        clock.warn_at = _warn_for(ctx, clock, at)
        if clock.warned_at and (clock.warn_at is None or clock.warn_at > at):
            clock.warned_at = None
    ctx.touch(clock)
    ctx.event(
        clock,
        ClockEvent.Kind.RECOMPUTED,
        at,
        actor=actor,
        old_due=old_due,
        new_due=new_due,
        reason=reason,
        detail={"amount": amount, "unit": unit},
    )


def clock_extend(
    *, clock_id: int, actor: User, new_due: dt.datetime, reason: str, customer_informed: bool
) -> TicketClock:
    """Move a deadline later (PROCESS §7): before it passes, with a reason, customer told."""
    from tickets.errors import NotAllowed
    from tickets.selectors import ticket_visible_to

    if not user_caps(actor).work:
        raise NotAllowed(_("You are not allowed to do this."))
    with transaction.atomic():
        ticket_id = TicketClock.objects.values_list("ticket_id", flat=True).get(pk=clock_id)
        # Lock the ticket first, like every ticket service, then the clock.
        if not ticket_visible_to(actor).select_for_update().filter(pk=ticket_id).exists():
            raise NotAllowed(_("You are not allowed to do this."))
        clock = TicketClock.objects.select_for_update().select_related("ticket").get(pk=clock_id)
        now = timezone.now()
        if clock.state != ClockState.RUNNING or clock.due_at is None:
            raise DomainError(_("Only a running clock can be extended."))
        if now >= clock.due_at:
            raise DomainError(_("The deadline has passed; it can no longer be extended."))
        if not reason.strip():
            raise DomainError(_("Give the reason for the extension."), field="reason")
        if not customer_informed:
            raise DomainError(
                _("Tell the customer the reason and the new expected time first."),
                field="customer_informed",
            )
        if new_due <= clock.due_at:
            raise DomainError(
                _("The new deadline must be later than the current one."), field="new_due"
            )
        ctx = _Context(clock.ticket)
        old_due = clock.due_at
        clock.due_at = new_due
        clock.warn_at = _warn_for(ctx, clock, now)
        clock.warned_at = None
        clock.save()
        ctx.event(
            clock,
            ClockEvent.Kind.EXTENDED,
            now,
            actor=actor,
            old_due=old_due,
            new_due=new_due,
            reason=reason.strip(),
            detail={"customer_informed": True},
        )
        ctx.finish()
    return clock


@transaction.atomic
def ticket_sla_reapply(*, ticket: Ticket, actor: User | None = None) -> bool:
    """Measure an open ticket against its policy's current version (an admin's explicit choice)."""
    sla = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    if sla is None or sla.policy_version == sla.policy.version:
        return False
    sla.snapshot = policy_snapshot(sla.policy)
    sla.policy_version = sla.policy.version
    sla.applied_at = timezone.now()
    sla.save()
    ctx = _Context(ticket)
    at = timezone.now()
    for clock in ctx.open_clocks():
        unchanged = clock.calendar_id == sla.snapshot["calendar_id"]
        clock.policy_version = sla.policy_version
        clock.calendar_id = sla.snapshot["calendar_id"]
        target = target_for(sla.snapshot, clock.kind, ticket.priority_id)
        unchanged = unchanged and target == (clock.target_amount, clock.target_unit)
        if target is None or unchanged or clock.state == ClockState.BREACHED:
            ctx.touch(clock)
            continue
        _recompute(
            ctx,
            clock,
            target,
            at,
            actor,
            reason=_("policy version %(v)d applied") % {"v": sla.policy_version},
        )
    ctx.finish()
    return True
