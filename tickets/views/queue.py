"""The engineer's queues: filters, sorting, count-free pages, bulk actions."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..errors import DomainError
from ..filters import TicketFilter
from ..forms import BulkActionForm, prepare_filter_form
from ..forms.common import user_choices
from ..models import Status, Team, Ticket
from ..pagination import paginate, parse_page
from ..selectors import QUEUES
from .access import engineer_required, form_errors_to_messages, safe_next

PAGE_SIZE = 25
QUEUE_LABELS = {
    "mine": gettext_lazy("My tickets"),
    "team": gettext_lazy("My teams"),
    "unassigned": gettext_lazy("Unassigned"),
    "open": gettext_lazy("All open"),
    "all": gettext_lazy("All tickets"),
}


def default_queue(request: HttpRequest) -> str:
    """Engineers with assigned open work start on it; everyone else on the open tickets."""
    if selectors.ticket_queue(user=request.user, queue="mine").exists():
        return "mine"
    return "open"


def _queue_filterset(request: HttpRequest) -> tuple[str, TicketFilter]:
    name = request.GET.get("queue", "")
    if name not in QUEUES:
        name = default_queue(request)
    filterset = TicketFilter(
        request.GET or None, queryset=selectors.ticket_list(user=request.user, queue=name)
    )
    return name, filterset


def _filter_options(filterset: TicketFilter) -> None:
    prepare_filter_form(
        filterset.form,
        staff=list(selectors.assignable_users()),
        teams=list(Team.objects.filter(active=True)),
    )


@engineer_required
def queue(request: HttpRequest) -> HttpResponse:
    name, filterset = _queue_filterset(request)
    prepare_filter_form(filterset.form)
    page = paginate(filterset.qs, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    more_filters_used = any(
        v
        for k, v in filterset.form.data.items()
        if k in filterset.form.fields and k not in ("q", "ordering")
    )
    filter_open = more_filters_used or bool(filterset.form.errors)
    if filter_open:
        _filter_options(filterset)
    context = {
        "queue": name,
        "queue_label": QUEUE_LABELS[name],
        "queues": QUEUE_LABELS,
        "filter": filterset,
        "filter_open": filter_open,
        "page": page,
        # The assignee options are loaded when the list is first used (`assignee_options`).
        "bulk_form": BulkActionForm(
            staff=(),
            teams=list(Team.objects.filter(active=True)),
            assignee_options_url=reverse("tickets:assignee_options"),
        ),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "tickets/_queue_results.html" if partial else "tickets/queue.html"
    return render(request, template, context)


@engineer_required
def queue_filters(request: HttpRequest) -> HttpResponse:
    """The panel of further filters, loaded when it is first opened."""
    _name, filterset = _queue_filterset(request)
    prepare_filter_form(filterset.form)
    filterset.form.is_valid()
    _filter_options(filterset)
    return render(request, "tickets/_queue_filters.html", {"filter": filterset})


@engineer_required
def assignee_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s of the people tickets can be assigned to, for lists filled on first use."""
    selected = request.GET.get("assignee", "")
    return render(
        request,
        "tickets/_assignee_options.html",
        {
            "choices": user_choices(selectors.assignable_users(), blank=_("assignee…")),
            "selected": selected,
        },
    )


@engineer_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to each selected ticket through its service; report every outcome."""
    back = safe_next(request, reverse("tickets:queue"))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    user = request.user
    action, done = _bulk_action(request, data)
    tickets = list(
        selectors.ticket_visible_to(user)
        .filter(pk__in=data["tickets"])
        .only("pk", "number")
        .order_by("number")
    )
    succeeded: list[str] = []
    for ticket in tickets:
        try:
            action(ticket)
        except DomainError as exc:
            messages.error(request, f"{ticket.number}: {exc.message}")
        else:
            succeeded.append(ticket.number)
    if succeeded:
        messages.success(
            request,
            _("%(action)s: %(numbers)s") % {"action": done, "numbers": ", ".join(succeeded)},
        )
    missing = len(data["tickets"]) - len(tickets)
    if missing:
        messages.warning(
            request,
            _("%(n)d selected tickets were not found or are not visible to you.") % {"n": missing},
        )
    return redirect(back)


def _bulk_action(request: HttpRequest, data: dict) -> tuple[Callable[[Ticket], object], str]:
    user, reason = request.user, data["reason"]
    if data["action"] == BulkActionForm.STATUS:
        status = Status(data["status"])
        return (
            lambda t: services.ticket_transition(
                ticket_id=t.pk, actor=user, to=status, reason=reason
            ),
            _("Status changed to “%(status)s”") % {"status": status.label},
        )
    if data["action"] == BulkActionForm.AUTO:
        return (
            lambda t: services.ticket_assign(ticket_id=t.pk, actor=user, reason=reason),
            _("Assigned by routing rules"),
        )
    assignee, team = data["assignee"], data["team"]
    return (
        lambda t: services.ticket_assign(
            ticket_id=t.pk, actor=user, assignee=assignee, team=team, reason=reason
        ),
        _("Assigned to %(who)s") % {"who": assignee or team},
    )
