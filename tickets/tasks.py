"""Background jobs of the ticket core, run by django-q2.

`SCHEDULES` declares the periodic ones; `manage.py setup_schedules` registers every installed
app's `tasks.SCHEDULES` idempotently.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Attachment

logger = logging.getLogger(__name__)

# (schedule name, function, cron expression in the helpdesk's time zone)
SCHEDULES = [
    (
        "tickets: purge orphan attachment files",
        "tickets.tasks.purge_orphan_attachments",
        "30 3 * * *",
    ),
    ("mail: send due and retried emails", "tickets.mail.tasks.send_due_emails", "* * * * *"),
    ("mail: poll IMAP mailboxes", "tickets.mail.tasks.poll_mailboxes", "* * * * *"),
    ("mail: verification reminders", "tickets.mail.tasks.verification_reminders", "15 * * * *"),
    (
        "resolution: propose consultations on stalled tickets",
        "tickets.tasks.propose_consultations",
        "*/5 * * * *",
    ),
    ("tickets: archive closed tickets", "tickets.tasks.archive_closed", "* * * * *"),
    (
        "alerts: retry robot messages and webhooks",
        "tickets.alerts.tasks.send_due_deliveries",
        "* * * * *",
    ),
]


def propose_consultations() -> int:
    """No progress for 2 business hours: propose an expert consultation (PROCESS §7)."""
    from .services.resolution import consultation_propose_stalled

    return consultation_propose_stalled()


ORPHAN_MIN_AGE = dt.timedelta(days=1)
_BATCH = 500


def _old_files(root: Path, cutoff: float) -> Iterator[tuple[Path, str]]:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
            yield path, path.relative_to(root).as_posix()


def purge_orphan_attachments(*, min_age: dt.timedelta = ORPHAN_MIN_AGE) -> int:
    """Delete files under PRIVATE_MEDIA_ROOT that no Attachment references.

    Only files older than `min_age` are considered, so an upload whose row is not committed yet
    is never touched. Files are checked against the database in batches. Returns the count.
    """
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    if not root.is_dir():
        return 0
    cutoff = (timezone.now() - min_age).timestamp()
    deleted = 0
    batch: list[tuple[Path, str]] = []

    def flush() -> int:
        names = [name for _path, name in batch]
        referenced = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        count = 0
        for path, name in batch:
            if name not in referenced:
                path.unlink(missing_ok=True)
                count += 1
        batch.clear()
        return count

    for item in _old_files(root, cutoff):
        batch.append(item)
        if len(batch) >= _BATCH:
            deleted += flush()
    if batch:
        deleted += flush()
    if deleted:
        logger.info("purged %d orphan attachment file(s) from %s", deleted, root)
    return deleted


def archive_closed() -> int:
    """Archive the closed tickets whose 3 working days have passed (PROCESS §12)."""
    from .services.archive import tickets_archive_due

    return tickets_archive_due()
