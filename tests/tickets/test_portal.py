"""The customer portal: scope, what a customer must never see, opening tickets, replying."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TicketFactory, category
from tickets import services
from tickets.models import Attachment, Channel, Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db

LIST = reverse("portal:list")
CREATE = reverse("portal:create")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def detail_url(ticket: Ticket) -> str:
    return reverse("portal:detail", args=[ticket.number])


@pytest.fixture
def worked_ticket(org, customer, engineer):
    """A ticket of alice's organization with public and internal content on it."""
    ticket = TicketFactory(
        organization=org,
        contact=customer,
        team=engineer.memberships.get().team,
        assignee=engineer,
        status=Status.IN_PROGRESS,
        title="报表导出很慢",
    )
    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind="reply",
        body="请发送导出日志",
        files=[SimpleUploadedFile("guide.png", PNG)],
    )
    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind="note",
        body="SECRET-NOTE 客户数据库很旧",
        files=[SimpleUploadedFile("internal-trace.log", b"stack trace\n")],
    )
    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind="worklog",
        worklog_kind="look",
        body="SECRET-WORKLOG 查看了慢查询日志",
    )
    return ticket


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, worked_ticket):
    for url in (LIST, CREATE, detail_url(worked_ticket)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_our_people_are_sent_to_the_engineer_ui(client, agent, worked_ticket):
    client.force_login(agent)
    for url in (LIST, CREATE, detail_url(worked_ticket)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("tickets:queue")


def test_home_sends_customers_to_the_portal(client, customer):
    client.force_login(customer)
    assert client.get(reverse("home")).url == LIST


def test_another_organizations_ticket_is_404(client, other_customer, worked_ticket):
    client.force_login(other_customer)
    assert client.get(detail_url(worked_ticket)).status_code == 404
    response = client.post(detail_url(worked_ticket), {"body": "hello"})
    assert response.status_code == 404
    assert not worked_ticket.messages.filter(author=other_customer).exists()


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_only_the_organizations_tickets(client, customer, org, other_org):
    mine = TicketFactory(organization=org, title="我们的工单")
    theirs = TicketFactory(organization=other_org, title="别人的工单")
    client.force_login(customer)
    html = client.get(LIST).content.decode()
    assert mine.number in html and "我们的工单" in html
    assert theirs.number not in html and "别人的工单" not in html


def test_list_status_and_text_filters(client, customer, org):
    open_ticket = TicketFactory(organization=org, status=Status.IN_PROGRESS, title="VPN 断开")
    closed = TicketFactory(organization=org, status=Status.CLOSED, title="打印机卡纸")
    client.force_login(customer)
    html = client.get(LIST, {"status": "open"}).content.decode()
    assert open_ticket.number in html and closed.number not in html
    html = client.get(LIST, {"status": "closed"}).content.decode()
    assert closed.number in html and open_ticket.number not in html
    html = client.get(LIST, {"q": "打印机"}).content.decode()
    assert closed.number in html and open_ticket.number not in html
    assert client.get(LIST, {"status": "bogus", "page": "-3"}).status_code == 200


def test_list_pages_without_a_total_and_constant_queries(client, customer, org):
    TicketFactory.create_batch(3, organization=org)
    client.force_login(customer)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    TicketFactory.create_batch(24, organization=org)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in many.captured_queries)
    assert response.context["page"].has_next
    assert len(response.context["page"].items) == 25
    assert len(client.get(LIST, {"page": 2}).context["page"].items) == 2


# --- the ticket --------------------------------------------------------------------------------


def test_customer_never_sees_internal_content(client, customer, worked_ticket):
    client.force_login(customer)
    response = client.get(detail_url(worked_ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请发送导出日志" in html
    assert "guide.png" in html
    assert "SECRET-NOTE" not in html
    assert "SECRET-WORKLOG" not in html
    assert "internal-trace.log" not in html
    internal = Attachment.objects.get(original_name="internal-trace.log")
    public = Attachment.objects.get(original_name="guide.png")
    assert client.get(reverse("tickets:attachment", args=[internal.pk])).status_code == 404
    response = client.get(reverse("tickets:attachment", args=[public.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_other_customer_cannot_download_the_attachment(client, other_customer, worked_ticket):
    public = Attachment.objects.get(original_name="guide.png")
    client.force_login(other_customer)
    assert client.get(reverse("tickets:attachment", args=[public.pk])).status_code == 404


def test_customer_reply_with_attachment_resumes_a_waiting_ticket(client, customer, worked_ticket):
    Ticket.objects.filter(pk=worked_ticket.pk).update(status=Status.WAITING_CUSTOMER)
    client.force_login(customer)
    response = client.post(
        detail_url(worked_ticket),
        {"body": "日志见附件", "files": [SimpleUploadedFile("export.log", "导出超时\n".encode())]},
    )
    assert response.status_code == 302
    assert response.url == detail_url(worked_ticket)
    reply = Message.objects.get(author=customer)
    assert reply.kind == MessageKind.REPLY and reply.body == "日志见附件"
    att = reply.attachments.get()
    assert att.internal is False and att.original_name == "export.log"
    worked_ticket.refresh_from_db()
    assert worked_ticket.status == Status.IN_PROGRESS
    assert "日志见附件" in client.get(response.url).content.decode()


def test_reply_with_rejected_file_is_a_form_error(client, customer, worked_ticket):
    client.force_login(customer)
    response = client.post(
        detail_url(worked_ticket),
        {"body": "见附件", "files": [SimpleUploadedFile("tool.exe", EXE)]},
    )
    assert response.status_code == 200
    assert "tool.exe" in response.context["form"].errors["files"][0]
    assert not Message.objects.filter(author=customer).exists()


def test_reply_to_a_closed_ticket_is_refused_with_the_services_message(
    client, customer, worked_ticket
):
    Ticket.objects.filter(pk=worked_ticket.pk).update(status=Status.CLOSED)
    client.force_login(customer)
    page = client.get(detail_url(worked_ticket))
    assert page.context["can_reply"] is False
    response = client.post(detail_url(worked_ticket), {"body": "还是不行"})
    assert response.status_code == 200
    assert "closed" in response.context["form"].non_field_errors()[0]
    assert not Message.objects.filter(author=customer).exists()


def test_empty_reply_is_a_form_error(client, customer, worked_ticket):
    client.force_login(customer)
    response = client.post(detail_url(worked_ticket), {"body": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["body"]


# --- opening a ticket --------------------------------------------------------------------------


def test_customer_opens_a_ticket_with_attachments(client, customer, org):
    client.force_login(customer)
    assert client.get(CREATE).status_code == 200
    response = client.post(
        CREATE,
        {
            "title": "无法登录系统",
            "description": "输入密码后提示登录失败",
            "request_type": "fault",
            "product": "OA",
            "product_version": "5.1",
            "device_model": "ThinkPad X1",
            "steps_to_reproduce": "1. 打开登录页",
            "error_message": "ERR_AUTH_401",
            "occurred_at": "2026-01-05T09:30",
            "impact": "department",
            "urgency": "high",
            "files": [SimpleUploadedFile("login.png", PNG), SimpleUploadedFile("a.txt", b"x\n")],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(ticket)
    assert ticket.channel == Channel.PORTAL
    assert ticket.organization == org
    assert ticket.contact == customer
    assert ticket.device_model == "ThinkPad X1"
    assert ticket.occurred_at is not None
    assert ticket.attachments.count() == 2
    assert not ticket.attachments.filter(internal=True).exists()
    assert ticket.suggested_category == category("account-login")
    text = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert ticket.number in text


def test_open_ticket_with_rejected_file_creates_nothing(client, customer):
    client.force_login(customer)
    response = client.post(
        CREATE,
        {
            "title": "t",
            "description": "d",
            "request_type": "fault",
            "impact": "user",
            "urgency": "low",
            "files": [SimpleUploadedFile("virus.exe", EXE)],
        },
    )
    assert response.status_code == 200
    assert "virus.exe" in response.context["form"].errors["files"][0]
    assert not Ticket.objects.exists()


def test_open_ticket_without_title_is_a_form_error(client, customer):
    client.force_login(customer)
    response = client.post(
        CREATE, {"description": "d", "request_type": "fault", "impact": "user", "urgency": "low"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert not Ticket.objects.exists()


# --- language ----------------------------------------------------------------------------------


def test_portal_renders_in_chinese_and_english(client, customer, org):
    ticket = TicketFactory(organization=org, category=category("network-vpn"))
    client.force_login(customer)
    url = detail_url(ticket)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    html = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "网络异常 / VPN/专线" in html
    client.post(reverse("set_language"), {"language": "en", "next": url})
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Network / VPN / leased line" in html


def test_customers_see_their_view_of_the_status_not_our_internal_steps(client, customer, org):
    dispatched = TicketFactory(organization=org, status=Status.ASSIGNED, title="已派单的")
    testing = TicketFactory(organization=org, status=Status.TESTING, title="测试中的")
    client.force_login(customer)
    html = client.get(LIST).content.decode()
    assert "customer-status-received" in html and "customer-status-in_progress" in html
    assert "status-assigned" not in html and "status-testing" not in html
    # The filter offers the customer's statuses and maps them back to ours.
    html = client.get(LIST, {"status": "in_progress"}).content.decode()
    assert testing.number in html and dispatched.number not in html
    html = client.get(LIST, {"status": "received"}).content.decode()
    assert dispatched.number in html and testing.number not in html
    detail = client.get(reverse("portal:detail", args=[dispatched.number])).content.decode()
    assert "customer-status-received" in detail
