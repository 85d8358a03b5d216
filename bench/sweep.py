"""The SLA sweep on the benchmark database: `python -m bench.run --sweep-only`.

Goal (at 1,000,000 tickets, 200,000 open, 1% of the running clocks due): one `sla_sweep()` on
PostgreSQL finishes in under 1 s, with a number of queries that does not depend on how many
tickets are open or due.

Data: every open ticket without an SLA gets a `TicketSla` (the default policy's snapshot, marked
`"seeded_by": "bench"`) and one running `resolution` clock due 2–8 days ahead, written with two
`INSERT … SELECT` statements, once (a later run adds only what is missing). The clocks to sweep
are then "armed" (due 1–60 minutes ago, warning an hour before that), swept, and "disarmed": the
events, notifications, supervisor tasks and acknowledgement clocks the sweep created are deleted
and the clocks are put back in the future, so the run can be repeated and the database reused.

Scenarios (same query count expected in all three):
- 1% of the open clocks due, all 200,000 clocks open (the goal);
- 0.1% due, 200,000 open (ten times fewer due clocks);
- 0.1% of 200,000 due, but only 20,000 open (the other clocks paused for the run).
"""

import datetime as dt
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ
from rich.console import Console
from rich.table import Table

from sla.models import (
    ClockDefinition,
    ClockEvent,
    ClockKind,
    SlaPolicy,
    SupervisorTask,
    TicketClock,
    TicketSla,
)
from sla.services.clocks import policy_snapshot
from sla.services.sweep import sla_sweep
from tickets.models import Notification, Ticket
from tickets.workflow import OPEN_STATUSES

MARK = "seeded_by"
GOAL_SECONDS = 1.0
GOAL_OPEN = 200_000
AHEAD_MINUTES = 6 * 24 * 60  # future deadlines spread over 2–8 days ahead
REPEATS = 5

T_TICKET = Ticket._meta.db_table
T_SLA = TicketSla._meta.db_table
T_CLOCK = TicketClock._meta.db_table
T_EVENT = ClockEvent._meta.db_table
T_TASK = SupervisorTask._meta.db_table
T_NOTE = Notification._meta.db_table

# The future state of a bench clock (also used to disarm one after a sweep).
FUTURE_SET = f"""
    state = 'running',
    due_at = now() + interval '2 days' + (ticket_id %% {AHEAD_MINUTES}) * interval '1 minute',
    warn_at = now() + interval '2 days' + (ticket_id %% {AHEAD_MINUTES}) * interval '1 minute'
              - interval '60 minutes',
    warned_at = NULL, breached_at = NULL, met_at = NULL, stopped_at = NULL,
    paused_at = NULL, escalation_level = 0, next_escalation_at = NULL
"""
# Due between 1 and 60 minutes ago, the warning an hour before (the warning is not sent: a clock
# already past its deadline is breached instead).
DUE_SET = """
    state = 'running',
    due_at = now() - ((id %% 60) + 1) * interval '1 minute',
    warn_at = now() - ((id %% 60) + 61) * interval '1 minute',
    warned_at = NULL, breached_at = NULL, met_at = NULL, stopped_at = NULL,
    paused_at = NULL, escalation_level = 0, next_escalation_at = NULL
"""
BENCH_CLOCKS = f"""
    SELECT c.id, c.ticket_id FROM {T_CLOCK} c JOIN {T_SLA} s ON s.ticket_id = c.ticket_id
    WHERE s.snapshot ? '{MARK}' AND c.kind = 'resolution' AND c.task_id IS NULL
"""


@dataclass
class ClockSeed:
    open_tickets: int
    slas_created: int
    clocks_created: int
    bench_clocks: int
    seconds: float


@dataclass
class Run:
    seconds: float
    queries: int
    warned: int
    breached: int
    escalated: int
    notifications: int


@dataclass
class Scenario:
    key: str
    label: str
    open_clocks: int
    due_clocks: int
    runs: list[Run] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def max_seconds(self) -> float:
        return max(r.seconds for r in self.runs)

    @property
    def query_counts(self) -> list[int]:
        return sorted({r.queries for r in self.runs})


def seed_clocks() -> ClockSeed:
    """One `TicketSla` and one running resolution clock per open ticket that has no SLA yet."""
    started = time.perf_counter()
    policy = SlaPolicy.objects.get(is_default=True)
    definition = ClockDefinition.objects.get(code=ClockKind.RESOLUTION)
    snapshot = {**policy_snapshot(policy), MARK: "bench"}
    statuses = sorted(str(s) for s in OPEN_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {T_SLA} (ticket_id, policy_id, policy_version, snapshot, applied_at) "
            f"SELECT t.id, %s, %s, %s::jsonb, t.created_at FROM {T_TICKET} t "
            f"WHERE t.status = ANY(%s) "
            f"AND NOT EXISTS (SELECT 1 FROM {T_SLA} s WHERE s.ticket_id = t.id)",
            [policy.pk, policy.version, json.dumps(snapshot), statuses],
        )
        slas_created = cursor.rowcount
        # The target of the ticket's priority level, else the policy's "*" target.
        target = (
            "COALESCE(s.snapshot->'targets'->'resolution'->(t.priority_id::text), "
            "s.snapshot->'targets'->'resolution'->'*')"
        )
        cursor.execute(
            f"INSERT INTO {T_CLOCK} (ticket_id, definition_id, kind, round, policy_id, "
            "policy_version, calendar_id, target_amount, target_unit, started_at, due_at, "
            "warn_at, state, paused_minutes, escalation_level) "
            f"SELECT t.id, %s, 'resolution', 1, s.policy_id, s.policy_version, "
            f"(s.snapshot->>'calendar_id')::bigint, ({target}->>0)::int, {target}->>1, "
            f"LEAST(t.created_at, now()), "
            f"now() + interval '2 days' + (t.id %% {AHEAD_MINUTES}) * interval '1 minute', "
            f"now() + interval '2 days' + (t.id %% {AHEAD_MINUTES}) * interval '1 minute' "
            "- interval '60 minutes', 'running', 0, 0 "
            f"FROM {T_SLA} s JOIN {T_TICKET} t ON t.id = s.ticket_id "
            f"WHERE s.snapshot ? %s AND {target} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {T_CLOCK} c WHERE c.ticket_id = s.ticket_id "
            "AND c.kind = 'resolution')",
            [definition.pk, MARK],
        )
        clocks_created = cursor.rowcount
    with connection.cursor() as cursor:
        if slas_created or clocks_created:
            cursor.execute(f"ANALYZE {T_SLA}")
            cursor.execute(f"ANALYZE {T_CLOCK}")
        cursor.execute(f"SELECT count(*) FROM {T_TICKET} WHERE status = ANY(%s)", [statuses])
        open_tickets = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM ({BENCH_CLOCKS}) b")
        bench_clocks = cursor.fetchone()[0]
    return ClockSeed(
        open_tickets=open_tickets,
        slas_created=slas_created,
        clocks_created=clocks_created,
        bench_clocks=bench_clocks,
        seconds=time.perf_counter() - started,
    )


def _cleanup(cursor, clock_ids: list[int]) -> None:
    """Delete what a sweep created for `clock_ids`: events, supervisor tasks with their
    acknowledgement clocks (and those clocks' events), and the SLA notifications of their
    tickets (bench tickets have no other clocks, so every SLA notification on them is ours)."""
    cursor.execute(f"SELECT id FROM {T_TASK} WHERE source_clock_id = ANY(%s)", [clock_ids])
    task_ids = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        f"DELETE FROM {T_EVENT} WHERE clock_id = ANY(%s) OR clock_id IN "
        f"(SELECT id FROM {T_CLOCK} WHERE task_id = ANY(%s))",
        [clock_ids, task_ids],
    )
    cursor.execute(f"DELETE FROM {T_CLOCK} WHERE task_id = ANY(%s)", [task_ids])
    cursor.execute(f"DELETE FROM {T_TASK} WHERE id = ANY(%s)", [task_ids])
    cursor.execute(
        f"DELETE FROM {T_NOTE} WHERE kind LIKE 'sla\\_%%' AND ticket_id IN "
        f"(SELECT ticket_id FROM {T_CLOCK} WHERE id = ANY(%s))",
        [clock_ids],
    )


def disarm(clock_ids: list[int]) -> None:
    if not clock_ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        _cleanup(cursor, clock_ids)
        cursor.execute(f"UPDATE {T_CLOCK} SET {FUTURE_SET} WHERE id = ANY(%s)", [clock_ids])


def arm(clock_ids: list[int]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        _cleanup(cursor, clock_ids)
        cursor.execute(f"UPDATE {T_CLOCK} SET {DUE_SET} WHERE id = ANY(%s)", [clock_ids])


def normalize() -> list[tuple[int, int]]:
    """Put back in the future every bench clock an interrupted run left due, breached or
    paused, or that time brought within a day of its deadline; (clock id, ticket id) of all."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"{BENCH_CLOCKS} AND (c.state <> 'running' OR c.warned_at IS NOT NULL "
            "OR c.due_at < now() + interval '1 day')"
        )
        stale = [r[0] for r in cursor.fetchall()]
        disarm(stale)
        cursor.execute(f"{BENCH_CLOCKS} ORDER BY c.ticket_id")
        return [(r[0], r[1]) for r in cursor.fetchall()]


def _queue_mark() -> int:
    return OrmQ.objects.order_by("-id").values_list("id", flat=True).first() or 0


def sweep_once(due: list[int], queue_mark: int) -> Run:
    arm(due)
    try:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = sla_sweep()
            seconds = time.perf_counter() - started
    finally:
        disarm(due)
        # The e-mails the sweep queued (django-q, ORM broker): nobody sends them here.
        OrmQ.objects.filter(id__gt=queue_mark).delete()
    return Run(
        seconds=seconds,
        queries=len(ctx.captured_queries),
        warned=result.warned,
        breached=result.breached,
        escalated=result.escalated,
        notifications=len(result.notifications),
    )


def _scenario(
    key: str, label: str, *, open_ids: list[int], due: list[int], repeats: int, mark: int
) -> Scenario:
    scenario = Scenario(key=key, label=label, open_clocks=len(open_ids), due_clocks=len(due))
    for _ in range(repeats):
        scenario.runs.append(sweep_once(due, mark))
    return scenario


def measure(*, repeats: int = REPEATS, console: Console) -> dict[str, Any]:
    with console.status("SLA clocks of the open tickets…"):
        seed = seed_clocks()
    if seed.slas_created or seed.clocks_created:
        console.print(
            f"Seeded {seed.slas_created:,} ticket SLAs and {seed.clocks_created:,} resolution "
            f"clocks in {seed.seconds:,.1f} s."
        )
    if seed.bench_clocks < GOAL_OPEN:
        console.print(
            f"[yellow]Only {seed.open_tickets:,} open tickets ({seed.bench_clocks:,} bench "
            f"clocks), fewer than the {GOAL_OPEN:,} of the goal: measured with what there is."
        )
    with console.status("resetting clocks left by an earlier run…"):
        clocks = normalize()
    all_ids = [c for c, _t in clocks]
    mark = _queue_mark()
    # Settle: clocks of tickets created through the app (the HTTP benchmark) may be due; one
    # untimed sweep deals with them so that the timed sweeps see only the bench's due clocks.
    settle = sla_sweep()
    OrmQ.objects.filter(id__gt=mark).delete()

    due_1 = all_ids[::100]  # exactly 1%, spread over the tickets
    due_01 = all_ids[::1000]
    # Warm-up, untimed (like the HTTP warm-up requests): the first sweep of a process reads
    # and caches the business calendars, two queries that later sweeps do not make.
    sweep_once(all_ids[1::1000], mark)
    few_open = all_ids[: max(len(all_ids) // 10, 1)]
    due_few = few_open[::100]  # as many due as 0.1% of all, among 10% of the clocks
    scenarios: list[Scenario] = []
    with console.status("sweeping: 1% due…"):
        scenarios.append(
            _scenario("due_1pct", "1% due", open_ids=all_ids, due=due_1, repeats=repeats, mark=mark)
        )
    with console.status("sweeping: 0.1% due…"):
        scenarios.append(
            _scenario("due_0.1pct", "0.1% due", open_ids=all_ids, due=due_01, repeats=3, mark=mark)
        )
    paused = all_ids[len(few_open) :]
    with console.status(f"sweeping: {len(few_open):,} open clocks…"):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {T_CLOCK} SET state = 'paused' WHERE id = ANY(%s)", [paused])
        try:
            scenarios.append(
                _scenario(
                    "open_10pct",
                    f"{len(due_few):,} due of {len(few_open):,} open",
                    open_ids=few_open,
                    due=due_few,
                    repeats=3,
                    mark=mark,
                )
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {T_CLOCK} SET {FUTURE_SET} WHERE id = ANY(%s)", [paused])
    with console.status("VACUUM ANALYZE of the clock tables…"), connection.cursor() as cursor:
        for table in (T_CLOCK, T_EVENT, T_TASK, T_NOTE):
            cursor.execute(f"VACUUM (ANALYZE) {table}")

    goal = scenarios[0]
    counts = {q for s in scenarios for q in s.query_counts}
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "now_local": timezone.localtime().isoformat(timespec="minutes"),
        "open_tickets": seed.open_tickets,
        "bench_clocks": seed.bench_clocks,
        "seeding": {
            "slas_created": seed.slas_created,
            "clocks_created": seed.clocks_created,
            "seconds": round(seed.seconds, 1),
        },
        "settle_sweep": {
            "warned": settle.warned,
            "breached": settle.breached,
            "escalated": settle.escalated,
            "notifications": len(settle.notifications),
        },
        "scenarios": [
            {
                "key": s.key,
                "label": s.label,
                "open_clocks": s.open_clocks,
                "due_clocks": s.due_clocks,
                "median_s": round(s.median_seconds, 3),
                "max_s": round(s.max_seconds, 3),
                "queries": s.query_counts,
                "runs": [r.__dict__ | {"seconds": round(r.seconds, 4)} for r in s.runs],
            }
            for s in scenarios
        ],
        "goal": {
            "text": f"< {GOAL_SECONDS:g} s at 1% due of {GOAL_OPEN:,} open; same query count",
            "seconds_passed": goal.median_seconds < GOAL_SECONDS,
            "queries_constant": len(counts) == 1,
            "full_size": seed.bench_clocks >= GOAL_OPEN,
        },
    }


def show(data: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"SLA sweep — {data['open_tickets']:,} open tickets, "
        f"{data['bench_clocks']:,} bench resolution clocks"
    )
    for name, justify in (
        ("scenario", "left"),
        ("open clocks", "right"),
        ("due", "right"),
        ("runs", "right"),
        ("median s", "right"),
        ("max s", "right"),
        ("queries", "right"),
        ("breached", "right"),
        ("escalated", "right"),
        ("notifications", "right"),
    ):
        table.add_column(name, justify=justify)
    for s in data["scenarios"]:
        last = s["runs"][-1]
        table.add_row(
            s["label"],
            f"{s['open_clocks']:,}",
            f"{s['due_clocks']:,}",
            str(len(s["runs"])),
            f"{s['median_s']:.3f}",
            f"{s['max_s']:.3f}",
            "/".join(str(q) for q in s["queries"]),
            f"{last['breached']:,}",
            f"{last['escalated']:,}",
            f"{last['notifications']:,}",
        )
    console.print(table)
    goal = data["goal"]
    seconds = "[green]pass" if goal["seconds_passed"] else "[red]FAIL"
    queries = "[green]pass" if goal["queries_constant"] else "[red]FAIL"
    console.print(f"Goal {goal['text']}: time {seconds}[/], query count {queries}[/].")
    settle = data["settle_sweep"]
    if any(settle.values()):
        console.print(
            f"Untimed settling sweep first (clocks of app-created tickets): "
            f"{settle['breached']} breached, {settle['warned']} warned, "
            f"{settle['escalated']} escalated."
        )


def write(data: dict[str, Any], directory: Path) -> Path:
    """`sweep.json`, and the same figures under `sla_sweep` in `latest.json` if it exists."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "sweep.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    latest = directory / "latest.json"
    if latest.exists():
        report = json.loads(latest.read_text())
        report["sla_sweep"] = data
        latest.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return path


def run(*, console: Console, results_dir: Path, repeats: int = REPEATS) -> dict[str, Any]:
    data = measure(repeats=repeats, console=console)
    show(data, console)
    path = write(data, results_dir)
    console.print(f"Sweep results written to {path}")
    return data
