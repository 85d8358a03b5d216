"""The every-minute sweep: warnings, breaches and the escalation chain, each sent exactly once.

Set-based: candidates come from the partial indexes on `warn_at`, `due_at` and
`next_escalation_at`; each is claimed with `SELECT … FOR UPDATE SKIP LOCKED` plus a conditional
UPDATE, so concurrent sweeps never claim the same row, and a sweep after days of downtime sends
each warning and each escalation level once. The number of queries does not depend on how many
tickets are open.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.alerts.hooks import sla_alerts
from tickets.models import Notification, TeamMembership, Ticket, User

from ..models import (
    Calendar,
    ClockDefinition,
    ClockEvent,
    ClockKind,
    ClockState,
    SupervisorTask,
    TargetUnit,
    TicketClock,
)
from .calendars import calendar_for
from .clocks import add_minutes

ACK_MINUTES_DEFAULT = 120


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    notifications: list[int] = field(default_factory=list)


def _claim(qs: QuerySet[TicketClock], **claim: object) -> list[int]:
    # order_by("pk"): a stable lock order, and no join (the default ordering's join to the
    # clock definitions would lock those rows too).
    ids = list(qs.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True))
    if not ids:
        return []
    # The conditional update is the claim; the lock only keeps concurrent sweeps apart.
    qs.filter(pk__in=ids).update(**claim)
    return ids


def _claimed(ids: list[int]) -> list[TicketClock]:
    return list(
        TicketClock.objects.filter(pk__in=ids).select_related(
            "ticket__team__lead", "ticket__assignee", "ticket__sla", "definition", "calendar"
        )
    )


class _Recipients:
    """Team leads, team supervisors and role members, loaded once per sweep."""

    def __init__(self, clocks: list[TicketClock]) -> None:
        team_ids = {c.ticket.team_id for c in clocks if c.ticket.team_id}
        self.team_supervisors: dict[int, list[User]] = {}
        for m in TeamMembership.objects.filter(
            team_id__in=team_ids, user__groups__name="supervisor", user__is_active=True
        ).select_related("user"):
            self.team_supervisors.setdefault(m.team_id, []).append(m.user)
        self._roles: dict[str, list[User]] = {}
        self._users: dict[int, list[User]] = {}

    def role(self, name: str) -> list[User]:
        if name not in self._roles:
            self._roles[name] = list(User.objects.filter(groups__name=name, is_active=True))
        return self._roles[name]

    def user(self, pk: int) -> list[User]:
        """A configured person (the R&D director, say); one query per distinct person."""
        if pk not in self._users:
            self._users[pk] = list(User.objects.filter(pk=pk, is_active=True))
        return self._users[pk]

    def supervisors_of(self, ticket: Ticket) -> list[User]:
        """The team lead, or (no lead, or one who has left) the team's supervisors."""
        if ticket.team_id and ticket.team.lead_id and ticket.team.lead.is_active:
            return [ticket.team.lead]
        return self.team_supervisors.get(ticket.team_id, []) if ticket.team_id else []


def _text(user: User, kind: str, clock: TicketClock, level: int = 0) -> tuple[str, str]:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") if clock.due_at else ""
        what = clock.definition.label
        if kind == "warning":
            title = _("%(number)s: %(clock)s due at %(due)s") % {
                "number": clock.ticket.number,
                "clock": what,
                "due": due,
            }
        elif kind == "breach":
            title = _("%(number)s: %(clock)s deadline %(due)s breached") % {
                "number": clock.ticket.number,
                "clock": what,
                "due": due,
            }
        else:
            title = _("%(number)s escalated (level %(level)d): %(clock)s overdue since %(due)s") % {
                "number": clock.ticket.number,
                "level": level,
                "clock": what,
                "due": due,
            }
        return title[:200], clock.ticket.title


class _Batch:
    """Rows to insert for one sweep step, written with a constant number of bulk inserts."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.events: list[ClockEvent] = []
        self.notifications: list[Notification] = []
        self.tasks: list[SupervisorTask] = []
        self._seen: set[tuple[int, int, str, int]] = set()

    def notify(self, user: User, clock: TicketClock, kind: str, level: int = 0) -> None:
        key = (user.pk, clock.pk, kind, level)
        if key in self._seen:
            return
        self._seen.add(key)
        title, body = _text(user, kind, clock, level)
        self.notifications.append(
            Notification(
                recipient=user,
                ticket=clock.ticket,
                kind=f"sla_{kind}",
                title=title,
                body=body,
                created_at=self.now,
            )
        )

    def task(self, user: User, clock: TicketClock, kind: str, level: int) -> None:
        self.tasks.append(
            SupervisorTask(
                ticket=clock.ticket,
                source_clock=clock,
                kind=kind,
                level=level,
                assignee=user,
                created_at=self.now,
            )
        )

    def flush(self) -> list[int]:
        ClockEvent.objects.bulk_create(self.events)
        created = Notification.objects.bulk_create(self.notifications)
        tasks = SupervisorTask.objects.bulk_create(_new_tasks(self.tasks))
        _start_ack_clocks(tasks, self.now)
        return [n.pk for n in created]


def _new_tasks(tasks: list[SupervisorTask]) -> list[SupervisorTask]:
    """Leave out tasks that exist already: a clock warned again after an extension or a
    recompute notifies again, but its supervisor keeps the one task (unique per clock, kind,
    level and person)."""
    if not tasks:
        return []
    existing = set(
        SupervisorTask.objects.filter(
            source_clock_id__in={t.source_clock_id for t in tasks}
        ).values_list("source_clock_id", "kind", "level", "assignee_id")
    )
    return [t for t in tasks if (t.source_clock_id, t.kind, t.level, t.assignee_id) not in existing]


def _start_ack_clocks(tasks: list[SupervisorTask], now: dt.datetime) -> None:
    """Each supervisor task is itself measured: acknowledge within the policy's target (2 h)."""
    if not tasks:
        return
    definition = ClockDefinition.objects.filter(code=ClockKind.ACKNOWLEDGEMENT, active=True).first()
    if definition is None:
        return
    clocks = []
    for task in tasks:
        source = task.source_clock
        snapshot = source.ticket.sla.snapshot
        amount, unit = snapshot.get("targets", {}).get("acknowledgement", {}).get("*") or [
            ACK_MINUTES_DEFAULT,
            TargetUnit.BUSINESS_MINUTES,
        ]
        cal = calendar_for(source.calendar)
        due = add_minutes(cal, now, amount, unit).astimezone(dt.UTC)
        clocks.append(
            TicketClock(
                ticket=source.ticket,
                definition=definition,
                kind=ClockKind.ACKNOWLEDGEMENT,
                policy_id=source.policy_id,
                policy_version=source.policy_version,
                calendar_id=source.calendar_id,
                task=task,
                target_amount=amount,
                target_unit=unit,
                started_at=now,
                due_at=due,
                warn_at=None,
                warned_at=now,
            )
        )
    TicketClock.objects.bulk_create(clocks)


def _warnings(now: dt.datetime, result: SweepResult) -> None:
    qs = TicketClock.objects.filter(
        state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
    )
    ids = _claim(qs, warned_at=now)
    if not ids:
        return
    clocks = _claimed(ids)
    batch = _Batch(now)
    recipients = _Recipients(clocks)
    for clock in clocks:
        batch.events.append(
            ClockEvent(
                clock=clock,
                ticket_id=clock.ticket_id,
                kind=ClockEvent.Kind.WARNED,
                at=now,
                old_due=clock.due_at,
            )
        )
        if clock.ticket.assignee_id:
            batch.notify(clock.ticket.assignee, clock, "warning")
        if clock.definition.escalates:
            for supervisor in recipients.supervisors_of(clock.ticket):
                batch.notify(supervisor, clock, "warning")
                batch.task(supervisor, clock, SupervisorTask.Kind.WARNING, 0)
    result.warned += len(ids)
    result.notifications += batch.flush()
    sla_alerts(kind="warning", clocks=clocks)


def _breaches(now: dt.datetime, result: SweepResult) -> None:
    qs = TicketClock.objects.filter(state=ClockState.RUNNING, due_at__lte=now)
    ids = _claim(qs, state=ClockState.BREACHED, breached_at=F("due_at"))
    if not ids:
        return
    clocks = _claimed(ids)
    batch = _Batch(now)
    escalating: list[TicketClock] = []
    for clock in clocks:
        batch.events.append(
            ClockEvent(
                clock=clock,
                ticket_id=clock.ticket_id,
                kind=ClockEvent.Kind.BREACHED,
                at=now,
                old_due=clock.due_at,
            )
        )
        if clock.kind == ClockKind.ACKNOWLEDGEMENT:
            continue
        if clock.ticket.assignee_id:
            batch.notify(clock.ticket.assignee, clock, "breach")
        chain = {int(step[0]): step for step in _chain(clock)} if clock.definition.escalates else {}
        if chain:
            # Level 1 after its own delay (usually 0: at the breach), in business time.
            first = chain.get(1)
            delay = float(first[1]) if first else 0.0
            clock.next_escalation_at = (
                add_minutes(
                    calendar_for(clock.calendar),
                    clock.due_at,
                    delay,
                    TargetUnit.BUSINESS_MINUTES,
                ).astimezone(dt.UTC)
                if delay
                else clock.due_at
            )
            escalating.append(clock)
    TicketClock.objects.bulk_update(escalating, ["next_escalation_at"])
    result.breached += len(ids)
    result.notifications += batch.flush()
    sla_alerts(kind="breach", clocks=clocks)


def _chain(clock: TicketClock) -> list[list[object]]:
    sla = getattr(clock.ticket, "sla", None)
    return list(sla.snapshot.get("escalations", [])) if sla else []


def _escalations(now: dt.datetime, result: SweepResult) -> int:
    qs = TicketClock.objects.filter(
        state=ClockState.BREACHED, stopped_at__isnull=True, next_escalation_at__lte=now
    )
    ids = _claim(qs, escalation_level=F("escalation_level") + 1, next_escalation_at=None)
    if not ids:
        return 0
    clocks = _claimed(ids)
    batch = _Batch(now)
    recipients = _Recipients(clocks)
    calendars: dict[int, Calendar] = {}
    for clock in clocks:
        level = clock.escalation_level
        chain = {int(step[0]): step for step in _chain(clock)}
        step = chain.get(level)
        batch.events.append(
            ClockEvent(
                clock=clock,
                ticket_id=clock.ticket_id,
                kind=ClockEvent.Kind.ESCALATED,
                at=now,
                old_due=clock.due_at,
                detail={"level": level},
            )
        )
        if step is not None:
            _, _after, lead, role, user_id = step
            people: list[User] = []
            if lead:
                people += recipients.supervisors_of(clock.ticket)
            if role:
                people += recipients.role(str(role))
            if user_id:
                people += recipients.user(int(user_id))
            for person in {p.pk: p for p in people}.values():
                batch.notify(person, clock, "escalation", level)
                batch.task(person, clock, SupervisorTask.Kind.ESCALATION, level)
        following = chain.get(level + 1)
        if following is not None:
            cal = calendars.setdefault(clock.calendar_id, clock.calendar)
            clock.next_escalation_at = add_minutes(
                calendar_for(cal),
                clock.breached_at,
                float(following[1]),
                TargetUnit.BUSINESS_MINUTES,
            ).astimezone(dt.UTC)
    TicketClock.objects.bulk_update(
        [c for c in clocks if c.next_escalation_at], ["next_escalation_at"]
    )
    result.escalated += len(ids)
    result.notifications += batch.flush()
    sla_alerts(kind="escalation", clocks=clocks)
    return len(ids)


def sla_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """One sweep; safe to run twice, concurrently, or after the cluster was down for days."""
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        _warnings(now, result)
    with transaction.atomic():
        _breaches(now, result)
    for _round in range(10):
        with transaction.atomic():
            if not _escalations(now, result):
                break
    if result.notifications:
        ids = list(result.notifications)
        transaction.on_commit(lambda: _queue_emails(ids))
    return result


def _queue_emails(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task("sla.tasks.send_notification_emails", ids)


def task_acknowledge(*, task_id: int, actor: User, note: str = "") -> SupervisorTask:
    """The supervisor confirms a warning or escalation; this stops the acknowledgement clock."""
    from tickets.errors import DomainError, NotAllowed
    from tickets.permissions import user_caps

    from .clocks import stop_clock

    with transaction.atomic():
        task = SupervisorTask.objects.select_for_update().get(pk=task_id)
        if task.assignee_id != actor.pk and not user_caps(actor).assign:
            raise NotAllowed(_("Only the supervisor it was sent to can acknowledge this task."))
        if task.acknowledged_at is not None:
            raise DomainError(_("This task was already acknowledged."))
        now = timezone.now()
        task.acknowledged_at = now
        task.note = note.strip()
        task.save(update_fields=["acknowledged_at", "note"])
        for clock in TicketClock.objects.filter(task=task).exclude(
            state__in=(ClockState.MET, ClockState.CANCELLED)
        ):
            if clock.stopped_at is None:
                stop_clock(clock, now, actor)
        ClockEvent.objects.create(
            clock=task.source_clock,
            ticket_id=task.ticket_id,
            kind=ClockEvent.Kind.ACKNOWLEDGED,
            at=now,
            actor=actor,
            reason=task.note,
            detail={"task": task.pk, "level": task.level},
        )
    return task
