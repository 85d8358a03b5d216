"""The one place the lifecycle is enforced (PROCESS §6)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from sla import services as sla_services

from .. import workflow
from ..errors import DomainError, InvalidTransition
from ..mail import hooks as mail_hooks
from ..models import Status, Ticket, TicketEvent, User
from .closure import closure_assert_complete
from .common import assert_mutable, assert_visible, lock_ticket, log_event, require

SEARCHABLE = frozenset({Status.RESOLVED, Status.CLOSED, Status.ARCHIVED})


def apply_transition(*, ticket: Ticket, to: Status, actor: User | None, reason: str = "") -> None:
    """Check and apply a move on a locked ticket; callers own the transaction and the save."""
    src = Status(ticket.status)
    workflow.assert_can_transition(src, to)
    reason = reason.strip()
    if workflow.reason_required(src, to) and not reason:
        raise InvalidTransition(
            src,
            to,
            _("Moving from “%(src)s” to “%(dst)s” needs a reason.")
            % {"src": src.label, "dst": to.label},
        )
    if to in workflow.NEEDS_ASSIGNEE and ticket.assignee_id is None:
        raise InvalidTransition(
            src, to, _("Assign the ticket before moving it to “%(dst)s”.") % {"dst": to.label}
        )
    if src == Status.RESOLVED and to == Status.CLOSED:
        closure_assert_complete(ticket)
    now = timezone.now()
    ticket.status = to
    if to == Status.RESOLVED:
        ticket.resolved_at = now
    if to == Status.CLOSED:
        ticket.closed_at = now
    reopened = workflow.is_reopen(src, to)
    if reopened:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket._change_reason = reason
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.REOPENED if reopened else TicketEvent.Kind.STATUS,
        actor=actor,
        old=src.value,
        new=to.value,
        reason=reason,
    )
    sla_services.sla_on_status_change(
        ticket=ticket, old=src.value, new=to.value, at=now, actor=actor
    )
    if reopened:
        sla_services.sla_on_event(ticket=ticket, event="reopened", at=now, actor=actor)
    if reopened or to in SEARCHABLE:
        # The knowledge base indexes solved tickets for search and suggestions (and drops a
        # reopened one) right away, in the task cluster; its schedule catches anything missed.
        ticket_id = ticket.pk
        transaction.on_commit(
            lambda: async_task("knowledge.tasks.index_ticket", ticket_id, group="knowledge")
        )
    mail_hooks.on_status_changed(ticket, src.value, to.value, reason, now)


@transaction.atomic
def ticket_transition(*, ticket_id: int, actor: User, to: str, reason: str = "") -> Ticket:
    """Change status through the generic action; dispatch, hand-back and archive have their own."""
    require(actor, "work")
    try:
        target = Status(to)
    except ValueError:
        raise DomainError(_("Unknown status “%(s)s”.") % {"s": to}, field="to") from None
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if target in workflow.ACTION_ONLY_TARGETS:
        raise InvalidTransition(
            ticket.status,
            target,
            _("“%(dst)s” is reached through its own action (assign, hand back or archive).")
            % {"dst": target.label},
        )
    apply_transition(ticket=ticket, to=target, actor=actor, reason=reason)
    ticket.save()
    return ticket
