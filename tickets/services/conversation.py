"""Replies, internal notes, the work log, followers and field edits (PROCESS §6, §7, §10)."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services

from ..errors import DomainError, NotAllowed
from ..mail import hooks as mail_hooks
from ..models import Message, MessageKind, Status, Ticket, TicketEvent, User, WorkLogKind
from ..permissions import user_caps
from .attachments import attachment_check, attachment_store
from .classification import priority_for
from .common import assert_email_list, assert_mutable, assert_visible, lock_ticket, log_event
from .transitions import apply_transition


@transaction.atomic
def message_add(
    *,
    ticket_id: int,
    actor: User,
    kind: str,
    body: str,
    worklog_kind: str = "",
    files: Sequence[UploadedFile] = (),
) -> Message:
    """Add to the conversation. Customers only reply; their reply ends a wait for them."""
    caps = user_caps(actor)
    if not body.strip():
        raise DomainError(_("Write something first."), field="body")
    try:
        kind = MessageKind(kind)
    except ValueError:
        raise DomainError(_("Unknown message kind."), field="kind") from None
    if caps.is_customer and kind != MessageKind.REPLY:
        raise NotAllowed(_("Customers can only reply."))
    if not caps.is_customer and not caps.work:
        raise NotAllowed(_("You are not allowed to do this."))
    if kind == MessageKind.WORKLOG:
        if worklog_kind not in WorkLogKind.values:
            raise DomainError(
                _("Choose ask, look or test for a work log entry."), field="worklog_kind"
            )
    else:
        worklog_kind = ""
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if caps.is_customer and ticket.status == Status.CLOSED:
        raise DomainError(_("This ticket is closed. Open a new ticket for a new problem."))
    checked = attachment_check(files=files, existing=ticket.attachments.count())
    message = Message.objects.create(
        ticket=ticket, author=actor, kind=kind, worklog_kind=worklog_kind, body=body.strip()
    )
    attachment_store(
        ticket=ticket,
        files=checked,
        actor=actor,
        message=message,
        internal=kind != MessageKind.REPLY,
    )
    changed = False
    if kind == MessageKind.REPLY and not caps.is_customer and ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        changed = True
        sla_services.sla_on_event(
            ticket=ticket, event="first_response", at=message.created_at, actor=actor
        )
    if not caps.is_customer and kind in (MessageKind.REPLY, MessageKind.WORKLOG):
        sla_services.sla_on_event(
            ticket=ticket,
            event="public_reply" if kind == MessageKind.REPLY else "worklog",
            at=message.created_at,
            actor=actor,
        )
    if caps.is_customer and ticket.status == Status.WAITING_CUSTOMER:
        resume = Status.IN_PROGRESS if ticket.assignee_id else Status.NEW
        apply_transition(
            ticket=ticket, to=resume, actor=actor, reason=_("the customer supplied information")
        )
        changed = True
    if changed:
        ticket.save()
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    mail_hooks.on_message_added(ticket, message, actor)
    return message


@transaction.atomic
def ticket_follow(*, ticket_id: int, actor: User, user: User, follow: bool = True) -> Ticket:
    """Add or remove a follower (our people only); anyone may follow or unfollow themselves."""
    caps = user_caps(actor)
    if caps.is_customer or (user.pk != actor.pk and not caps.work):
        raise NotAllowed(_("You are not allowed to do this."))
    if user_caps(user).is_customer:
        raise DomainError(_("Customers are kept informed by email CC, not as followers."))
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if follow:
        ticket.followers.add(user)
    else:
        ticket.followers.remove(user)
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.FOLLOWER,
        actor=actor,
        old="" if follow else user,
        new=user if follow else "",
    )
    return ticket


EDITABLE_FIELDS = (
    "title",
    "description",
    "product",
    "product_version",
    "device_model",
    "steps_to_reproduce",
    "error_message",
    "impact_scope",
    "contact_name",
    "contact_phone",
    "contact_email",
    "cc_emails",
    "impact",
    "urgency",
)


@transaction.atomic
def ticket_update(
    *, ticket_id: int, actor: User, changes: dict[str, object], reason: str = ""
) -> Ticket:
    """Edit the registered details; impact or urgency recompute the priority from the matrix."""
    caps = user_caps(actor)
    if not caps.work:
        raise NotAllowed(_("You are not allowed to do this."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if "title" in changes and not str(changes["title"]).strip():
        raise DomainError(_("A title is required."), field="title")
    assert_email_list(str(changes.get("cc_emails") or ""), field="cc_emails")
    for name, value in changes.items():
        setattr(ticket, name, value)
    if {"impact", "urgency"} & set(changes) and ticket.priority is not None:
        old = ticket.priority
        ticket.priority = priority_for(
            scheme=ticket.priority.scheme, impact=ticket.impact, urgency=ticket.urgency
        )
        ticket.priority_rank = ticket.priority.rank
        if old != ticket.priority:
            log_event(
                ticket=ticket,
                kind=TicketEvent.Kind.PRIORITY,
                actor=actor,
                old=old.label,
                new=ticket.priority.label,
                reason=reason,
            )
            sla_services.sla_on_priority_change(ticket=ticket, actor=actor)
    ticket._change_reason = reason
    try:
        ticket.full_clean(exclude=["number", "organization", "received_at"], validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from None
    ticket.save()
    return ticket
