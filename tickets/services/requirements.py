"""Customer requirements (PROCESS §17): registered from a ticket or directly with a
`RD-YYYYMMDD-NNN` number, evaluated by a product manager within 3 working days (the customer is
told by email), accepted ones closed with a UAT result.

The evaluation deadline is stored on the requirement (the policy's `requirement_evaluation`
target on its calendar); a requirement created from a ticket also runs that clock on the ticket.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services
from sla.models import Calendar, SlaPolicy, TicketSla
from sla.services.clocks import compute_due, policy_snapshot, target_for

from ..errors import Conflict, DomainError, NotAllowed
from ..mail.outbound import email_queue
from ..models import Organization, Requirement, Ticket, User
from ..numbering import next_number
from ..permissions import user_caps
from ..roles import Role
from ..selectors import ticket_visible_to
from .common import assert_mutable, notify_users, require

DEFAULT_TARGET = (3, "wd")


def _text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _evaluation_due(source: Ticket | None, at: dt.datetime) -> dt.datetime | None:
    """`at` plus the requirement-evaluation target of the source ticket's policy (else the
    default policy) on that policy's calendar."""
    sla = TicketSla.objects.filter(ticket=source).first() if source else None
    if sla is not None:
        snapshot = sla.snapshot
    else:
        policy = SlaPolicy.objects.filter(active=True, is_default=True).first()
        if policy is None:
            return None
        snapshot = policy_snapshot(policy)
    amount, unit = target_for(snapshot, "requirement_evaluation", None) or DEFAULT_TARGET
    calendar = sla_services.calendar_for(Calendar.objects.get(pk=snapshot["calendar_id"]))
    return compute_due(calendar, at, amount, unit)


@transaction.atomic
def requirement_create(
    *,
    actor: User,
    title: str,
    description: str,
    kind: str,
    priority: str,
    source_ticket_id: int | None = None,
    organization: Organization | None = None,
    contact: User | None = None,
    linked_ticket_ids: Sequence[int] = (),
) -> Requirement:
    """Register a requirement. Our staff register it for an organization (or from a ticket,
    taking its organization and contact); a customer registers it for their own organization,
    as its contact, directly or from one of its tickets."""
    customer = user_caps(actor).is_customer
    if customer:
        organization, contact = actor.organization, actor
    else:
        require(actor, "work")
    source = None
    if source_ticket_id is not None:
        source = ticket_visible_to(actor).select_for_update().filter(pk=source_ticket_id).first()
        if source is None:
            raise NotAllowed(_("You are not allowed to do this."))
        assert_mutable(source)
        organization = source.organization
        if not customer:
            contact = source.contact
    if organization is None:
        raise DomainError(_("Choose the customer's organization."), field="organization")
    if contact is not None and contact.organization_id != organization.pk:
        raise DomainError(_("The contact belongs to another organization."), field="contact")
    if kind not in Requirement.Kind.values:
        raise DomainError(_("Choose the requirement type."), field="kind")
    if priority not in Requirement.Priority.values:
        raise DomainError(_("Choose P0, P1 or P2."), field="priority")
    ids = set(linked_ticket_ids) | ({source.pk} if source else set())
    linked = list(ticket_visible_to(actor).filter(pk__in=ids))
    if len(linked) != len(ids) or any(t.organization_id != organization.pk for t in linked):
        raise DomainError(
            _("Link only tickets of the same organization that you can see."), field="tickets"
        )
    now = timezone.now()
    requirement = Requirement.objects.create(
        number=next_number("RD", now),
        title=_text(title, field="title", message=_("Give the requirement a title.")),
        description=_text(description, field="description", message=_("Describe the requirement.")),
        kind=kind,
        priority=priority,
        organization=organization,
        contact=contact,
        source_ticket=source,
        created_by=actor,
        created_at=now,
        evaluation_due_at=_evaluation_due(source, now),
    )
    requirement.tickets.set(linked)
    if source is not None:
        sla_services.sla_on_event(ticket=source, event="requirement_created", at=now, actor=actor)
    notify_users(
        User.objects.filter(
            groups__name=Role.PRODUCT_MANAGER, is_active=True, organization__isnull=True
        ).exclude(pk=actor.pk),
        ticket=source,
        kind="requirement_created",
        title=_("%(number)s awaits your feasibility evaluation: %(title)s")
        % {"number": requirement.number, "title": requirement.title},
    )
    return requirement


def _locked(requirement_id: int) -> Requirement:
    return Requirement.objects.select_for_update().get(pk=requirement_id)


@transaction.atomic
def requirement_evaluate(
    *,
    requirement_id: int,
    actor: User,
    technology: str,
    resources: str,
    cost: str,
    conclusion: str,
) -> Requirement:
    """The product manager's feasibility evaluation; the customer's contact is emailed."""
    if not user_caps(actor).evaluate_requirement:
        raise NotAllowed(_("Only a product manager may evaluate requirements."))
    requirement = _locked(requirement_id)
    if requirement.state != Requirement.State.EVALUATING:
        raise Conflict(_("This requirement has already been evaluated."))
    if conclusion not in Requirement.Conclusion.values:
        raise DomainError(_("Choose the conclusion."), field="conclusion")
    requirement.technology = _text(
        technology, field="technology", message=_("Assess the technical feasibility.")
    )
    requirement.resources = _text(
        resources, field="resources", message=_("Assess the resources needed.")
    )
    requirement.cost = _text(cost, field="cost", message=_("Assess the cost."))
    requirement.conclusion = conclusion
    requirement.state = Requirement.State.EVALUATED
    requirement.evaluated_by, requirement.evaluated_at = actor, timezone.now()
    requirement.save()
    if requirement.source_ticket_id:
        sla_services.sla_on_event(
            ticket=requirement.source_ticket,
            event="requirement_evaluated",
            at=requirement.evaluated_at,
            actor=actor,
        )
    if requirement.contact_id:
        email_queue(
            event_key=f"requirement-evaluated:{requirement.pk}",
            template="requirement_evaluated",
            recipients=[requirement.contact],
            context={
                "number": requirement.number,
                "title": requirement.title,
                "conclusion": requirement.conclusion,
            },
        )
    return requirement


@transaction.atomic
def requirement_record_uat(
    *, requirement_id: int, actor: User, result: str, note: str = ""
) -> Requirement:
    """User acceptance testing closes an accepted (implementable or adjusted) requirement."""
    require(actor, "work")
    requirement = _locked(requirement_id)
    if requirement.state != Requirement.State.EVALUATED or not requirement.accepted:
        raise Conflict(_("Only an accepted requirement can record a UAT result."))
    if result not in Requirement.Uat.values:
        raise DomainError(_("Choose the UAT result."), field="result")
    requirement.uat_result, requirement.uat_note = result, (note or "").strip()
    requirement.uat_by, requirement.uat_at = actor, timezone.now()
    requirement.state = Requirement.State.DONE
    requirement.save()
    return requirement
