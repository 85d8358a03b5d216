"""Registration of a ticket from any channel (PROCESS §2–§5)."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services

from .. import workflow
from ..errors import DomainError, NotAllowed
from ..mail import hooks as mail_hooks
from ..models import (
    Assignment,
    Category,
    Channel,
    Impact,
    Organization,
    PriorityScheme,
    ProductLine,
    RequestType,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
    User,
)
from ..numbering import next_number
from ..permissions import user_caps
from .attachments import attachment_check, attachment_store
from .classification import (
    count_keyword_hits,
    default_scheme,
    priority_for,
    record_decision,
    record_suggestion,
    suggest_for_text,
)
from .common import assert_email_list, event_row
from .dispatch import route

AGENT_CHANNELS = {Channel.PHONE, Channel.HOTLINE, Channel.IM, Channel.CHAT, Channel.EMAIL}
CLOCK_SKEW = dt.timedelta(minutes=5)
# PROCESS §3: customer feature requests are numbered RD-YYYYMMDD-NNN, everything else TS-….
NUMBER_PREFIX = {RequestType.REQUIREMENT: "RD"}


@dataclass(frozen=True)
class TicketData:
    """Everything PROCESS §2 records at intake."""

    title: str
    description: str
    channel: str
    organization: Organization | None = None
    contact: User | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    request_type: str = RequestType.FAULT
    product_line: ProductLine | None = None
    product: str = ""
    product_version: str = ""
    device_model: str = ""
    steps_to_reproduce: str = ""
    error_message: str = ""
    impact_scope: str = ""
    impact: str = Impact.ONE_USER
    urgency: str = Urgency.MEDIUM
    occurred_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    category: Category | None = None
    scheme: PriorityScheme | None = None
    cc_emails: str = ""
    extra_categories: Sequence[Category] = field(default_factory=tuple)


def _validate(*, actor: User, data: TicketData, now: dt.datetime) -> TicketData:
    caps = user_caps(actor)
    errors = []
    if not data.title.strip():
        errors.append(("title", _("A title is required.")))
    if not data.description.strip():
        errors.append(("description", _("Describe the problem.")))
    for name, choices in (
        ("channel", Channel),
        ("request_type", RequestType),
        ("impact", Impact),
        ("urgency", Urgency),
    ):
        if getattr(data, name) not in choices.values:
            errors.append((name, _("Choose one of the offered values.")))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0])
    if caps.is_customer:
        if data.organization is not None and data.organization.pk != actor.organization_id:
            raise DomainError(
                _("You can only open tickets for your own organization."), field="organization"
            )
        if data.channel not in (Channel.PORTAL, Channel.API, Channel.EMAIL):
            raise DomainError(_("Customers open tickets through the portal."), field="channel")
        org = actor.organization
        contact = actor
    else:
        if not caps.register:
            raise NotAllowed(_("You are not allowed to register tickets."))
        if data.organization is None:
            raise DomainError(_("Choose the customer's organization."), field="organization")
        org = data.organization
        contact = data.contact
        if contact is not None and contact.organization_id != org.pk:
            raise DomainError(
                _("The contact does not belong to this organization."), field="contact"
            )
    if (
        Channel(data.channel) in AGENT_CHANNELS
        and data.received_at is None
        and not caps.is_customer
    ):
        raise DomainError(
            _("Enter when the request was received (call end, message time)."),
            field="received_at",
        )
    received = data.received_at or now
    if received > now + CLOCK_SKEW:
        raise DomainError(_("The request cannot be received in the future."), field="received_at")
    if data.occurred_at and data.occurred_at > now + CLOCK_SKEW:
        raise DomainError(_("The problem cannot occur in the future."), field="occurred_at")
    if data.category is not None and not data.category.active:
        raise DomainError(_("This category is no longer in use."), field="category")
    assert_email_list(data.cc_emails, field="cc_emails")
    return TicketData(
        **{
            **data.__dict__,
            "organization": org,
            "contact": contact,
            "contact_name": data.contact_name or (str(contact) if contact else ""),
            "contact_email": data.contact_email or (contact.email if contact else ""),
            "contact_phone": data.contact_phone or (contact.phone if contact else ""),
            "received_at": min(received, now),
        }
    )


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    data: TicketData,
    files: Sequence[UploadedFile] = (),
    dispatch: bool | None = None,
) -> Ticket:
    """Register, number, classify, prioritise and (optionally) dispatch a ticket in one go.

    Files are checked before anything is written, so a rejected file leaves no ticket behind.
    """
    now = timezone.now()
    data = _validate(actor=actor, data=data, now=now)
    checked = attachment_check(files=files)
    scheme = data.scheme or default_scheme()
    level = priority_for(scheme=scheme, impact=data.impact, urgency=data.urgency)
    suggestion = suggest_for_text(
        "\n".join((data.title, data.description, data.error_message, data.product))
    )
    suggested = (
        Category.objects.select_related("parent").filter(pk=suggestion.category_id).first()
        if suggestion.category_id
        else None
    )
    chosen = data.category or suggested
    caps = user_caps(actor)
    ticket = Ticket(
        # A placeholder until the very end: the real number locks the day's sequence row until
        # commit, so it is issued last and concurrent registrations do not queue behind it.
        number=f"~{uuid.uuid4().hex[:20]}",
        title=data.title.strip()[:200],
        description=data.description,
        channel=data.channel,
        request_type=data.request_type,
        organization=data.organization,
        contact=data.contact,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        product_line=data.product_line,
        product=data.product,
        product_version=data.product_version,
        device_model=data.device_model,
        steps_to_reproduce=data.steps_to_reproduce,
        error_message=data.error_message,
        impact_scope=data.impact_scope,
        impact=data.impact,
        urgency=data.urgency,
        priority=level,
        priority_rank=level.rank,
        category=chosen,
        suggested_category=suggested,
        classified_at=now if data.category is not None and caps.classify else None,
        occurred_at=data.occurred_at,
        received_at=data.received_at,
        created_at=now,
        registration_lag=max(now - data.received_at, dt.timedelta(0)),
        created_by=actor,
        cc_emails=data.cc_emails,
    )
    if dispatch is None:
        dispatch = settings.AUTO_DISPATCH
    # Routing needs only what is known now, so the ticket is inserted already dispatched: one
    # INSERT and one history row instead of an insert and an update.
    team, assignee = route(ticket) if dispatch else (None, None)
    if team is not None:
        ticket.team = team
    if assignee is not None:
        workflow.assert_can_transition(Status.NEW, Status.ASSIGNED)
        ticket.assignee, ticket.assigned_at, ticket.status = assignee, now, Status.ASSIGNED
    ticket._change_reason = _("registered")
    ticket.save()
    record_suggestion(ticket=ticket, suggestion=suggestion, count_hits=False)
    if ticket.classified_at is not None:
        # The agent chose the category at registration: that is the decision to learn from.
        record_decision(ticket=ticket, category=chosen, actor=actor)
    if data.extra_categories:
        ticket.secondary_categories.set(data.extra_categories)
    events = [
        event_row(ticket=ticket, kind=TicketEvent.Kind.CREATED, actor=actor, new=ticket.channel)
    ]
    sla_events: list[tuple[str, dt.datetime]] = []
    if ticket.classified_at is not None:
        sla_events.append(("classified", now))
    if team is not None:
        reason = _("routing rule")
        if assignee is not None:
            events.append(
                event_row(
                    ticket=ticket,
                    kind=TicketEvent.Kind.STATUS,
                    actor=None,
                    old=Status.NEW.value,
                    new=Status.ASSIGNED.value,
                    reason=reason,
                )
            )
            sla_events += [(f"status:{Status.ASSIGNED.value}", now), ("assigned", now)]
        events.append(
            event_row(
                ticket=ticket,
                kind=TicketEvent.Kind.ASSIGNED,
                actor=None,
                new=assignee or team,
                reason=reason,
            )
        )
        Assignment.objects.create(
            ticket=ticket,
            kind=Assignment.Kind.AUTO,
            team=team,
            assignee=assignee,
            actor=None,
            reason=reason,
        )
    TicketEvent.objects.bulk_create(events)
    attachment_store(ticket=ticket, files=checked, actor=actor)
    sla_services.sla_on_registration(
        ticket=ticket, actor=actor, events=sla_events, save_deadline=False
    )
    count_keyword_hits(suggestion.keyword_ids)
    ticket.number = next_number(NUMBER_PREFIX.get(data.request_type, "TS"), now)
    Ticket.objects.filter(pk=ticket.pk).update(
        number=ticket.number, sla_due_at=ticket.sla_due_at, sla_warn_at=ticket.sla_warn_at
    )
    Ticket.history.filter(id=ticket.pk).update(number=ticket.number)
    mail_hooks.on_ticket_created(ticket)
    return ticket
