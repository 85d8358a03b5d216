"""One ticket for our people: header, scene, classification, actions, conversation, history."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sla import selectors as sla_selectors
from sla.models import ClockEvent, ClockKind, ClockState, TicketClock

from .. import selectors, workflow
from ..forms import (
    AssignForm,
    ClassifyForm,
    MessageForm,
    ReasonForm,
    TransitionForm,
    active_categories,
)
from ..models import Attachment, Category, Message, Status, Ticket, TicketEvent, User
from ..permissions import user_caps
from ..templatetags.helpdesk_ui import format_duration
from .access import engineer_required


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "message" or "event"
    at: dt.datetime
    obj: Message | TicketEvent
    attachments: tuple[Attachment, ...] = ()


def build_timeline(
    messages: list[Message], events: list[TicketEvent], attachments: list[Attachment]
) -> tuple[list[TimelineEntry], list[Attachment]]:
    """Messages (with their files) and events in time order; files not tied to a message apart."""
    by_message: dict[int, list[Attachment]] = defaultdict(list)
    loose = []
    for att in attachments:
        if att.message_id is None:
            loose.append(att)
        else:
            by_message[att.message_id].append(att)
    entries = [
        TimelineEntry("message", m.created_at, m, tuple(by_message.get(m.pk, ()))) for m in messages
    ]
    entries += [TimelineEntry("event", e.created_at, e) for e in events]
    entries.sort(key=lambda e: (e.at, e.kind != "event", e.obj.pk))
    return entries, loose


@dataclass(frozen=True)
class ClockPanel:
    clock: TicketClock
    explanation: sla_selectors.Explanation
    events: list[ClockEvent]
    can_extend: bool


def clock_panels(ticket: Ticket, *, may_extend: bool) -> list[ClockPanel]:
    """Every SLA clock of the ticket with why its deadline is what it is and its event log:
    two queries (clocks, then all their events, grouped here) whatever their number."""
    clocks = sla_selectors.clock_list(ticket=ticket)
    if not clocks:
        return []
    events: dict[int, list[ClockEvent]] = defaultdict(list)
    for event in sla_selectors.clock_events(ticket=ticket):
        events[event.clock_id].append(event)
    return [
        ClockPanel(
            clock=clock,
            explanation=sla_selectors.clock_explanation(clock, events[clock.pk]),
            events=events[clock.pk],
            can_extend=may_extend
            and clock.state == ClockState.RUNNING
            and clock.kind != ClockKind.ACKNOWLEDGEMENT,
        )
        for clock in clocks
    ]


def history_rows(ticket: Ticket) -> list[dict[str, Any]]:
    """Field changes with readable values: choice labels and names instead of raw keys."""
    rows = selectors.ticket_history(ticket=ticket)
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for row in rows:
        for change in row["changes"]:
            field = Ticket._meta.get_field(change["name"])
            if field.is_relation and field.many_to_one:
                wanted[field.related_model].update(
                    v for v in (change["old"], change["new"]) if v is not None
                )
    loaded: dict[type[models.Model], dict[Any, models.Model]] = {}
    for model, ids in wanted.items():
        qs = model._default_manager.all()
        if model is Category:
            qs = qs.select_related("parent")
        loaded[model] = qs.in_bulk(list(ids))

    def show(field: models.Field, value: Any) -> Any:
        if value is None or value == "":
            return ""
        if field.is_relation:
            obj = loaded.get(field.related_model, {}).get(value)
            if isinstance(obj, Category):
                return obj.full_label
            return str(obj) if obj is not None else f"#{value}"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, dt.timedelta):
            return format_duration(value)
        return value

    for row in rows:
        for change in row["changes"]:
            field = Ticket._meta.get_field(change["name"])
            change["old"], change["new"] = show(field, change["old"]), show(field, change["new"])
    return rows


@engineer_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return render_detail(request, selectors.ticket_get_for_user(user=request.user, number=number))


def render_detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    message_form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The ticket page; an action that was refused passes its bound form back, so what the
    engineer typed is shown again with the error instead of being lost in a redirect."""
    user: User = request.user
    caps = user_caps(user)
    secondary = list(ticket.secondary_categories.select_related("parent"))
    followers = list(ticket.followers.all())
    timeline, loose_attachments = build_timeline(
        list(selectors.message_list(user=user, ticket=ticket)),
        list(selectors.event_list(ticket=ticket, user=user)),
        list(selectors.attachment_list(user=user, ticket=ticket)),
    )
    context: dict[str, Any] = {
        "ticket": ticket,
        "secondary": secondary,
        "tags": list(ticket.tags.all()),
        "keywords": list(ticket.matched_keywords.all()),
        "followers": followers,
        "is_following": any(f.pk == user.pk for f in followers),
        "timeline": timeline,
        "loose_attachments": loose_attachments,
        "assignments": list(selectors.assignment_list(ticket=ticket)),
        "targets": workflow.allowed_targets(ticket.status),
        "reason_needed": {t.value for t in Status if workflow.reason_required(ticket.status, t)},
        "can_hand_back": ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS)
        and (ticket.assignee_id == user.pk or caps.assign),
        "read_only": ticket.status == Status.ARCHIVED,
        "transition_form": TransitionForm(),
        "hand_back_form": ReasonForm(),
        "message_form": message_form or MessageForm(),
    }
    if caps.work and ticket.status != Status.ARCHIVED:
        from .closure import closure_context

        context.update(closure_context(ticket, user))
    if caps.assign and ticket.is_open:
        context["assign_form"] = AssignForm(ticket=ticket)
    if caps.classify and ticket.status != Status.ARCHIVED:
        context["classify_form"] = ClassifyForm(
            ticket=ticket, secondary=secondary, categories=active_categories()
        )
    return render(request, "tickets/detail.html", context, status=status)


@engineer_required
def history(request: HttpRequest, number: str) -> HttpResponse:
    """The History tab, loaded when it is first shown: most visits never open it, and its
    field-by-field diff is the costliest part of the page."""
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    return render(request, "tickets/_history.html", {"history": history_rows(ticket)})


@engineer_required
def resolution_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The escalation, consultation and plan panel of the ticket page, loaded by the page once
    it is shown: the page itself stays quick however much diagnosis a ticket has had."""
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    return render(request, "tickets/resolution/_panel.html", {"ticket": ticket})


@engineer_required
def sla_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket's SLA card (every clock, why its deadline is what it is, its event log, the
    extension form), loaded by the ticket page once it is shown."""
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    caps = user_caps(request.user)
    panels = clock_panels(ticket, may_extend=caps.work and ticket.status != Status.ARCHIVED)
    return render(request, "sla/_ticket_clocks.html", {"ticket": ticket, "clock_panels": panels})
