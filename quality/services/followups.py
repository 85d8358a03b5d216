"""Dissatisfaction follow-up (二次跟进) and the 48-hour revisit (回访), PROCESS §13."""

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sla.models import ClockState, TicketClock
from sla.services import sla_on_event
from tickets.errors import DomainError, NotAllowed
from tickets.models import Notification, TeamMembership, Ticket, User
from tickets.permissions import user_caps
from tickets.roles import Role
from tickets.selectors import ticket_visible_to

from .. import conf
from ..models import FollowUp, OrganizationPreference, Revisit, SurveyAnswer


def followup_owner(ticket: Ticket) -> User | None:
    """The organization's account manager, else the team lead, else a supervisor of the team."""
    pref = (
        OrganizationPreference.objects.filter(organization_id=ticket.organization_id)
        .select_related("account_manager")
        .first()
    )
    if pref and pref.account_manager and pref.account_manager.is_active:
        return pref.account_manager
    team = ticket.team
    if team is not None:
        if team.lead_id and team.lead.is_active:
            return team.lead
        membership = (
            TeamMembership.objects.filter(
                team=team, user__groups__name=Role.SUPERVISOR, user__is_active=True
            )
            .select_related("user")
            .order_by("user_id")
            .first()
        )
        if membership:
            return membership.user
    return None


def _notify(users: list[User], *, ticket: Ticket, kind: str, title: str, body: str) -> list[int]:
    """In-app notifications (emailed by the SLA notification task once the transaction commits)."""
    ids = []
    for user in {u.pk: u for u in users if u and u.is_active}.values():
        with translation.override(user.language or None):
            note = Notification.objects.create(
                recipient=user, ticket=ticket, kind=kind, title=str(title)[:200], body=str(body)
            )
        ids.append(note.pk)
    if ids:
        transaction.on_commit(lambda: _queue_notification_emails(ids))
    return ids


def _queue_notification_emails(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task("sla.tasks.send_notification_emails", ids)


def followup_open(*, answer: SurveyAnswer, at: dt.datetime) -> FollowUp:
    """Open the follow-up of a dissatisfied answer (inside the answer's transaction)."""
    ticket = answer.ticket
    owner = followup_owner(ticket)
    sla_on_event(ticket=ticket, event="dissatisfied", at=at)
    clock = (
        TicketClock.objects.filter(ticket=ticket, kind="followup", state=ClockState.RUNNING)
        .order_by("-round")
        .first()
    )
    due = clock.due_at if clock else at + dt.timedelta(hours=conf.get("QUALITY_FOLLOWUP_HOURS"))
    followup = FollowUp.objects.create(
        ticket=ticket, answer=answer, owner=owner, due_at=due, created_at=at
    )
    recipients = [owner] if owner else []
    if ticket.team_id and ticket.team.lead_id:
        recipients.append(ticket.team.lead)
    scores = f"{answer.resolution_score}/{answer.attitude_score}/{answer.speed_score}"
    for user in {u.pk: u for u in recipients}.values():
        with translation.override(user.language or None):
            title = _("%(number)s: dissatisfied customer (%(scores)s), follow up by %(due)s") % {
                "number": ticket.number,
                "scores": scores,
                "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
            }
            _notify([user], ticket=ticket, kind="dissatisfied", title=title, body=answer.comment)
    title = _("%(number)s: dissatisfied customer (%(scores)s)") % {
        "number": ticket.number,
        "scores": scores,
    }
    from tickets.alerts import alert_raise

    # Recorded in this transaction; the robots are called once it commits.
    alert_raise(kind="dissatisfied", ticket=ticket, title=title, text=answer.comment)
    return followup


def can_handle(user: User, followup: FollowUp) -> bool:
    """The owner, or a supervisor / the service desk (may dispatch) who can see the ticket."""
    if not user.is_authenticated or user_caps(user).is_customer:
        return False
    if followup.owner_id == user.pk:
        return True
    caps = user_caps(user)
    return caps.assign and ticket_visible_to(user).filter(pk=followup.ticket_id).exists()


def _locked_followup(followup_id: int, actor: User) -> FollowUp:
    followup = (
        FollowUp.objects.select_for_update().filter(pk=followup_id).first()
        if actor.is_authenticated
        else None
    )
    if followup is None or not can_handle(actor, followup):
        raise NotAllowed(_("You are not allowed to do this."))
    return followup


def _start(followup: FollowUp, actor: User, now: dt.datetime) -> None:
    followup.status = FollowUp.Status.STARTED
    followup.started_at = now
    followup.started_by = actor
    sla_on_event(ticket=followup.ticket, event="followup_started", at=now, actor=actor)


@transaction.atomic
def followup_start(*, followup_id: int, actor: User) -> FollowUp:
    """Start the follow-up: this stops its 12-hour clock."""
    followup = _locked_followup(followup_id, actor)
    if followup.status != FollowUp.Status.OPEN:
        raise DomainError(_("This follow-up has already been started."))
    _start(followup, actor, timezone.now())
    followup.save(update_fields=["status", "started_at", "started_by"])
    return followup


@transaction.atomic
def followup_close(
    *, followup_id: int, actor: User, cause: str, remedy: str, customer_message: str
) -> FollowUp:
    """Record cause and remedy, tell the customer (closing the loop), schedule the revisit."""
    followup = _locked_followup(followup_id, actor)
    if followup.status == FollowUp.Status.CLOSED:
        raise DomainError(_("This follow-up is already closed."))
    cause, remedy, message = cause.strip(), remedy.strip(), customer_message.strip()
    if not cause:
        raise DomainError(_("Record the cause of the dissatisfaction."), field="cause")
    if not remedy:
        raise DomainError(_("Record the remedy."), field="remedy")
    if not message:
        raise DomainError(_("Write the message to the customer."), field="customer_message")
    now = timezone.now()
    if followup.status == FollowUp.Status.OPEN:
        _start(followup, actor, now)
    followup.status = FollowUp.Status.CLOSED
    followup.cause, followup.remedy, followup.customer_message = cause, remedy, message
    followup.closed_at, followup.closed_by = now, actor
    followup.save()
    revisit = Revisit.objects.create(
        followup=followup,
        ticket=followup.ticket,
        owner=followup.owner or actor,
        created_at=now,
        due_at=now + dt.timedelta(hours=conf.get("QUALITY_REVISIT_HOURS")),
    )
    ticket = followup.ticket
    recipient = _customer_address(ticket)
    if recipient:
        from tickets.mail.outbound import email_queue

        email_queue(
            event_key=f"quality.followup_closed:{followup.pk}",
            template="survey_followup",
            recipients=[recipient],
            ticket=ticket,
            context={
                "message": message,
                "remedy": remedy,
                "revisit_at": timezone.localtime(revisit.due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return followup


def _customer_address(ticket: Ticket) -> User | str | None:
    if ticket.contact_id and ticket.contact.email:
        return ticket.contact
    return ticket.contact_email or None


@transaction.atomic
def revisit_record(
    *, revisit_id: int, actor: User, problem_solved: bool, unmet_needs: str = "", note: str = ""
) -> Revisit:
    """The revisit's outcome: does the problem stay solved, which needs are unmet."""
    revisit = Revisit.objects.select_for_update().select_related("followup").get(pk=revisit_id)
    if not can_handle(actor, revisit.followup) and revisit.owner_id != actor.pk:
        raise NotAllowed(_("You are not allowed to do this."))
    if revisit.done_at is not None:
        raise DomainError(_("This revisit has already been recorded."))
    if not isinstance(problem_solved, bool):
        raise DomainError(_("Say whether the problem stays solved."), field="problem_solved")
    now = timezone.now()
    if now < revisit.due_at:
        raise DomainError(
            _("The revisit is due at %(at)s; it is too early to record it.")
            % {"at": timezone.localtime(revisit.due_at).strftime("%Y-%m-%d %H:%M")}
        )
    revisit.problem_solved = problem_solved
    revisit.unmet_needs = unmet_needs.strip()
    revisit.note = note.strip()
    revisit.done_at, revisit.done_by = now, actor
    revisit.save()
    if not problem_solved:
        ticket = revisit.ticket
        people = [revisit.owner] if revisit.owner else []
        if ticket.team_id and ticket.team.lead_id:
            people.append(ticket.team.lead)
        for user in {u.pk: u for u in people}.values():
            with translation.override(user.language or None):
                title = _("%(number)s: the revisit found the problem is back") % {
                    "number": ticket.number
                }
            _notify([user], ticket=ticket, kind="revisit_failed", title=title, body=revisit.note)
    return revisit


def revisit_remind(*, now: dt.datetime | None = None) -> int:
    """Notify each revisit's owner once when it falls due (claimed by a conditional update)."""
    now = now or timezone.now()
    with transaction.atomic():
        qs = Revisit.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_at__lte=now)
        ids = list(
            qs.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Revisit.objects.filter(pk__in=ids, reminded_at__isnull=True).update(reminded_at=now)
        for revisit in Revisit.objects.filter(pk__in=ids).select_related("ticket", "owner"):
            if revisit.owner is None:
                continue
            with translation.override(revisit.owner.language or None):
                title = _("%(number)s: revisit the customer now") % {
                    "number": revisit.ticket.number
                }
                body = _("Confirm the problem stays solved and ask about unmet needs.")
            _notify(
                [revisit.owner], ticket=revisit.ticket, kind="revisit_due", title=title, body=body
            )
    return len(ids)
