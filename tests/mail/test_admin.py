"""Admin of the outbox, the mailboxes and received messages; robots and webhooks."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.alerts.conftest import receiver  # noqa: F401 (fixture)
from tests.factories import TeamFactory
from tickets.mail.inbound import email_ingest
from tickets.models import ChatRobot, DeliveryStatus, Mailbox, OutboundEmail, RobotMessage

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"


def test_outbox_retry_action_requeues_failed_emails(admin_client, customer, open_ticket):
    ticket = open_ticket()
    row = OutboundEmail.objects.get(ticket=ticket)
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.FAILED, last_error="SMTPServerDisconnected"
    )
    url = reverse("admin:tickets_outboundemail_changelist")
    page = admin_client.get(url, {"status": "failed"})
    assert page.status_code == 200
    response = admin_client.post(
        url, {"action": "retry", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 email queued again." in response.content.decode()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRY and row.attempts == 0


def test_mailbox_password_is_kept_when_left_empty(admin_client, org):
    mailbox = Mailbox.objects.create(
        name="support", host="imap.example", username="u", password="secret"
    )
    url = reverse("admin:tickets_mailbox_change", args=[mailbox.pk])
    page = admin_client.get(url).content.decode()
    assert "secret" not in page
    response = admin_client.post(
        url,
        {
            "name": "support",
            "host": "imap2.example",
            "port": 993,
            "use_ssl": "on",
            "username": "u",
            "password": "",
            "folder": "INBOX",
            "unknown_sender": "reject",
            "active": "on",
        },
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("imap2.example", "secret")


def test_received_message_source_downloads(admin_client, db):
    raw = (MESSAGES / "malformed.eml").read_bytes()
    row = email_ingest(raw=raw)
    page = admin_client.get(reverse("admin:tickets_inboundemail_change", args=[row.pk]))
    assert page.status_code == 200
    response = admin_client.get(reverse("admin:tickets_inboundemail_source", args=[row.pk]))
    assert response["Content-Type"] == "message/rfc822"
    assert response.content == raw


def test_robot_form_checks_the_wecom_key_and_sends_a_test(admin_client, receiver):  # noqa: F811
    team = TeamFactory(code="ops")
    add = reverse("admin:tickets_chatrobot_add")
    data = {
        "team": team.pk,
        "name": "ops group",
        "platform": "wecom",
        "webhook_url": f"{receiver.url}/send",
        "kinds": ["breach", "warning"],
        "active": "on",
    }
    response = admin_client.post(add, data)
    assert response.status_code == 200 and "carries its key" in response.content.decode()
    data["webhook_url"] = f"{receiver.url}/send?key=abc"
    assert admin_client.post(add, data).status_code == 302
    robot = ChatRobot.objects.get()
    assert sorted(robot.kinds) == ["breach", "warning"]
    response = admin_client.post(
        reverse("admin:tickets_chatrobot_changelist"),
        {"action": "send_test", "_selected_action": [robot.pk]},
        follow=True,
    )
    assert "delivered" in response.content.decode()
    assert RobotMessage.objects.get().status == DeliveryStatus.SENT
    assert receiver.hits[0].query == {"key": "abc"}
