"""django-q2 entry points for email: thin wrappers, safe to run twice."""

from django.utils import timezone

from .outbound import due_emails, email_send


def send_email(outbound_id: int) -> bool:
    return email_send(outbound_id=outbound_id)


def send_due_emails() -> int:
    """Every minute: send what is due (retries after backoff, rows whose task was lost)."""
    now = timezone.now()
    return sum(email_send(outbound_id=pk, now=now) for pk in due_emails(now=now))


def verification_reminders() -> int:
    from .hooks import verification_reminders as remind

    return remind()


def poll_mailboxes() -> int:
    """Every minute: ingest the unseen messages of every active mailbox; returns how many."""
    from .imap import mailboxes_poll

    return sum(mailboxes_poll().values())
