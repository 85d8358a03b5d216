"""Diagnosis and resolution writes (PROCESS §7, §8): tier escalation requests, temporary
workarounds, expert consultations (and the stall proposal job), solution plans and reviews.

Each action locks the ticket first, checks scope and role, writes, sends the SLA event and
notifies in-app in the same transaction. Rules that need no database live in
`tickets.resolution_rules`.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import calendar as pure
from sla import services as sla_services
from sla.models import Calendar

from .. import resolution_rules as rules
from ..errors import Conflict, DomainError, NotAllowed
from ..models import (
    Consultation,
    ConsultationParticipant,
    ConsultationProposal,
    EscalationRequest,
    Message,
    MessageKind,
    PlanReview,
    SolutionPlan,
    Status,
    Ticket,
    TicketEvent,
    User,
    Workaround,
)
from ..permissions import user_caps
from .common import assert_mutable, assert_visible, lock_ticket, require
from .common import notify_users as _notify
from .common import supervisors_of as _supervisors_of

# Statuses in which diagnosis is expected to progress (a stall there proposes a consultation).
DIAGNOSIS_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)


def _text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _open_ticket(ticket_id: int, actor: User) -> Ticket:
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if not ticket.is_open:
        raise Conflict(_("The ticket is closed."))
    return ticket


# --- tier escalation (升级申请) ------------------------------------------------------------


@transaction.atomic
def escalation_request(
    *, ticket_id: int, actor: User, problem: str, tried: str, resources: str
) -> EscalationRequest:
    """L1 asks L2 for help; starts the 1-hour escalation-response clock."""
    require(actor, "work")
    ticket = _open_ticket(ticket_id, actor)
    if EscalationRequest.objects.filter(
        ticket=ticket, state=EscalationRequest.State.PENDING
    ).exists():
        raise Conflict(_("An escalation request of this ticket is already awaiting an answer."))
    request = EscalationRequest.objects.create(
        ticket=ticket,
        requested_by=actor,
        problem=_text(problem, field="problem", message=_("Describe the problem.")),
        tried=_text(tried, field="tried", message=_("Say what was already tried.")),
        resources=_text(resources, field="resources", message=_("Say what resources are needed.")),
    )
    sla_services.sla_on_event(
        ticket=ticket, event="escalation_requested", at=request.requested_at, actor=actor
    )
    _notify(
        _supervisors_of(ticket),
        ticket=ticket,
        kind="escalation_requested",
        title=_("Escalation requested on %(number)s") % {"number": ticket.number},
        body=request.problem,
    )
    return request


@transaction.atomic
def escalation_answer(
    *, escalation_id: int, actor: User, accept: bool, reason: str = ""
) -> EscalationRequest:
    """A supervisor or an expert accepts or declines (a decline needs the reason)."""
    if not user_caps(actor).answer_escalation:
        raise NotAllowed(_("Only a supervisor or an expert may answer escalation requests."))
    ticket_id = EscalationRequest.objects.values_list("ticket_id", flat=True).get(pk=escalation_id)
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    request = EscalationRequest.objects.select_for_update().get(pk=escalation_id)
    if request.state != EscalationRequest.State.PENDING:
        raise Conflict(_("This escalation request has already been answered."))
    if request.requested_by_id == actor.pk:
        raise DomainError(_("You cannot answer your own escalation request."))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(_("Give the reason for declining."), field="reason")
    request.state = EscalationRequest.State.ACCEPTED if accept else EscalationRequest.State.DECLINED
    request.answered_by, request.answered_at, request.answer_reason = actor, timezone.now(), reason
    request.save()
    sla_services.sla_on_event(
        ticket=ticket, event="escalation_answered", at=request.answered_at, actor=actor
    )
    _notify(
        [request.requested_by_id],
        ticket=ticket,
        kind="escalation_answered",
        title=_("Escalation on %(number)s: %(state)s")
        % {"number": ticket.number, "state": request.get_state_display()},
        body=reason,
    )
    return request


# --- temporary workarounds (临时解决方案) -----------------------------------------------------


@transaction.atomic
def workaround_add(*, ticket_id: int, actor: User, text: str) -> Workaround:
    require(actor, "work")
    ticket = _open_ticket(ticket_id, actor)
    return Workaround.objects.create(
        ticket=ticket,
        created_by=actor,
        text=_text(text, field="text", message=_("Describe the workaround.")),
    )


@transaction.atomic
def workaround_remove(*, workaround_id: int, actor: User, note: str = "") -> Workaround:
    require(actor, "work")
    ticket_id = Workaround.objects.values_list("ticket_id", flat=True).get(pk=workaround_id)
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    workaround = Workaround.objects.select_for_update().get(pk=workaround_id)
    if not workaround.in_place:
        raise Conflict(_("This workaround has already been removed."))
    workaround.removed_by, workaround.removed_at = actor, timezone.now()
    workaround.removal_note = (note or "").strip()
    workaround.save()
    return workaround


# --- expert consultation (专家会诊) -------------------------------------------------------------


def _stalled_candidates(now: dt.datetime) -> list[dict[str, Any]]:
    """Tickets in diagnosis whose last progress (a work-log entry, one of our public replies or
    a status change) is at least 2 wall-clock hours old and not yet proposed for: one query.
    Business time never exceeds wall time, so this only narrows what the calendar then checks."""
    progress = Message.objects.filter(ticket=OuterRef("pk")).filter(
        Q(kind=MessageKind.WORKLOG) | Q(kind=MessageKind.REPLY, author__organization__isnull=True)
    )
    status_changes = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind__in=(TicketEvent.Kind.STATUS, TicketEvent.Kind.REOPENED)
    )
    since = Greatest(
        F("created_at"),
        Coalesce(
            Subquery(progress.order_by("-created_at").values("created_at")[:1]), F("created_at")
        ),
        Coalesce(
            Subquery(status_changes.order_by("-created_at").values("created_at")[:1]),
            F("created_at"),
        ),
    )
    proposed = ConsultationProposal.objects.filter(
        ticket=OuterRef("pk"), stalled_since=OuterRef("since")
    )
    open_consultation = Consultation.objects.filter(
        ticket=OuterRef("pk"), state=Consultation.State.OPEN
    )
    return list(
        Ticket.objects.filter(status__in=DIAGNOSIS_STATUSES, sla__isnull=False)
        .annotate(since=since, calendar_id=KeyTextTransform("calendar_id", "sla__snapshot"))
        .filter(since__lte=now - dt.timedelta(minutes=rules.STALL_MINUTES))
        .exclude(Exists(proposed))
        .exclude(Exists(open_consultation))
        .values("pk", "since", "calendar_id")
    )


def consultation_propose_stalled(*, now: dt.datetime | None = None) -> int:
    """Propose a consultation to the supervisor of every ticket without progress for 2 business
    hours of its SLA calendar; exactly once per stall (a row unique per ticket and stall start,
    notified by a conditional claim). Returns how many proposals were notified."""
    now = now or timezone.now()
    rows = _stalled_candidates(now)
    calendars: dict[int, pure.BusinessCalendar] = {}
    for row in Calendar.objects.filter(pk__in={int(r["calendar_id"]) for r in rows}):
        calendars[row.pk] = sla_services.calendar_for(row)
    stalled = [
        ConsultationProposal(ticket_id=r["pk"], stalled_since=r["since"], proposed_at=now)
        for r in rows
        if int(r["calendar_id"]) in calendars
        and pure.business_minutes_between(r["since"], now, calendars[int(r["calendar_id"])])
        >= rules.STALL_MINUTES
    ]
    ConsultationProposal.objects.bulk_create(stalled, ignore_conflicts=True)
    with transaction.atomic():
        due = list(
            ConsultationProposal.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(notified_at__isnull=True)
            .select_related("ticket__team")
        )
        # The rows are locked: this conditional claim cannot lose to another run.
        ConsultationProposal.objects.filter(
            pk__in=[p.pk for p in due], notified_at__isnull=True
        ).update(notified_at=now)
        supervisors: list[int] | None = None
        for proposal in due:
            ticket = proposal.ticket
            if ticket.team_id and ticket.team.lead_id:
                recipients = [ticket.team.lead_id]
            else:
                if supervisors is None:
                    supervisors = _supervisors_of(ticket)
                recipients = supervisors
            _notify(
                recipients,
                ticket=ticket,
                kind="consultation_proposed",
                title=_("No progress on %(number)s for 2 business hours: convene a consultation?")
                % {"number": ticket.number},
                body=ticket.title,
            )
    return len(due)


@transaction.atomic
def consultation_convene(
    *,
    ticket_id: int,
    actor: User,
    kind: str,
    topic: str,
    participants: Sequence[tuple[User, str]],
    proposal_id: int | None = None,
) -> Consultation:
    """A supervisor convenes experts of several disciplines; they are notified in-app."""
    if not user_caps(actor).convene:
        raise NotAllowed(_("Only a supervisor may convene a consultation."))
    ticket = _open_ticket(ticket_id, actor)
    if kind not in Consultation.Kind.values:
        raise DomainError(_("Unknown consultation kind."), field="kind")
    users: dict[int, str] = {}
    for user, discipline in participants:
        if user.organization_id is not None or not user.is_active:
            raise DomainError(
                _("%(user)s cannot take part in a consultation.") % {"user": user},
                field="participants",
            )
        if user.pk in users:
            raise DomainError(_("%(user)s is listed twice.") % {"user": user}, field="participants")
        users[user.pk] = discipline
    rules.assert_disciplines(kind, users.values())
    proposal = None
    if proposal_id is not None:
        proposal = (
            ConsultationProposal.objects.select_for_update()
            .filter(ticket=ticket)
            .get(pk=proposal_id)
        )
        if proposal.state != ConsultationProposal.State.OPEN:
            raise Conflict(_("This proposal has already been convened."))
        proposal.state = ConsultationProposal.State.CONVENED
        proposal.save(update_fields=["state"])
    consultation = Consultation.objects.create(
        ticket=ticket,
        proposal=proposal,
        kind=kind,
        topic=_text(topic, field="topic", message=_("Say what the experts should look at.")),
        convened_by=actor,
    )
    ConsultationParticipant.objects.bulk_create(
        ConsultationParticipant(consultation=consultation, user_id=uid, discipline=discipline)
        for uid, discipline in users.items()
    )
    # Participants follow the ticket, so that each of them can read it and record findings.
    ticket.followers.add(*users)
    _notify(
        users,
        ticket=ticket,
        kind="consultation_invited",
        title=_("You are invited to a consultation on %(number)s") % {"number": ticket.number},
        body=consultation.topic,
    )
    return consultation


@transaction.atomic
def consultation_conclude(
    *, consultation_id: int, actor: User, findings: str, conclusion: str
) -> Consultation:
    """Record the findings and the conclusion: by the convener, a participant or a supervisor."""
    require(actor, "work")
    ticket_id = Consultation.objects.values_list("ticket_id", flat=True).get(pk=consultation_id)
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
    is_participant = consultation.participants.filter(user=actor).exists()
    if not (user_caps(actor).convene or is_participant or consultation.convened_by_id == actor.pk):
        raise NotAllowed(_("Only the participants or a supervisor may record the conclusion."))
    if consultation.state != Consultation.State.OPEN:
        raise Conflict(_("This consultation is already concluded."))
    consultation.findings = _text(findings, field="findings", message=_("Record the findings."))
    consultation.conclusion = _text(
        conclusion, field="conclusion", message=_("Record the conclusion.")
    )
    consultation.state = Consultation.State.CONCLUDED
    consultation.concluded_by, consultation.concluded_at = actor, timezone.now()
    consultation.save()
    _notify(
        [*consultation.participants.values_list("user_id", flat=True), consultation.convened_by_id],
        ticket=ticket,
        kind="consultation_concluded",
        title=_("Consultation on %(number)s concluded") % {"number": ticket.number},
        body=consultation.conclusion,
    )
    return consultation


# --- solution plans (解决方案) -----------------------------------------------------------------


def _plan_fields(
    *, root_cause: str, steps: object, verification: str, rollback: str
) -> dict[str, Any]:
    return {
        "root_cause": _text(root_cause, field="root_cause", message=_("State the root cause.")),
        "steps": rules.clean_steps(steps),
        "verification": _text(
            verification, field="verification", message=_("State the verification standard.")
        ),
        "rollback": _text(rollback, field="rollback", message=_("Describe the rollback plan.")),
    }


def _locked_plan(plan_id: int, actor: User) -> tuple[Ticket, SolutionPlan]:
    ticket_id = SolutionPlan.objects.values_list("ticket_id", flat=True).get(pk=plan_id)
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    return ticket, SolutionPlan.objects.select_for_update().get(pk=plan_id)


@transaction.atomic
def plan_create(
    *, ticket_id: int, actor: User, root_cause: str, steps: object, verification: str, rollback: str
) -> SolutionPlan:
    """The assignee drafts a plan; a ticket has at most one plan under way."""
    require(actor, "work")
    ticket = _open_ticket(ticket_id, actor)
    if ticket.assignee_id != actor.pk:
        raise NotAllowed(_("Only the ticket's assignee drafts its solution plan."))
    if ticket.plans.exclude(state=SolutionPlan.State.APPROVED).exists():
        raise Conflict(_("This ticket already has a plan under way: revise that one."))
    fields = _plan_fields(
        root_cause=root_cause, steps=steps, verification=verification, rollback=rollback
    )
    return SolutionPlan.objects.create(ticket=ticket, author=actor, **fields)


@transaction.atomic
def plan_update(
    *, plan_id: int, actor: User, root_cause: str, steps: object, verification: str, rollback: str
) -> SolutionPlan:
    """The author revises a draft or a rejected plan; a submitted or approved one is frozen."""
    require(actor, "work")
    _ticket, plan = _locked_plan(plan_id, actor)
    if plan.author_id != actor.pk:
        raise NotAllowed(_("Only the author may revise this plan."))
    if not plan.editable:
        raise Conflict(_("A plan submitted for review or approved cannot be edited."))
    fields = _plan_fields(
        root_cause=root_cause, steps=steps, verification=verification, rollback=rollback
    )
    for name, value in fields.items():
        setattr(plan, name, value)
    plan._change_reason = _("revised")
    plan.save()
    return plan


@transaction.atomic
def plan_submit(*, plan_id: int, actor: User) -> SolutionPlan:
    """Submit (or resubmit) for review: a new round; stops the plan-submission clock."""
    require(actor, "work")
    ticket, plan = _locked_plan(plan_id, actor)
    if plan.author_id != actor.pk:
        raise NotAllowed(_("Only the author may submit this plan."))
    if not plan.editable:
        raise Conflict(_("Only a draft or a rejected plan can be submitted."))
    now = timezone.now()
    plan.state = SolutionPlan.State.SUBMITTED
    plan.round += 1
    plan.required_approvals = rules.required_approvals(ticket.priority_rank)
    plan.submitted_at = now
    plan._change_reason = _("submitted")
    plan.save()
    sla_services.sla_on_event(ticket=ticket, event="plan_submitted", at=now, actor=actor)
    _notify(
        _supervisors_of(ticket),
        ticket=ticket,
        kind="plan_submitted",
        title=_("Solution plan of %(number)s awaits review") % {"number": ticket.number},
    )
    return plan


@transaction.atomic
def plan_review(*, plan_id: int, actor: User, approve: bool, comment: str = "") -> SolutionPlan:
    """A supervisor approves or rejects (with comments) the submitted version. High and urgent
    levels need two distinct approvals, neither by the author."""
    ticket, plan = _locked_plan(plan_id, actor)
    reviewed = set(plan.reviews.filter(round=plan.round).values_list("reviewer_id", flat=True))
    rules.assert_may_review(
        state=plan.state,
        author_id=plan.author_id,
        reviewer_id=actor.pk,
        may_review=user_caps(actor).review_plan,
        reviewed_this_round=reviewed,
    )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise DomainError(_("Say what has to change."), field="comment")
    now = timezone.now()
    version = plan.history.order_by("-history_id").values_list("history_id", flat=True).first()
    PlanReview.objects.create(
        plan=plan,
        round=plan.round,
        reviewer=actor,
        decision=PlanReview.Decision.APPROVE if approve else PlanReview.Decision.REJECT,
        comment=comment,
        version=version or 0,
        created_at=now,
    )
    if not approve:
        plan.state = SolutionPlan.State.REJECTED
        plan._change_reason = _("rejected")
        plan.save()
    else:
        approvers = plan.reviews.filter(
            round=plan.round, decision=PlanReview.Decision.APPROVE
        ).values_list("reviewer_id", flat=True)
        if rules.approvals_complete(
            approvers, author_id=plan.author_id, required=plan.required_approvals
        ):
            plan.state, plan.approved_at = SolutionPlan.State.APPROVED, now
            plan._change_reason = _("approved")
            plan.save()
    _notify(
        [plan.author_id],
        ticket=ticket,
        kind="plan_reviewed",
        title=_("Your plan for %(number)s: %(state)s")
        % {"number": ticket.number, "state": plan.get_state_display()},
        body=comment,
    )
    return plan
