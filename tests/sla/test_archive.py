"""Archiving (PROCESS §12): closed tickets are archived 3 working days after closing, by a job
that follows the `archive` clock, with search tags; archived tickets are read-only."""

import pytest

from sla.models import ClockEvent, ClockKind, ClockState, TicketClock
from tests.factories import closure_ready
from tests.sla.conftest import clock, nov, register_assigned, start_work
from tickets import services
from tickets.errors import DomainError
from tickets.models import Notification, Status, Ticket
from tickets.services.archive import tickets_archive_due
from tickets.tasks import SCHEDULES, archive_closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(travel, agent, org, team, engineer) -> Ticket:
    """Registered Monday 10:12, resolved and closed Monday 11:00: archived at the end of the
    third working day after, Thursday 18:00."""
    ticket = register_assigned(agent, org, team, engineer, product="OA", product_version="3.2")
    start_work(ticket, engineer)
    travel.move_to(nov(23, 11, 0))
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.RESOLVED)
    closure_ready(ticket, engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.CLOSED)
    return Ticket.objects.get(pk=ticket.pk)


def test_a_closed_ticket_is_archived_after_three_working_days_with_search_tags(travel, closed):
    archive = clock(closed, ClockKind.ARCHIVE)
    assert archive.due_at == nov(26, 18, 0)  # Mon 11:00 + 3 working days
    assert archive.warn_at is None  # the system's own step: nobody is warned of it
    closed.refresh_from_db()
    assert closed.sla_due_at is None  # nor is it the ticket's deadline in the queues

    travel.move_to(nov(26, 17, 50))
    assert tickets_archive_due() == 0
    travel.move_to(nov(26, 18, 0))
    assert tickets_archive_due() == 1
    assert tickets_archive_due() == 0  # run again: nothing more

    ticket = Ticket.objects.get(pk=closed.pk)
    assert ticket.status == Status.ARCHIVED
    archive.refresh_from_db()
    assert (archive.state, archive.met_at) == (ClockState.MET, nov(26, 18, 0))
    tags = set(ticket.tags.values_list("name", flat=True))
    assert {"OA", "OA 3.2", ticket.category.name} <= tags
    with pytest.raises(DomainError, match="read-only"):
        services.message_add(ticket_id=ticket.pk, actor=closed.assignee, kind="note", body="x")
    assert not Notification.objects.filter(ticket=ticket, title__contains="Archive").exists()


def test_a_reopened_ticket_is_not_archived(travel, closed, engineer):
    services.ticket_transition(
        ticket_id=closed.pk, actor=engineer, to=Status.IN_PROGRESS, reason="客户说又出现了"
    )
    assert clock(closed, ClockKind.ARCHIVE).state == ClockState.CANCELLED
    travel.move_to(nov(27, 12, 0))
    assert tickets_archive_due() == 0
    assert Ticket.objects.get(pk=closed.pk).status == Status.IN_PROGRESS


def test_a_late_archive_job_still_archives_and_the_sweep_tells_nobody(travel, closed):
    from sla.services import sla_sweep

    travel.move_to(nov(27, 9, 0))  # the cluster was down past the deadline
    sla_sweep()
    archive = clock(closed, ClockKind.ARCHIVE)
    assert archive.state == ClockState.BREACHED
    assert not Notification.objects.filter(ticket=closed, kind="sla_breach").exists()
    assert archive_closed() == 1
    assert Ticket.objects.get(pk=closed.pk).status == Status.ARCHIVED
    assert TicketClock.objects.get(pk=archive.pk).stopped_at == nov(27, 9, 0)
    assert ClockEvent.objects.filter(clock=archive, kind=ClockEvent.Kind.STOPPED).exists()


def test_the_archive_job_is_scheduled_every_minute():
    assert ("tickets: archive closed tickets", "tickets.tasks.archive_closed", "* * * * *") in [
        tuple(s) for s in SCHEDULES
    ]
