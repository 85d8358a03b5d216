"""Pure parts of the benchmark: database naming, percentiles, goal verdicts."""

import pytest

from bench.database import BenchError, bench_database
from bench.measure import Goal, Result, percentile


def test_bench_database_keeps_server_and_credentials():
    db = bench_database("postgres://app:secret@db.example:5433/helpdesk")
    assert db.url == "postgres://app:secret@db.example:5433/helpdesk_bench"
    assert db.name == "helpdesk_bench"
    assert db.source_name == "helpdesk"
    assert db.maintenance_conninfo == "postgresql://app:secret@db.example:5433/postgres"


def test_bench_database_refuses_sqlite():
    with pytest.raises(BenchError, match="needs PostgreSQL"):
        bench_database("sqlite:///var/db.sqlite3")


@pytest.mark.parametrize("name", ["helpdesk", "postgres", "prod"])
def test_bench_database_name_must_say_bench(name):
    """`--reset` drops the database: it can never be the working one."""
    with pytest.raises(BenchError, match="must contain 'bench'"):
        bench_database("postgres://u@h/helpdesk", name)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(200, 0, -1)]
    assert percentile(values, 95) == 190.0
    assert percentile(values, 50) == 100.0
    assert percentile([7.0], 95) == 7.0


def _result(goal: Goal, **kwargs) -> Result:
    return Result(key="k", label="k", method="GET", path="/", goal=goal, **kwargs)


def test_latency_goal_needs_both_p95_and_queries():
    goal = Goal(p95_ms=30, queries=12)
    assert _result(goal, p95_ms=29.9, queries=12).passed is True
    assert _result(goal, p95_ms=30.1, queries=12).passed is False
    assert _result(goal, p95_ms=10, queries=13).passed is False


def test_an_error_fails_the_endpoint():
    assert _result(Goal(p95_ms=30), p95_ms=1, errors=["HTTP 500"]).passed is False


def test_creation_goal_needs_rate_and_every_ticket_classified_and_routed():
    goal = Goal(per_second=200)
    ok = {"created": 10, "classified_and_routed": 10}
    assert _result(goal, per_second=250, notes=ok).passed is True
    assert _result(goal, per_second=150, notes=ok).passed is False
    partly = {"created": 10, "classified_and_routed": 9}
    assert _result(goal, per_second=250, notes=partly).passed is False
