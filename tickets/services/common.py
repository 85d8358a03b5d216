from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..errors import DomainError, NotAllowed
from ..models import Notification, Status, Ticket, TicketEvent, User
from ..permissions import user_caps
from ..roles import Role
from ..selectors import ticket_visible_to


def lock_ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def assert_mutable(ticket: Ticket) -> None:
    if ticket.status == Status.ARCHIVED:
        raise DomainError(_("Archived tickets are read-only."))


def assert_visible(ticket: Ticket, user: User) -> None:
    """The services check the scope themselves, whatever the caller (PROCESS §1)."""
    caps = user_caps(user)
    if caps.view_all:
        return
    if caps.is_customer:
        visible = ticket.organization_id == user.organization_id
    else:
        visible = ticket_visible_to(user).filter(pk=ticket.pk).exists()
    if not visible:
        raise NotAllowed(_("You are not allowed to do this."))


def require(user: User, cap: str) -> None:
    if not getattr(user_caps(user), cap):
        raise NotAllowed(_("You are not allowed to do this."))


def assert_email_list(value: str, *, field: str) -> None:
    """Each address of a comma- or semicolon-separated list must be valid."""
    for address in value.replace(";", ",").split(","):
        if address.strip():
            try:
                validate_email(address.strip())
            except ValidationError:
                raise DomainError(
                    _("“%(a)s” is not an email address.") % {"a": address.strip()}, field=field
                ) from None


def event_row(
    *,
    ticket: Ticket | None,
    kind: str,
    actor: User | None,
    old: object = "",
    new: object = "",
    reason: str = "",
) -> TicketEvent:
    """An unsaved timeline row, for callers that write several at once with bulk_create."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        old=str(old or "")[:200],
        new=str(new or "")[:200],
        reason=reason,
    )


def log_event(
    *,
    ticket: Ticket | None,
    kind: str,
    actor: User | None,
    old: object = "",
    new: object = "",
    reason: str = "",
) -> TicketEvent:
    row = event_row(ticket=ticket, kind=kind, actor=actor, old=old, new=new, reason=reason)
    row.save()
    return row


def notify_users(
    recipients: Iterable[User | int | None],
    *,
    ticket: Ticket | None,
    kind: str,
    title: str,
    body: str = "",
) -> None:
    ids = {r.pk if isinstance(r, User) else r for r in recipients} - {None}
    Notification.objects.bulk_create(
        Notification(
            recipient_id=uid, ticket=ticket, kind=kind, title=title[:200], body=body, email=False
        )
        for uid in sorted(ids)
    )


def supervisors_of(ticket: Ticket) -> list[int]:
    """The team lead of the ticket's team; without one, every supervisor."""
    if ticket.team_id and ticket.team.lead_id:
        return [ticket.team.lead_id]
    return list(
        User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).values_list(
            "pk", flat=True
        )
    )
