"""Verification and closure (PROCESS §12).

The engineer self-tests against the plan's verification standard; only then is the customer
asked to verify (portal or a signed, expiring email link). "Solved" keeps the ticket resolved,
marks it verified and starts the close-after-verification clock (SLA event `verified`); "not
solved" reopens it as a counted second round. Closing a resolved ticket requires a closure
record for the current round: `closure_assert_complete` is called by `apply_transition`, the one
place the lifecycle is enforced, so every path to CLOSED (UI, API, queue) is checked.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services

from ..errors import DomainError, InvalidTransition
from ..models import (
    ClosureRecord,
    SelfTest,
    SolutionPlan,
    Status,
    Ticket,
    TicketEvent,
    User,
    Verification,
)
from ..permissions import user_caps
from .common import assert_mutable, assert_visible, lock_ticket, log_event, require

SALT = "tickets.verification"
LINK_MAX_AGE_DAYS = 14


class VerificationLinkError(DomainError):
    """A verification link that cannot be used; `status` is the HTTP status of the page."""

    def __init__(self, message: str, *, status: int, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def selftest_passed(ticket: Ticket) -> bool:
    latest = ticket.self_tests.filter(round=ticket.reopen_count).order_by("-created_at", "-id")
    row = latest.first()
    return bool(row and row.passed)


def verification_for_round(ticket: Ticket) -> Verification | None:
    return ticket.verifications.filter(round=ticket.reopen_count).first()


def awaiting_verification(ticket: Ticket) -> bool:
    """Resolved, self-tested and not yet verified by the customer in this round."""
    return (
        ticket.status == Status.RESOLVED
        and selftest_passed(ticket)
        and verification_for_round(ticket) is None
    )


# --- self-test --------------------------------------------------------------------------


@transaction.atomic
def selftest_record(*, ticket_id: int, actor: User, passed: bool, notes: str) -> SelfTest:
    """Record the engineer's self-test of this round against the latest approved plan's
    verification standard; a passed one on a resolved ticket asks the customer to verify."""
    require(actor, "work")
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if ticket.status not in (Status.IN_PROGRESS, Status.TESTING, Status.RESOLVED):
        raise DomainError(_("Only a ticket being worked on or resolved can be self-tested."))
    notes = notes.strip()
    if not notes:
        raise DomainError(_("Describe what was tested and the result."), field="notes")
    plan = ticket.plans.filter(state=SolutionPlan.State.APPROVED).first()
    row = SelfTest.objects.create(
        ticket=ticket,
        plan=plan,
        round=ticket.reopen_count,
        passed=passed,
        notes=notes,
        author=actor,
    )
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.SELF_TESTED,
        actor=actor,
        new="passed" if passed else "failed",
        reason=notes,
    )
    if passed and ticket.status == Status.RESOLVED:
        verification_request(ticket)
    return row


def verification_request(ticket: Ticket) -> None:
    """Mail the contacts a signed link to verify this round (once per round)."""
    from ..mail.hooks import customer_recipients
    from ..mail.outbound import email_queue

    email_queue(
        event_key=f"ticket:{ticket.pk}:verify-request:{ticket.reopen_count}",
        template="ticket_verification",
        recipients=customer_recipients(ticket),
        ticket=ticket,
        context={
            "resolved_at": (ticket.resolved_at or timezone.now()).isoformat(),
            "verify_url": verification_url(ticket),
        },
    )


# --- signed link ------------------------------------------------------------------------


def verification_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "r": ticket.reopen_count}, salt=SALT)


def verification_url(ticket: Ticket) -> str:
    path = reverse(
        "portal:verify_link", kwargs={"number": ticket.number, "token": verification_token(ticket)}
    )
    return f"{settings.SITE_URL}{path}"


def ticket_from_verification_token(*, number: str, token: str) -> Ticket:
    """The ticket a link may still verify, or a VerificationLinkError saying why not."""
    invalid = _("This verification link is not valid. Please use the link from the email exactly.")
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        raise VerificationLinkError(
            _("This verification link has expired. Please verify on the customer portal."),
            status=410,
            reason="expired",
        ) from None
    except signing.BadSignature:
        raise VerificationLinkError(invalid, status=400, reason="invalid") from None
    if not isinstance(data, dict) or not {"t", "r"} <= data.keys():
        raise VerificationLinkError(invalid, status=400, reason="invalid")
    ticket = Ticket.objects.filter(pk=data["t"]).first()
    if ticket is None or ticket.number != number:
        raise VerificationLinkError(invalid, status=400, reason="other_ticket")
    if data["r"] != ticket.reopen_count or not awaiting_verification(ticket):
        raise VerificationLinkError(
            _("This ticket is not waiting for your verification any more."),
            status=410,
            reason="used",
        )
    return ticket


# --- customer verification --------------------------------------------------------------


@transaction.atomic
def verification_record(
    *,
    ticket_id: int,
    solved: bool,
    comment: str = "",
    actor: User | None = None,
    token: str = "",
    number: str = "",
) -> Verification:
    """The customer's answer, from the portal (`actor`, a customer of the ticket's organization)
    or a signed link (`token` + `number`, no login)."""
    if actor is None:
        ticket = ticket_from_verification_token(number=number, token=token)
        if ticket.pk != ticket_id:
            raise VerificationLinkError(
                _(
                    "This verification link is not valid. Please use the link from the email exactly."
                ),
                status=400,
                reason="other_ticket",
            )
        via = Verification.Via.LINK
    else:
        if not user_caps(actor).is_customer:
            raise DomainError(_("Only the customer verifies the fix."))
        via = Verification.Via.PORTAL
    ticket = lock_ticket(ticket_id)
    if actor is not None:
        assert_visible(ticket, actor)
    assert_mutable(ticket)
    if ticket.status != Status.RESOLVED:
        raise DomainError(_("Only a resolved ticket can be verified."))
    if not selftest_passed(ticket):
        raise DomainError(_("The engineer has not yet self-tested the fix."))
    if verification_for_round(ticket) is not None:
        raise VerificationLinkError(
            _("This ticket is not waiting for your verification any more."),
            status=410,
            reason="used",
        )
    comment = comment.strip()
    if not solved and not comment:
        raise DomainError(_("Tell us what is still not working."), field="comment")
    row = Verification.objects.create(
        ticket=ticket,
        round=ticket.reopen_count,
        outcome=Verification.Outcome.SOLVED if solved else Verification.Outcome.NOT_SOLVED,
        comment=comment,
        via=via,
        user=actor,
    )
    if solved:
        log_event(
            ticket=ticket,
            kind=TicketEvent.Kind.VERIFIED,
            actor=actor,
            new=Verification.Outcome.SOLVED.value,
            reason=comment,
        )
        sla_services.sla_on_event(ticket=ticket, event="verified", at=row.created_at, actor=actor)
        ticket.save()
    else:
        from .transitions import apply_transition

        apply_transition(
            ticket=ticket,
            to=Status.IN_PROGRESS,
            actor=actor,
            reason=_("Customer verification: not solved. %(comment)s") % {"comment": comment},
        )
        ticket.save()
    return row


# --- closure ----------------------------------------------------------------------------


def closure_assert_complete(ticket: Ticket) -> None:
    """Closing a resolved ticket needs this round's closure record with the process summary,
    the solution, the people involved and an article created/updated or a no-article reason."""
    from knowledge.models import Relation, TicketArticle

    record = ticket.closures.filter(round=ticket.reopen_count).first()
    src, dst = Status.RESOLVED, Status.CLOSED
    if record is None or not record.summary.strip() or not record.solution.strip():
        raise InvalidTransition(
            src, dst, _("Closing needs the closure record: the process summary and the solution.")
        )
    if not record.people.exists():
        raise InvalidTransition(src, dst, _("Closing needs the people involved."))
    has_article = TicketArticle.objects.filter(
        ticket=ticket, relation__in=[Relation.CREATED, Relation.UPDATED]
    ).exists()
    if not has_article and not record.no_article_reason.strip():
        raise InvalidTransition(
            src,
            dst,
            _(
                "Closing needs the knowledge article created or updated, "
                "or a reason why there is none."
            ),
        )


@transaction.atomic
def closure_record(
    *,
    ticket_id: int,
    actor: User,
    summary: str,
    solution: str,
    people: Iterable[int],
    articles: Iterable[tuple[int, str]] = (),
    no_article_reason: str = "",
) -> ClosureRecord:
    """Write (or rewrite, before closing) this round's closure record and link the articles
    (`(article_id, "created" | "updated")`) through the knowledge base's link service."""
    from knowledge.services import ticket_article_link

    require(actor, "work")
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if ticket.status != Status.RESOLVED:
        raise DomainError(_("Only a resolved ticket gets a closure record."))
    summary, solution = summary.strip(), solution.strip()
    if not summary:
        raise DomainError(_("Summarise how the ticket was handled."), field="summary")
    if not solution:
        raise DomainError(_("Describe the solution."), field="solution")
    people_ids = sorted({int(p) for p in people})
    users = list(User.objects.filter(pk__in=people_ids, is_active=True, organization__isnull=True))
    if not users or len(users) != len(people_ids):
        raise DomainError(_("Choose the staff members involved."), field="people")
    articles = list(articles)
    for article_id, relation in articles:
        if relation not in ("created", "updated"):
            raise DomainError(_("An article is either created or updated."), field="articles")
        ticket_article_link(
            ticket_id=ticket.pk, article_id=int(article_id), relation=relation, actor=actor
        )
    record, _created = ClosureRecord.objects.update_or_create(
        ticket=ticket,
        round=ticket.reopen_count,
        defaults={
            "summary": summary,
            "solution": solution,
            "no_article_reason": no_article_reason.strip(),
            "author": actor,
        },
    )
    record.people.set(users)
    return record


@transaction.atomic
def ticket_close(
    *,
    ticket_id: int,
    actor: User,
    summary: str,
    solution: str,
    people: Iterable[int],
    articles: Iterable[tuple[int, str]] = (),
    no_article_reason: str = "",
) -> Ticket:
    """Record the closure and close the resolved ticket, all or nothing."""
    from .transitions import ticket_transition

    closure_record(
        ticket_id=ticket_id,
        actor=actor,
        summary=summary,
        solution=solution,
        people=people,
        articles=articles,
        no_article_reason=no_article_reason,
    )
    return ticket_transition(ticket_id=ticket_id, actor=actor, to=Status.CLOSED)
