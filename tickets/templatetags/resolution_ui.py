"""The ticket page's resolution panel (PROCESS §7, §8): escalation, workarounds, consultations
and solution plans, with the next action of the person looking at it."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from .. import resolution_selectors as rsel
from ..forms.resolution import (
    AnswerForm,
    ConcludeForm,
    EscalationForm,
    WorkaroundForm,
)
from ..models import Consultation, EscalationRequest, SolutionPlan, Status, Ticket
from ..permissions import user_caps

register = template.Library()


def next_actions(
    *,
    user: Any,
    caps: Any,
    ticket: Ticket,
    pending: EscalationRequest | None,
    proposals: list[Any],
    consultations: list[Consultation],
    plan: SolutionPlan | None,
) -> list[str]:
    """What this person should do next on this ticket, in the order it matters."""
    actions = []
    if pending and caps.answer_escalation and pending.requested_by_id != user.pk:
        actions.append(_("Answer the escalation request (within 1 hour)."))
    if proposals and caps.convene:
        actions.append(_("No progress for 2 business hours: convene an expert consultation."))
    for c in consultations:
        if c.state == Consultation.State.OPEN and (
            caps.convene or any(p.user_id == user.pk for p in c.participants.all())
        ):
            actions.append(_("Record the consultation's findings and conclusion."))
            break
    if plan is None:
        if ticket.assignee_id == user.pk:
            actions.append(_("Draft the solution plan."))
    elif plan.author_id == user.pk and plan.state == SolutionPlan.State.DRAFT:
        actions.append(_("Submit the solution plan for review."))
    elif plan.author_id == user.pk and plan.state == SolutionPlan.State.REJECTED:
        actions.append(_("Revise the rejected plan and resubmit it."))
    elif (
        plan.state == SolutionPlan.State.SUBMITTED
        and caps.review_plan
        and plan.author_id != user.pk
        and not any(r.round == plan.round and r.reviewer_id == user.pk for r in plan.reviews.all())
    ):
        actions.append(_("Review the submitted solution plan."))
    return actions


@register.inclusion_tag("tickets/resolution/_panel_body.html", takes_context=True)
def resolution_panel(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    caps = user_caps(user) if user else None
    if caps is None or not caps.view_internal:
        return {"shown": False}
    escalations = rsel.escalation_list(ticket=ticket)
    pending = next((e for e in escalations if e.state == EscalationRequest.State.PENDING), None)
    consultations = rsel.consultation_list(ticket=ticket)
    proposals = rsel.open_proposals(ticket=ticket)
    plans = rsel.plan_list(ticket=ticket)
    current = next((p for p in plans if p.state != SolutionPlan.State.APPROVED), None)
    writable = caps.work and ticket.is_open and ticket.status != Status.ARCHIVED
    participant_of = {
        c.pk for c in consultations for p in c.participants.all() if p.user_id == user.pk
    }
    return {
        "shown": True,
        "ticket": ticket,
        "user": user,
        "caps": caps,
        "writable": writable,
        "escalations": escalations,
        "pending": pending,
        "can_answer": bool(pending)
        and caps.answer_escalation
        and pending.requested_by_id != user.pk,
        "workarounds": rsel.workaround_list(ticket=ticket),
        "consultations": consultations,
        "participant_of": participant_of,
        "proposals": proposals,
        "plans": plans,
        "current_plan": current,
        "can_draft": writable and current is None and ticket.assignee_id == user.pk,
        "actions": next_actions(
            user=user,
            caps=caps,
            ticket=ticket,
            pending=pending,
            proposals=proposals,
            consultations=consultations,
            plan=current if current is not None else (plans[0] if plans else None),
        )
        if writable
        else [],
        "escalation_form": EscalationForm(),
        "answer_form": AnswerForm(),
        "workaround_form": WorkaroundForm(),
        "conclude_form": ConcludeForm(),
        "requirements": list(ticket.requirements.all()),
        "csrf_token": context.get("csrf_token"),
    }
