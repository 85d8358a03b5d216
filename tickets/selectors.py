"""Every read used by the UI and the API. Each ticket queryset starts from `ticket_visible_to`."""

import itertools
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import (
    Assignment,
    Attachment,
    Category,
    Message,
    MessageKind,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    User,
)
from .permissions import user_caps
from .workflow import OPEN_STATUSES

LIST_RELATED = ("organization", "category__parent", "priority", "team", "assignee")


def ticket_visible_to(user: User) -> QuerySet[Ticket]:
    """The one scope: customers see their organization's tickets; our people what their role
    allows (the service desk, supervisors and managers everything; engineers their teams',
    their own and the ones they follow)."""
    caps = user_caps(user)
    qs = Ticket.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if caps.is_customer:
        return qs.filter(organization_id=user.organization_id)
    if caps.view_all:
        return qs
    if not caps.work:
        return qs.none()
    team_ids = TeamMembership.objects.filter(user=user).values("team_id")
    followed = Ticket.followers.through.objects.filter(user_id=user.pk).values("ticket_id")
    return qs.filter(Q(team_id__in=team_ids) | Q(assignee_id=user.pk) | Q(pk__in=followed))


QUEUES = ("mine", "team", "unassigned", "open", "all")


def ticket_queue(*, user: User, queue: str) -> QuerySet[Ticket]:
    qs = ticket_visible_to(user)
    if queue == "mine":
        return qs.filter(assignee_id=user.pk, status__in=OPEN_STATUSES)
    if queue == "team":
        team_ids = TeamMembership.objects.filter(user=user).values("team_id")
        return qs.filter(team_id__in=team_ids, status__in=OPEN_STATUSES)
    if queue == "unassigned":
        return qs.filter(assignee__isnull=True).exclude(status__in=("closed", "archived"))
    if queue == "open":
        return qs.filter(status__in=OPEN_STATUSES)
    return qs


def ticket_list(*, user: User, queue: str = "all") -> QuerySet[Ticket]:
    return ticket_queue(user=user, queue=queue).select_related(*LIST_RELATED)


def ticket_get_for_user(*, user: User, number: str, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it, else 404 (never 403: existence is not disclosed)."""
    qs = ticket_visible_to(user).select_related(
        *LIST_RELATED, "contact", "product_line", "suggested_category__parent", "created_by"
    )
    try:
        return qs.get(number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def message_list(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    qs = Message.objects.filter(ticket=ticket).select_related("author")
    if not user_caps(user).view_internal:
        qs = qs.filter(kind=MessageKind.REPLY)
    return qs


def attachment_list(*, user: User, ticket: Ticket) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(ticket=ticket).select_related("uploaded_by", "ticket")
    if not user_caps(user).view_internal:
        qs = qs.filter(internal=False)
    return qs


def attachment_get_for_user(*, user: User, pk: int) -> Attachment:
    qs = Attachment.objects.filter(ticket__in=ticket_visible_to(user)).select_related("ticket")
    if not user_caps(user).view_internal:
        qs = qs.filter(internal=False)
    try:
        return qs.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


# Timeline entries a customer may see; the rest (dispatch, hand-back reasons, internal
# attachments, followers, classification) are our internal work.
PUBLIC_EVENT_KINDS = (TicketEvent.Kind.CREATED, TicketEvent.Kind.STATUS, TicketEvent.Kind.REOPENED)


def event_list(*, ticket: Ticket, user: User | None = None) -> QuerySet[TicketEvent]:
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if user is not None and not user_caps(user).view_internal:
        qs = qs.filter(kind__in=PUBLIC_EVENT_KINDS)
    return qs


def assignment_list(*, ticket: Ticket) -> QuerySet[Assignment]:
    return Assignment.objects.filter(ticket=ticket).select_related(
        "assignee", "previous_assignee", "actor", "team"
    )


def ticket_history(*, ticket: Ticket, limit: int = 50) -> list[dict[str, Any]]:
    """Field-level changes from django-simple-history, newest first."""
    records = list(
        ticket.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    rows: list[dict[str, Any]] = []
    for newer, older in itertools.pairwise(records):
        delta = newer.diff_against(older, excluded_fields=["updated_at"])
        rows.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "reason": newer.history_change_reason or "",
                "changes": [
                    {
                        "name": c.field,
                        "field": Ticket._meta.get_field(c.field).verbose_name,
                        "old": c.old,
                        "new": c.new,
                    }
                    for c in delta.changes
                ],
            }
        )
    if len(records) <= limit and records:
        first = records[-1]
        rows.append(
            {
                "when": first.history_date,
                "who": first.history_user,
                "reason": first.history_change_reason or "",
                "changes": [],
            }
        )
    return rows


def category_tree() -> list[Category]:
    """Main categories with their active children prefetched (two queries)."""
    from django.db.models import Prefetch

    return list(
        Category.objects.filter(parent__isnull=True, active=True).prefetch_related(
            Prefetch("children", queryset=Category.objects.filter(active=True))
        )
    )


def assignable_users(*, team: Team | None = None) -> QuerySet[User]:
    """Our people who may work on tickets, optionally limited to a team."""
    qs = User.objects.filter(is_active=True, organization__isnull=True).filter(
        Q(groups__permissions__codename="work_on_ticket") | Q(is_superuser=True)
    )
    if team is not None:
        qs = qs.filter(memberships__team=team)
    return qs.distinct().order_by("username")


def open_load_by_user(user_ids: list[int]) -> dict[int, int]:
    # Written as "not closed" so PostgreSQL can use the partial index tkt_open_assignee.
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids)
        .exclude(status__in=("closed", "archived"))
        .values("assignee_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {r["assignee_id"]: r["n"] for r in rows}
