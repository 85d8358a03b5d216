"""The lifecycle enforced by the services (PROCESS §6)."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import TicketFactory, category, closure_ready, level
from tickets import services, workflow
from tickets.errors import DomainError, InvalidTransition, NotAllowed
from tickets.models import (
    Assignment,
    Channel,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(agent, org):
    return services.ticket_create(
        actor=agent,
        data=services.TicketData(
            title="报表导出很慢",
            description="月底导出报表需要十分钟",
            channel=Channel.PORTAL,
            organization=org,
        ),
        dispatch=False,
    )


@pytest.fixture
def assigned(ticket, agent, engineer):
    return services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer)


def move(ticket, actor, to, reason=""):
    if to == Status.CLOSED:
        closure_ready(ticket, actor)
    return services.ticket_transition(ticket_id=ticket.pk, actor=actor, to=to, reason=reason)


def state(ticket) -> tuple[str, int, int]:
    """Status, number of events and number of history rows, from the database."""
    t = Ticket.objects.get(pk=ticket.pk)
    return t.status, t.events.count(), t.history.count()


def test_each_transition_writes_an_event_and_a_history_row(assigned, engineer):
    path = [
        (Status.IN_PROGRESS, ""),
        (Status.WAITING_THIRD_PARTY, "waiting for the vendor's patch"),
        (Status.IN_PROGRESS, "patch received"),
        (Status.TESTING, ""),
        (Status.RESOLVED, "patched and verified"),
        (Status.CLOSED, ""),
    ]
    src = Status.ASSIGNED
    for i, (dst, reason) in enumerate(path):
        with time_machine.travel(T0 + dt.timedelta(minutes=i), tick=False):
            _status, events, history = state(assigned)
            t = move(assigned, engineer, dst, reason)
        assert t.status == dst
        assert state(assigned) == (dst, events + 1, history + 1)
        event = t.events.order_by("-id").first()
        assert (event.kind, event.actor, event.old, event.new, event.reason) == (
            TicketEvent.Kind.STATUS,
            engineer,
            src.value,
            dst.value,
            reason,
        )
        assert event.created_at == T0 + dt.timedelta(minutes=i)
        row = t.history.order_by("-history_id").first()
        assert row.status == dst
        assert row.history_change_reason == reason
        src = dst
    t = Ticket.objects.get(pk=assigned.pk)
    assert t.resolved_at == T0 + dt.timedelta(minutes=4)
    assert t.closed_at == T0 + dt.timedelta(minutes=5)
    assert t.reopen_count == 0


def test_reason_is_stripped(assigned, engineer):
    move(assigned, engineer, Status.IN_PROGRESS, "  started  ")
    assert assigned.events.order_by("-id").first().reason == "started"


def test_reopen_needs_a_reason_and_is_counted(assigned, engineer):
    move(assigned, engineer, Status.IN_PROGRESS)
    move(assigned, engineer, Status.RESOLVED)
    before = state(assigned)
    for blank in ("", "   "):
        with pytest.raises(InvalidTransition) as exc:
            move(assigned, engineer, Status.IN_PROGRESS, blank)
        assert exc.value.status == 409
    assert state(assigned) == before

    t = move(assigned, engineer, Status.IN_PROGRESS, "the customer says it still fails")
    t.refresh_from_db()
    assert t.reopen_count == 1
    assert t.resolved_at is None
    event = t.events.order_by("-id").first()
    assert (event.kind, event.old, event.new, event.reason) == (
        TicketEvent.Kind.REOPENED,
        "resolved",
        "in_progress",
        "the customer says it still fails",
    )

    move(assigned, engineer, Status.RESOLVED)
    move(assigned, engineer, Status.CLOSED)
    t = move(assigned, engineer, Status.IN_PROGRESS, "came back after a week")
    t.refresh_from_db()
    assert t.reopen_count == 2
    assert (t.resolved_at, t.closed_at) == (None, None)


@pytest.mark.parametrize("src", [Status.NEW, Status.WAITING_CUSTOMER])
def test_closing_an_unresolved_ticket_needs_a_reason(ticket, agent, src):
    if src == Status.WAITING_CUSTOMER:
        move(ticket, agent, src)
    before = state(ticket)
    with pytest.raises(InvalidTransition):
        move(ticket, agent, Status.CLOSED)
    assert state(ticket) == before
    t = move(ticket, agent, Status.CLOSED, "duplicate of TS-20261120-004")
    assert t.status == Status.CLOSED
    assert t.closed_at is not None
    assert t.events.order_by("-id").first().reason == "duplicate of TS-20261120-004"


def test_closing_an_assigned_ticket_needs_a_reason(assigned, engineer):
    with pytest.raises(InvalidTransition):
        move(assigned, engineer, Status.CLOSED)
    assert move(assigned, engineer, Status.CLOSED, "customer withdrew").status == Status.CLOSED


def test_closing_a_resolved_ticket_needs_no_reason(assigned, engineer):
    move(assigned, engineer, Status.IN_PROGRESS)
    move(assigned, engineer, Status.RESOLVED)
    assert move(assigned, engineer, Status.CLOSED).status == Status.CLOSED


@pytest.mark.parametrize(
    "dst", [Status.IN_PROGRESS, Status.WAITING_THIRD_PARTY, Status.TESTING, Status.RESOLVED]
)
def test_working_states_need_an_assignee(agent, org, dst):
    src = {
        Status.IN_PROGRESS: Status.NEW,
        Status.WAITING_THIRD_PARTY: Status.IN_PROGRESS,
        Status.TESTING: Status.IN_PROGRESS,
        Status.RESOLVED: Status.TESTING,
    }[dst]
    ticket = TicketFactory(organization=org, status=src)
    before = state(ticket)
    with pytest.raises(InvalidTransition) as exc:
        move(ticket, agent, dst)
    assert exc.value.message
    assert state(ticket) == before


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (Status.NEW, Status.ASSIGNED),
        (Status.WAITING_CUSTOMER, Status.ASSIGNED),
        (Status.ASSIGNED, Status.NEW),
        (Status.IN_PROGRESS, Status.NEW),
        (Status.WAITING_CUSTOMER, Status.NEW),
        (Status.CLOSED, Status.ARCHIVED),
    ],
)
def test_action_only_targets_are_refused(org, agent, engineer, src, dst):
    """Declared moves that belong to dispatch, hand-back and archive, not to "change status"."""
    assert workflow.can_transition(src, dst)
    ticket = TicketFactory(organization=org, status=src, assignee=engineer)
    before = state(ticket)
    with pytest.raises(InvalidTransition) as exc:
        move(ticket, agent, dst, "because")
    assert exc.value.status == 409
    assert state(ticket) == before


def test_action_only_target_refused_even_when_declared(assigned, engineer):
    move(assigned, engineer, Status.IN_PROGRESS)
    with pytest.raises(InvalidTransition):
        move(assigned, engineer, Status.NEW, "not mine")  # the hand-back action does this
    assert Ticket.objects.get(pk=assigned.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("dst", [Status.RESOLVED, Status.TESTING, Status.WAITING_THIRD_PARTY])
def test_undeclared_move_is_refused(assigned, engineer, dst):
    # assigned → resolved/testing skip the work; new → … likewise
    if dst == Status.WAITING_THIRD_PARTY:
        move(assigned, engineer, Status.WAITING_CUSTOMER)
    before = state(assigned)
    with pytest.raises(InvalidTransition) as exc:
        move(assigned, engineer, dst)
    assert (exc.value.src, exc.value.dst) == (
        Ticket.objects.get(pk=assigned.pk).status,
        dst,
    )
    assert state(assigned) == before


def test_unknown_status_is_a_field_error(ticket, agent):
    with pytest.raises(DomainError) as exc:
        move(ticket, agent, "done")
    assert exc.value.field == "to"
    assert exc.value.status == 400


def test_customers_cannot_change_status(ticket, customer):
    with pytest.raises(NotAllowed):
        move(ticket, customer, Status.WAITING_CUSTOMER)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_engineers_cannot_change_tickets_they_cannot_see(assigned, outsider_engineer):
    with pytest.raises(NotAllowed):
        move(assigned, outsider_engineer, Status.IN_PROGRESS)
    assert Ticket.objects.get(pk=assigned.pk).status == Status.ASSIGNED


def test_waiting_for_customer_and_back(assigned, engineer):
    move(assigned, engineer, Status.IN_PROGRESS)
    assert move(assigned, engineer, Status.WAITING_CUSTOMER).status == Status.WAITING_CUSTOMER
    assert move(assigned, engineer, Status.IN_PROGRESS).status == Status.IN_PROGRESS


# --- archived tickets are read-only for every service ----------------------------------------


@pytest.fixture
def archived(org, engineer):
    ticket = TicketFactory(
        organization=org, status=Status.ARCHIVED, assignee=engineer, category=category("data")
    )
    ticket.followers.add(engineer)
    return ticket


def _log() -> SimpleUploadedFile:
    return SimpleUploadedFile("a.log", b"2026-11-21 ERROR disk full\n")


ARCHIVED_CALLS = {
    "transition": lambda t, u: services.ticket_transition(
        ticket_id=t.pk, actor=u["agent"], to=Status.IN_PROGRESS, reason="again"
    ),
    "assign": lambda t, u: services.ticket_assign(
        ticket_id=t.pk, actor=u["agent"], assignee=u["supervisor"]
    ),
    "auto-assign": lambda t, u: services.ticket_assign(ticket_id=t.pk, actor=u["agent"]),
    "hand back": lambda t, u: services.ticket_hand_back(
        ticket_id=t.pk, actor=u["engineer"], reason="not mine"
    ),
    "classify": lambda t, u: services.ticket_classify(
        ticket_id=t.pk, actor=u["agent"], category=category("network")
    ),
    "priority": lambda t, u: services.ticket_classify(
        ticket_id=t.pk, actor=u["agent"], category=category("data"), level=level("urgent")
    ),
    "reply": lambda t, u: services.message_add(
        ticket_id=t.pk, actor=u["agent"], kind=MessageKind.REPLY, body="hello"
    ),
    "note": lambda t, u: services.message_add(
        ticket_id=t.pk, actor=u["engineer"], kind=MessageKind.NOTE, body="hm"
    ),
    "customer reply": lambda t, u: services.message_add(
        ticket_id=t.pk, actor=u["customer"], kind=MessageKind.REPLY, body="still broken"
    ),
    "update": lambda t, u: services.ticket_update(
        ticket_id=t.pk, actor=u["agent"], changes={"title": "new title"}
    ),
    "follow": lambda t, u: services.ticket_follow(
        ticket_id=t.pk, actor=u["agent"], user=u["agent"]
    ),
    "unfollow": lambda t, u: services.ticket_follow(
        ticket_id=t.pk, actor=u["engineer"], user=u["engineer"], follow=False
    ),
}


@pytest.mark.parametrize("call", list(ARCHIVED_CALLS), ids=list(ARCHIVED_CALLS))
def test_archived_is_read_only_for_every_service(
    archived, agent, supervisor, engineer, customer, call
):
    users = {"agent": agent, "supervisor": supervisor, "engineer": engineer, "customer": customer}
    snapshot = Ticket.objects.filter(pk=archived.pk).values().get()
    counts = (
        archived.events.count(),
        archived.history.count(),
        Message.objects.filter(ticket=archived).count(),
        Assignment.objects.filter(ticket=archived).count(),
        archived.followers.count(),
        archived.corrections.count(),
    )
    with pytest.raises(DomainError) as exc:
        ARCHIVED_CALLS[call](archived, users)
    assert "read-only" in exc.value.message
    assert Ticket.objects.filter(pk=archived.pk).values().get() == snapshot
    assert (
        archived.events.count(),
        archived.history.count(),
        Message.objects.filter(ticket=archived).count(),
        Assignment.objects.filter(ticket=archived).count(),
        archived.followers.count(),
        archived.corrections.count(),
    ) == counts


def test_archived_refuses_attachments(archived, agent):
    with pytest.raises(DomainError, match="read-only"):
        services.message_add(
            ticket_id=archived.pk,
            actor=agent,
            kind=MessageKind.NOTE,
            body="log",
            files=[_log()],
        )
    assert not archived.attachments.exists()
