"""What the ticket core's events send: customer email, chat-robot alerts and webhooks.

The services call these inside their transaction; every side effect is recorded there and sent
by a django-q2 task after commit, once per event (the event keys below are unique per event).
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..alerts import alert_raise, webhook_emit
from ..models import Message, MessageKind, OutboundEmail, Status, Ticket, User, Verification
from .outbound import email_queue
from .summary import service_summary

URGENT_RANK = 1


def customer_recipients(ticket: Ticket) -> list[User | str]:
    """The contact (as a user when known, for the language) and the CC addresses."""
    recipients: list[User | str] = []
    if ticket.contact_id and ticket.contact.email:
        recipients.append(ticket.contact)
    elif ticket.contact_email:
        recipients.append(ticket.contact_email)
    recipients.extend(
        address.strip()
        for address in ticket.cc_emails.replace(";", ",").split(",")
        if address.strip()
    )
    return recipients


def first_response_due(ticket: Ticket) -> dt.datetime | None:
    from sla.models import ClockKind, TicketClock

    clock = (
        TicketClock.objects.filter(ticket=ticket, kind=ClockKind.FIRST_RESPONSE)
        .order_by("-round")
        .first()
    )
    return clock.due_at if clock else None


def on_ticket_created(ticket: Ticket) -> None:
    """Acknowledge with the number and the expected first response (PROCESS §2); alert the
    team's robots about an urgent ticket; tell the webhooks."""
    due = first_response_due(ticket)
    email_queue(
        event_key=f"ticket:{ticket.pk}:ack",
        template="ticket_ack",
        recipients=customer_recipients(ticket),
        ticket=ticket,
        context={"first_response_due": due.isoformat() if due else ""},
    )
    if ticket.priority_rank == URGENT_RANK:
        with translation.override(settings.LANGUAGE_CODE):
            alert_raise(
                kind="urgent_ticket",
                ticket=ticket,
                title=_("Urgent ticket %(number)s: %(title)s")
                % {"number": ticket.number, "title": ticket.title},
                text=_("Organization: %(org)s") % {"org": ticket.organization},
            )
    webhook_emit(event="ticket.created", event_key=f"ticket:{ticket.pk}:created", ticket=ticket)


def on_message_added(ticket: Ticket, message: Message, actor: User) -> None:
    """A public reply by our side goes to the contact and CC (PROCESS §10)."""
    if message.kind != MessageKind.REPLY:
        return
    webhook_emit(
        event="ticket.replied",
        event_key=f"message:{message.pk}:replied",
        ticket=ticket,
        data={"message_id": message.pk, "by_customer": actor.organization_id is not None},
    )
    if actor.organization_id is not None:
        return
    email_queue(
        event_key=f"message:{message.pk}:reply",
        template="ticket_reply",
        recipients=customer_recipients(ticket),
        ticket=ticket,
        context={"body": message.body, "author": str(actor)},
    )


def on_status_changed(ticket: Ticket, old: str, new: str, reason: str, at: dt.datetime) -> None:
    """Supplement requests (PROCESS §2) and the resolution with its summary report (§13)."""
    webhook_emit(
        event="ticket.status_changed",
        event_key=f"ticket:{ticket.pk}:status:{old}:{new}:{at.timestamp()}",
        ticket=ticket,
        data={"old": old, "new": new, "reason": reason},
    )
    if new == Status.WAITING_CUSTOMER:
        email_queue(
            event_key=f"ticket:{ticket.pk}:supplement:{at.timestamp()}",
            template="ticket_supplement",
            recipients=customer_recipients(ticket),
            ticket=ticket,
            context={"request": reason or _latest_public_reply(ticket)},
        )
    elif new == Status.RESOLVED:
        email_queue(
            event_key=f"ticket:{ticket.pk}:resolved:{ticket.reopen_count}",
            template="ticket_resolved",
            recipients=customer_recipients(ticket),
            ticket=ticket,
            context={"summary": service_summary(ticket, resolution=reason, at=at)},
        )


def _latest_public_reply(ticket: Ticket) -> str:
    body = (
        Message.objects.filter(
            ticket=ticket, kind=MessageKind.REPLY, author__organization__isnull=True
        )
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    return body or ""


def verification_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind contacts of tickets resolved VERIFICATION_REMINDER_HOURS ago and still waiting
    for their verification (PROCESS §12); once per resolution round."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.VERIFICATION_REMINDER_HOURS)
    sent = 0
    reminded = OutboundEmail.objects.filter(
        ticket=OuterRef("pk"),
        template="ticket_verification",
        created_at__gte=OuterRef("resolved_at"),
    )
    from ..services import closure

    verified = Verification.objects.filter(ticket=OuterRef("pk"), round=OuterRef("reopen_count"))
    tickets = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).exclude(
        Exists(reminded) | Exists(verified)
    )
    for ticket in tickets.select_related("contact").iterator(chunk_size=200):
        context = {"resolved_at": ticket.resolved_at.isoformat()}
        if closure.selftest_passed(ticket):
            context["verify_url"] = closure.verification_url(ticket)
        rows = email_queue(
            event_key=f"ticket:{ticket.pk}:verify:{ticket.reopen_count}",
            template="ticket_verification",
            recipients=customer_recipients(ticket),
            ticket=ticket,
            context=context,
        )
        sent += len(rows)
    return sent
