"""The SLA pages of the engineer UI: breaches and warnings, supervisor tasks, deadline
extension and in-app notifications. Thin: parse the input, call one selector or service,
render or redirect; a service's refusal becomes a message on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tickets.pagination import paginate, parse_page
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to
from tickets.views.access import engineer_required, form_errors_to_messages, run_service, safe_next

from . import selectors, services
from .forms import ClockExtendForm, TaskAcknowledgeForm
from .models import SupervisorTask, TicketClock
from .services.notifications import notification_mark_read

ATTENTION_PAGE_SIZE = 50
PAGE_SIZE = 25


@engineer_required
def attention(request: HttpRequest) -> HttpResponse:
    """Breached and warned clocks, nearest deadline first, for the desk and supervisors."""
    caps = user_caps(request.user)
    if not (caps.assign or caps.view_all):
        raise PermissionDenied
    clocks = selectors.sla_attention_queue(user=request.user, now=timezone.now())
    page = paginate(clocks, number=parse_page(request.GET.get("page")), size=ATTENTION_PAGE_SIZE)
    context = {"page": page, "missing_data": selectors.calendars_missing_data()}
    return render(request, "sla/attention.html", context)


@engineer_required
def tasks(request: HttpRequest) -> HttpResponse:
    """My warnings and escalations to acknowledge, oldest first."""
    open_tasks = selectors.open_tasks(user=request.user).prefetch_related("clocks")
    page = paginate(open_tasks, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(request, "sla/tasks.html", {"page": page, "form": TaskAcknowledgeForm()})


@engineer_required
@require_POST
def task_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visible = SupervisorTask.objects.filter(
        Q(assignee=user) | Q(ticket__in=ticket_visible_to(user))
    ).select_related("ticket")
    task = get_object_or_404(visible, pk=pk)
    back = safe_next(request, reverse("sla:tasks"))
    form = TaskAcknowledgeForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back)
    run_service(
        request,
        lambda: services.task_acknowledge(
            task_id=task.pk, actor=user, note=form.cleaned_data["note"]
        ),
        _("Acknowledged: %(number)s.") % {"number": task.ticket.number},
    )
    return redirect(back)


@engineer_required
@require_POST
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a running clock's deadline later; back to the ticket's service levels."""
    visible = TicketClock.objects.filter(ticket__in=ticket_visible_to(request.user))
    clock = get_object_or_404(visible.select_related("ticket", "definition"), pk=pk)
    back = clock.ticket.get_absolute_url() + "#sla"
    form = ClockExtendForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    run_service(
        request,
        lambda: services.clock_extend(
            clock_id=clock.pk,
            actor=request.user,
            new_due=data["new_due"],
            reason=data["reason"],
            customer_informed=data["customer_informed"],
        ),
        _("The deadline of “%(clock)s” is now %(at)s.")
        % {
            "clock": clock.definition.label,
            "at": date_format(timezone.localtime(data["new_due"]), "Y-m-d H:i"),
        },
    )
    return redirect(back)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    found = selectors.notification_list(user=request.user)
    page = paginate(found, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(request, "sla/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect(safe_next(request, reverse("sla:notifications")))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(n)d notification marked as read.", "%(n)d notifications marked as read.", changed
        )
        % {"n": changed},
    )
    return redirect(safe_next(request, reverse("sla:notifications")))
