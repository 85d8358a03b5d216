from django.utils.translation import gettext as _

from ..errors import DomainError, NotAllowed
from ..models import Status, Ticket, TicketEvent, User
from ..permissions import user_caps


def lock_ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def assert_mutable(ticket: Ticket) -> None:
    if ticket.status == Status.ARCHIVED:
        raise DomainError(_("Archived tickets are read-only."))


def require(user: User, cap: str) -> None:
    if not getattr(user_caps(user), cap):
        raise NotAllowed(_("You are not allowed to do this."))


def log_event(
    *,
    ticket: Ticket,
    kind: str,
    actor: User | None,
    old: object = "",
    new: object = "",
    reason: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        old=str(old or "")[:200],
        new=str(new or "")[:200],
        reason=reason,
    )
