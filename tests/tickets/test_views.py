"""The engineer web UI: wiring, permissions, status codes, refusals shown, query counts."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    MessageFactory,
    RoutingRuleFactory,
    TicketFactory,
    UserFactory,
    category,
    level,
)
from tickets import services
from tickets.models import (
    Assignment,
    Attachment,
    Channel,
    ClassificationCorrection,
    Message,
    MessageKind,
    Status,
    Ticket,
)
from tickets.roles import Role

pytestmark = pytest.mark.django_db

QUEUE = reverse("tickets:queue")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def team_of(user):
    return user.memberships.get().team


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def count_queries(client, url: str) -> int:
    client.get(url)  # warm up per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def team_ticket(engineer, org):
    """An open ticket of the engineer's team, assigned to them and in progress."""
    return TicketFactory(
        organization=org,
        team=team_of(engineer),
        assignee=engineer,
        status=Status.IN_PROGRESS,
        title="打印机无法连接网络",
    )


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tickets:queue", "tickets:create"])
def test_anonymous_is_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=" in response.url


def test_anonymous_detail_and_attachment_are_sent_to_login(client, team_ticket):
    for url in (team_ticket.get_absolute_url(), reverse("tickets:attachment", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_customer_on_the_engineer_ui_is_redirected_to_the_portal(client, customer, team_ticket):
    client.force_login(customer)
    for url in (QUEUE, team_ticket.get_absolute_url(), reverse("tickets:create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("portal:list")


def test_user_without_any_role_is_forbidden(client):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(QUEUE).status_code == 403


def test_engineer_of_another_team_gets_404(client, outsider_engineer, team_ticket):
    client.force_login(outsider_engineer)
    page = client.get(team_ticket.get_absolute_url())
    assert page.status_code == 404
    assert "Not found" in page.content.decode()
    assert team_ticket.title not in page.content.decode()
    response = client.post(
        reverse("tickets:transition", args=[team_ticket.number]), {"to": "testing"}
    )
    assert response.status_code == 404
    team_ticket.refresh_from_db()
    assert team_ticket.status == Status.IN_PROGRESS


def test_engineer_without_register_permission_cannot_open_the_form(client, engineer):
    client.force_login(engineer)
    assert client.get(reverse("tickets:create")).status_code == 403


def test_login_page_renders_with_language_switcher(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="zh-hans"' in html and 'value="en"' in html


# --- the queue ---------------------------------------------------------------------------------


def test_queue_defaults_to_mine_for_engineers_with_assigned_work(client, engineer, team_ticket):
    client.force_login(engineer)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["queue"] == "mine"
    assert team_ticket.number in response.content.decode()


def test_queue_defaults_to_open_without_assigned_work(client, agent, org):
    open_ticket = TicketFactory(organization=org)
    closed = TicketFactory(organization=org, status=Status.CLOSED)
    client.force_login(agent)
    response = client.get(QUEUE)
    assert response.context["queue"] == "open"
    html = response.content.decode()
    assert open_ticket.number in html
    assert closed.number not in html


def test_queue_only_shows_tickets_in_scope(client, engineer, outsider_engineer, team_ticket, org):
    other = TicketFactory(organization=org, team=team_of(outsider_engineer))
    client.force_login(engineer)
    html = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert team_ticket.number in html
    assert other.number not in html


def test_queue_filters_by_status_and_text(client, agent, org):
    waiting = TicketFactory(organization=org, status=Status.WAITING_CUSTOMER, title="VPN 断开")
    new = TicketFactory(organization=org, status=Status.NEW, title="报表很慢")
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all", "status": "waiting_customer"}).content.decode()
    assert waiting.number in html and new.number not in html
    html = client.get(QUEUE, {"queue": "all", "q": "报表"}).content.decode()
    assert new.number in html and waiting.number not in html


def test_queue_invalid_filter_value_is_a_form_error_not_a_500(client, agent, org):
    TicketFactory(organization=org)
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "all", "team": "not-a-number", "page": "x"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["team"]


def test_queue_sorts_by_priority(client, agent, org):
    low = TicketFactory(organization=org, priority=level("low"))
    urgent = TicketFactory(organization=org, priority=level("urgent"))
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all", "ordering": "priority"}).content.decode()
    assert html.index(urgent.number) < html.index(low.number)
    html = client.get(QUEUE, {"queue": "all", "ordering": "-priority"}).content.decode()
    assert html.index(low.number) < html.index(urgent.number)


def test_queue_pages_without_a_total(client, agent, org):
    TicketFactory.create_batch(27, organization=org)
    client.force_login(agent)
    first = client.get(QUEUE, {"queue": "all"})
    assert len(first.context["page"].items) == 25
    assert first.context["page"].has_next
    html = first.content.decode()
    assert "page=2" in html and 'rel="next"' in html
    second = client.get(QUEUE, {"queue": "all", "page": 2})
    assert len(second.context["page"].items) == 2
    assert not second.context["page"].has_next
    numbers = {t.number for t in first.context["page"].items}
    assert numbers.isdisjoint(t.number for t in second.context["page"].items)


def test_queue_htmx_request_renders_only_the_results(client, agent, org):
    TicketFactory(organization=org)
    client.force_login(agent)
    response = client.get(QUEUE, {"queue": "all"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="queue-results"' in html
    assert "<html" not in html


def test_queue_query_count_does_not_grow_with_the_page(client, agent, org, engineer):
    team = team_of(engineer)
    TicketFactory.create_batch(
        5, organization=org, team=team, assignee=engineer, category=category("network-down")
    )
    client.force_login(agent)
    url = f"{QUEUE}?queue=all"
    few = count_queries(client, url)
    TicketFactory.create_batch(
        25, organization=org, team=team, assignee=engineer, category=category("data-loss")
    )
    many = count_queries(client, url)
    assert few == many
    assert many <= 12


def test_queue_query_count_with_default_queue_and_filters(client, engineer, team_ticket):
    client.force_login(engineer)
    assert count_queries(client, QUEUE) <= 12
    assert count_queries(client, f"{QUEUE}?queue=team&status=in_progress&q=TS-") <= 12


# --- bulk actions ------------------------------------------------------------------------------


def test_bulk_assign_reports_successes_and_refusals(client, supervisor, engineer, org):
    fresh = TicketFactory(organization=org)
    closed = TicketFactory(organization=org, status=Status.CLOSED)
    client.force_login(supervisor)
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [fresh.pk, closed.pk], "action": "assign", "assignee": engineer.pk},
    )
    assert response.status_code == 302
    fresh.refresh_from_db()
    closed.refresh_from_db()
    assert fresh.assignee == engineer and fresh.status == Status.ASSIGNED
    assert closed.assignee is None
    texts = msgs(response)
    assert any(fresh.number in t and str(engineer) in t for t in texts)
    assert any(t.startswith(closed.number) and "Closed tickets" in t for t in texts)


def test_bulk_auto_route_uses_the_routing_rules(client, supervisor, engineer, org):
    RoutingRuleFactory(team=team_of(engineer), category=None)
    ticket = TicketFactory(organization=org)
    client.force_login(supervisor)
    client.post(reverse("tickets:bulk"), {"tickets": [ticket.pk], "action": "auto"})
    ticket.refresh_from_db()
    assert ticket.team == team_of(engineer)
    assert ticket.assignee == engineer
    assert Assignment.objects.get(ticket=ticket).kind == Assignment.Kind.AUTO


def test_bulk_status_change_with_reason(client, engineer, org):
    team = team_of(engineer)
    a, b = TicketFactory.create_batch(
        2, organization=org, team=team, assignee=engineer, status=Status.IN_PROGRESS
    )
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:bulk"),
        {
            "tickets": [a.pk, b.pk],
            "action": "status",
            "status": "waiting_customer",
            "reason": "需要日志",
            "next": f"{QUEUE}?queue=team",
        },
    )
    assert response.url == f"{QUEUE}?queue=team"
    for t in (a, b):
        t.refresh_from_db()
        assert t.status == Status.WAITING_CUSTOMER
        assert t.events.filter(kind="status", reason="需要日志").exists()


def test_bulk_refusals_from_permissions_are_messages_not_errors(client, engineer, team_ticket):
    client.force_login(engineer)  # engineers may not dispatch
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [team_ticket.pk], "action": "assign", "assignee": engineer.pk},
    )
    assert response.status_code == 302
    assert any(team_ticket.number in t and "not allowed" in t for t in msgs(response))


def test_bulk_illegal_status_is_refused_per_ticket(client, engineer, org):
    team = team_of(engineer)
    ok = TicketFactory(organization=org, team=team, assignee=engineer, status=Status.IN_PROGRESS)
    new = TicketFactory(organization=org, team=team, status=Status.NEW)
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:bulk"),
        {"tickets": [ok.pk, new.pk], "action": "status", "status": "testing"},
    )
    ok.refresh_from_db()
    new.refresh_from_db()
    assert ok.status == Status.TESTING
    assert new.status == Status.NEW
    texts = msgs(response)
    assert any(t.startswith(new.number) and "cannot move" in t for t in texts)


def test_bulk_without_selection_or_with_invisible_tickets(client, engineer, outsider_engineer, org):
    hidden = TicketFactory(organization=org, team=team_of(outsider_engineer))
    client.force_login(engineer)
    response = client.post(reverse("tickets:bulk"), {"action": "status", "status": "testing"})
    assert any("Select at least one ticket" in t for t in msgs(response))
    response = client.post(
        reverse("tickets:bulk"), {"tickets": [hidden.pk], "action": "status", "status": "closed"}
    )
    hidden.refresh_from_db()
    assert hidden.status == Status.NEW
    assert any("not found" in t for t in msgs(response))


def test_bulk_redirect_ignores_foreign_next(client, engineer, team_ticket):
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:bulk"),
        {
            "tickets": [team_ticket.pk],
            "action": "status",
            "status": "testing",
            "next": "https://evil.example/",
        },
    )
    assert response.url == QUEUE


# --- registration ------------------------------------------------------------------------------


def registration(org, contact, **extra):
    data = {
        "channel": Channel.PHONE,
        "received_at": local_input(timezone.now() - dt.timedelta(minutes=10)),
        "request_type": "fault",
        "organization": org.pk,
        "contact": contact.pk,
        "title": "打印机无法连接网络",
        "description": "三楼的打印机从早上开始连接超时",
        "product": "PrintServer",
        "product_version": "2.3",
        "device_model": "HP M404",
        "steps_to_reproduce": "1. 打印测试页",
        "error_message": "Error 0x80070005",
        "occurred_at": local_input(timezone.now() - dt.timedelta(hours=2)),
        "impact": "department",
        "urgency": "high",
        "impact_scope": "三楼财务部",
        "cc_emails": "boss@example.com; it@example.com",
    }
    data.update(extra)
    return data


def test_agent_registers_a_ticket_with_attachments(client, agent, org, customer):
    client.force_login(agent)
    assert client.get(reverse("tickets:create")).status_code == 200
    files = [
        SimpleUploadedFile("printer.log", "连接超时 timeout\n".encode()),
        SimpleUploadedFile("screen.png", PNG),
    ]
    response = client.post(
        reverse("tickets:create"), {**registration(org, customer), "files": files}
    )
    ticket = Ticket.objects.get()
    assert re.fullmatch(r"TS-\d{8}-\d{3,}", ticket.number)
    assert response.status_code == 302
    assert response.url == ticket.get_absolute_url()
    assert ticket.channel == Channel.PHONE
    assert ticket.contact == customer
    assert ticket.created_by == agent
    assert ticket.cc_emails == "boss@example.com, it@example.com"
    assert ticket.impact_scope == "三楼财务部"
    assert ticket.registration_lag >= dt.timedelta(minutes=9)
    stored = list(ticket.attachments.order_by("original_name"))
    assert [a.original_name for a in stored] == ["printer.log", "screen.png"]
    assert stored[1].content_type == "image/png"
    assert all(a.file.storage.exists(a.file.name) for a in stored)
    (text,) = msgs(response)
    assert ticket.number in text
    assert ticket.suggested_category is not None
    assert "打印机" in text  # the matched keyword


def test_rejected_file_type_is_a_form_error_and_creates_nothing(client, agent, org, customer):
    client.force_login(agent)
    data = {**registration(org, customer), "files": [SimpleUploadedFile("setup.exe", EXE)]}
    response = client.post(reverse("tickets:create"), data)
    assert response.status_code == 200
    assert "setup.exe" in response.context["form"].errors["files"][0]
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_service_refusal_lands_on_its_field(client, agent, org, customer):
    client.force_login(agent)
    future = local_input(timezone.now() + dt.timedelta(days=1))
    response = client.post(
        reverse("tickets:create"), registration(org, customer, received_at=future)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["received_at"]
    assert not Ticket.objects.exists()


def test_contact_must_belong_to_the_organization(client, agent, org, other_customer):
    client.force_login(agent)
    response = client.post(reverse("tickets:create"), registration(org, other_customer))
    assert response.status_code == 200
    assert response.context["form"].errors["contact"]
    assert not Ticket.objects.exists()


def test_invalid_cc_email_is_a_form_error(client, agent, org, customer):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:create"), registration(org, customer, cc_emails="a@example.com, nope")
    )
    assert "nope" in response.context["form"].errors["cc_emails"][0]


def test_contact_options_for_an_organization(client, agent, org, customer, other_customer):
    client.force_login(agent)
    html = client.get(reverse("tickets:contact_options"), {"organization": org.pk}).content.decode()
    assert f'value="{customer.pk}"' in html
    assert f'value="{other_customer.pk}"' not in html


# --- the ticket page ---------------------------------------------------------------------------


def test_detail_shows_scene_classification_and_conversation(client, agent, org, customer):
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(
            title="无法登录系统",
            description="输入密码后提示登录失败",
            channel=Channel.PORTAL,
            error_message="ERR_AUTH_401",
        ),
    )
    services.message_add(ticket_id=ticket.pk, actor=agent, kind="note", body="先查 LDAP")
    services.message_add(
        ticket_id=ticket.pk, actor=agent, kind="worklog", worklog_kind="look", body="看了日志"
    )
    services.message_add(ticket_id=ticket.pk, actor=agent, kind="reply", body="请提供截图")
    client.force_login(agent)
    response = client.get(ticket.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("ERR_AUTH_401", "先查 LDAP", "看了日志", "请提供截图", "无法登录", "msg-note"):
        assert text in html
    assert "msg-worklog" in html and "wl-look" in html
    assert 'action="{}"'.format(reverse("tickets:classify", args=[ticket.number])) in html
    assert response.context["targets"]


def test_detail_query_count_is_constant_in_thread_length(client, engineer, org, customer):
    team = team_of(engineer)

    def ticket_with(n: int) -> Ticket:
        t = TicketFactory(organization=org, team=team, assignee=engineer, status=Status.IN_PROGRESS)
        services.message_add(
            ticket_id=t.pk,
            actor=engineer,
            kind="note",
            body="附日志",
            files=[SimpleUploadedFile("a.log", b"line\n")],
        )
        for i in range(n - 1):
            MessageFactory(
                ticket=t,
                author=customer if i % 2 else engineer,
                kind=[MessageKind.REPLY, MessageKind.NOTE, MessageKind.WORKLOG][i % 3],
                worklog_kind="ask" if i % 3 == 2 else "",
            )
        return t

    short, long = ticket_with(2), ticket_with(20)
    client.force_login(engineer)
    assert Message.objects.filter(ticket=long).count() == 20
    assert count_queries(client, short.get_absolute_url()) == count_queries(
        client, long.get_absolute_url()
    )


def test_history_tab_lists_field_changes_with_readable_values(client, agent, engineer, team_ticket):
    services.ticket_transition(
        ticket_id=team_ticket.pk, actor=engineer, to="waiting_customer", reason="等客户日志"
    )
    client.force_login(agent)
    page = client.get(team_ticket.get_absolute_url()).content.decode()
    history_url = reverse("tickets:history", args=[team_ticket.number])
    assert history_url in page  # the tab loads it when first shown
    response = client.get(history_url)
    rows = response.context["history"]
    change = next(c for r in rows for c in r["changes"] if c["name"] == "status")
    assert change["old"] == Status.IN_PROGRESS.label
    assert change["new"] == Status.WAITING_CUSTOMER.label
    assert any(r["reason"] == "等客户日志" for r in rows)
    assert "等客户日志" in response.content.decode()
    client.force_login(UserFactory(username="stranger-eng", role=Role.ENGINEER))
    assert client.get(history_url).status_code == 404


# --- actions -----------------------------------------------------------------------------------


def test_illegal_transition_shows_the_service_message_and_changes_nothing(
    client, engineer, team_ticket
):
    client.force_login(engineer)
    team_ticket.status = Status.NEW
    team_ticket.save()
    response = client.post(
        reverse("tickets:transition", args=[team_ticket.number]), {"to": "resolved"}
    )
    assert response.status_code == 302
    assert response.url == team_ticket.get_absolute_url()
    team_ticket.refresh_from_db()
    assert team_ticket.status == Status.NEW
    (text,) = msgs(response)
    assert "cannot move" in text and str(Status.RESOLVED.label) in text
    page = client.get(response.url).content.decode()
    assert "cannot move" in page


def test_transition_needing_a_reason_is_refused_without_one(client, engineer, team_ticket):
    team_ticket.status = Status.RESOLVED
    team_ticket.save()
    client.force_login(engineer)
    url = reverse("tickets:transition", args=[team_ticket.number])
    response = client.post(url, {"to": "in_progress"})
    assert "needs a reason" in msgs(response)[-1]
    team_ticket.refresh_from_db()
    assert team_ticket.status == Status.RESOLVED
    client.post(url, {"to": "in_progress", "reason": "客户说仍然打不出来"})
    team_ticket.refresh_from_db()
    assert team_ticket.status == Status.IN_PROGRESS
    assert team_ticket.reopen_count == 1


def test_unknown_status_value_is_a_message(client, engineer, team_ticket):
    client.force_login(engineer)
    response = client.post(
        reverse("tickets:transition", args=[team_ticket.number]), {"to": "exploded"}
    )
    assert response.status_code == 302
    assert msgs(response)


def test_actions_only_accept_post(client, engineer, team_ticket):
    client.force_login(engineer)
    assert client.get(reverse("tickets:transition", args=[team_ticket.number])).status_code == 405


def test_assign_and_auto_route(client, supervisor, engineer, org):
    ticket = TicketFactory(organization=org)
    client.force_login(supervisor)
    url = reverse("tickets:assign", args=[ticket.number])
    response = client.post(url, {})
    assert "Choose an assignee" in msgs(response)[-1]
    client.post(url, {"assignee": engineer.pk, "reason": "熟悉打印机"})
    ticket.refresh_from_db()
    assert ticket.assignee == engineer and ticket.status == Status.ASSIGNED
    other = TicketFactory(organization=org)
    response = client.post(reverse("tickets:assign", args=[other.number]), {"auto": "1"})
    assert "No routing rule" in msgs(response)[-1]
    RoutingRuleFactory(team=team_of(engineer))
    client.post(reverse("tickets:assign", args=[other.number]), {"auto": "1"})
    other.refresh_from_db()
    assert other.assignee == engineer


def test_hand_back_needs_a_reason(client, engineer, team_ticket):
    client.force_login(engineer)
    url = reverse("tickets:hand_back", args=[team_ticket.number])
    response = client.post(url, {"reason": " "})
    assert "Say why" in msgs(response)[-1]
    client.post(url, {"reason": "需要网络组处理"})
    team_ticket.refresh_from_db()
    assert team_ticket.status == Status.NEW and team_ticket.assignee is None
    assert team_ticket.assignments.get().kind == Assignment.Kind.HANDBACK


def test_follow_and_unfollow(client, engineer, team_ticket):
    client.force_login(engineer)
    url = reverse("tickets:follow", args=[team_ticket.number])
    client.post(url, {"follow": "1"})
    assert team_ticket.followers.filter(pk=engineer.pk).exists()
    assert client.get(team_ticket.get_absolute_url()).context["is_following"]
    client.post(url, {})
    assert not team_ticket.followers.filter(pk=engineer.pk).exists()


def test_classify_confirms_and_recomputes_priority(client, agent, team_ticket):
    client.force_login(agent)
    response = client.post(
        reverse("tickets:classify", args=[team_ticket.number]),
        {
            "category": category("hardware-peripheral").pk,
            "secondary": [category("network-down").pk],
            "impact": "core",
            "urgency": "critical",
            "reason": "",
        },
    )
    assert response.url.endswith("#classification")
    team_ticket.refresh_from_db()
    assert team_ticket.category == category("hardware-peripheral")
    assert list(team_ticket.secondary_categories.all()) == [category("network-down")]
    assert team_ticket.classified_at is not None
    assert team_ticket.priority.code == "urgent"
    assert ClassificationCorrection.objects.filter(ticket=team_ticket).exists()


def test_classify_refusal_is_a_message(client, agent, team_ticket):
    client.force_login(agent)
    cat = category("network-down")
    response = client.post(
        reverse("tickets:classify", args=[team_ticket.number]),
        {"category": cat.pk, "secondary": [cat.pk], "impact": "user", "urgency": "medium"},
    )
    assert "cannot also be a secondary" in msgs(response)[-1]
    team_ticket.refresh_from_db()
    assert team_ticket.classified_at is None


def test_engineer_cannot_classify(client, engineer, team_ticket):
    client.force_login(engineer)
    assert "classify_form" not in client.get(team_ticket.get_absolute_url()).context
    response = client.post(
        reverse("tickets:classify", args=[team_ticket.number]),
        {"category": category("network-down").pk, "impact": "user", "urgency": "medium"},
    )
    assert "not allowed" in msgs(response)[-1]


def test_add_note_and_worklog_with_files(client, engineer, team_ticket):
    client.force_login(engineer)
    url = reverse("tickets:message", args=[team_ticket.number])
    response = client.post(url, {"kind": "worklog", "body": "ping 超时"})
    # Refused: the page again, with the reason and the text as typed.
    assert response.status_code == 400
    html = response.content.decode()
    assert "ask, look or test" in " ".join(msgs(response)) + html
    assert ">ping 超时</textarea>" in html
    assert 'id="kind-worklog" value="worklog" checked' in html
    client.post(
        url,
        {
            "kind": "worklog",
            "worklog_kind": "test",
            "body": "ping 超时",
            "files": [SimpleUploadedFile("ping.txt", b"timeout\n")],
        },
    )
    entry = team_ticket.messages.get()
    assert entry.kind == MessageKind.WORKLOG and entry.worklog_kind == "test"
    assert entry.attachments.get().internal is True
    response = client.post(
        url,
        {"kind": "reply", "body": "长长的答复", "files": [SimpleUploadedFile("bad.exe", EXE)]},
    )
    assert response.status_code == 400
    assert "bad.exe" in msgs(response)[-1]
    assert ">长长的答复</textarea>" in response.content.decode()
    assert team_ticket.messages.count() == 1


# --- attachments -------------------------------------------------------------------------------


def test_attachment_download_headers_and_scope(client, engineer, outsider_engineer, team_ticket):
    services.message_add(
        ticket_id=team_ticket.pk,
        actor=engineer,
        kind="reply",
        body="见附件",
        files=[SimpleUploadedFile("诊断 报告.png", PNG)],
    )
    att = Attachment.objects.get()
    url = reverse("tickets:attachment", args=[att.pk])
    client.force_login(engineer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(outsider_engineer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("tickets:attachment", args=[att.pk + 100])).status_code == 404


# --- language ----------------------------------------------------------------------------------


def test_pages_render_in_chinese_and_english(client, agent, org):
    TicketFactory(organization=org, category=category("hardware-server"))
    client.force_login(agent)
    url = f"{QUEUE}?queue=all"
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "硬件故障 / 服务器故障" in html
    client.post(reverse("set_language"), {"language": "en", "next": url})
    agent.refresh_from_db()
    assert agent.language == "en"
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Hardware fault / Server failure" in html
    assert client.get(reverse("tickets:create")).status_code == 200


def test_archived_ticket_is_read_only(client, engineer, team_ticket):
    Ticket.objects.filter(pk=team_ticket.pk).update(status=Status.ARCHIVED)
    client.force_login(engineer)
    response = client.get(team_ticket.get_absolute_url())
    assert response.context["read_only"]
    assert 'id="compose"' not in response.content.decode()
    response = client.post(
        reverse("tickets:message", args=[team_ticket.number]), {"kind": "note", "body": "x"}
    )
    assert "read-only" in msgs(response)[-1]
    assert not team_ticket.messages.exists()
