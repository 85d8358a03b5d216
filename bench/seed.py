"""Seed tickets in bulk: a million in a few minutes on two cores.

Tickets are generated in creation order over the last two years (more in office hours and on
weekdays) and numbered per local day like intake does (`TS-YYYYMMDD-NNN`, `RD-` for feature
requests). They are written with binary COPY together with one '+' history row, two messages and
a `created` event each, and the day sequences (`TicketSequence`) and the id sequence are moved
past the rows written, so tickets created afterwards through the app continue the numbering.

The whole top-up is one transaction (see `seed_tickets`): all or nothing, and a later run seeds
only what is missing. Generation runs in a thread while the previous batch is being copied: the
copy mostly waits on the server with the GIL released, so both cores work.
"""

import datetime as dt
import operator
import random
import time
import zoneinfo
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tickets import routing
from tickets.models import Message, TeamMembership, Ticket, TicketEvent, TicketSequence
from tickets.services.intake import NUMBER_PREFIX

from . import texts
from .bulk import CopyTable
from .reference import N_FOLLOWED, Reference, SeedError

RANDOM_SEED = 20261121
BATCH = 10_000
REBUILD_MIN = 50_000  # tickets; below this, maintaining the indexes row by row is cheaper
SPAN = dt.timedelta(days=730)
CHANNEL_WEIGHTS = {
    "portal": 30,
    "email": 20,
    "phone": 20,
    "api": 10,
    "im": 10,
    "hotline": 5,
    "chat": 5,
}
AGENT_CHANNELS = {"email", "phone", "hotline", "im", "chat"}
IMPACT_WEIGHTS = {"core": 5, "many": 10, "department": 30, "user": 55}
URGENCY_WEIGHTS = {"critical": 5, "high": 20, "medium": 50, "low": 25}
OPEN_STATUS_WEIGHTS = {
    "new": 10,
    "assigned": 15,
    "in_progress": 35,
    "waiting_customer": 15,
    "waiting_third_party": 8,
    "testing": 7,
    "resolved": 10,
}
REQUEST_TYPE_BY_MAIN = {"requirement": "requirement", "consulting": "howto"}
# Share of open tickets by age: the newest are mostly open, old ones mostly closed; overall ≈ 20%.
OPEN_SHARE = ((14, 0.85), (60, 0.40), (None, 0.173))
HOUR_WEIGHTS = (
    0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.2, 0.6, 1.0, 1.0, 1.0,
    0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 0.5, 0.2, 0.2, 0.15, 0.08, 0.05,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.2)
BUCKET = 900  # seconds; local-day and weight lookups are cached per quarter hour


TICKET_COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "status",
    "channel",
    "request_type",
    "organization_id",
    "contact_id",
    "contact_name",
    "contact_phone",
    "contact_email",
    "product_line_id",
    "product",
    "product_version",
    "device_model",
    "steps_to_reproduce",
    "error_message",
    "impact_scope",
    "occurred_at",
    "received_at",
    "created_at",
    "updated_at",
    "registration_lag",
    "impact",
    "urgency",
    "priority_id",
    "priority_rank",
    "category_id",
    "suggested_category_id",
    "classified_at",
    "team_id",
    "assignee_id",
    "assigned_at",
    "created_by_id",
    "cc_emails",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
)
HISTORY_REASON = "registered"
HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")
MESSAGE_COLUMNS = ("ticket_id", "author_id", "kind", "worklog_kind", "body", "created_at")
EVENT_COLUMNS = ("ticket_id", "kind", "actor_id", "old", "new", "reason", "created_at")
CREATED_AT = TICKET_COLUMNS.index("created_at")
CREATED_BY = TICKET_COLUMNS.index("created_by_id")


@dataclass
class SeedResult:
    existing: int
    created: int
    seconds: float
    total: int


@dataclass
class Batch:
    tickets: list[tuple]
    messages: list[tuple]
    events: list[tuple]
    sequences: dict[str, int]  # day key → last number used in this batch


def expand(weights: dict[str, int]) -> list[str]:
    """A list in which each key appears `weight` times: `lst[int(random() * len(lst))]`."""
    return [k for k, w in weights.items() for _ in range(w)]


class TicketGenerator:
    """Deterministic, realistic-looking tickets in creation order."""

    def __init__(self, ref: Reference, *, end: dt.datetime, rng: random.Random) -> None:
        self.ref = ref
        self.rng = rng
        self.end_ts = end.timestamp()
        self.start_ts = (end - SPAN).timestamp()
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self._buckets: dict[int, tuple[str, float]] = {}
        self.titles = texts.title_pool(rng)
        self.descriptions = texts.description_pool(rng)
        self.channels = expand(CHANNEL_WEIGHTS)
        self.impacts = expand(IMPACT_WEIGHTS)
        self.urgencies = expand(URGENCY_WEIGHTS)
        self.open_statuses = expand(OPEN_STATUS_WEIGHTS)
        self.route_cache: dict[tuple[int, int, int | None], int | None] = {}
        self.sequences = dict(TicketSequence.objects.values_list("key", "last"))

    def _bucket(self, ts: float) -> tuple[str, float]:
        """(`YYYYMMDD` of the local day, arrival weight) of a quarter hour."""
        b = int(ts // BUCKET)
        hit = self._buckets.get(b)
        if hit is None:
            local = dt.datetime.fromtimestamp(b * BUCKET, self.tz)
            weight = HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()]
            hit = self._buckets[b] = (f"{local:%Y%m%d}", weight)
        return hit

    def timestamps(self, n: int) -> list[float]:
        """`n` arrival times over the last two years, more in office hours and on weekdays."""
        rnd, start, span = self.rng.random, self.start_ts, self.end_ts - self.start_ts
        out: list[float] = []
        while len(out) < n:
            ts = start + rnd() * span
            if rnd() < self._bucket(ts)[1]:
                out.append(ts)
        out.sort()
        return out

    def _team_for(
        self, category_id: int, parent_id: int, product_line_id: int | None
    ) -> int | None:
        key = (category_id, parent_id, product_line_id)
        if key not in self.route_cache:
            rule = routing.match_rule(
                self.ref.rules,
                category_id=category_id,
                parent_category_id=parent_id,
                product_line_id=product_line_id,
            )
            self.route_cache[key] = rule.team_id if rule else None
        return self.route_cache[key]

    def batch(self, timestamps: Sequence[float], first_id: int) -> "Batch":
        """The rows of the tickets arriving at `timestamps`, with ids from `first_id`."""
        ref, rng = self.ref, self.rng
        rnd, end_ts = rng.random, self.end_ts
        utc = dt.UTC
        fromts = dt.datetime.fromtimestamp
        td = dt.timedelta
        titles, descriptions = self.titles, self.descriptions
        channels, impacts, urgencies = self.channels, self.impacts, self.urgencies
        open_statuses, leaves = self.open_statuses, ref.leaf_categories
        orgs, agents, contacts = ref.orgs, ref.agents, ref.contacts
        product_lines, team_pl, members = ref.product_lines, ref.team_product_line, ref.team_members
        cells, sequences = self.cells_or_fail(), self.sequences
        n_orgs, n_leaves = len(orgs), len(leaves)
        products = texts.PRODUCTS
        machines = texts.MACHINES
        replies, customer_replies, notes = texts.REPLIES, texts.CUSTOMER_REPLIES, texts.NOTES
        worklogs = texts.WORKLOGS
        prefixes = NUMBER_PREFIX
        used: dict[str, int] = {}
        tickets: list[tuple] = []
        messages: list[tuple] = []
        events: list[tuple] = []

        for k, ts in enumerate(timestamps):
            tid = first_id + k
            created = fromts(ts, utc)
            age_days = (end_ts - ts) / 86400.0
            leaf_id, parent_id, main = leaves[int(rnd() * n_leaves)]
            request_type = REQUEST_TYPE_BY_MAIN.get(main, "fault")
            key = f"{prefixes.get(request_type, 'TS')}-{self._bucket(ts)[0]}"
            seq = sequences.get(key, 0) + 1
            sequences[key] = used[key] = seq

            product_line = product_lines[int(rnd() * len(product_lines))] if rnd() < 0.7 else None
            team = self._team_for(leaf_id, parent_id, product_line)
            impact = impacts[int(rnd() * len(impacts))]
            urgency = urgencies[int(rnd() * len(urgencies))]
            level_id, rank = cells[(impact, urgency)]
            channel = channels[int(rnd() * len(channels))]
            org = orgs[int(n_orgs * rnd() ** 2)]  # a few large customers, a long tail
            org_contacts = contacts.get(org)
            contact = org_contacts[int(rnd() * len(org_contacts))] if org_contacts else None
            if rnd() < 0.25:
                contact = None
            agent = agents[int(rnd() * len(agents))]
            created_by = agent if channel in AGENT_CHANNELS or contact is None else contact[0]

            p_open = next(p for limit, p in OPEN_SHARE if limit is None or age_days < limit)
            if rnd() < p_open:
                status = open_statuses[int(rnd() * len(open_statuses))]
            elif age_days > 7 and rnd() < 0.85:
                status = "archived"
            else:
                status = "closed"

            team_members = members.get(team) if team else None
            if status == "new" or (status == "waiting_customer" and rnd() < 0.3):
                assignee = None
                if status == "new" and rnd() < 0.5:
                    team = None
            else:
                assignee = team_members[int(rnd() * len(team_members))] if team_members else None
            max_ts = end_ts - 1.0
            lag = rnd() * 900.0
            received = fromts(ts - lag, utc)
            occurred = fromts(ts - lag - rnd() * 7200.0, utc) if rnd() < 0.6 else None
            classified = (
                fromts(min(ts + 60 + rnd() * 1800, max_ts), utc)
                if status != "new" or rnd() < 0.3
                else None
            )
            assigned = fromts(min(ts + 120 + rnd() * 1800, max_ts), utc) if assignee else None
            first_response_ts = min(ts + 300 + rnd() * 14_000, max_ts) if status != "new" else None
            last_ts = first_response_ts or ts
            resolved = closed = None
            if status in ("resolved", "closed", "archived"):
                resolved_ts = min(last_ts + 3600 + rnd() * rnd() * 432_000, max_ts)
                resolved = fromts(resolved_ts, utc)
                last_ts = resolved_ts
                if status != "resolved":
                    closed_ts = min(resolved_ts + 600 + rnd() * 86_400, max_ts)
                    closed = fromts(closed_ts, utc)
                    last_ts = closed_ts
            updated = fromts(last_ts, utc)
            product, version = products[int(rnd() * len(products))] if rnd() < 0.5 else ("", "")
            if product_line is None and team:
                product_line = team_pl.get(team)

            tickets.append(
                (
                    tid,
                    f"{key}-{seq:03d}",
                    titles[int(rnd() * 4000)],
                    descriptions[int(rnd() * 4000)],
                    status,
                    channel,
                    request_type,
                    org,
                    contact[0] if contact else None,
                    contact[1] if contact else "",
                    contact[2] if contact else "",
                    contact[3] if contact else "",
                    product_line,
                    product,
                    version,
                    machines[int(rnd() * len(machines))] if rnd() < 0.3 else "",
                    "",
                    "",
                    "",
                    occurred,
                    received,
                    created,
                    updated,
                    td(seconds=lag),
                    impact,
                    urgency,
                    level_id,
                    rank,
                    leaf_id,
                    leaf_id if rnd() < 0.8 else leaves[int(rnd() * n_leaves)][0],
                    classified,
                    team,
                    assignee,
                    assigned,
                    created_by,
                    "",
                    fromts(first_response_ts, utc) if first_response_ts else None,
                    resolved,
                    closed,
                    1 if closed and rnd() < 0.03 else 0,
                )
            )
            events.append((tid, "created", created_by, "", channel, "", created))
            responder = assignee or agent
            first_msg_ts = first_response_ts or min(ts + 60 + rnd() * 600, max_ts)
            messages.append(
                (
                    tid,
                    responder,
                    "reply",
                    "",
                    replies[int(rnd() * len(replies))],
                    fromts(first_msg_ts, utc),
                )
            )
            r = rnd()
            second_ts = fromts(min(first_msg_ts + 60 + rnd() * 86_400, max_ts), utc)
            if r < 0.4 and contact:
                row = (tid, contact[0], "reply", "", customer_replies[int(r * 12.5)], second_ts)
            elif r < 0.7:
                row = (tid, responder, "note", "", notes[int(rnd() * len(notes))], second_ts)
            else:
                wk = ("ask", "look", "test")[int(rnd() * 3)]
                row = (tid, responder, "worklog", wk, worklogs[wk][int(rnd() * 2)], second_ts)
            messages.append(row)
        return Batch(tickets=tickets, messages=messages, events=events, sequences=used)

    def cells_or_fail(self) -> dict[tuple[str, str], tuple[int, int]]:
        cells = self.ref.cells
        missing = [(i, u) for i in IMPACT_WEIGHTS for u in URGENCY_WEIGHTS if (i, u) not in cells]
        if missing:
            raise SeedError(f"The default priority matrix has no cell for {missing}.")
        return cells


class BatchWriter:
    """Writes one batch of generated rows in one transaction."""

    def __init__(self) -> None:
        history_model = Ticket.history.model
        history_fields = {f.attname for f in history_model._meta.concrete_fields}
        history_columns = [c for c in TICKET_COLUMNS if c in history_fields]
        self.history_pick = operator.itemgetter(*(TICKET_COLUMNS.index(c) for c in history_columns))
        self.tickets = CopyTable(Ticket, TICKET_COLUMNS)
        self.history = CopyTable(history_model, [*history_columns, *HISTORY_EXTRA])
        self.messages = CopyTable(Message, MESSAGE_COLUMNS)
        self.events = CopyTable(TicketEvent, EVENT_COLUMNS)
        qn = connection.ops.quote_name
        seq, ticket = qn(TicketSequence._meta.db_table), qn(Ticket._meta.db_table)
        self.sequence_sql = (
            f'INSERT INTO {seq} ("key", "last") VALUES (%s, %s) ON CONFLICT ("key") '
            f'DO UPDATE SET "last" = GREATEST({seq}."last", EXCLUDED."last")'
        )
        self.id_sql = (
            f"SELECT setval(pg_get_serial_sequence('{Ticket._meta.db_table}', 'id'), "
            f"(SELECT MAX(id) FROM {ticket}))"
        )

    def write(self, batch: "Batch") -> None:
        pick = self.history_pick
        with connection.connection.cursor() as cursor:
            self.tickets.copy(cursor, batch.tickets)
            self.history.copy(
                cursor,
                (
                    (*pick(t), t[CREATED_AT], HISTORY_REASON, "+", t[CREATED_BY])
                    for t in batch.tickets
                ),
            )
            self.messages.copy(cursor, batch.messages)
            self.events.copy(cursor, batch.events)
            cursor.executemany(self.sequence_sql, list(batch.sequences.items()))
            cursor.execute(self.id_sql)

    @property
    def tables(self) -> list[str]:
        return [t.table for t in (self.tickets, self.history, self.messages, self.events)]


def secondary_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes not backing a constraint (primary keys and
    unique constraints stay: they guard the data while it is loaded)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY x.indrelid, i.relname",
            [list(tables)],
        )
        return cursor.fetchall()


def foreign_keys(tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of `tables`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conrelid, conname",
            [list(tables)],
        )
        return cursor.fetchall()


def seed_tickets(ref: Reference, *, target: int, console: Console) -> SeedResult:
    """Top the tickets up to `target` in one transaction (all or nothing).

    A large load drops the secondary indexes and the foreign keys first and restores them at the
    end, as pg_restore does: maintaining 40 indexes row by row costs about six times the COPY
    itself, and Django's deferred foreign keys would queue ~15 checks per ticket until the commit
    (re-adding a key validates it with one join). DDL is transactional in PostgreSQL, so an
    interrupted seed rolls back to the previous state, indexes and keys included.
    """
    existing = Ticket.objects.count()
    missing = target - existing
    if missing <= 0:
        return SeedResult(existing=existing, created=0, seconds=0.0, total=existing)
    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED + existing)
    gen = TicketGenerator(ref, end=timezone.now() - dt.timedelta(minutes=10), rng=rng)
    writer = BatchWriter()
    first_id = (Ticket.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    rebuild = missing >= REBUILD_MIN and missing * 4 >= existing

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    with progress, transaction.atomic(), ThreadPoolExecutor(max_workers=1) as pool:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        qn = connection.ops.quote_name
        indexes = secondary_indexes(writer.tables) if rebuild else []
        keys = foreign_keys(writer.tables) if rebuild else []
        with connection.cursor() as cursor:
            if rebuild:  # run checks still deferred in an enclosing transaction: DDL needs none
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
        task = progress.add_task("tickets", total=missing, note="arrival times…")
        stamps = gen.timestamps(missing)
        pending = pool.submit(gen.batch, stamps[:BATCH], first_id)
        for offset in range(0, missing, BATCH):
            batch = pending.result()
            following = offset + BATCH
            if following < missing:
                chunk = stamps[following : following + BATCH]
                pending = pool.submit(gen.batch, chunk, first_id + following)
            writer.write(batch)
            done = min(following, missing)
            rate = done / (time.perf_counter() - started)
            progress.update(task, completed=done, note=f"{rate:,.0f} tickets/s")
        if rebuild:
            task = progress.add_task("indexes, keys", total=len(indexes) + len(keys), note="")
            with connection.cursor() as cursor:
                for name, definition in indexes:
                    progress.update(task, note=name)
                    cursor.execute(definition)
                    progress.advance(task)
                for table, name, definition in keys:
                    progress.update(task, note=name)
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
                    progress.advance(task)
            progress.update(task, note="")
        _follow(ref, rng)
    return SeedResult(
        existing=existing,
        created=missing,
        seconds=time.perf_counter() - started,
        total=existing + missing,
    )


def _follow(ref: Reference, rng: random.Random) -> None:
    """The measured engineer follows a few tickets of other teams (the scope's third branch)."""
    through = Ticket.followers.through
    if through.objects.filter(user_id=ref.engineer.pk).exists():
        return
    own_teams = TeamMembership.objects.filter(user=ref.engineer).values("team_id")
    bounds = Ticket.objects.aggregate(lo=Min("id"), hi=Max("id"))
    picks = sorted({rng.randint(bounds["lo"], bounds["hi"]) for _ in range(N_FOLLOWED * 3)})
    ids = list(
        Ticket.objects.filter(pk__in=picks)
        .exclude(team_id__in=own_teams)
        .values_list("id", flat=True)[:N_FOLLOWED]
    )
    through.objects.bulk_create([through(ticket_id=i, user_id=ref.engineer.pk) for i in ids])
