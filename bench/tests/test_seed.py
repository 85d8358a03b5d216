"""The seeder on PostgreSQL (COPY, sequences, the index and key rebuild). Skipped elsewhere."""

import re

import pytest
from django.db import connection
from django.db.models import Count, Max

from bench import reference, seed
from tickets.models import Message, Ticket, TicketEvent, TicketSequence
from tickets.numbering import next_number, parse_number
from tickets.workflow import OPEN_STATUSES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the seeder uses PostgreSQL's COPY"
    ),
]


@pytest.fixture
def ref(db):
    return reference.ensure_reference()


def test_reference_is_idempotent(ref):
    again = reference.ensure_reference()
    assert sorted(again.orgs) == sorted(ref.orgs)
    assert len(ref.orgs) == reference.N_ORGS
    assert sum(len(m) for m in ref.team_members.values()) == reference.N_ENGINEERS + 3
    assert ref.rules, "routing rules exist so that created tickets are dispatched"


def test_seeded_tickets_are_whole_and_numbered(ref, console):
    result = seed.seed_tickets(ref, target=2000, console=console)
    assert (result.created, result.total) == (2000, 2000)
    tickets = Ticket.objects.all()
    assert tickets.count() == 2000
    assert Ticket.history.filter(history_type="+").count() == 2000
    assert Message.objects.values("ticket").distinct().count() == 2000
    assert Message.objects.count() == 4000
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 2000

    numbers = list(tickets.values_list("number", flat=True))
    assert all(re.fullmatch(r"(TS|RD)-\d{8}-\d{3,}", n) for n in numbers)
    requirements = tickets.filter(request_type="requirement")
    assert requirements.exists()
    assert not requirements.exclude(number__startswith="RD-").exists()
    per_day: dict[str, int] = {}
    for n in numbers:
        prefix, day, seq = parse_number(n)
        key = f"{prefix}-{day:%Y%m%d}"
        per_day[key] = max(per_day.get(key, 0), seq)
    assert dict(TicketSequence.objects.values_list("key", "last")) == per_day

    open_share = tickets.filter(status__in=OPEN_STATUSES).count() / 2000
    assert 0.15 < open_share < 0.25
    assert not tickets.filter(status__in=["closed", "archived"], closed_at=None).exists()
    assert not tickets.exclude(status="new").filter(assignee=None, status="in_progress").exists()


def test_top_up_continues_ids_numbers_and_history(ref, console):
    seed.seed_tickets(ref, target=300, console=console)
    again = seed.seed_tickets(ref, target=300, console=console)
    assert again.created == 0
    result = seed.seed_tickets(ref, target=500, console=console)
    assert (result.existing, result.created, result.total) == (300, 200, 500)
    assert Ticket.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0

    # The app continues after the seed: ids from the sequence, numbers after today's last.
    today_before = TicketSequence.objects.aggregate(m=Max("last"))["m"]
    number = next_number("TS")
    assert parse_number(number)[2] >= 1
    ticket = Ticket.objects.create(
        number=number,
        title="after the seed",
        description="x",
        channel="phone",
        organization_id=ref.orgs[0],
        received_at=Ticket.objects.latest("created_at").created_at,
    )
    assert ticket.pk > Ticket.objects.exclude(pk=ticket.pk).aggregate(m=Max("id"))["m"]
    assert today_before is not None


def test_large_load_restores_every_index_and_key(ref, console, monkeypatch):
    tables = seed.BatchWriter().tables
    indexes, keys = seed.secondary_indexes(tables), seed.foreign_keys(tables)
    assert indexes and keys
    monkeypatch.setattr(seed, "REBUILD_MIN", 100)
    seed.seed_tickets(ref, target=400, console=console)
    # Same indexes (PostgreSQL may print a rebuilt partial index's predicate differently).
    assert [name for name, _ in seed.secondary_indexes(tables)] == [name for name, _ in indexes]
    assert seed.foreign_keys(tables) == keys
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid AND indrelid = ANY(%s::regclass[])",
            [tables],
        )
        assert cursor.fetchone()[0] == 0
    assert Ticket.objects.count() == 400


@pytest.fixture
def console():
    from rich.console import Console

    return Console(quiet=True)
