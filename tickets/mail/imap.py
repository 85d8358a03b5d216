"""Polling IMAP mailboxes configured in the admin (imapclient).

A poll claims the mailbox with a conditional update, so two clusters never poll one mailbox at
once; each unseen message is ingested on its own and then flagged \\Seen, so a malformed
message (quarantined with its raw source) never stops the rest of the mailbox. A message whose
Message-ID was seen before is flagged too and makes nothing new.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient

from ..models import Mailbox
from .inbound import email_ingest

log = logging.getLogger(__name__)

STALE_POLL = dt.timedelta(minutes=15)
BATCH = 50
TIMEOUT = 30


def _connect(mailbox: Mailbox) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, timeout=TIMEOUT)
    client.login(mailbox.username, mailbox.password)
    return client


def mailbox_poll(
    *, mailbox_id: int, connect: Callable[[Mailbox], IMAPClient] = _connect
) -> dict[str, int]:
    """Fetch and ingest the unseen messages of one mailbox; returns counts by outcome."""
    now = timezone.now()
    claimed = Mailbox.objects.filter(
        Q(polling_since__isnull=True) | Q(polling_since__lt=now - STALE_POLL),
        pk=mailbox_id,
        active=True,
    ).update(polling_since=now)
    if not claimed:
        return {}
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    counts: dict[str, int] = {}
    error = ""
    try:
        client = connect(mailbox)
        try:
            client.select_folder(mailbox.folder)
            uids = client.search(["UNSEEN"])
            for start in range(0, len(uids), BATCH):
                chunk = uids[start : start + BATCH]
                fetched = client.fetch(chunk, ["BODY.PEEK[]"])
                for uid in chunk:
                    raw = fetched.get(uid, {}).get(b"BODY[]")
                    if raw is None:
                        continue
                    row = email_ingest(raw=bytes(raw), mailbox=mailbox)
                    counts[row.outcome] = counts.get(row.outcome, 0) + 1
                    client.add_flags([uid], [b"\\Seen"])
        finally:
            try:
                client.logout()
            except Exception:  # the connection may be gone already
                log.debug("IMAP logout failed for %s", mailbox.name)
    except Exception as exc:  # network, login, folder: recorded on the mailbox, retried next run
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("polling mailbox %s failed: %s", mailbox.name, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        polling_since=None, last_polled_at=timezone.now(), last_error=error
    )
    return counts


def mailboxes_poll() -> dict[str, int]:
    total: dict[str, int] = {}
    for pk in Mailbox.objects.filter(active=True).values_list("pk", flat=True):
        for outcome, n in mailbox_poll(mailbox_id=pk).items():
            total[outcome] = total.get(outcome, 0) + n
    return total
