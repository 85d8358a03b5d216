"""Badges, durations, timeline lines and sort links for the helpdesk templates."""

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import ChangeApproval, ChangeSignature, Channel, Status, TicketEvent
from ..workflow import customer_status

register = template.Library()

RANK_CLASSES = {1: "prio-1", 2: "prio-2", 3: "prio-3", 4: "prio-4"}


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value


@register.simple_tag
def status_badge(value: str) -> SafeString:
    return format_html(
        '<span class="badge badge-status status-{}">{}</span>', value, _status_label(value)
    )


@register.simple_tag
def customer_status_badge(value: str) -> SafeString:
    """The status as the customer sees it (`workflow.CUSTOMER_VIEW`)."""
    try:
        shown = customer_status(value)
    except (KeyError, ValueError):
        return status_badge(value)
    return format_html(
        '<span class="badge badge-status customer-status-{}">{}</span>', shown.value, shown.label
    )


@register.simple_tag
def priority_badge(level: Any, rank: int | None = None) -> SafeString:
    """A level's label coloured by its canonical rank (1 = most urgent)."""
    if level is None:
        return format_html('<span class="badge prio-none">{}</span>', "—")
    rank = rank if rank is not None else level.rank
    return format_html(
        '<span class="badge badge-prio {}" title="{}">{}</span>',
        RANK_CLASSES.get(rank, "prio-none"),
        _("rank %(rank)s") % {"rank": rank},
        level.label,
    )


def format_duration(value: dt.timedelta | None) -> str:
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return _("under a minute")
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if mins and not days:
        parts.append(_("%(n)d min") % {"n": mins})
    return " ".join(parts)


register.filter("duration", format_duration)


@register.simple_tag
def event_summary(event: TicketEvent) -> str:
    """One readable line for a timeline event (the kind is shown separately)."""
    kind = TicketEvent.Kind
    if event.kind in (kind.STATUS, kind.REOPENED):
        return f"{_status_label(event.old)} → {_status_label(event.new)}"
    if event.kind == kind.CREATED:
        try:
            channel = Channel(event.new).label
        except ValueError:
            channel = event.new
        return _("via %(channel)s") % {"channel": channel}
    if event.kind == kind.FOLLOWER:
        return f"+ {event.new}" if event.new else f"− {event.old}"
    if event.kind in (kind.CHANGE_SIGNED, kind.CHANGE_REJECTED):
        try:
            role = ChangeSignature.Role(event.old).label
        except ValueError:
            role = event.old
        return _("%(version)s, as %(role)s") % {"version": event.new, "role": role}
    if event.kind == kind.CHANGE_FINISHED:
        try:
            return str(ChangeApproval.Outcome(event.new).label)
        except ValueError:
            return event.new
    if event.kind == kind.HANDED_BACK:
        return _("from %(who)s") % {"who": event.old} if event.old else ""
    if event.old and event.new:
        return f"{event.old} → {event.new}"
    return event.new or event.old


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, label: str) -> SafeString:
    """A column header that toggles `?ordering=` between `key` and `-key`, keeping filters."""
    request = context["request"]
    current = request.GET.get("ordering") or "-created"
    if current == key:
        target, icon = f"-{key}", "bi-caret-up-fill"
    elif current == f"-{key}":
        target, icon = key, "bi-caret-down-fill"
    else:
        target, icon = key, ""
    params = request.GET.copy()
    params["ordering"] = target
    params.pop("page", None)
    return format_html(
        '<a class="sort-link" href="?{}">{}{}</a>',
        params.urlencode(),
        label,
        format_html(' <i class="bi {}"></i>', icon) if icon else "",
    )
