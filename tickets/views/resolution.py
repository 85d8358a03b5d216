"""Resolution workflow pages and actions on a ticket (PROCESS §7, §8): thin views that parse a
form, call one service and redirect; a refusal is shown on the form (or as a message for the
one-line actions of the ticket page's panel)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import resolution_selectors as rsel
from .. import selectors
from ..errors import DomainError
from ..forms.common import apply_domain_error
from ..forms.resolution import (
    AnswerForm,
    ConcludeForm,
    ConsultationForm,
    EscalationForm,
    PlanForm,
    ReviewForm,
    StepFormSet,
    WorkaroundForm,
    WorkaroundRemoveForm,
)
from ..models import (
    Consultation,
    ConsultationProposal,
    EscalationRequest,
    SolutionPlan,
    Ticket,
    Workaround,
)
from ..permissions import user_caps
from ..services import resolution as services
from .access import engineer_required, form_errors_to_messages, run_service


def _ticket(request: HttpRequest, number: str) -> Ticket:
    return selectors.ticket_get_for_user(user=request.user, number=number)


def _back(ticket: Ticket) -> HttpResponse:
    return redirect(ticket.get_absolute_url() + "#resolution")


def _post_action(
    request: HttpRequest, ticket: Ticket, form: Any, action: Any, success: str
) -> HttpResponse:
    if form.is_valid():
        run_service(request, lambda: action(form.cleaned_data), success)
    else:
        form_errors_to_messages(request, form)
    return _back(ticket)


@engineer_required
@require_POST
def escalation_request(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    return _post_action(
        request,
        ticket,
        EscalationForm(request.POST),
        lambda d: services.escalation_request(ticket_id=ticket.pk, actor=request.user, **d),
        _("Escalation requested; L2 answers within the hour."),
    )


@engineer_required
@require_POST
def escalation_answer(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, number)
    escalation = get_object_or_404(EscalationRequest, pk=pk, ticket=ticket)
    return _post_action(
        request,
        ticket,
        AnswerForm(request.POST),
        lambda d: services.escalation_answer(escalation_id=escalation.pk, actor=request.user, **d),
        _("Escalation request answered."),
    )


@engineer_required
@require_POST
def workaround_add(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    return _post_action(
        request,
        ticket,
        WorkaroundForm(request.POST),
        lambda d: services.workaround_add(ticket_id=ticket.pk, actor=request.user, **d),
        _("Workaround recorded."),
    )


@engineer_required
@require_POST
def workaround_remove(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, number)
    workaround = get_object_or_404(Workaround, pk=pk, ticket=ticket)
    return _post_action(
        request,
        ticket,
        WorkaroundRemoveForm(request.POST),
        lambda d: services.workaround_remove(workaround_id=workaround.pk, actor=request.user, **d),
        _("Workaround marked as removed."),
    )


@engineer_required
def consultation_convene(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    if not user_caps(request.user).convene:
        raise PermissionDenied
    initial = {}
    proposal_id = request.GET.get("proposal", "")
    if proposal_id.isdigit():
        proposal = get_object_or_404(ConsultationProposal, pk=int(proposal_id), ticket=ticket)
        initial["proposal"] = proposal.pk
    form = ConsultationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.consultation_convene(
                    ticket_id=ticket.pk,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    topic=form.cleaned_data["topic"],
                    participants=form.participants(),
                    proposal_id=form.cleaned_data["proposal"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return _back(ticket)
        status = 400
    return render(
        request,
        "tickets/resolution/consultation_form.html",
        {"ticket": ticket, "form": form},
        status=status,
    )


@engineer_required
@require_POST
def consultation_conclude(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, number)
    consultation = get_object_or_404(Consultation, pk=pk, ticket=ticket)
    return _post_action(
        request,
        ticket,
        ConcludeForm(request.POST),
        lambda d: services.consultation_conclude(
            consultation_id=consultation.pk, actor=request.user, **d
        ),
        _("Consultation concluded."),
    )


def _steps(formset: Any) -> list[dict[str, str]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data]


@engineer_required
def plan_edit(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    """Draft a new plan (pk None) or revise a draft or rejected one; the service decides who."""
    ticket = _ticket(request, number)
    plan = get_object_or_404(SolutionPlan, pk=pk, ticket=ticket) if pk else None
    initial: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    if plan is not None:
        initial = {f: getattr(plan, f) for f in ("root_cause", "verification", "rollback")}
        steps = plan.steps
    form = PlanForm(request.POST or None, initial=initial)
    # Rows are compared with nothing on a POST: an unchanged row must still be read.
    formset = StepFormSet(
        request.POST or None, initial=None if request.method == "POST" else steps, prefix="steps"
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            data = {**form.cleaned_data, "steps": _steps(formset)}
            try:
                if plan is None:
                    plan = services.plan_create(ticket_id=ticket.pk, actor=request.user, **data)
                else:
                    services.plan_update(plan_id=plan.pk, actor=request.user, **data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("tickets:plan", number=ticket.number, pk=plan.pk)
        status = 400
    return render(
        request,
        "tickets/resolution/plan_form.html",
        {"ticket": ticket, "plan": plan, "form": form, "formset": formset},
        status=status,
    )


@engineer_required
def plan_detail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The plan, what changed since its last review, its reviews and the review form."""
    ticket = _ticket(request, number)
    plan = rsel.plans_visible_to(request.user).filter(ticket=ticket, pk=pk).first()
    if plan is None:
        raise Http404
    caps = user_caps(request.user)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.plan_review(plan_id=plan.pk, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("tickets:plan", number=ticket.number, pk=plan.pk)
        status = 400
    reviewed = {r.reviewer_id for r in plan.reviews.all() if r.round == plan.round}
    return render(
        request,
        "tickets/resolution/plan_detail.html",
        {
            "ticket": ticket,
            "plan": plan,
            "form": form,
            "changes": rsel.plan_changes_since_review(plan),
            "can_review": caps.review_plan
            and plan.state == SolutionPlan.State.SUBMITTED
            and plan.author_id != request.user.pk
            and request.user.pk not in reviewed,
            "is_author": plan.author_id == request.user.pk,
            "approvals": sum(
                1 for r in plan.reviews.all() if r.round == plan.round and r.decision == "approve"
            ),
        },
        status=status,
    )


@engineer_required
@require_POST
def plan_submit(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, number)
    plan = get_object_or_404(SolutionPlan, pk=pk, ticket=ticket)
    run_service(
        request,
        lambda: services.plan_submit(plan_id=plan.pk, actor=request.user),
        _("Plan submitted for review."),
    )
    return redirect("tickets:plan", number=ticket.number, pk=plan.pk)
