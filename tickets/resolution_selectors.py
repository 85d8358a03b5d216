"""Reads of the resolution workflow (PROCESS §7, §8) used by the ticket page and the API.

Scope always comes from `ticket_visible_to`: another organization's or team's rows are 404s.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from . import resolution_rules as rules
from .models import (
    ChangeApproval,
    ChangeExecutionStep,
    ChangeSignature,
    Consultation,
    ConsultationParticipant,
    ConsultationProposal,
    EscalationRequest,
    PlanReview,
    Requirement,
    SolutionPlan,
    Ticket,
    User,
    Workaround,
)
from .permissions import user_caps
from .selectors import ticket_visible_to


def _scoped(qs: QuerySet[Any], user: User) -> QuerySet[Any]:
    return qs.filter(ticket__in=ticket_visible_to(user))


def escalations_visible_to(user: User) -> QuerySet[EscalationRequest]:
    return _scoped(EscalationRequest.objects.all(), user).select_related(
        "ticket", "requested_by", "answered_by"
    )


def workarounds_visible_to(user: User) -> QuerySet[Workaround]:
    return _scoped(Workaround.objects.all(), user).select_related(
        "ticket", "created_by", "removed_by"
    )


def consultations_visible_to(user: User) -> QuerySet[Consultation]:
    return (
        _scoped(Consultation.objects.all(), user)
        .select_related("ticket", "convened_by", "concluded_by")
        .prefetch_related(
            Prefetch(
                "participants", queryset=ConsultationParticipant.objects.select_related("user")
            )
        )
    )


def proposals_visible_to(user: User) -> QuerySet[ConsultationProposal]:
    return _scoped(ConsultationProposal.objects.all(), user).select_related("ticket")


def plans_visible_to(user: User) -> QuerySet[SolutionPlan]:
    return (
        _scoped(SolutionPlan.objects.all(), user)
        .select_related("ticket", "author")
        .prefetch_related(
            Prefetch("reviews", queryset=PlanReview.objects.select_related("reviewer"))
        )
    )


def escalation_list(*, ticket: Ticket) -> list[EscalationRequest]:
    return list(ticket.escalations.select_related("requested_by", "answered_by"))


def workaround_list(*, ticket: Ticket) -> list[Workaround]:
    return list(ticket.workarounds.select_related("created_by", "removed_by"))


def consultation_list(*, ticket: Ticket) -> list[Consultation]:
    return list(
        ticket.consultations.select_related("convened_by", "concluded_by").prefetch_related(
            Prefetch(
                "participants", queryset=ConsultationParticipant.objects.select_related("user")
            )
        )
    )


def open_proposals(*, ticket: Ticket) -> list[ConsultationProposal]:
    return list(ticket.consultation_proposals.filter(state=ConsultationProposal.State.OPEN))


def plan_list(*, ticket: Ticket) -> list[SolutionPlan]:
    return list(
        ticket.plans.select_related("author").prefetch_related(
            Prefetch("reviews", queryset=PlanReview.objects.select_related("reviewer"))
        )
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


def _show(field: str, value: Any) -> Any:
    """Steps as numbered lines ("1. action | command | risk"), other fields as they are."""
    if field != "steps" or not isinstance(value, list):
        return value
    return "\n".join(
        f"{n}. " + " | ".join(str(step.get(k) or "") for k in ("action", "command", "risk"))
        for n, step in enumerate(value, start=1)
    )


def plan_changes_since_review(plan: SolutionPlan) -> list[FieldChange] | None:
    """What changed in the plan since the version its last review saw (a field diff between
    that history record and the current plan); None when it was never reviewed."""
    last = plan.reviews.order_by("-created_at", "-id").first()
    if last is None:
        return None
    reviewed = plan.history.filter(history_id=last.version).first()
    if reviewed is None:
        return None
    old = {f: getattr(reviewed, f) for f in rules.PLAN_FIELDS}
    new = {f: getattr(plan, f) for f in rules.PLAN_FIELDS}
    return [
        FieldChange(
            field=name,
            label=str(SolutionPlan._meta.get_field(name).verbose_name),
            old=_show(name, before),
            new=_show(name, after),
        )
        for name, before, after in rules.field_changes(old, new)
    ]


def requirements_visible_to(user: User) -> QuerySet[Requirement]:
    """Staff who see every organization see every requirement; others the ones they created or
    whose linked tickets they see; a customer their own organization's (the portal shows them
    without the internal assessment; the API stays staff-only)."""
    caps = user_caps(user)
    qs = Requirement.objects.select_related(
        "organization", "contact", "source_ticket", "created_by", "evaluated_by", "uat_by"
    ).prefetch_related("tickets")
    if caps.is_customer:
        return qs.filter(organization_id=user.organization_id)
    if not (caps.view_all or caps.work):
        return qs.none()
    if caps.view_all:
        return qs
    visible = ticket_visible_to(user)
    return qs.filter(
        Q(created_by=user)
        | Q(
            pk__in=Requirement.tickets.through.objects.filter(ticket__in=visible).values(
                "requirement_id"
            )
        )
    )


def change_approvals_visible_to(user: User) -> QuerySet[ChangeApproval]:
    """Change approvals of the visible tickets (a customer: their organization's only)."""
    return (
        ChangeApproval.objects.filter(plan__ticket__in=ticket_visible_to(user))
        .select_related("plan__ticket", "created_by")
        .prefetch_related(
            Prefetch("signatures", queryset=ChangeSignature.objects.select_related("signer")),
            Prefetch("steps", queryset=ChangeExecutionStep.objects.select_related("actor")),
        )
    )


def verification_state(ticket: Ticket) -> dict[str, Any]:
    """Where the customer's verification of the ticket's current round stands (PROCESS §12)."""
    from .services import closure

    rows = list(ticket.verifications.select_related("user"))
    return {
        "round": ticket.reopen_count,
        "status": ticket.status,
        "awaiting_verification": closure.awaiting_verification(ticket),
        "verification": next((v for v in rows if v.round == ticket.reopen_count), None),
        "earlier": [v for v in rows if v.round != ticket.reopen_count],
    }


def closure_state(ticket: Ticket) -> dict[str, Any]:
    """The current round's self-test outcome, verification, closure record and the knowledge
    articles linked to the ticket (our staff's view before and after closing)."""
    from knowledge.models import TicketArticle

    from .services import closure

    record = (
        ticket.closures.filter(round=ticket.reopen_count)
        .select_related("author")
        .prefetch_related("people")
        .first()
    )
    links = TicketArticle.objects.filter(ticket=ticket).select_related("article")
    return {
        "round": ticket.reopen_count,
        "status": ticket.status,
        "selftest_passed": closure.selftest_passed(ticket),
        "verification": closure.verification_for_round(ticket),
        "record": record,
        "articles": [
            {"id": ln.article_id, "title": ln.article.title, "relation": ln.relation}
            for ln in links
        ],
    }
