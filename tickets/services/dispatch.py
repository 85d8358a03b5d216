"""Routing, automatic and manual assignment, hand-back (PROCESS §5)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services

from .. import routing, workflow
from ..errors import DomainError, NotAllowed
from ..models import (
    Assignment,
    RequestType,
    RoutingRule,
    SeniorityRule,
    Status,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    User,
)
from ..permissions import user_caps
from ..selectors import open_load_by_user
from .common import assert_mutable, assert_visible, lock_ticket, log_event, require
from .transitions import apply_transition

PRE_DISPATCH = (Status.NEW, Status.WAITING_CUSTOMER)


def route(ticket: Ticket) -> tuple[Team | None, User | None]:
    """Pick the team by the first matching rule, then its least-loaded eligible member."""
    rules = [
        routing.Rule(
            id=r.id,
            team_id=r.team_id,
            category_id=r.category_id,
            product_line_id=r.product_line_id,
            to_product_manager=r.to_product_manager,
        )
        for r in RoutingRule.objects.filter(active=True, team__active=True).order_by(
            "position", "id"
        )
    ]
    category = ticket.category
    rule = routing.match_rule(
        rules,
        category_id=category.pk if category else None,
        parent_category_id=category.parent_id if category else None,
        product_line_id=ticket.product_line_id,
    )
    if rule is None:
        return None, None
    team = Team.objects.get(pk=rule.team_id)
    members = TeamMembership.objects.filter(
        team=team, active=True, user__is_active=True, user__organization__isnull=True
    ).filter(Q(user__groups__permissions__codename="work_on_ticket") | Q(user__is_superuser=True))
    wants_pm = rule.to_product_manager or ticket.request_type == RequestType.REQUIREMENT
    if wants_pm:
        pms = members.filter(user__groups__name="product_manager")
        if pms.exists():
            members = pms
    rows = list(members.values_list("user_id", "seniority").distinct())
    load = open_load_by_user([u for u, _s in rows])
    min_seniority = (
        1
        if wants_pm
        else routing.min_seniority_for(
            ticket.priority_rank, list(SeniorityRule.objects.values_list("rank", "min_seniority"))
        )
    )
    user_id = routing.pick_assignee(
        [routing.Candidate(user_id=u, seniority=s, open_tickets=load.get(u, 0)) for u, s in rows],
        min_seniority=min_seniority,
    )
    return team, User.objects.get(pk=user_id) if user_id else None


def _assign(
    *,
    ticket: Ticket,
    assignee: User | None,
    team: Team | None,
    actor: User | None,
    kind: str,
    reason: str = "",
) -> None:
    previous = ticket.assignee
    if assignee is not None:
        caps = user_caps(assignee)
        if caps.is_customer or not caps.work or not assignee.is_active:
            raise DomainError(
                _("%(user)s cannot work on tickets.") % {"user": assignee}, field="assignee"
            )
    elif ticket.status in workflow.NEEDS_ASSIGNEE:
        raise DomainError(
            _("A ticket in “%(s)s” needs an assignee; choose one (or hand the ticket back).")
            % {"s": Status(ticket.status).label},
            field="assignee",
        )
    if team is None and ticket.team_id is None and assignee is not None:
        # A ticket handed to a person joins that person's team (the first, if several), so
        # team queues and the team lead's escalations include it.
        membership = assignee.memberships.filter(team__active=True).order_by("pk").first()
        team = membership.team if membership else None
    ticket.assignee = assignee
    ticket.team = team if team is not None else ticket.team
    ticket.assigned_at = timezone.now()
    # A first dispatch starts the work; a reassignment keeps the state (waiting for the customer
    # stays waiting, so its SLA pause is not lost).
    if assignee is not None and (
        ticket.status == Status.NEW or (ticket.status in PRE_DISPATCH and previous is None)
    ):
        apply_transition(ticket=ticket, to=Status.ASSIGNED, actor=actor, reason=reason)
    ticket._change_reason = reason
    Assignment.objects.create(
        ticket=ticket,
        kind=kind,
        team=ticket.team,
        assignee=assignee,
        previous_assignee=previous,
        actor=actor,
        reason=reason,
    )
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=actor,
        old=previous or "",
        new=assignee or ticket.team or "",
        reason=reason,
    )
    if assignee is not None:
        sla_services.sla_on_event(ticket=ticket, event="assigned", actor=actor)


def auto_dispatch(*, ticket: Ticket, actor: User | None) -> bool:
    """Route a locked ticket; returns whether an assignee was found."""
    team, assignee = route(ticket)
    if team is None:
        return False
    _assign(
        ticket=ticket,
        assignee=assignee,
        team=team,
        actor=actor,
        kind=Assignment.Kind.AUTO,
        reason=_("routing rule"),
    )
    return assignee is not None


@transaction.atomic
def ticket_assign(
    *,
    ticket_id: int,
    actor: User,
    assignee: User | None = None,
    team: Team | None = None,
    reason: str = "",
) -> Ticket:
    """Manual dispatch or reassignment; with neither assignee nor team, route automatically."""
    require(actor, "assign")
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if not ticket.is_open:
        raise DomainError(_("Closed tickets cannot be reassigned."))
    if assignee is None and team is None:
        if not auto_dispatch(ticket=ticket, actor=actor):
            raise DomainError(_("No routing rule or no eligible engineer matches this ticket."))
    else:
        if assignee is not None and assignee.pk == ticket.assignee_id and team is None:
            raise DomainError(_("The ticket is already assigned to %(u)s.") % {"u": assignee})
        _assign(
            ticket=ticket,
            assignee=assignee,
            team=team,
            actor=actor,
            kind=Assignment.Kind.MANUAL,
            reason=reason,
        )
    ticket.save()
    return ticket


@transaction.atomic
def ticket_hand_back(*, ticket_id: int, actor: User, reason: str) -> Ticket:
    """The assignee cannot take the ticket: back to the desk as new, unassigned, with a reason."""
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if ticket.assignee_id != actor.pk and not user_caps(actor).assign:
        raise NotAllowed(_("Only the assignee or a dispatcher can hand a ticket back."))
    if not reason.strip():
        raise DomainError(_("Say why the ticket is handed back."), field="reason")
    if ticket.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise DomainError(_("Only an assigned ticket can be handed back."))
    previous = ticket.assignee
    apply_transition(ticket=ticket, to=Status.NEW, actor=actor, reason=reason)
    ticket.assignee = None
    ticket.assigned_at = None
    Assignment.objects.create(
        ticket=ticket,
        kind=Assignment.Kind.HANDBACK,
        team=ticket.team,
        assignee=None,
        previous_assignee=previous,
        actor=actor,
        reason=reason,
    )
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.HANDED_BACK,
        actor=actor,
        old=previous or "",
        reason=reason,
    )
    sla_services.sla_on_event(ticket=ticket, event="handed_back", actor=actor)
    ticket.save()
    return ticket
