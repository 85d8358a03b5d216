"""One small POST view per action on a ticket: parse the form, call one service, redirect back."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..errors import DomainError
from ..forms import (
    AssignForm,
    ClassifyForm,
    FollowForm,
    MessageForm,
    ReasonForm,
    TransitionForm,
)
from ..models import MessageKind, Status, Ticket
from .access import engineer_required, form_errors_to_messages, run_service
from .detail import render_detail


def _back(ticket: Ticket, anchor: str = "") -> HttpResponse:
    return redirect(ticket.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@engineer_required
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket)
    to = form.cleaned_data["to"]
    run_service(
        request,
        lambda: services.ticket_transition(
            ticket_id=ticket.pk, actor=request.user, to=to, reason=form.cleaned_data["reason"]
        ),
        _("Status changed to “%(status)s”.") % {"status": Status(to).label},
    )
    return _back(ticket)


@engineer_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = AssignForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket)
    data = form.cleaned_data
    auto = bool(data["auto"])
    try:
        updated = services.ticket_assign(
            ticket_id=ticket.pk,
            actor=request.user,
            assignee=None if auto else data["assignee"],
            team=None if auto else data["team"],
            reason=data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        who = updated.assignee or updated.team
        messages.success(request, _("Assigned to %(who)s.") % {"who": who})
    return _back(ticket)


@engineer_required
@require_POST
def hand_back(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket)
    run_service(
        request,
        lambda: services.ticket_hand_back(
            ticket_id=ticket.pk, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("The ticket was handed back to the service desk."),
    )
    return _back(ticket)


@engineer_required
@require_POST
def follow(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = FollowForm(request.POST)
    form.is_valid()
    on = bool(form.cleaned_data.get("follow"))
    run_service(
        request,
        lambda: services.ticket_follow(
            ticket_id=ticket.pk, actor=request.user, user=request.user, follow=on
        ),
        _("You now follow this ticket.") if on else _("You no longer follow this ticket."),
    )
    return _back(ticket)


@engineer_required
@require_POST
def classify(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = ClassifyForm(request.POST, ticket=ticket)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket, "classification")
    kwargs = form.service_kwargs()
    run_service(
        request,
        lambda: services.ticket_classify(ticket_id=ticket.pk, actor=request.user, **kwargs),
        _("Classification saved: %(category)s.") % {"category": kwargs["category"].full_label},
    )
    return _back(ticket, "classification")


@engineer_required
@require_POST
def message(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        # Shown again with the errors and the text as typed (attached files must be chosen
        # again: browsers do not let a page refill a file input).
        return render_detail(request, ticket, message_form=form, status=400)
    data = form.cleaned_data
    kind = MessageKind(data["kind"])
    try:
        services.message_add(
            ticket_id=ticket.pk,
            actor=request.user,
            kind=kind,
            body=data["body"],
            worklog_kind=data["worklog_kind"],
            files=data["files"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return render_detail(request, ticket, message_form=form, status=400)
    messages.success(
        request,
        {
            MessageKind.REPLY: _("Reply sent."),
            MessageKind.NOTE: _("Internal note added."),
            MessageKind.WORKLOG: _("Work log entry added."),
        }[kind],
    )
    return _back(ticket, "conversation")
