"""The outbox: one row per event and address, sent by a django-q2 task after commit.

`email_queue` is the only way the helpdesk sends mail to people outside the team. Sending claims
the row with a conditional update, so a task that runs twice (retry, two clusters) sends once.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..models import DeliveryStatus, InboundEmail, OutboundEmail, Ticket, User

log = logging.getLogger(__name__)

# Minutes to wait before attempt 2, 3, …; the last value repeats.
RETRY_DELAYS = (1, 5, 30, 120)
STALE_CLAIM = dt.timedelta(minutes=10)


def message_id_domain() -> str:
    configured = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "")
    if configured:
        return configured
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">").strip() or "localhost"


def ticket_root_message_id(ticket: Ticket) -> str:
    """The message a ticket's thread hangs off: the email that opened it, or a synthetic id."""
    first = (
        InboundEmail.objects.filter(ticket=ticket, outcome=InboundEmail.Outcome.TICKET)
        .exclude(message_id="")
        .order_by("received_at", "id")
        .values_list("message_id", flat=True)
        .first()
    )
    return first or f"<ticket-{ticket.pk}@{message_id_domain()}>"


def thread_headers(ticket: Ticket) -> dict[str, str]:
    """In-Reply-To the customer's latest email (else the thread root), References both."""
    root = ticket_root_message_id(ticket)
    latest = (
        InboundEmail.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("-received_at", "-id")
        .values_list("message_id", flat=True)
        .first()
    )
    references = [root] if not latest or latest == root else [root, latest]
    return {"In-Reply-To": latest or root, "References": " ".join(references)}


def own_addresses() -> set[str]:
    """The helpdesk's own addresses: mailing them would loop back in as new mail."""
    from ..models import Mailbox

    ours = [
        settings.DEFAULT_FROM_EMAIL,
        getattr(settings, "EMAIL_REPLY_TO", ""),
        *getattr(settings, "EMAIL_INBOUND_ADDRESSES", []),
        *Mailbox.objects.values_list("username", flat=True),
    ]
    return {a.rpartition("<")[2].strip(">").strip().lower() for a in ours if a and "@" in a}


def _language_for(recipient: User | None, ticket: Ticket | None) -> str:
    if recipient is not None and recipient.language:
        return recipient.language
    if ticket is not None and ticket.contact_id and ticket.contact.language:
        return ticket.contact.language
    return settings.LANGUAGE_CODE


def email_queue(
    *,
    event_key: str,
    template: str,
    recipients: "Iterable[User | str]",
    ticket: "Ticket | None" = None,
    context: dict | None = None,
) -> list["OutboundEmail"]:
    """Record one OutboundEmail per recipient, unique on (event_key, address) so the same event is
    never mailed twice; on commit enqueue a django-q2 task that claims the row with a conditional
    update, renders templates/email/<template>.subject.txt / .txt / .html in the recipient's
    language (User.language, else settings.LANGUAGE_CODE), sets Message-ID (and In-Reply-To /
    References to the ticket's thread when `ticket` is given) and sends, with retries.

    `context` must be JSON-serialisable (it is stored with the row); the template also gets
    `ticket`, `recipient`, `address`, `site_url` and `ticket_url`. Returns the rows of this event
    for these addresses, including ones queued before (which are not sent again).
    """
    rows: dict[str, OutboundEmail] = {}
    ours = own_addresses()
    for recipient in recipients:
        user = recipient if isinstance(recipient, User) else None
        address = (user.email if user else str(recipient)).strip().lower()
        if not address or address in rows or address in ours:
            continue
        if user is None:
            user = User.objects.filter(email__iexact=address, is_active=True).first()
        rows[address] = OutboundEmail(
            event_key=event_key[:200],
            address=address,
            recipient=user,
            ticket=ticket,
            template=template,
            language=_language_for(user, ticket),
            context=context or {},
            message_id=make_msgid(domain=message_id_domain()),
        )
    if not rows:
        return []
    with transaction.atomic():
        OutboundEmail.objects.bulk_create(rows.values(), ignore_conflicts=True)
        created = OutboundEmail.objects.filter(
            event_key=event_key[:200], address__in=[r.address for r in rows.values()]
        )
        result = list(created)
    due = [r.pk for r in result if r.status == DeliveryStatus.PENDING]
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    return result


def _enqueue(ids: list[int]) -> None:
    from django_q.tasks import async_task

    for pk in ids:
        async_task("tickets.mail.tasks.send_email", pk)


def _claim(pk: int, now: dt.datetime) -> bool:
    """Take the row for sending: only if due and nobody holds it (or the holder died)."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now)
    stale = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return bool(
        OutboundEmail.objects.filter(Q(pk=pk) & (due | stale)).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    )


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def build_message(row: OutboundEmail) -> EmailMultiAlternatives:
    """Render the row's templates in its language into a multipart/alternative email."""
    ticket = row.ticket
    context = {
        **row.context,
        "ticket": ticket,
        "recipient": row.recipient,
        "address": row.address,
        "site_url": settings.SITE_URL,
        "ticket_url": _ticket_url(ticket, row.recipient) if ticket else "",
    }
    with translation.override(row.language):
        subject = " ".join(render_to_string(f"email/{row.template}.subject.txt", context).split())
        text = render_to_string(f"email/{row.template}.txt", context)
        html = render_to_string(f"email/{row.template}.html", context)
    if ticket is not None and ticket.number not in subject:
        subject = f"[{ticket.number}] {subject}"
    headers = {
        "Message-ID": row.message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if ticket is not None:
        headers.update(thread_headers(ticket))
        headers["X-Helpdesk-Ticket"] = ticket.number
    reply_to = [settings.EMAIL_REPLY_TO] if getattr(settings, "EMAIL_REPLY_TO", "") else None
    message = EmailMultiAlternatives(
        subject=subject[:300],
        body=text,
        to=[row.address],
        headers=headers,
        reply_to=reply_to,
    )
    message.attach_alternative(html, "text/html")
    return message


def _ticket_url(ticket: Ticket, recipient: User | None) -> str:
    customer = recipient is None or recipient.organization_id is not None
    name = "portal:detail" if customer else "tickets:detail"
    return settings.SITE_URL + reverse(name, kwargs={"number": ticket.number})


def email_send(*, outbound_id: int, now: dt.datetime | None = None) -> bool:
    """Send one queued email if it is due and unclaimed; True when it went out now.

    A failure is recorded with its error and retried with backoff up to EMAIL_MAX_ATTEMPTS,
    then the row is marked failed.
    """
    now = now or timezone.now()
    if not _claim(outbound_id, now):
        return False
    row = OutboundEmail.objects.select_related("ticket__contact", "recipient").get(pk=outbound_id)
    try:
        message = build_message(row)
        message.send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            status, next_at = DeliveryStatus.FAILED, now
        else:
            status, next_at = DeliveryStatus.RETRY, now + backoff(row.attempts)
        OutboundEmail.objects.filter(pk=row.pk).update(
            status=status, last_error=error, next_attempt_at=next_at, claimed_at=None
        )
        log.warning("email %s to %s failed (%s): %s", row.pk, row.address, status, error)
        return False
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        subject=message.subject,
        last_error="",
        claimed_at=None,
    )
    return True


def email_retry(*, outbound_id: int) -> OutboundEmail:
    """Administrator action: put a failed email back in the queue for another round."""
    with transaction.atomic():
        updated = OutboundEmail.objects.filter(pk=outbound_id, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.RETRY, attempts=0, next_attempt_at=timezone.now()
        )
        if updated:
            transaction.on_commit(lambda: _enqueue([outbound_id]))
    return OutboundEmail.objects.get(pk=outbound_id)


def due_emails(*, now: dt.datetime) -> list[int]:
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now)
    stale = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return list(
        OutboundEmail.objects.filter(due | stale)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
