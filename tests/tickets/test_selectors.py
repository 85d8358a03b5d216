"""Who sees what (PROCESS §1) and the reads the UI and the API share."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    MessageFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    category,
)
from tickets import selectors, services
from tickets.models import Category, MessageKind, Status, TicketEvent, WorkLogKind
from tickets.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, other_org, engineer, outsider_engineer):
    team_a = engineer.memberships.get().team
    team_b = outsider_engineer.memberships.get().team
    tickets = {
        "team": TicketFactory(organization=org, team=team_a),
        "assigned": TicketFactory(
            organization=org, team=team_b, assignee=engineer, status=Status.ASSIGNED
        ),
        "followed": TicketFactory(organization=other_org),
        "other_team": TicketFactory(organization=other_org, team=team_b),
        "unrouted": TicketFactory(organization=org),
    }
    tickets["followed"].followers.add(engineer)
    return tickets


def visible(user, world) -> set[str]:
    pks = set(selectors.ticket_visible_to(user).values_list("pk", flat=True))
    assert len(pks) == selectors.ticket_visible_to(user).count()  # no duplicates
    return {name for name, t in world.items() if t.pk in pks}


ALL = {"team", "assigned", "followed", "other_team", "unrouted"}


def test_customer_sees_own_organization_only(world, customer, other_customer):
    assert visible(customer, world) == {"team", "assigned", "unrouted"}
    assert visible(other_customer, world) == {"followed", "other_team"}


def test_colleagues_see_each_others_tickets(world, org):
    colleague = CustomerFactory(username="carol", organization=org)
    assert visible(colleague, world) == {"team", "assigned", "unrouted"}


@pytest.mark.parametrize(
    "role",
    [
        Role.AGENT,
        Role.SUPERVISOR,
        Role.SUPPORT_MANAGER,
        Role.QA_AUDITOR,
        Role.ACCOUNT_MANAGER,
        Role.PRODUCT_MANAGER,
    ],
)
def test_desk_and_managers_see_everything(world, role):
    assert visible(UserFactory(username=f"u-{role}", role=role), world) == ALL


def test_engineer_sees_team_assigned_and_followed(world, engineer):
    assert visible(engineer, world) == {"team", "assigned", "followed"}


def test_engineer_of_another_team_sees_none_of_ours(world, outsider_engineer):
    assert visible(outsider_engineer, world) == {"assigned", "other_team"}
    assert not {"team", "followed", "unrouted"} & visible(outsider_engineer, world)


def test_engineer_in_two_teams_sees_both(world, engineer, outsider_engineer):
    MembershipFactory(team=outsider_engineer.memberships.get().team, user=engineer)
    assert visible(engineer, world) == {"team", "assigned", "followed", "other_team"}


def test_nobody_else_sees_anything(world):
    assert visible(UserFactory(username="norole"), world) == set()
    assert visible(AnonymousUser(), world) == set()


def test_superuser_sees_everything(world):
    assert visible(UserFactory(username="root", is_superuser=True), world) == ALL


def test_ticket_get_for_user(world, customer, engineer):
    t = world["team"]
    assert selectors.ticket_get_for_user(user=customer, number=t.number) == t
    assert selectors.ticket_get_for_user(user=engineer, number=t.number) == t
    with pytest.raises(Http404):
        selectors.ticket_get_for_user(user=customer, number=world["other_team"].number)
    with pytest.raises(Http404):
        selectors.ticket_get_for_user(user=engineer, number=world["unrouted"].number)
    with pytest.raises(Http404):
        selectors.ticket_get_for_user(user=customer, number="TS-20991231-001")


# --- queues ----------------------------------------------------------------------------------


def names(qs, world) -> set[str]:
    pks = set(qs.values_list("pk", flat=True))
    return {name for name, t in world.items() if t.pk in pks}


def test_queues(world, engineer, agent):
    world["done"] = TicketFactory(
        organization=world["team"].organization,
        team=world["team"].team,
        assignee=engineer,
        status=Status.CLOSED,
    )
    q = selectors.ticket_queue
    assert names(q(user=engineer, queue="mine"), world) == {"assigned"}
    assert names(q(user=engineer, queue="team"), world) == {"team"}
    assert names(q(user=engineer, queue="unassigned"), world) == {"team", "followed"}
    assert names(q(user=engineer, queue="open"), world) == {"team", "assigned", "followed"}
    assert names(q(user=engineer, queue="all"), world) == {"team", "assigned", "followed", "done"}
    assert names(q(user=agent, queue="unassigned"), world) == {
        "team",
        "followed",
        "other_team",
        "unrouted",
    }
    assert names(q(user=agent, queue="mine"), world) == set()


def test_ticket_list_loads_its_relations_in_one_query(world, agent, django_assert_num_queries):
    for _ in range(5):
        TicketFactory(
            organization=world["team"].organization,
            category=category("hardware-server"),
            team=world["team"].team,
            assignee=agent,
        )
    selectors.user_caps(agent)  # the capabilities are computed once per user
    with django_assert_num_queries(1):
        rows = [
            (
                t.organization.name,
                t.category.full_label if t.category else "",
                t.priority.label,
                t.team.name if t.team else "",
                str(t.assignee) if t.assignee else "",
            )
            for t in selectors.ticket_list(user=agent)
        ]
    assert len(rows) == 10


# --- what is internal ------------------------------------------------------------------------


@pytest.fixture
def conversation(world, engineer):
    ticket = world["team"]
    reply = MessageFactory(ticket=ticket, kind=MessageKind.REPLY, author=engineer)
    note = MessageFactory(ticket=ticket, kind=MessageKind.NOTE, author=engineer)
    worklog = MessageFactory(
        ticket=ticket, kind=MessageKind.WORKLOG, worklog_kind=WorkLogKind.TEST, author=engineer
    )
    return ticket, reply, note, worklog


def test_customers_never_see_notes_or_the_work_log(conversation, customer):
    ticket, reply, _note, _worklog = conversation
    assert list(selectors.message_list(user=customer, ticket=ticket)) == [reply]


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.AGENT, Role.QA_AUDITOR])
def test_our_people_see_the_whole_conversation(conversation, role):
    ticket, reply, note, worklog = conversation
    user = UserFactory(username=f"u-{role}", role=role)
    assert list(selectors.message_list(user=user, ticket=ticket)) == [reply, note, worklog]


def _log(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"2026-11-21 ERROR disk full\n")


def test_internal_attachments_are_hidden_from_customers(org, customer, agent, other_customer):
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(title="磁盘满", description="见日志", channel="portal"),
        files=[_log("client.log")],
    )
    services.message_add(
        ticket_id=ticket.pk,
        actor=agent,
        kind=MessageKind.NOTE,
        body="服务器日志",
        files=[_log("server.log")],
    )
    public, internal = ticket.attachments.order_by("id")
    assert [a.original_name for a in selectors.attachment_list(user=customer, ticket=ticket)] == [
        "client.log"
    ]
    assert [a.original_name for a in selectors.attachment_list(user=agent, ticket=ticket)] == [
        "client.log",
        "server.log",
    ]
    assert selectors.attachment_get_for_user(user=customer, pk=public.pk) == public
    assert selectors.attachment_get_for_user(user=agent, pk=internal.pk) == internal
    with pytest.raises(Http404):
        selectors.attachment_get_for_user(user=customer, pk=internal.pk)
    with pytest.raises(Http404):
        selectors.attachment_get_for_user(user=other_customer, pk=public.pk)


def test_customers_see_only_the_public_timeline(customer, agent, engineer):
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(title="系统无法登录", description="转圈", channel="portal"),
        dispatch=False,
    )
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, reason="内部原因")
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    staff = {e.kind for e in selectors.event_list(ticket=ticket, user=agent)}
    public = {e.kind for e in selectors.event_list(ticket=ticket, user=customer)}
    assert TicketEvent.Kind.ASSIGNED in staff
    assert public == {TicketEvent.Kind.CREATED, TicketEvent.Kind.STATUS}


# --- other reads -----------------------------------------------------------------------------


def test_ticket_history_lists_field_changes_newest_first(customer, agent, engineer):
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(title="系统无法登录", description="转圈", channel="portal"),
        dispatch=False,
    )
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer)
    services.ticket_transition(
        ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS, reason="开始处理"
    )
    rows = selectors.ticket_history(ticket=ticket)
    assert rows[0]["reason"] == "开始处理"
    status_change = {str(c["field"]): (c["old"], c["new"]) for c in rows[0]["changes"]}
    assert status_change["status"] == ("assigned", "in_progress")
    assert rows[-1]["changes"] == []  # the registration itself
    assert len(rows) == ticket.history.count()


def test_assignable_users(engineer, outsider_engineer, org):
    team = engineer.memberships.get().team
    both = UserFactory(username="both", roles=[Role.ENGINEER, Role.EXPERT])
    MembershipFactory(team=team, user=both)
    UserFactory(username="qa", role=Role.QA_AUDITOR)
    UserFactory(username="gone", role=Role.ENGINEER, is_active=False)
    CustomerFactory(username="carol", organization=org)
    everyone = list(selectors.assignable_users())
    assert {u.username for u in everyone} == {"eng", "eng2", "both"}
    assert len(everyone) == 3
    assert [u.username for u in selectors.assignable_users(team=team)] == ["both", "eng"]
    assert list(selectors.assignable_users(team=TeamFactory(code="empty"))) == []


def test_category_tree_shows_active_categories(django_assert_num_queries):
    Category.objects.filter(code__in=["network-vpn", "requirement"]).update(active=False)
    with django_assert_num_queries(2):
        tree = selectors.category_tree()
        children = {c.code: [k.code for k in c.children.all()] for c in tree}
    assert "requirement" not in children
    assert children["network"] == ["network-down", "network-slow"]
    assert children["hardware"][0] == "hardware-server"


def test_open_load_by_user(engineer, outsider_engineer, org):
    for status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER):
        TicketFactory(organization=org, assignee=engineer, status=status)
    TicketFactory(organization=org, assignee=engineer, status=Status.CLOSED)
    TicketFactory(organization=org, assignee=outsider_engineer, status=Status.ARCHIVED)
    assert selectors.open_load_by_user([engineer.pk, outsider_engineer.pk]) == {engineer.pk: 3}
