"""Customer requirement pages (PROCESS §17): the list, registration (from a ticket or directly)
and one requirement with the product manager's evaluation and the UAT result."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .. import resolution_selectors as rsel
from .. import selectors
from ..errors import DomainError
from ..forms.common import apply_domain_error
from ..forms.resolution import EvaluationForm, RequirementForm, UatForm
from ..models import Requirement
from ..permissions import user_caps
from ..services import requirements as services
from .access import engineer_required


@engineer_required
def requirement_list(request: HttpRequest) -> HttpResponse:
    rows = rsel.requirements_visible_to(request.user)[:200]
    return render(request, "tickets/requirements/list.html", {"requirements": rows})


@engineer_required
def requirement_create(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("ticket", "")
    ticket = selectors.ticket_get_for_user(user=request.user, number=number) if number else None
    form = RequirementForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                requirement = services.requirement_create(
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    priority=data["priority"],
                    source_ticket_id=ticket.pk if ticket else None,
                    organization=None if ticket else data["organization"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect(requirement.get_absolute_url())
        status = 400
    return render(
        request,
        "tickets/requirements/form.html",
        {"form": form, "ticket": ticket},
        status=status,
    )


@engineer_required
def requirement_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One requirement; the product manager's evaluation form while it awaits one, the UAT
    form once it is accepted."""
    requirement = rsel.requirements_visible_to(request.user).filter(number=number).first()
    if requirement is None:
        raise Http404
    evaluating = requirement.state == Requirement.State.EVALUATING
    form: Any = (
        EvaluationForm(request.POST or None) if evaluating else UatForm(request.POST or None)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if evaluating:
                    services.requirement_evaluate(
                        requirement_id=requirement.pk, actor=request.user, **form.cleaned_data
                    )
                else:
                    services.requirement_record_uat(
                        requirement_id=requirement.pk, actor=request.user, **form.cleaned_data
                    )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect(requirement.get_absolute_url())
        status = 400
    caps = user_caps(request.user)
    show_form = (evaluating and caps.evaluate_requirement) or (
        requirement.state == Requirement.State.EVALUATED and requirement.accepted and caps.work
    )
    return render(
        request,
        "tickets/requirements/detail.html",
        {
            "requirement": requirement,
            "form": form,
            "show_form": show_form or bool(form.errors),
            "evaluating": evaluating,
        },
        status=status,
    )
