"""Change approval pages (PROCESS §9): the engineer's page per change approval (form, signatures,
execution log, outcome), the customer's portal page, and the no-login signed-link page. Thin
views: parse a form, call one service, redirect; refusals shown on the form or as a message."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import resolution_selectors as rsel
from .. import selectors
from ..errors import DomainError
from ..forms.change import (
    ChangeForm,
    ExecuteForm,
    FinishForm,
    RejectForm,
    RequestSignatureForm,
    SignForm,
)
from ..forms.common import apply_domain_error
from ..models import ChangeApproval, ChangeSignature, Ticket
from ..permissions import user_caps
from ..services import change as services
from .access import customer_required, engineer_required, form_errors_to_messages, run_service


def _ticket(request: HttpRequest, number: str) -> Ticket:
    return selectors.ticket_get_for_user(user=request.user, number=number)


def _approval(ticket: Ticket, pk: int) -> ChangeApproval:
    approval = (
        ChangeApproval.objects.select_related("plan", "created_by")
        .prefetch_related("signatures__signer", "steps__actor")
        .filter(pk=pk, plan__ticket=ticket)
        .first()
    )
    if approval is None:
        raise Http404
    return approval


@engineer_required
def change_edit(
    request: HttpRequest, number: str, plan_pk: int | None = None, pk: int | None = None
) -> HttpResponse:
    """Create a change approval on an approved plan (plan_pk) or edit one (pk)."""
    ticket = _ticket(request, number)
    approval = _approval(ticket, pk) if pk else None
    if approval is None:
        plan = rsel.plans_visible_to(request.user).filter(ticket=ticket, pk=plan_pk).first()
        if plan is None:
            raise Http404
    else:
        plan = approval.plan
    form = ChangeForm(request.POST or None, instance=approval)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data.get(f) for f in services.FORM_FIELDS}
        try:
            if approval is None:
                approval = services.change_create(plan_id=plan.pk, actor=request.user, **data)
            else:
                services.change_update(approval_id=approval.pk, actor=request.user, **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Change approval saved."))
            return redirect("tickets:change", number=ticket.number, pk=approval.pk)
    return render(
        request,
        "tickets/change/form.html",
        {"ticket": ticket, "plan": plan, "approval": approval, "form": form},
    )


@engineer_required
def change_detail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, number)
    approval = _approval(ticket, pk)
    caps = user_caps(request.user)
    worker = caps.work and ticket.assignee_id == request.user.pk and not approval.finished
    return render(
        request,
        "tickets/change/detail.html",
        {
            "ticket": ticket,
            "approval": approval,
            "worker": worker,
            "can_sign": caps.review_plan
            and not approval.finished
            and approval.created_by_id != request.user.pk
            and not approval.decided_by_role(ChangeSignature.Role.SUPERVISOR),
            "sign_form": SignForm(initial={"version": approval.version}),
            "reject_form": RejectForm(initial={"version": approval.version}),
            "rejections": approval.current_rejections(),
            "signed": approval.signed_by_role(ChangeSignature.Role.CUSTOMER)
            and approval.signed_by_role(ChangeSignature.Role.SUPERVISOR),
            "execute_form": ExecuteForm(),
            "finish_form": FinishForm(),
            "request_form": RequestSignatureForm(organization_id=ticket.organization_id),
        },
    )


def _post(request: HttpRequest, number: str, pk: int, form_class: type, call) -> HttpResponse:
    ticket = _ticket(request, number)
    approval = _approval(ticket, pk)
    kwargs = (
        {"organization_id": ticket.organization_id} if form_class is RequestSignatureForm else {}
    )
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        run_service(request, lambda: call(approval, form.cleaned_data), _("Saved."))
    else:
        form_errors_to_messages(request, form)
    return redirect("tickets:change", number=ticket.number, pk=approval.pk)


@engineer_required
@require_POST
def change_sign(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _post(
        request,
        number,
        pk,
        SignForm,
        lambda a, d: services.change_sign(
            approval_id=a.pk, actor=request.user, version=d["version"]
        ),
    )


@engineer_required
@require_POST
def change_reject(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _post(
        request,
        number,
        pk,
        RejectForm,
        lambda a, d: services.change_reject(
            approval_id=a.pk, actor=request.user, version=d["version"], reason=d["reason"]
        ),
    )


@engineer_required
@require_POST
def change_execute(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _post(
        request,
        number,
        pk,
        ExecuteForm,
        lambda a, d: services.change_execute_step(approval_id=a.pk, actor=request.user, **d),
    )


@engineer_required
@require_POST
def change_finish(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _post(
        request,
        number,
        pk,
        FinishForm,
        lambda a, d: services.change_finish(approval_id=a.pk, actor=request.user, **d),
    )


@engineer_required
@require_POST
def change_request_signature(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return _post(
        request,
        number,
        pk,
        RequestSignatureForm,
        lambda a, d: services.change_request_signature(
            approval_id=a.pk, actor=request.user, contact_id=d["contact"].pk
        ),
    )


# --- the customer -------------------------------------------------------------------------------


def _sign_page(
    request: HttpRequest, approval: ChangeApproval, *, signer, via: str, template: str, **ctx
) -> HttpResponse:
    """Sign or reject (button `decision=reject`, with a reason) the version shown."""
    rejecting = request.method == "POST" and request.POST.get("decision") == "reject"
    initial = {"version": approval.version}
    form = SignForm(None if rejecting else request.POST or None, initial=initial)
    reject_form = RejectForm(request.POST if rejecting else None, initial=initial)
    bound = reject_form if rejecting else form
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        try:
            if rejecting:
                services.change_reject(
                    approval_id=approval.pk,
                    actor=signer,
                    version=data["version"],
                    reason=data["reason"],
                    via=via,
                )
            else:
                services.change_sign(
                    approval_id=approval.pk, actor=signer, version=data["version"], via=via
                )
        except DomainError as exc:
            apply_domain_error(bound, exc)
        else:
            messages.success(
                request,
                _("Your rejection is recorded; the engineer will revise the change.")
                if rejecting
                else _("Thank you: your signature is recorded."),
            )
            return redirect(request.path)
    decision = approval.signatures.filter(
        version=approval.version, role=ChangeSignature.Role.CUSTOMER
    ).first()
    return render(
        request,
        template,
        {
            "approval": approval,
            "ticket": approval.plan.ticket,
            "form": form,
            "reject_form": reject_form,
            "rejecting": rejecting,
            "decision": decision,
            **ctx,
        },
        status=400 if request.method == "POST" else 200,
    )


@customer_required
def portal_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer reviews and signs a change approval of their organization."""
    approval = (
        ChangeApproval.objects.select_related("plan__ticket")
        .filter(pk=pk, plan__ticket__organization_id=request.user.organization_id)
        .first()
    )
    if approval is None:
        raise Http404
    return _sign_page(
        request,
        approval,
        signer=request.user,
        via=ChangeSignature.Via.PORTAL,
        template="portal/change.html",
    )


def change_sign_link(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the contact named in the signed link reviews and signs the current version."""
    try:
        approval, contact = services.change_from_token(token)
    except services.ChangeLinkError as exc:
        return render(
            request, "portal/change_link_error.html", {"message": exc.message}, status=exc.status
        )
    return _sign_page(
        request,
        approval,
        signer=contact,
        via=ChangeSignature.Via.EMAIL_LINK,
        template="portal/change_link.html",
        contact=contact,
    )
