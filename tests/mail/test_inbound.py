"""Email in: real message files become tickets, replies, or nothing (PROCESS §2)."""

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from tests.factories import OrganizationFactory
from tickets import services
from tickets.mail.inbound import email_ingest
from tickets.models import (
    Channel,
    InboundEmail,
    Mailbox,
    MessageKind,
    OutboundEmail,
    Status,
    Ticket,
    UnknownSender,
    User,
)

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"
T0 = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
Outcome = InboundEmail.Outcome


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.EMAIL_INBOUND_ADDRESSES = ["support@helpdesk.test"]
    with time_machine.travel(T0, tick=False):
        yield


def raw(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def ingest(name: str, capture, **kwargs) -> InboundEmail:
    with capture(execute=True):
        return email_ingest(raw=raw(name), **kwargs)


def test_new_message_opens_an_email_ticket_for_the_contact(
    customer, django_capture_on_commit_callbacks
):
    row = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET
    ticket = row.ticket
    assert ticket.channel == Channel.EMAIL
    assert ticket.contact == customer
    assert ticket.organization == customer.organization
    assert ticket.title == "ERP 服务器无法登录"
    assert "无法登录 ERP 服务器" in ticket.description
    assert ticket.cc_emails == "boss@acme.example"
    assert ticket.received_at == dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
    assert [a.original_name for a in ticket.attachments.all()] == ["erp.log"]
    assert bytes(row.raw) == raw("new_ticket_utf8.eml")
    # the acknowledgement threads under the customer's message
    ack = next(m for m in mail.outbox if m.to == [customer.email])
    assert ack.extra_headers["In-Reply-To"] == "<new-utf8-0001@acme.example>"
    assert ticket.number in ack.subject


def test_same_message_id_twice_makes_one_ticket(customer, django_capture_on_commit_callbacks):
    first = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    again = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1
    assert OutboundEmail.objects.filter(template="ticket_ack").count() == 2  # contact + CC


@pytest.mark.parametrize(
    ("name", "title", "text"),
    [
        ("gbk_labelled_gb2312.eml", "喆的打印机故障", "陈喆和王堃"),
        ("big5.eml", "印表機無法連線", "三樓的印表機"),
        ("unknown_charset.eml", "VPN 断开", "每隔十分钟"),
        ("html_only.eml", "数据库备份失败", "错误：ORA-01555"),
    ],
)
def test_charsets_and_html_become_readable_tickets(
    customer, django_capture_on_commit_callbacks, name, title, text
):
    row = ingest(name, django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET
    assert row.ticket.title == title
    assert text in row.ticket.description
    assert "<script" not in row.body_html


@pytest.fixture
def ticket(customer, django_capture_on_commit_callbacks):
    """TS-20261123-001, opened in the portal, with an engineer's reply on it."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=customer,
            data=services.TicketData(
                title="ERP 登录失败", description="无法登录", channel=Channel.PORTAL
            ),
        )
    assert ticket.number == "TS-20261123-001"
    OutboundEmail.objects.filter(ticket=ticket, address=customer.email).update(
        message_id="<ack-0001@helpdesk.test>"
    )
    return ticket


def test_reply_is_threaded_by_in_reply_to_and_quotes_stripped(
    ticket, customer, django_capture_on_commit_callbacks
):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.WAITING_CUSTOMER)
    row = ingest("reply_in_reply_to.eml", django_capture_on_commit_callbacks)
    assert (row.outcome, row.ticket) == (Outcome.REPLY, ticket)
    message = row.ticket_message
    assert message.kind == MessageKind.REPLY and message.author == customer
    assert message.body == "好的，我已经重启了交换机，现在可以登录了。"
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # the customer's answer ends the wait
    assert Ticket.objects.count() == 1


def test_reply_is_threaded_by_subject_number_within_the_organization(
    ticket, django_capture_on_commit_callbacks
):
    row = ingest("reply_english_quoted.eml", django_capture_on_commit_callbacks)
    assert (row.outcome, row.ticket) == (Outcome.REPLY, ticket)
    assert row.ticket_message.body == "Restarted the switch, it works now."


def test_subject_number_of_another_organization_opens_a_new_ticket(
    ticket, other_customer, django_capture_on_commit_callbacks
):
    row = ingest("subject_number_other_org.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET
    assert row.ticket != ticket
    assert row.ticket.organization == other_customer.organization
    assert ticket.messages.count() == 0


def test_reply_to_a_closed_ticket_opens_a_new_one(ticket, django_capture_on_commit_callbacks):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    row = ingest("reply_english_quoted.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET and row.ticket != ticket


@pytest.mark.parametrize("name", ["auto_reply.eml", "bulk.eml", "bounce.eml"])
def test_automatic_mail_makes_no_ticket_and_no_reply(
    ticket, customer, django_capture_on_commit_callbacks, name
):
    mail.outbox.clear()
    row = ingest(name, django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.AUTO and row.ticket is None
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 0
    assert mail.outbox == []


def test_malformed_message_is_quarantined_with_its_source(db):
    row = email_ingest(raw=raw("malformed.eml"))
    assert row.outcome == Outcome.QUARANTINED
    assert "malformed" in row.error
    assert bytes(row.raw) == raw("malformed.eml")


def test_a_failure_while_processing_is_quarantined_and_nothing_half_written(
    customer, monkeypatch, django_capture_on_commit_callbacks
):
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tickets.mail.inbound.ticket_create", explode)
    row = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.QUARANTINED
    assert row.error == "RuntimeError: disk full"
    assert Ticket.objects.count() == 0


def test_unknown_sender_joins_the_organization_of_its_domain(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_INBOUND_UNKNOWN_SENDER = UnknownSender.DOMAIN
    globex = OrganizationFactory(code="globex", email_domain="globex.example")
    row = ingest("unknown_sender.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET
    carol = User.objects.get(email="carol@globex.example")
    assert carol.organization == globex
    assert carol.display_name == "Carol Wang"
    assert carol.language == "en"
    assert not carol.has_usable_password()
    assert row.ticket.contact == carol


def test_unknown_sender_without_a_matching_domain_is_rejected(settings, db):
    settings.EMAIL_INBOUND_UNKNOWN_SENDER = UnknownSender.DOMAIN
    row = email_ingest(raw=raw("unknown_sender.eml"))
    assert row.outcome == Outcome.REJECTED
    assert not User.objects.filter(email="carol@globex.example").exists()


def test_unknown_sender_rule_reject(settings, db):
    OrganizationFactory(code="globex", email_domain="globex.example")
    settings.EMAIL_INBOUND_UNKNOWN_SENDER = UnknownSender.REJECT
    assert email_ingest(raw=raw("unknown_sender.eml")).outcome == Outcome.REJECTED
    assert Ticket.objects.count() == 0


def test_mailbox_rule_puts_unknown_senders_in_its_default_org(
    org, django_capture_on_commit_callbacks
):
    mailbox = Mailbox.objects.create(
        name="support",
        host="imap.example",
        username="support@helpdesk.test",
        unknown_sender=UnknownSender.DEFAULT_ORG,
        default_organization=org,
    )
    row = ingest("unknown_sender.eml", django_capture_on_commit_callbacks, mailbox=mailbox)
    assert row.outcome == Outcome.TICKET
    assert row.ticket.organization == org
    assert row.mailbox == mailbox


def test_rejected_attachment_is_noted_and_the_ticket_still_opens(
    customer, django_capture_on_commit_callbacks
):
    row = ingest("bad_attachment.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.TICKET
    assert row.ticket.attachments.count() == 0
    assert "tool.exe" in row.ticket.description
    assert "Attachments not accepted" in row.ticket.description


def test_attachment_size_limit_applies(customer, settings, django_capture_on_commit_callbacks):
    settings.ATTACHMENT_MAX_BYTES = 10
    row = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    assert row.ticket.attachments.count() == 0
    assert "erp.log" in row.ticket.description


def test_ingest_email_command_reads_stdin(customer, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(raw("new_ticket_utf8.eml")))
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()
    call_command("ingest_email", stdout=out)
    ticket = Ticket.objects.get()
    assert out.getvalue().split() == ["ticket", ticket.number, "<new-utf8-0001@acme.example>"]


def test_ingest_email_command_with_unknown_mailbox_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("ingest_email", "--mailbox", "nope")


def test_our_engineer_answering_by_email_adds_an_internal_note(
    ticket, agent, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=agent.pk).update(email="alice@example.com")
    User.objects.filter(organization__isnull=False).update(email="someone@acme.example")
    row = ingest("reply_english_quoted.eml", django_capture_on_commit_callbacks)
    assert (row.outcome, row.ticket) == (Outcome.REPLY, ticket)
    assert row.ticket_message.kind == MessageKind.NOTE
    assert row.ticket_message.author == agent


def test_our_people_do_not_open_tickets_by_email(agent, django_capture_on_commit_callbacks):
    User.objects.filter(pk=agent.pk).update(email="alice@example.com")
    row = ingest("new_ticket_utf8.eml", django_capture_on_commit_callbacks)
    assert row.outcome == Outcome.REJECTED
    assert Ticket.objects.count() == 0
