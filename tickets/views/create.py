"""An agent registers a request received by phone, hotline, IM, chat or email (PROCESS §2)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..errors import DomainError
from ..forms import TicketCreateForm, apply_domain_error
from ..models import Ticket, User
from ..permissions import user_caps
from .access import engineer_required


def created_message(ticket: Ticket) -> str:
    text = _("Ticket %(number)s registered.") % {"number": ticket.number}
    if ticket.suggested_category_id:
        text += " " + _("Suggested category: %(category)s.") % {
            "category": ticket.suggested_category.full_label
        }
        phrases = [k.phrase for k in ticket.matched_keywords.all()]
        if phrases:
            text += " " + _("Matched keywords: %(keywords)s.") % {"keywords": "、".join(phrases)}
    else:
        text += " " + _("No keyword matched: choose the category.")
    return text


@engineer_required
def create(request: HttpRequest) -> HttpResponse:
    if not user_caps(request.user).register:
        raise PermissionDenied
    form = TicketCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(
                actor=request.user, data=form.ticket_data(), files=form.cleaned_data["files"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, created_message(ticket))
            return redirect(ticket)
    return render(request, "tickets/create.html", {"form": form})


@engineer_required
def contact_options(request: HttpRequest) -> HttpResponse:
    """The contacts of one organization as <option>s, for the registration form (htmx)."""
    org_id = request.GET.get("organization", "")
    contacts = (
        User.objects.filter(organization_id=int(org_id), is_active=True).order_by("username")
        if org_id.isdigit()
        else User.objects.none()
    )
    return render(request, "tickets/_contact_options.html", {"contacts": contacts})
