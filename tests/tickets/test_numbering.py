"""Ticket numbers TS-YYYYMMDD-NNN (PROCESS §3): pure formatting, then issuing on the database."""

import datetime as dt
import multiprocessing
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from tests.factories import UserFactory
from tickets import services
from tickets.models import Channel, RequestType, Ticket, TicketSequence
from tickets.numbering import day_key, format_number, next_number, parse_number
from tickets.roles import Role

DAY = dt.date(2026, 11, 21)
UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- pure ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seq", "expected"),
    [
        (1, "TS-20261121-001"),
        (42, "TS-20261121-042"),
        (999, "TS-20261121-999"),
        (1000, "TS-20261121-1000"),
        (12345, "TS-20261121-12345"),
    ],
)
def test_format_number(seq, expected):
    assert format_number("TS", DAY, seq) == expected


def test_format_number_other_prefix_and_day():
    assert format_number("RD", dt.date(2027, 1, 5), 7) == "RD-20270105-007"
    assert day_key("TS", DAY) == "TS-20261121"


@pytest.mark.parametrize("seq", [0, -1])
def test_sequence_starts_at_one(seq):
    with pytest.raises(ValueError):
        format_number("TS", DAY, seq)


@pytest.mark.parametrize("seq", [1, 9, 10, 99, 100, 999, 1000, 1001, 99999])
def test_parse_round_trips(seq):
    assert parse_number(format_number("TS", DAY, seq)) == ("TS", DAY, seq)


def test_numbers_sort_by_sequence_within_a_day_up_to_999():
    numbers = [format_number("TS", DAY, n) for n in range(1, 1000)]
    assert sorted(numbers) == numbers


def test_parse_number():
    assert parse_number("TS-20261121-001") == ("TS", DAY, 1)
    assert parse_number("RD-20261231-1000") == ("RD", dt.date(2026, 12, 31), 1000)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "TS-20261121-01",  # fewer than 3 digits
        "TS-20261121-000",  # sequences start at 1
        "TS-20261121-0001",  # not the canonical form of 001
        "ts-20261121-001",  # lower-case prefix
        "T-20261121-001",
        "TSX-20261121-001",
        "TS-2026112-001",  # 7-digit day
        "TS-20261321-001",  # month 13
        "TS-20260230-001",  # 30 February
        "TS20261121001",
        "TS-20261121-001 ",
        "TS-20261121-001\n",
        " TS-20261121-001",
        "TS-２０２６１１２１-００１",  # full-width digits
        "TS-20261121-00a",
    ],
)
def test_parse_refuses_what_is_not_a_number(number):
    with pytest.raises(ValueError):
        parse_number(number)


# --- issuing on the database -----------------------------------------------------------------


@pytest.mark.django_db
def test_next_number_counts_per_prefix_and_day():
    at = dt.datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert [next_number("TS", at) for _ in range(3)] == [
        "TS-20261121-001",
        "TS-20261121-002",
        "TS-20261121-003",
    ]
    assert next_number("RD", at) == "RD-20261121-001"
    assert next_number("TS", at + dt.timedelta(days=1)) == "TS-20261122-001"
    assert next_number("TS", at) == "TS-20261121-004"
    assert TicketSequence.objects.get(key="TS-20261121").last == 4


@pytest.mark.django_db
def test_next_number_grows_past_999():
    TicketSequence.objects.create(key="TS-20261121", last=998)
    at = dt.datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert next_number("TS", at) == "TS-20261121-999"
    assert next_number("TS", at) == "TS-20261121-1000"
    assert next_number("TS", at) == "TS-20261121-1001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (dt.datetime(2026, 11, 21, 15, 59, 59, tzinfo=UTC), "20261121"),
        (dt.datetime(2026, 11, 21, 16, 0, 0, tzinfo=UTC), "20261122"),
        (dt.datetime(2026, 11, 20, 16, 0, 0, tzinfo=UTC), "20261121"),
    ],
)
def test_day_is_the_local_day_in_shanghai(settings, instant, day):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert next_number("TS", instant) == f"TS-{day}-001"


def _data(org, **kw) -> services.TicketData:
    return services.TicketData(
        **{
            "title": "报表导出很慢",
            "description": "月底导出报表需要十分钟",
            "channel": Channel.PORTAL,
            "organization": org,
            **kw,
        }
    )


@pytest.mark.django_db
def test_sequence_resets_at_local_midnight(agent, org):
    with time_machine.travel(dt.datetime(2026, 11, 21, 15, 59, 58, tzinfo=UTC), tick=False):
        first = services.ticket_create(actor=agent, data=_data(org))
        second = services.ticket_create(actor=agent, data=_data(org))
    with time_machine.travel(dt.datetime(2026, 11, 21, 15, 59, 59, tzinfo=UTC), tick=False):
        third = services.ticket_create(actor=agent, data=_data(org))
    with time_machine.travel(dt.datetime(2026, 11, 21, 16, 0, 0, tzinfo=UTC), tick=False):
        next_day = services.ticket_create(actor=agent, data=_data(org))
        next_day_2 = services.ticket_create(actor=agent, data=_data(org))
    assert [t.number for t in (first, second, third, next_day, next_day_2)] == [
        "TS-20261121-001",
        "TS-20261121-002",
        "TS-20261121-003",
        "TS-20261122-001",
        "TS-20261122-002",
    ]
    assert next_day.created_at.astimezone(SHANGHAI).date() == dt.date(2026, 11, 22)


@pytest.mark.django_db
def test_numbers_are_never_reused_after_deleting_the_newest(agent, org):
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=UTC), tick=False):
        tickets = [services.ticket_create(actor=agent, data=_data(org)) for _ in range(3)]
        tickets[-1].delete()
        again = services.ticket_create(actor=agent, data=_data(org))
        Ticket.objects.all().delete()
        after_wipe = services.ticket_create(actor=agent, data=_data(org))
    assert again.number == "TS-20261121-004"
    assert after_wipe.number == "TS-20261121-005"


@pytest.mark.django_db
def test_feature_requests_have_their_own_rd_sequence(agent, org):
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=UTC), tick=False):
        fault = services.ticket_create(actor=agent, data=_data(org))
        requirement = services.ticket_create(
            actor=agent, data=_data(org, request_type=RequestType.REQUIREMENT)
        )
        fault2 = services.ticket_create(actor=agent, data=_data(org))
    assert fault.number == "TS-20261121-001"
    assert requirement.number == "RD-20261121-001"
    assert fault2.number == "TS-20261121-002"


# --- concurrency (PostgreSQL) ----------------------------------------------------------------

THREADS, PER_THREAD = 8, 10


def _on_sqlite() -> bool:
    return connection.vendor == "sqlite"


@pytest.mark.skipif(_on_sqlite(), reason="SQLite in memory cannot be shared between threads")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_issues_distinct_consecutive_numbers(org):
    actor = UserFactory(username="desk-concurrent", role=Role.AGENT)
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(PER_THREAD):
                ticket = services.ticket_create(actor=actor, data=_data(org), dispatch=False)
                with lock:
                    numbers.append(ticket.number)
        except BaseException as exc:  # reported below, in the test's thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(dt.datetime(2026, 11, 21, 4, 0, tzinfo=UTC), tick=True):
        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    assert not errors, errors
    total = THREADS * PER_THREAD
    assert len(numbers) == total
    assert len(set(numbers)) == total
    parsed = [parse_number(n) for n in numbers]
    assert {(p, d) for p, d, _ in parsed} == {("TS", DAY)}
    assert sorted(seq for _, _, seq in parsed) == list(range(1, total + 1))
    assert Ticket.objects.count() == total
    assert TicketSequence.objects.get(key="TS-20261121").last == total


PROCESSES = 4


def _create_in_a_process(args: tuple[int, int]) -> list[str]:
    """Runs in a forked process with its own database connection."""
    actor_id, org_id = args
    from tickets.models import Organization, User

    try:
        with time_machine.travel(dt.datetime(2026, 11, 21, 4, 0, tzinfo=UTC), tick=True):
            actor = User.objects.get(pk=actor_id)
            org = Organization.objects.get(pk=org_id)
            return [
                services.ticket_create(actor=actor, data=_data(org), dispatch=False).number
                for _ in range(PER_THREAD)
            ]
    finally:
        connections.close_all()


@pytest.mark.skipif(_on_sqlite(), reason="SQLite in memory cannot be shared between processes")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_from_several_processes(org):
    actor = UserFactory(username="desk-processes", role=Role.AGENT)
    connections.close_all()  # a forked child must not share the parent's socket
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        batches = pool.map(_create_in_a_process, [(actor.pk, org.pk)] * PROCESSES, chunksize=1)
    numbers = [n for batch in batches for n in batch]
    total = PROCESSES * PER_THREAD
    assert len(set(numbers)) == total
    assert sorted(parse_number(n)[2] for n in numbers) == list(range(1, total + 1))
    assert {parse_number(n)[:2] for n in numbers} == {("TS", DAY)}
    assert Ticket.objects.count() == total
