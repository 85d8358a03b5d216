"""Reads of the quality app; every ticket scope goes through `ticket_visible_to`."""

from django.db.models import Q, QuerySet

from tickets.models import Ticket, User
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to

from .models import FollowUp, Revisit, Survey, SurveyAnswer


def can_see_quality(user: User) -> bool:
    """Survey answers and follow-ups are for our people; customers see only their own form."""
    return user.is_authenticated and not user_caps(user).is_customer


def followup_queue(*, user: User, state: str = "open") -> QuerySet[FollowUp]:
    """The supervisor's queue: their own follow-ups, or every visible one for the desk and
    supervisors (who may dispatch)."""
    qs = FollowUp.objects.select_related(
        "ticket__organization", "owner", "answer", "revisit"
    ).filter(ticket__in=ticket_visible_to(user))
    if not user_caps(user).assign:
        qs = qs.filter(owner=user)
    if state == "open":
        qs = qs.exclude(status=FollowUp.Status.CLOSED)
    elif state == "revisit":
        qs = qs.filter(revisit__isnull=False, revisit__done_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(status=FollowUp.Status.CLOSED)
    return qs.order_by("due_at", "pk") if state != "closed" else qs.order_by("-closed_at")


def followup_get_for_user(*, user: User, pk: int) -> FollowUp | None:
    return (
        FollowUp.objects.select_related("ticket__team", "ticket__organization", "owner", "answer")
        .filter(pk=pk, ticket__in=ticket_visible_to(user))
        .first()
    )


def surveys_for_ticket(*, user: User, ticket: Ticket) -> list[Survey]:
    if not can_see_quality(user):
        return []
    return list(
        Survey.objects.filter(ticket=ticket)
        .select_related("answer__followup__owner", "answer__followup__revisit")
        .order_by("round")
    )


def answers_visible_to(user: User) -> QuerySet[SurveyAnswer]:
    if not can_see_quality(user):
        return SurveyAnswer.objects.none()
    return SurveyAnswer.objects.filter(ticket__in=ticket_visible_to(user)).select_related("ticket")


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    if not can_see_quality(user):
        return Survey.objects.none()
    return Survey.objects.filter(ticket__in=ticket_visible_to(user)).select_related(
        "ticket", "answer"
    )


def followups_visible_to(user: User) -> QuerySet[FollowUp]:
    if not can_see_quality(user):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(ticket__in=ticket_visible_to(user)).select_related(
        "ticket", "owner", "answer", "revisit"
    )


def revisits_due(*, user: User) -> QuerySet[Revisit]:
    return Revisit.objects.filter(
        Q(owner=user) | Q(followup__owner=user), done_at__isnull=True
    ).select_related("ticket")
