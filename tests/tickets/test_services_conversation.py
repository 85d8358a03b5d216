"""Replies, internal notes, the work log, followers and edits (PROCESS §6, §7, §10)."""

import datetime as dt

import pytest
import time_machine

from tests.factories import CustomerFactory, UserFactory, level
from tickets import selectors, services
from tickets.errors import DomainError, NotAllowed
from tickets.models import (
    Channel,
    Impact,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
    WorkLogKind,
)
from tickets.roles import Role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(customer):
    with time_machine.travel(T0, tick=False):
        return services.ticket_create(
            actor=customer,
            data=services.TicketData(
                title="报表导出很慢", description="月底导出报表需要十分钟", channel=Channel.PORTAL
            ),
            dispatch=False,
        )


@pytest.fixture
def assigned(ticket, agent, engineer):
    return services.ticket_assign(
        ticket_id=ticket.pk,
        actor=agent,
        assignee=engineer,
        team=engineer.memberships.get().team,
    )


def say(ticket, actor, kind=MessageKind.REPLY, body="请提供截图", **kw):
    return services.message_add(ticket_id=ticket.pk, actor=actor, kind=kind, body=body, **kw)


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- replies and the waiting state -----------------------------------------------------------


def test_customer_reply_resumes_work(assigned, engineer, customer):
    services.ticket_transition(ticket_id=assigned.pk, actor=engineer, to=Status.IN_PROGRESS)
    services.ticket_transition(ticket_id=assigned.pk, actor=engineer, to=Status.WAITING_CUSTOMER)
    message = say(assigned, customer, body="  截图在附件  ")
    assert (message.kind, message.author, message.body) == (
        MessageKind.REPLY,
        customer,
        "截图在附件",
    )
    t = fresh(assigned)
    assert t.status == Status.IN_PROGRESS
    event = t.events.order_by("-id").first()
    assert (event.kind, event.actor, event.old, event.new) == (
        TicketEvent.Kind.STATUS,
        customer,
        "waiting_customer",
        "in_progress",
    )
    assert event.reason


def test_customer_reply_to_an_undispatched_wait_goes_back_to_the_desk(ticket, agent, customer):
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.WAITING_CUSTOMER)
    say(ticket, customer, body="版本是 8.2")
    assert fresh(ticket).status == Status.NEW


@pytest.mark.parametrize("status", [Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS])
def test_customer_reply_does_not_move_other_states(assigned, engineer, customer, status):
    if status == Status.NEW:
        services.ticket_hand_back(ticket_id=assigned.pk, actor=engineer, reason="wrong team")
    if status == Status.IN_PROGRESS:
        services.ticket_transition(ticket_id=assigned.pk, actor=engineer, to=status)
    say(assigned, customer, body="有进展吗？")
    assert fresh(assigned).status == status


def test_staff_reply_does_not_resume_a_wait(assigned, engineer):
    services.ticket_transition(ticket_id=assigned.pk, actor=engineer, to=Status.WAITING_CUSTOMER)
    say(assigned, engineer, body="还需要日志")
    assert fresh(assigned).status == Status.WAITING_CUSTOMER


@pytest.mark.parametrize("kind", [MessageKind.NOTE, MessageKind.WORKLOG])
def test_customer_cannot_post_internal_messages(ticket, customer, kind):
    with pytest.raises(NotAllowed):
        say(ticket, customer, kind=kind, worklog_kind=WorkLogKind.ASK)
    assert not Message.objects.exists()


def test_customer_cannot_reply_to_another_organization(ticket, other_customer):
    with pytest.raises(NotAllowed):
        say(ticket, other_customer, body="hello")
    assert not Message.objects.exists()


def test_customer_cannot_reply_to_a_closed_ticket(ticket, agent, customer):
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.CLOSED, reason="dup")
    with pytest.raises(DomainError):
        say(ticket, customer, body="还在吗")
    assert not Message.objects.exists()


def test_engineer_cannot_write_on_a_ticket_they_cannot_see(assigned, outsider_engineer):
    with pytest.raises(NotAllowed):
        say(assigned, outsider_engineer, kind=MessageKind.NOTE, body="?")


def test_staff_without_work_permission_cannot_write(ticket):
    auditor = UserFactory(username="qa", role=Role.QA_AUDITOR)
    with pytest.raises(NotAllowed):
        say(ticket, auditor, kind=MessageKind.NOTE, body="looks fine")


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_message_is_refused(ticket, agent, body):
    with pytest.raises(DomainError) as exc:
        say(ticket, agent, body=body)
    assert exc.value.field == "body"


def test_unknown_kind_is_refused(ticket, agent):
    with pytest.raises(DomainError) as exc:
        say(ticket, agent, kind="shout")
    assert exc.value.field == "kind"


# --- first response --------------------------------------------------------------------------


def test_first_response_is_the_first_staff_reply_only(assigned, engineer, customer, agent):
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        say(assigned, customer, body="很急")
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        say(assigned, engineer, kind=MessageKind.NOTE, body="先看日志")
        say(assigned, engineer, kind=MessageKind.WORKLOG, body="复现", worklog_kind="ask")
    assert fresh(assigned).first_response_at is None
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        say(assigned, engineer, body="已收到，正在处理")
    assert fresh(assigned).first_response_at == T0 + dt.timedelta(minutes=20)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        say(assigned, agent, body="补充说明")
        say(assigned, customer, body="谢谢")
    assert fresh(assigned).first_response_at == T0 + dt.timedelta(minutes=20)


# --- work log --------------------------------------------------------------------------------


@pytest.mark.parametrize("worklog_kind", ["", "guess", "ASK"])
def test_work_log_needs_ask_look_or_test(assigned, engineer, worklog_kind):
    with pytest.raises(DomainError) as exc:
        say(
            assigned,
            engineer,
            kind=MessageKind.WORKLOG,
            body="做了一些事",
            worklog_kind=worklog_kind,
        )
    assert exc.value.field == "worklog_kind"
    assert not Message.objects.exists()


@pytest.mark.parametrize("worklog_kind", list(WorkLogKind))
def test_work_log_entries(assigned, engineer, worklog_kind):
    m = say(
        assigned, engineer, kind=MessageKind.WORKLOG, body="检查了日志", worklog_kind=worklog_kind
    )
    m.refresh_from_db()
    assert (m.kind, m.worklog_kind, m.is_public) == (MessageKind.WORKLOG, worklog_kind, False)


def test_work_log_kind_is_dropped_on_other_messages(assigned, engineer):
    m = say(assigned, engineer, kind=MessageKind.NOTE, body="内部", worklog_kind="look")
    m.refresh_from_db()
    assert m.worklog_kind == ""


# --- followers -------------------------------------------------------------------------------


def test_follow_and_unfollow(assigned, engineer):
    services.ticket_follow(ticket_id=assigned.pk, actor=engineer, user=engineer)
    assert list(assigned.followers.all()) == [engineer]
    event = assigned.events.order_by("-id").first()
    assert (event.kind, event.actor, event.old, event.new) == (
        TicketEvent.Kind.FOLLOWER,
        engineer,
        "",
        str(engineer),
    )
    services.ticket_follow(ticket_id=assigned.pk, actor=engineer, user=engineer, follow=False)
    assert not assigned.followers.exists()
    event = assigned.events.order_by("-id").first()
    assert (event.old, event.new) == (str(engineer), "")


def test_following_twice_keeps_one_follower(assigned, engineer):
    for _ in range(2):
        services.ticket_follow(ticket_id=assigned.pk, actor=engineer, user=engineer)
    assert assigned.followers.count() == 1


def test_desk_can_add_an_engineer_of_another_team(ticket, agent, outsider_engineer):
    assert not selectors.ticket_visible_to(outsider_engineer).filter(pk=ticket.pk).exists()
    services.ticket_follow(ticket_id=ticket.pk, actor=agent, user=outsider_engineer)
    assert selectors.ticket_visible_to(outsider_engineer).filter(pk=ticket.pk).exists()


def test_engineer_cannot_follow_a_ticket_they_cannot_see(assigned, outsider_engineer):
    with pytest.raises(NotAllowed):
        services.ticket_follow(
            ticket_id=assigned.pk, actor=outsider_engineer, user=outsider_engineer
        )
    assert not assigned.followers.exists()


def test_customers_cannot_follow(ticket, customer):
    with pytest.raises(NotAllowed):
        services.ticket_follow(ticket_id=ticket.pk, actor=customer, user=customer)


def test_customers_are_not_followers(ticket, agent, org):
    colleague = CustomerFactory(username="carol", organization=org)
    with pytest.raises(DomainError):
        services.ticket_follow(ticket_id=ticket.pk, actor=agent, user=colleague)
    assert not ticket.followers.exists()


def test_watchers_without_work_permission_follow_only_themselves(ticket, agent):
    auditor = UserFactory(username="qa", role=Role.QA_AUDITOR)
    services.ticket_follow(ticket_id=ticket.pk, actor=auditor, user=auditor)
    with pytest.raises(NotAllowed):
        services.ticket_follow(ticket_id=ticket.pk, actor=auditor, user=agent)
    assert list(ticket.followers.all()) == [auditor]


# --- edits -----------------------------------------------------------------------------------


def update(ticket, actor, reason="", **changes):
    return services.ticket_update(ticket_id=ticket.pk, actor=actor, changes=changes, reason=reason)


def test_update_registered_details(ticket, agent):
    update(
        ticket,
        agent,
        reason="customer called back",
        title="报表导出超时",
        product_version="8.3",
        cc_emails="a@acme.example; b@acme.example",
    )
    t = fresh(ticket)
    assert (t.title, t.product_version, t.cc_emails) == (
        "报表导出超时",
        "8.3",
        "a@acme.example; b@acme.example",
    )
    row = t.history.order_by("-history_id").first()
    assert (row.title, row.history_change_reason) == ("报表导出超时", "customer called back")


@pytest.mark.parametrize("field", ["status", "assignee", "number", "organization", "priority"])
def test_only_editable_fields(ticket, agent, field):
    with pytest.raises(DomainError):
        update(ticket, agent, **{field: None})


def test_update_recomputes_priority(ticket, agent):
    assert ticket.priority == level("medium")
    update(ticket, agent, reason="whole company", impact=Impact.CORE_BUSINESS)
    t = fresh(ticket)
    assert (t.priority, t.priority_rank) == (level("high"), 2)
    event = t.events.filter(kind=TicketEvent.Kind.PRIORITY).get()
    assert (event.old, event.new, event.reason) == (
        level("medium").label,
        level("high").label,
        "whole company",
    )
    update(ticket, agent, urgency=Urgency.CRITICAL)
    assert (fresh(ticket).priority, fresh(ticket).priority_rank) == (level("urgent"), 1)
    update(ticket, agent, title="same priority")
    assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"cc_emails": "boss@acme.example, not-an-address"}, "cc_emails"),
        ({"contact_email": "nope"}, "contact_email"),
    ],
)
def test_bad_edits_are_refused(ticket, agent, changes, field):
    with pytest.raises(DomainError) as exc:
        update(ticket, agent, **changes)
    assert exc.value.field == field
    assert fresh(ticket).title == "报表导出很慢"


def test_bad_impact_is_refused(ticket, agent):
    with pytest.raises(DomainError):
        update(ticket, agent, impact="galaxy")
    assert fresh(ticket).impact == Impact.ONE_USER


@pytest.mark.parametrize("who", ["customer", "outsider"])
def test_who_may_edit(ticket, customer, outsider_engineer, who):
    actor = {"customer": customer, "outsider": outsider_engineer}[who]
    with pytest.raises(NotAllowed):
        update(ticket, actor, title="mine now")
    assert fresh(ticket).title == "报表导出很慢"
