"""The customer portal: an organization's tickets, opening one, and the public conversation."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import DomainError
from .forms import PortalFilterForm, PortalReplyForm, PortalTicketForm, apply_domain_error
from .forms.closure import VerificationForm
from .models import Channel, MessageKind
from .pagination import paginate, parse_page
from .services import closure
from .views.access import customer_required
from .views.detail import build_timeline
from .workflow import OPEN_STATUSES, statuses_shown_as

PAGE_SIZE = 25


@customer_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    form = PortalFilterForm(request.GET or None)
    qs = selectors.ticket_visible_to(request.user).select_related("priority")
    if form.is_valid():
        status, text = form.cleaned_data["status"], form.cleaned_data["q"].strip()
        if status == PortalFilterForm.OPEN:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif status:
            qs = qs.filter(status__in=statuses_shown_as(status))
        if text:
            qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text))
    page = paginate(qs, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(request, "portal/list.html", {"form": form, "page": page})


@customer_required
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = PortalTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(
                actor=request.user,
                data=form.ticket_data(channel=Channel.PORTAL),
                files=form.cleaned_data["files"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your ticket %(number)s has been registered. We will get back to you soon.")
                % {"number": ticket.number},
            )
            return redirect("portal:detail", number=ticket.number)
    return render(request, "portal/create.html", {"form": form})


@customer_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket as the customer sees it: public replies and public files only."""
    user = request.user
    ticket = selectors.ticket_get_for_user(user=user, number=number)
    form = PortalReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_add(
                ticket_id=ticket.pk,
                actor=user,
                kind=MessageKind.REPLY,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Your reply has been added."))
            return redirect("portal:detail", number=ticket.number)
    # The selectors already hide internal content from customers; filtering again here keeps
    # this page safe even if a selector's scope were widened for our people.
    timeline, loose = build_timeline(
        [m for m in selectors.message_list(user=user, ticket=ticket) if m.is_public],
        [],
        [a for a in selectors.attachment_list(user=user, ticket=ticket) if not a.internal],
    )
    return render(
        request,
        "portal/detail.html",
        {
            "ticket": ticket,
            "timeline": timeline,
            "loose_attachments": loose,
            "form": form,
            "can_reply": ticket.status not in ("closed", "archived"),
            "verify_form": VerificationForm() if closure.awaiting_verification(ticket) else None,
        },
    )


@customer_required
@require_POST
def ticket_verify(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's verification from the portal ticket page (PROCESS §12)."""
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the problem is solved."))
        return redirect("portal:detail", number=ticket.number)
    try:
        closure.verification_record(ticket_id=ticket.pk, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your verification has been recorded."))
    return redirect("portal:detail", number=ticket.number)


def verify_link(request: HttpRequest, number: str, token: str) -> HttpResponse:
    """Anyone holding the emailed link verifies once, without logging in; a bad link changes
    nothing and says why (400 tampered, 410 expired or already used)."""
    try:
        ticket = closure.ticket_from_verification_token(number=number, token=token)
    except closure.VerificationLinkError as exc:
        return _link_error(request, exc)
    form = VerificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            closure.verification_record(
                ticket_id=ticket.pk, token=token, number=number, **form.cleaned_data
            )
        except closure.VerificationLinkError as exc:
            return _link_error(request, exc)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return render(request, "portal/verify_done.html", {"ticket": ticket})
    status = 400 if form.is_bound else 200
    return render(request, "portal/verify.html", {"form": form, "ticket": ticket}, status=status)


def _link_error(request: HttpRequest, exc: "closure.VerificationLinkError") -> HttpResponse:
    return render(
        request,
        "portal/verify_error.html",
        {"message": exc.message, "reason": exc.reason},
        status=exc.status,
    )
