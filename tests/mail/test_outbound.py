"""Email out: the outbox, exactly-once sending, retries, threading headers, real SMTP."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from tests.mail.smtp import free_port
from tickets import services
from tickets.mail import tasks
from tickets.mail.outbound import email_queue, email_retry, email_send, ticket_root_message_id
from tickets.models import DeliveryStatus, MessageKind, OutboundEmail, Status

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _parts(message):
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def test_acknowledgement_arrives_over_real_smtp_in_the_contacts_language(
    smtp_server, customer, open_ticket
):
    customer.language = "zh-hans"
    customer.save()
    ticket = open_ticket()

    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.rcpt_tos == [customer.email]
    message = received.message
    row = OutboundEmail.objects.get(ticket=ticket, template="ticket_ack")
    assert row.status == DeliveryStatus.SENT and row.attempts == 1
    assert message["Message-ID"] == row.message_id
    assert message["In-Reply-To"] == ticket_root_message_id(ticket)
    assert ticket_root_message_id(ticket) in message["References"]
    assert message["Auto-Submitted"] == "auto-generated"
    # (the stdlib folds the encoded subject onto a continuation line: a leading space)
    assert message["Subject"].strip() == f"[{ticket.number}] 我们已收到您的请求：打印机无法连接网络"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = _parts(message)
    assert f"我们已将您的请求登记为工单 {ticket.number}" in plain
    assert "<strong>" + ticket.number + "</strong>" in html
    # the expected first-response time from the ticket's SLA clock, in local time
    clock = ticket.clocks.get(kind="first_response")
    due = clock.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert due in plain and due in html


def test_english_contact_gets_english(smtp_server, customer, open_ticket):
    customer.language = "en"
    customer.save()
    ticket = open_ticket(title="Printer offline")
    plain, html = _parts(smtp_server.received[0].message)
    assert f"We have registered your request as ticket {ticket.number}." in plain
    assert "View the ticket" in html
    assert "打印机" not in plain.replace("打印机无法", "")


def test_plain_text_part_is_not_html_escaped(customer, open_ticket):
    customer.language = "en"
    customer.save()
    open_ticket(title="Error <500> & timeout")
    sent = mail.outbox[0]
    assert "Error <500> & timeout" in sent.subject
    assert "Error <500> & timeout" in sent.body
    assert "Error &lt;500&gt; &amp; timeout" in sent.alternatives[0][0]


def test_same_event_is_queued_and_sent_once(
    customer, open_ticket, django_capture_on_commit_callbacks
):
    ticket = open_ticket()
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        rows = email_queue(
            event_key=f"ticket:{ticket.pk}:ack",
            template="ticket_ack",
            recipients=[customer, customer.email.upper()],
            ticket=ticket,
        )
    assert len(rows) == 1 and rows[0].status == DeliveryStatus.SENT
    assert OutboundEmail.objects.filter(event_key=f"ticket:{ticket.pk}:ack").count() == 1
    # a task that runs again (retry, second cluster) finds nothing to claim
    assert tasks.send_email(rows[0].pk) is False
    assert tasks.send_due_emails() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_recorded_and_retried_with_backoff(
    settings, customer, open_ticket, smtp_server
):
    settings.EMAIL_MAX_ATTEMPTS = 3
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with time_machine.travel(T0, tick=False):
        ticket = open_ticket()
        row = OutboundEmail.objects.get(ticket=ticket)
        assert row.status == DeliveryStatus.RETRY
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at == T0 + dt.timedelta(minutes=1)
        assert tasks.send_due_emails() == 0  # not due yet
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert tasks.send_due_emails() == 0
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 2)
        assert row.next_attempt_at == T0 + dt.timedelta(minutes=6)
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        tasks.send_due_emails()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        assert tasks.send_due_emails() == 0  # failed rows stay failed
    settings.EMAIL_PORT = working_port
    email_retry(outbound_id=row.pk)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRY
    assert tasks.send_due_emails() == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.last_error == ""
    assert len(smtp_server.received) == 1


def test_a_crashed_sender_is_reclaimed_after_a_while(customer, open_ticket, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ticket = open_ticket()
    row = OutboundEmail.objects.get(ticket=ticket)
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=T0, sent_at=None
    )
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert email_send(outbound_id=row.pk) is False  # still held
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        assert tasks.send_due_emails() == 1


@pytest.fixture
def working(open_ticket, agent, engineer, customer, django_capture_on_commit_callbacks):
    customer.language = "en"
    customer.save()
    ticket = open_ticket(cc_emails="boss@acme.example; ops@acme.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer)
        services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    mail.outbox.clear()
    return ticket


def test_public_reply_goes_to_contact_and_cc_threaded(
    working, engineer, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(
            ticket_id=working.pk, actor=engineer, kind=MessageKind.REPLY, body="Please restart it."
        )
        services.message_add(
            ticket_id=working.pk, actor=engineer, kind=MessageKind.NOTE, body="internal only"
        )
        services.message_add(
            ticket_id=working.pk, actor=customer, kind=MessageKind.REPLY, body="Done, thanks"
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["boss@acme.example", "ops@acme.example", customer.email]
    )
    sent = mail.outbox[0]
    assert "Please restart it." in sent.body
    assert "internal only" not in sent.body
    assert sent.extra_headers["References"] == ticket_root_message_id(working)
    assert sent.extra_headers["X-Helpdesk-Ticket"] == working.number


def test_waiting_for_customer_sends_a_supplement_request(
    working, engineer, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(
            ticket_id=working.pk,
            actor=engineer,
            to=Status.WAITING_CUSTOMER,
            reason="Send us the printer's model and a photo of its network settings page.",
        )
    to_contact = next(m for m in mail.outbox if m.to == [customer.email])
    assert "We need more information" in to_contact.subject
    assert "printer's model" in to_contact.body
    assert OutboundEmail.objects.filter(template="ticket_supplement").count() == 3


def test_resolution_sends_the_service_summary_report(
    working, engineer, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(
            ticket_id=working.pk,
            actor=engineer,
            kind=MessageKind.WORKLOG,
            worklog_kind="test",
            body="ping gateway: lost",
        )
        services.message_add(
            ticket_id=working.pk,
            actor=engineer,
            kind=MessageKind.REPLY,
            body="The switch port was disabled; we enabled it.",
        )
        services.ticket_transition(
            ticket_id=working.pk, actor=engineer, to=Status.RESOLVED, reason="Port re-enabled."
        )
    resolved = [m for m in mail.outbox if "service summary" in m.subject]
    assert len(resolved) == 3
    body = next(m for m in resolved if m.to == [customer.email]).body
    assert "三楼的打印机" in body  # the problem
    assert "The switch port was disabled; we enabled it." in body  # what was done
    assert "1 test" in body  # diagnosis counted, the internal work log text is not shown
    assert "ping gateway" not in body
    assert "Port re-enabled." in body  # the resolution
    assert "Please verify" in body


def test_verification_reminder_once_per_resolution_round(
    working, engineer, django_capture_on_commit_callbacks, settings
):
    settings.VERIFICATION_REMINDER_HOURS = 24
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(
            ticket_id=working.pk, actor=engineer, to=Status.RESOLVED, reason="Fixed."
        )
    mail.outbox.clear()
    with (
        time_machine.travel(T0 + dt.timedelta(hours=23), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.verification_reminders()
    assert mail.outbox == []
    with (
        time_machine.travel(T0 + dt.timedelta(hours=25), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.verification_reminders()
        tasks.verification_reminders()
    assert len(mail.outbox) == 3
    assert all("Please confirm the problem is solved" in m.subject for m in mail.outbox)
