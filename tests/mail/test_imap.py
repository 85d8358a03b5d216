"""Polling a real IMAP server on loopback (pymap's in-memory backend, run as a subprocess)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from imapclient import IMAPClient

from tests.mail.smtp import free_port
from tickets.mail import tasks
from tickets.mail.imap import mailbox_poll
from tickets.models import InboundEmail, Mailbox, Ticket

pytestmark = pytest.mark.django_db

MESSAGES = Path(__file__).parent / "messages"
USER, PASSWORD, FOLDER = "demouser", "demopass", "Support"


@pytest.fixture
def imap_server():
    port = free_port()
    pymap = Path(sys.executable).with_name("pymap")
    proc = subprocess.Popen(
        [str(pymap), "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict", "--demo-data"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the IMAP server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def client(port: int) -> IMAPClient:
    imap = IMAPClient("127.0.0.1", port=port, ssl=False)
    imap.login(USER, PASSWORD)
    return imap


@pytest.fixture
def mailbox(imap_server, org):
    imap = client(imap_server)
    imap.create_folder(FOLDER)
    for name in (
        "new_ticket_utf8.eml",
        "malformed.eml",
        "auto_reply.eml",
        "new_ticket_utf8.eml",  # delivered twice
        "big5.eml",
    ):
        imap.append(FOLDER, (MESSAGES / name).read_bytes())
    imap.logout()
    return Mailbox.objects.create(
        name="support",
        host="127.0.0.1",
        port=imap_server,
        use_ssl=False,
        username=USER,
        password=PASSWORD,
        folder=FOLDER,
    )


def test_poll_ingests_every_message_and_survives_a_malformed_one(
    mailbox, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        counts = mailbox_poll(mailbox_id=mailbox.pk)
    assert counts == {"ticket": 3, "quarantined": 1, "auto": 1}
    assert Ticket.objects.count() == 2  # the duplicate made none
    quarantined = InboundEmail.objects.get(outcome="quarantined")
    assert bytes(quarantined.raw).startswith(b"\x00\x01garbage")
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None
    assert mailbox.polling_since is None
    imap = client(mailbox.port)
    imap.select_folder(FOLDER)
    assert imap.search(["UNSEEN"]) == []  # all flagged seen
    imap.logout()
    # the next poll finds nothing new
    assert mailbox_poll(mailbox_id=mailbox.pk) == {}
    assert InboundEmail.objects.count() == 4


def test_a_mailbox_being_polled_is_not_polled_twice(mailbox, customer):
    Mailbox.objects.filter(pk=mailbox.pk).update(polling_since=timezone.now())
    assert mailbox_poll(mailbox_id=mailbox.pk) == {}
    assert InboundEmail.objects.count() == 0


def test_login_failure_is_recorded_on_the_mailbox(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    assert tasks.poll_mailboxes() == 0
    mailbox.refresh_from_db()
    assert "LoginError" in mailbox.last_error or "login" in mailbox.last_error.lower()
    assert mailbox.polling_since is None


def test_inactive_mailboxes_are_not_polled(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
    assert tasks.poll_mailboxes() == 0
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is None
