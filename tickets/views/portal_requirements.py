"""Customer requirements in the portal (PROCESS §17): the organization's requirements, raising
one (directly or from one of its tickets) and following its evaluation and UAT. The internal
assessment (technology, resources, cost) stays with our staff; the customer sees the outcome."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import resolution_selectors as rsel
from .. import selectors
from ..errors import DomainError
from ..forms.common import apply_domain_error
from ..forms.resolution import PortalRequirementForm
from ..pagination import paginate, parse_page
from ..services import requirements as services
from .access import customer_required

PAGE_SIZE = 25


@customer_required
def requirement_list(request: HttpRequest) -> HttpResponse:
    qs = rsel.requirements_visible_to(request.user)
    page = paginate(qs, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(request, "portal/requirements/list.html", {"page": page})


@customer_required
def requirement_create(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("ticket", "")
    source = selectors.ticket_get_for_user(user=request.user, number=number) if number else None
    form = PortalRequirementForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            visible = selectors.ticket_visible_to(request.user)
            linked = dict(visible.filter(number__in=data["tickets"]).values_list("number", "pk"))
            unknown = [n for n in data["tickets"] if n not in linked]
            if unknown:
                form.add_error(
                    "tickets",
                    _("No ticket of your organization has the number %(numbers)s.")
                    % {"numbers": ", ".join(unknown)},
                )
            else:
                try:
                    requirement = services.requirement_create(
                        actor=request.user,
                        title=data["title"],
                        description=data["description"],
                        kind=data["kind"],
                        priority=data["priority"],
                        source_ticket_id=source.pk if source else None,
                        linked_ticket_ids=list(linked.values()),
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(
                        request,
                        _(
                            "Your requirement %(number)s has been registered. Our product "
                            "manager evaluates it and we will tell you the result."
                        )
                        % {"number": requirement.number},
                    )
                    return redirect("portal:requirement", number=requirement.number)
    return render(
        request,
        "portal/requirements/form.html",
        {"form": form, "source": source},
        status=status,
    )


@customer_required
def requirement_detail(request: HttpRequest, number: str) -> HttpResponse:
    requirement = rsel.requirements_visible_to(request.user).filter(number=number).first()
    if requirement is None:
        raise Http404
    return render(request, "portal/requirements/detail.html", {"requirement": requirement})
