"""The every-minute sweep: warnings, breaches and the escalation chain, each sent exactly once.

Set-based: candidates come from the partial indexes on `warn_at`, `due_at` and
`next_escalation_at`; each is claimed with `SELECT … FOR UPDATE SKIP LOCKED` plus a conditional
UPDATE, so concurrent sweeps never claim the same row, and a sweep after days of downtime sends
each warning and each escalation level once. The number of queries does not depend on how many
tickets are open.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, JSONField, Model, QuerySet
from django.db.models import Field as DjangoField
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from tickets.alerts.hooks import sla_alerts
from tickets.models import Notification, TeamMembership, User

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
from .clocks import SYSTEM_CLOCKS, add_minutes

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


@dataclass(slots=True)
class _Row:
    """A claimed clock with what the sweep needs of its ticket, read as plain values (no model
    instances: a sweep after an outage handles thousands of clocks)."""

    id: int
    ticket_id: int
    kind: str
    due_at: dt.datetime | None
    breached_at: dt.datetime | None
    level: int
    calendar_id: int
    policy_id: int | None
    policy_version: int
    definition_id: int
    escalates: bool
    number: str
    title: str
    assignee_id: int | None
    assignee_language: str
    team_id: int | None
    lead_id: int | None
    lead_active: bool
    lead_language: str
    escalations: list[list[Any]]
    ack_target: list[Any] | None

    def chain(self) -> dict[int, list[Any]]:
        return {int(step[0]): step for step in self.escalations or []}


_ROW_FIELDS = {
    "id": "id",
    "ticket_id": "ticket_id",
    "kind": "kind",
    "due_at": "due_at",
    "breached_at": "breached_at",
    "level": "escalation_level",
    "calendar_id": "calendar_id",
    "policy_id": "policy_id",
    "policy_version": "policy_version",
    "definition_id": "definition_id",
    "escalates": "definition__escalates",
    "number": "ticket__number",
    "title": "ticket__title",
    "assignee_id": "ticket__assignee_id",
    "assignee_language": "ticket__assignee__language",
    "team_id": "ticket__team_id",
    "lead_id": "ticket__team__lead_id",
    "lead_active": "ticket__team__lead__is_active",
    "lead_language": "ticket__team__lead__language",
    "escalations": "ticket__sla__snapshot__escalations",
    "ack_target": "ticket__sla__snapshot__targets__acknowledgement",
}


def _claimed(ids: list[int]) -> list[_Row]:
    rows = TicketClock.objects.filter(pk__in=ids).order_by("pk").values_list(*_ROW_FIELDS.values())
    out = []
    for values in rows:
        row = _Row(*values)
        row.assignee_language = row.assignee_language or ""
        row.lead_language = row.lead_language or ""
        row.lead_active = bool(row.lead_active)
        if isinstance(row.ack_target, dict):
            row.ack_target = row.ack_target.get("*")
        else:
            row.ack_target = None
        out.append(row)
    return out


class _Recipients:
    """Team supervisors and role members, loaded once per sweep step: (user id, language)."""

    def __init__(self, rows: list[_Row]) -> None:
        team_ids = {r.team_id for r in rows if r.team_id}
        self.team_supervisors: dict[int, list[tuple[int, str]]] = {}
        for team_id, user_id, language in TeamMembership.objects.filter(
            team_id__in=team_ids, user__groups__name="supervisor", user__is_active=True
        ).values_list("team_id", "user_id", "user__language"):
            self.team_supervisors.setdefault(team_id, []).append((user_id, language or ""))
        self._roles: dict[str, list[tuple[int, str]]] = {}
        self._users: dict[int, list[tuple[int, str]]] = {}

    def role(self, name: str) -> list[tuple[int, str]]:
        if name not in self._roles:
            self._roles[name] = [
                (pk, language or "")
                for pk, language in User.objects.filter(
                    groups__name=name, is_active=True
                ).values_list("pk", "language")
            ]
        return self._roles[name]

    def user(self, pk: int) -> list[tuple[int, str]]:
        """A configured person (the R&D director, say); one query per distinct person."""
        if pk not in self._users:
            self._users[pk] = [
                (u, language or "")
                for u, language in User.objects.filter(pk=pk, is_active=True).values_list(
                    "pk", "language"
                )
            ]
        return self._users[pk]

    def supervisors_of(self, row: _Row) -> list[tuple[int, str]]:
        """The team lead, or (no lead, or one who has left) the team's supervisors."""
        if row.team_id and row.lead_id and row.lead_active:
            return [(row.lead_id, row.lead_language)]
        return self.team_supervisors.get(row.team_id, []) if row.team_id else []


def _text(kind: str, row: _Row, definition: ClockDefinition, level: int = 0) -> str:
    """The notification title in the active language."""
    due = timezone.localtime(row.due_at).strftime("%Y-%m-%d %H:%M") if row.due_at else ""
    what = definition.label
    if kind == "warning":
        title = _("%(number)s: %(clock)s due at %(due)s") % {
            "number": row.number,
            "clock": what,
            "due": due,
        }
    elif kind == "breach":
        title = _("%(number)s: %(clock)s deadline %(due)s breached") % {
            "number": row.number,
            "clock": what,
            "due": due,
        }
    else:
        title = _("%(number)s escalated (level %(level)d): %(clock)s overdue since %(due)s") % {
            "number": row.number,
            "level": level,
            "clock": what,
            "due": due,
        }
    return title[:200]


def _insert(
    model: type[Model], columns: list[str], rows: list[tuple[Any, ...]], *, ids: bool = True
) -> list[int]:
    """Insert plain rows in one statement and return their ids (when asked), in order.

    On PostgreSQL: `INSERT … SELECT * FROM unnest(…) RETURNING id`, one array per column, no
    model instances. Elsewhere (SQLite, for trying the app out): one executemany, or Django's
    bulk_create when the ids are needed.
    """
    if not rows:
        return []
    fields = [model._meta.get_field(c) for c in columns]
    if connection.vendor != "postgresql":
        if ids:
            objs = model.objects.bulk_create(
                [model(**{f.attname: v for f, v in zip(fields, row, strict=True)}) for row in rows]
            )
            return [o.pk for o in objs]
        prepared = [
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
            for row in rows
        ]
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", prepared)
        return []
    arrays = []
    for f, values in zip(fields, zip(*rows, strict=True), strict=True):
        if isinstance(f, JSONField):
            values = tuple(None if v is None else Jsonb(v) for v in values)
        arrays.append(list(values))
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    unnest = ", ".join(f"%s::{_array_type(f)}[]" for f in fields)
    with connection.cursor() as cursor:
        returning = " RETURNING id" if ids else ""
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({unnest}){returning}", arrays
        )
        return [r[0] for r in cursor.fetchall()] if ids else []


def _array_type(f: DjangoField) -> str:
    if f.is_relation:
        f = f.target_field
    kind = f.get_internal_type()
    if kind in ("AutoField", "BigAutoField"):
        return "bigint"
    if kind == "SmallAutoField":
        return "smallint"
    return f.db_type(connection)


class _Batch:
    """Rows to insert for one sweep step, written with a constant number of inserts."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.events: list[tuple[Any, ...]] = []
        self.notifications: list[tuple[int, str, _Row, str, int]] = []
        self.tasks: list[tuple[int, _Row, str, int]] = []
        self._seen: set[tuple[int, int, str, int]] = set()

    def event(self, row: _Row, kind: str, *, level: int | None = None) -> None:
        detail = {"level": level} if level is not None else {}
        self.events.append(
            (row.id, row.ticket_id, kind, self.now, None, row.due_at, None, "", detail)
        )

    def notify(self, user: tuple[int, str], row: _Row, kind: str, level: int = 0) -> None:
        key = (user[0], row.id, kind, level)
        if key in self._seen:
            return
        self._seen.add(key)
        self.notifications.append((user[0], user[1], row, kind, level))

    def task(self, user: tuple[int, str], row: _Row, kind: str, level: int) -> None:
        self.tasks.append((user[0], row, kind, level))

    def flush(self, definitions: dict[int, ClockDefinition]) -> list[int]:
        _insert(ClockEvent, EVENT_COLUMNS, self.events, ids=False)
        ids = _insert(Notification, NOTIFICATION_COLUMNS, self._notification_rows(definitions))
        tasks = _new_tasks(self.tasks)
        task_ids = _insert(
            SupervisorTask,
            ["ticket_id", "source_clock_id", "kind", "level", "assignee_id", "created_at", "note"],
            [
                (r.ticket_id, r.id, kind, level, user, self.now, "")
                for user, r, kind, level in tasks
            ],
        )
        _start_ack_clocks(list(zip(task_ids, tasks, strict=True)), self.now)
        return ids

    def _notification_rows(self, definitions: dict[int, ClockDefinition]) -> list[tuple[Any, ...]]:
        """Titles in each recipient's language, one language switch per language."""
        by_language: dict[str, list[int]] = {}
        for i, (_user, language, _row, _kind, _level) in enumerate(self.notifications):
            by_language.setdefault(language or settings.LANGUAGE_CODE, []).append(i)
        titles: list[str] = [""] * len(self.notifications)
        for language, indexes in by_language.items():
            with translation.override(language):
                for i in indexes:
                    _user, _lang, row, kind, level = self.notifications[i]
                    titles[i] = _text(kind, row, definitions[row.definition_id], level)
        return [
            (user, row.ticket_id, f"sla_{kind}", titles[i], row.title, self.now, True)
            for i, (user, _lang, row, kind, _level) in enumerate(self.notifications)
        ]


EVENT_COLUMNS = [
    "clock_id",
    "ticket_id",
    "kind",
    "at",
    "actor_id",
    "old_due",
    "new_due",
    "reason",
    "detail",
]
NOTIFICATION_COLUMNS = ["recipient_id", "ticket_id", "kind", "title", "body", "created_at", "email"]


def _new_tasks(tasks: list[tuple[int, _Row, str, int]]) -> list[tuple[int, _Row, str, int]]:
    """Leave out tasks that exist already: a clock warned again after an extension or a
    recompute notifies again, but its supervisor keeps the one task (unique per clock, kind,
    level and person)."""
    if not tasks:
        return []
    existing = set(
        SupervisorTask.objects.filter(
            source_clock_id__in={r.id for _u, r, _k, _l in tasks}
        ).values_list("source_clock_id", "kind", "level", "assignee_id")
    )
    fresh, seen = [], set()
    for user, row, kind, level in tasks:
        key = (row.id, kind, level, user)
        if key not in existing and key not in seen:
            seen.add(key)
            fresh.append((user, row, kind, level))
    return fresh


class _Calendars:
    """Business calendars by id, each row read once per sweep step."""

    def __init__(self) -> None:
        self._rows: dict[int, Calendar] = {}

    def load(self, ids: set[int]) -> None:
        missing = ids - set(self._rows)
        if missing:
            self._rows.update(Calendar.objects.in_bulk(missing))

    def add(self, calendar_id: int, start: dt.datetime, minutes: float, unit: str) -> dt.datetime:
        self.load({calendar_id})
        return add_minutes(calendar_for(self._rows[calendar_id]), start, minutes, unit).astimezone(
            dt.UTC
        )


def _start_ack_clocks(
    tasks: list[tuple[int, tuple[int, _Row, str, int]]], now: dt.datetime
) -> None:
    """Each supervisor task is itself measured: acknowledge within the policy's target (2 h).
    Every task of a sweep starts now, so each (calendar, target) deadline is computed once."""
    if not tasks:
        return
    definition = ClockDefinition.objects.filter(code=ClockKind.ACKNOWLEDGEMENT, active=True).first()
    if definition is None:
        return
    calendars = _Calendars()
    calendars.load({r.calendar_id for _t, (_u, r, _k, _l) in tasks})
    deadlines: dict[tuple[int, float, str], dt.datetime] = {}
    rows = []
    for task_id, (_user, source, _kind, _level) in tasks:
        amount, unit = source.ack_target or [ACK_MINUTES_DEFAULT, TargetUnit.BUSINESS_MINUTES]
        key = (source.calendar_id, float(amount), str(unit))
        if key not in deadlines:
            deadlines[key] = calendars.add(source.calendar_id, now, float(amount), str(unit))
        rows.append(
            (
                source.ticket_id,
                definition.pk,
                ClockKind.ACKNOWLEDGEMENT,
                1,
                source.policy_id,
                source.policy_version,
                source.calendar_id,
                task_id,
                int(amount),
                str(unit),
                now,
                deadlines[key],
                None,
                now,
                ClockState.RUNNING,
                0.0,
                0,
            )
        )
    _insert(
        TicketClock,
        [
            "ticket_id",
            "definition_id",
            "kind",
            "round",
            "policy_id",
            "policy_version",
            "calendar_id",
            "task_id",
            "target_amount",
            "target_unit",
            "started_at",
            "due_at",
            "warn_at",
            "warned_at",
            "state",
            "paused_minutes",
            "escalation_level",
        ],
        rows,
        ids=False,
    )


def _set_escalation(
    updates: list[tuple[int, int, dt.datetime | None]], *, breach: bool = False
) -> None:
    """(clock id, escalation level, next escalation) for many clocks in one statement; with
    `breach`, the same statement marks the (locked, still running) clocks breached."""
    if not updates:
        return
    if connection.vendor != "postgresql":
        if breach:
            TicketClock.objects.filter(
                pk__in=[u[0] for u in updates], state=ClockState.RUNNING
            ).update(state=ClockState.BREACHED, breached_at=F("due_at"))
        # One UPDATE per distinct (level, instant): bounded by the policies' delays, not by
        # the number of clocks.
        groups: dict[tuple[int, dt.datetime | None], list[int]] = {}
        for pk, level, at in updates:
            groups.setdefault((level, at), []).append(pk)
        for (level, at), pks in groups.items():
            TicketClock.objects.filter(pk__in=pks).update(
                escalation_level=level, next_escalation_at=at
            )
        return
    ids, levels, ats = (list(x) for x in zip(*updates, strict=True))
    table = connection.ops.quote_name(TicketClock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET escalation_level = v.level, next_escalation_at = v.at"
            + (", state = %s, breached_at = c.due_at" if breach else "")
            + " FROM unnest(%s::bigint[], %s::smallint[], %s::timestamptz[]) AS v(id, level, at) "
            "WHERE c.id = v.id" + (" AND c.state = %s" if breach else ""),
            ([ClockState.BREACHED] if breach else [])
            + [ids, levels, ats]
            + ([ClockState.RUNNING] if breach else []),
        )


def _definitions() -> dict[int, ClockDefinition]:
    return {d.pk: d for d in ClockDefinition.objects.all()}


def _warnings(now: dt.datetime, result: SweepResult) -> None:
    qs = TicketClock.objects.filter(
        state=ClockState.RUNNING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
    )
    ids = _claim(qs, warned_at=now)
    if not ids:
        return
    rows = _claimed(ids)
    batch = _Batch(now)
    recipients = _Recipients(rows)
    for row in rows:
        batch.event(row, ClockEvent.Kind.WARNED)
        if row.assignee_id:
            batch.notify((row.assignee_id, row.assignee_language), row, "warning")
        if row.escalates:
            for supervisor in recipients.supervisors_of(row):
                batch.notify(supervisor, row, "warning")
                batch.task(supervisor, row, SupervisorTask.Kind.WARNING, 0)
    result.warned += len(ids)
    definitions = _definitions()
    result.notifications += batch.flush(definitions)
    sla_alerts(kind="warning", rows=rows, definitions=definitions)


def _escalate(batch: _Batch, recipients: _Recipients, row: _Row, level: int) -> None:
    """Record level `level` of a breached clock and tell the people of that step."""
    batch.event(row, ClockEvent.Kind.ESCALATED, level=level)
    step = row.chain().get(level)
    if step is None:
        return
    _, _after, lead, role, user_id = step
    people: list[tuple[int, str]] = []
    if lead:
        people += recipients.supervisors_of(row)
    if role:
        people += recipients.role(str(role))
    if user_id:
        people += recipients.user(int(user_id))
    for person in dict(people).items():
        batch.notify(person, row, "escalation", level)
        batch.task(person, row, SupervisorTask.Kind.ESCALATION, level)


def _breaches(now: dt.datetime, result: SweepResult) -> None:
    """Record each breach; level 1 of the chain, when it is due at the breach (the usual case),
    is sent in the same pass, and the next level is scheduled in business time."""
    qs = TicketClock.objects.filter(state=ClockState.RUNNING, due_at__lte=now)
    # Locked first, read, then claimed by one conditional UPDATE that also sets the escalation
    # level and the next escalation: each breached row is written once.
    ids = list(qs.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True))
    if not ids:
        return
    rows = _claimed(ids)
    batch = _Batch(now)
    recipients = _Recipients(rows)
    calendars = _Calendars()
    calendars.load({r.calendar_id for r in rows})
    updates: list[tuple[int, int, dt.datetime | None]] = []
    escalated_rows: list[_Row] = []
    for row in rows:
        row.breached_at = row.due_at
        batch.event(row, ClockEvent.Kind.BREACHED)
        if row.kind == ClockKind.ACKNOWLEDGEMENT or row.kind in SYSTEM_CLOCKS:
            updates.append((row.id, 0, None))
            continue
        if row.assignee_id:
            batch.notify((row.assignee_id, row.assignee_language), row, "breach")
        chain = row.chain() if row.escalates else {}
        if not chain:
            updates.append((row.id, 0, None))
            continue
        first = chain.get(1)
        delay = float(first[1]) if first else 0.0
        if delay:
            at = calendars.add(row.calendar_id, row.due_at, delay, TargetUnit.BUSINESS_MINUTES)
            if at > now:
                updates.append((row.id, 0, at))
                continue
        _escalate(batch, recipients, row, 1)
        row.level = 1
        escalated_rows.append(row)
        following = chain.get(2)
        updates.append(
            (
                row.id,
                1,
                calendars.add(
                    row.calendar_id,
                    row.breached_at,
                    float(following[1]),
                    TargetUnit.BUSINESS_MINUTES,
                )
                if following is not None
                else None,
            )
        )
    _set_escalation(updates, breach=True)
    result.breached += len(ids)
    result.escalated += len(escalated_rows)
    definitions = _definitions()
    result.notifications += batch.flush(definitions)
    sla_alerts(kind="breach", rows=rows, definitions=definitions)
    sla_alerts(kind="escalation", rows=escalated_rows, definitions=definitions)


def _escalations(now: dt.datetime, result: SweepResult) -> int:
    qs = TicketClock.objects.filter(
        state=ClockState.BREACHED, stopped_at__isnull=True, next_escalation_at__lte=now
    )
    ids = _claim(qs, escalation_level=F("escalation_level") + 1, next_escalation_at=None)
    if not ids:
        return 0
    rows = _claimed(ids)
    batch = _Batch(now)
    recipients = _Recipients(rows)
    calendars = _Calendars()
    calendars.load({r.calendar_id for r in rows})
    updates: list[tuple[int, int, dt.datetime | None]] = []
    for row in rows:
        _escalate(batch, recipients, row, row.level)
        following = row.chain().get(row.level + 1)
        if following is not None:
            updates.append(
                (
                    row.id,
                    row.level,
                    calendars.add(
                        row.calendar_id,
                        row.breached_at,
                        float(following[1]),
                        TargetUnit.BUSINESS_MINUTES,
                    ),
                )
            )
    _set_escalation(updates)
    result.escalated += len(ids)
    definitions = _definitions()
    result.notifications += batch.flush(definitions)
    sla_alerts(kind="escalation", rows=rows, definitions=definitions)
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
