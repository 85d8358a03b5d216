"""Manual dispatch, reassignment and hand-back (PROCESS §5)."""

import datetime as dt

import pytest
import time_machine

from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    RoutingRuleFactory,
    TeamFactory,
    UserFactory,
    category,
)
from tickets import services
from tickets.errors import DomainError, NotAllowed
from tickets.models import Assignment, Channel, Seniority, Status, Ticket, TicketEvent
from tickets.roles import Role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(agent, org):
    return services.ticket_create(
        actor=agent,
        data=services.TicketData(
            title="系统无法登录",
            description="输入密码后一直转圈",
            channel=Channel.PORTAL,
            organization=org,
        ),
        dispatch=False,
    )


@pytest.fixture
def engineer2(engineer):
    """A second engineer of `engineer`'s team."""
    team = engineer.memberships.get().team
    return MembershipFactory(team=team, user=UserFactory(username="eng3", role=Role.ENGINEER)).user


def assign(ticket, actor, **kw):
    return services.ticket_assign(ticket_id=ticket.pk, actor=actor, **kw)


def hand_back(ticket, actor, reason="cannot take it"):
    return services.ticket_hand_back(ticket_id=ticket.pk, actor=actor, reason=reason)


def test_manual_assignment(ticket, agent, engineer):
    team = engineer.memberships.get().team
    with time_machine.travel(T0, tick=False):
        t = assign(ticket, agent, assignee=engineer, team=team, reason="knows the product")
    t = Ticket.objects.get(pk=t.pk)
    assert (t.status, t.assignee, t.team, t.assigned_at) == (
        Status.ASSIGNED,
        engineer,
        team,
        T0,
    )
    a = Assignment.objects.get(ticket=t)
    assert (a.kind, a.team, a.assignee, a.previous_assignee, a.actor, a.reason) == (
        Assignment.Kind.MANUAL,
        team,
        engineer,
        None,
        agent,
        "knows the product",
    )
    status_event, assigned_event = t.events.order_by("id")[1:]
    assert (status_event.kind, status_event.old, status_event.new) == (
        TicketEvent.Kind.STATUS,
        "new",
        "assigned",
    )
    assert (assigned_event.kind, assigned_event.actor, assigned_event.new) == (
        TicketEvent.Kind.ASSIGNED,
        agent,
        str(engineer),
    )
    assert t.history.order_by("-history_id").first().assignee_id == engineer.pk


def test_assignment_without_team_keeps_the_team(ticket, agent, engineer):
    team = TeamFactory(code="desk")
    assign(ticket, agent, team=team)
    t = assign(ticket, agent, assignee=engineer)
    assert (t.team, t.assignee) == (team, engineer)


def test_reassignment_keeps_in_progress_and_records_the_previous(
    ticket, agent, engineer, engineer2
):
    assign(ticket, agent, assignee=engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    t = assign(ticket, agent, assignee=engineer2, reason="engineer on leave")
    t = Ticket.objects.get(pk=t.pk)
    assert (t.status, t.assignee) == (Status.IN_PROGRESS, engineer2)
    last = Assignment.objects.filter(ticket=t).order_by("-id").first()
    assert (last.kind, last.assignee, last.previous_assignee, last.reason) == (
        Assignment.Kind.MANUAL,
        engineer2,
        engineer,
        "engineer on leave",
    )
    assert Assignment.objects.filter(ticket=t).count() == 2
    event = t.events.order_by("-id").first()
    assert (event.kind, event.old, event.new) == (
        TicketEvent.Kind.ASSIGNED,
        str(engineer),
        str(engineer2),
    )


def test_reassignment_keeps_waiting_for_the_customer(ticket, agent, engineer, engineer2):
    assign(ticket, agent, assignee=engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.WAITING_CUSTOMER)
    t = assign(ticket, agent, assignee=engineer2)
    assert Ticket.objects.get(pk=t.pk).status == Status.WAITING_CUSTOMER


def test_dispatching_a_ticket_waiting_before_dispatch_starts_it(ticket, agent, engineer):
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.WAITING_CUSTOMER)
    t = assign(ticket, agent, assignee=engineer)
    assert Ticket.objects.get(pk=t.pk).status == Status.ASSIGNED


def test_assigning_the_same_person_again_is_refused(ticket, agent, engineer):
    assign(ticket, agent, assignee=engineer)
    with pytest.raises(DomainError):
        assign(ticket, agent, assignee=engineer)
    assert Assignment.objects.filter(ticket=ticket).count() == 1


def test_team_only_assignment_of_a_new_ticket(ticket, agent):
    team = TeamFactory(code="network")
    t = assign(ticket, agent, team=team, reason="network issue")
    t = Ticket.objects.get(pk=t.pk)
    assert (t.status, t.team, t.assignee) == (Status.NEW, team, None)
    a = Assignment.objects.get(ticket=t)
    assert (a.team, a.assignee) == (team, None)


def test_team_only_assignment_cannot_strip_the_assignee_of_work_in_progress(
    ticket, agent, engineer
):
    assign(ticket, agent, assignee=engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    with pytest.raises(DomainError) as exc:
        assign(ticket, agent, team=TeamFactory(code="network"))
    assert exc.value.field == "assignee"
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.assignee) == (Status.IN_PROGRESS, engineer)


@pytest.mark.parametrize("who", ["customer", "auditor", "inactive"])
def test_only_active_workers_can_be_assigned(ticket, agent, org, who):
    user = {
        "customer": lambda: CustomerFactory(username="carol", organization=org),
        "auditor": lambda: UserFactory(username="qa", role=Role.QA_AUDITOR),
        "inactive": lambda: UserFactory(username="gone", role=Role.ENGINEER, is_active=False),
    }[who]()
    with pytest.raises(DomainError) as exc:
        assign(ticket, agent, assignee=user)
    assert exc.value.field == "assignee"
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.assignee) == (Status.NEW, None)
    assert not Assignment.objects.filter(ticket=t).exists()


@pytest.mark.parametrize("who", ["engineer", "customer"])
def test_only_dispatchers_assign(ticket, engineer, customer, who):
    actor = {"engineer": engineer, "customer": customer}[who]
    with pytest.raises(NotAllowed):
        assign(ticket, actor, assignee=engineer)


def test_closed_ticket_cannot_be_reassigned(ticket, agent, engineer):
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.CLOSED, reason="dup")
    with pytest.raises(DomainError):
        assign(ticket, agent, assignee=engineer)


def test_automatic_routing_on_demand(ticket, agent):
    team = TeamFactory(code="accounts")
    RoutingRuleFactory(category=category("account"), team=team)
    member = MembershipFactory(team=team, seniority=Seniority.JUNIOR).user
    t = assign(ticket, agent, reason="route it")
    assert (t.team, t.assignee, t.status) == (team, member, Status.ASSIGNED)
    a = Assignment.objects.get(ticket=t)
    assert (a.kind, a.actor) == (Assignment.Kind.AUTO, agent)


def test_automatic_routing_without_a_rule_is_refused(ticket, agent):
    with pytest.raises(DomainError):
        assign(ticket, agent)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.team, t.assignee, t.status) == (None, None, Status.NEW)


def test_automatic_routing_without_an_eligible_engineer_is_refused(ticket, agent):
    RoutingRuleFactory(category=category("account"), team=TeamFactory(code="empty"))
    with pytest.raises(DomainError):
        assign(ticket, agent)
    assert not Assignment.objects.filter(ticket=ticket).exists()


# --- hand-back -------------------------------------------------------------------------------


@pytest.mark.parametrize("src", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_hand_back_returns_the_ticket_to_the_desk(ticket, agent, engineer, src):
    team = engineer.memberships.get().team
    assign(ticket, agent, assignee=engineer, team=team)
    if src == Status.IN_PROGRESS:
        services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=src)
    t = hand_back(ticket, engineer, "needs the database team")
    t = Ticket.objects.get(pk=t.pk)
    assert (t.status, t.assignee, t.assigned_at, t.team) == (Status.NEW, None, None, team)
    a = Assignment.objects.filter(ticket=t).order_by("-id").first()
    assert (a.kind, a.assignee, a.previous_assignee, a.actor, a.reason) == (
        Assignment.Kind.HANDBACK,
        None,
        engineer,
        engineer,
        "needs the database team",
    )
    status_event, handed = list(t.events.order_by("id"))[-2:]
    assert (status_event.kind, status_event.old, status_event.new, status_event.reason) == (
        TicketEvent.Kind.STATUS,
        src.value,
        "new",
        "needs the database team",
    )
    assert (handed.kind, handed.old, handed.reason) == (
        TicketEvent.Kind.HANDED_BACK,
        str(engineer),
        "needs the database team",
    )
    # it can be dispatched again
    assert assign(t, agent, assignee=engineer).status == Status.ASSIGNED


@pytest.mark.parametrize("reason", ["", "   "])
def test_hand_back_requires_a_reason(ticket, agent, engineer, reason):
    assign(ticket, agent, assignee=engineer)
    with pytest.raises(DomainError) as exc:
        hand_back(ticket, engineer, reason)
    assert exc.value.field == "reason"
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.assignee) == (Status.ASSIGNED, engineer)


def test_dispatcher_may_hand_back(ticket, agent, engineer):
    assign(ticket, agent, assignee=engineer)
    t = hand_back(ticket, agent, "wrong team")
    assert (t.status, t.assignee) == (Status.NEW, None)


def test_other_engineers_cannot_hand_back(ticket, agent, engineer, engineer2):
    assign(ticket, agent, assignee=engineer, team=engineer.memberships.get().team)
    with pytest.raises(NotAllowed):
        hand_back(ticket, engineer2)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.assignee) == (Status.ASSIGNED, engineer)


def test_customer_cannot_hand_back(ticket, agent, engineer, customer):
    assign(ticket, agent, assignee=engineer)
    with pytest.raises(NotAllowed):
        hand_back(ticket, customer)


@pytest.mark.parametrize("src", [Status.NEW, Status.WAITING_CUSTOMER])
def test_only_an_assigned_ticket_can_be_handed_back(ticket, agent, src):
    if src != Status.NEW:
        services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=src)
    with pytest.raises(DomainError):
        hand_back(ticket, agent)
    assert not Assignment.objects.filter(ticket=ticket).exists()
