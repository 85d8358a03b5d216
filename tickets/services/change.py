"""Change approvals (PROCESS §9): create and edit the form on an approved plan, the double
signature (the customer's responsible person and our supervisor) bound to the version signed
(or a rejection with its reason, which sends the form back for revision),
the execution log inside the change window, and the outcome.

A signature counts only for the version it was given on: an edit bumps `version`, so the earlier
signatures stay in the audit trail but no longer count ("voided"). The customer signs in the
portal or through a signed, expiring email link (django.core.signing, own salt).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import Conflict, DomainError, NotAllowed
from ..mail.outbound import email_queue
from ..models import (
    ChangeApproval,
    ChangeExecutionStep,
    ChangeSignature,
    SolutionPlan,
    Ticket,
    TicketEvent,
    User,
)
from ..permissions import user_caps
from .common import (
    assert_mutable,
    assert_visible,
    lock_ticket,
    log_event,
    notify_users,
    require,
    supervisors_of,
)

LINK_SALT = "tickets.change.sign"
LINK_MAX_AGE = 7 * 24 * 3600  # seconds a signature link stays valid

FORM_FIELDS = (
    "environment",
    "window_start",
    "window_end",
    "backup_what",
    "backup_where",
    "backup_by",
    "backup_at",
    "test_verification",
    "risk",
    "rollback",
)


class ChangeLinkError(DomainError):
    """A signature link that cannot be used; `status` is the HTTP status of the page."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _clean(data: dict, *, now: dt.datetime) -> dict:
    """The form's fields, validated; a DomainError names the first bad field."""
    cleaned = {}
    for name in FORM_FIELDS:
        value = data.get(name)
        cleaned[name] = value.strip() if isinstance(value, str) else value
    if cleaned["environment"] not in ChangeApproval.Environment.values:
        raise DomainError(_("Choose the environment."), field="environment")
    for name in ("window_start", "window_end", "backup_at"):
        if not isinstance(cleaned[name], dt.datetime):
            raise DomainError(_("Enter a date and time."), field=name)
    texts = {
        "backup_what": _("Say what was backed up."),
        "backup_where": _("Say where the backup is kept."),
        "backup_by": _("Say who made the backup."),
        "risk": _("Describe the risk."),
        "rollback": _("Describe the rollback."),
    }
    for name, message in texts.items():
        if not cleaned[name]:
            raise DomainError(message, field=name)
    cleaned["test_verification"] = cleaned["test_verification"] or ""
    if cleaned["window_end"] <= cleaned["window_start"]:
        raise DomainError(_("The window must end after it starts."), field="window_end")
    if cleaned["backup_at"] > now:
        raise DomainError(_("A backup cannot be confirmed in the future."), field="backup_at")
    if (
        cleaned["environment"] == ChangeApproval.Environment.PRODUCTION
        and not cleaned["test_verification"]
    ):
        raise DomainError(
            _("A change to production must first be verified in a test environment."),
            field="test_verification",
        )
    return cleaned


def _locked(approval_id: int, actor: User) -> tuple[Ticket, ChangeApproval]:
    ticket_id = (
        ChangeApproval.objects.filter(pk=approval_id)
        .values_list("plan__ticket_id", flat=True)
        .first()
    )
    if ticket_id is None:
        raise NotAllowed(_("You are not allowed to do this."))
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    approval = ChangeApproval.objects.select_for_update().get(pk=approval_id)
    return ticket, approval


def _assert_worker(ticket: Ticket, actor: User) -> None:
    require(actor, "work")
    if ticket.assignee_id != actor.pk:
        raise NotAllowed(_("Only the engineer working the ticket may do this."))


@transaction.atomic
def change_create(*, plan_id: int, actor: User, **data: object) -> ChangeApproval:
    """The engineer working the ticket attaches a change approval to its approved plan."""
    ticket_id = SolutionPlan.objects.values_list("ticket_id", flat=True).get(pk=plan_id)
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    _assert_worker(ticket, actor)
    plan = SolutionPlan.objects.get(pk=plan_id)
    if plan.state != SolutionPlan.State.APPROVED:
        raise Conflict(_("A change approval needs an approved solution plan."))
    if plan.change_approvals.filter(outcome="").exists():
        raise Conflict(_("This plan already has a change approval under way."))
    fields = _clean(data, now=timezone.now())
    approval = ChangeApproval(plan=plan, created_by=actor, **fields)
    approval._change_reason = _("created")
    approval.save()
    log_event(
        ticket=ticket, kind=TicketEvent.Kind.CHANGE_CREATED, actor=actor, new=f"v{approval.version}"
    )
    _ask_supervisors(ticket, approval, actor)
    return approval


def _ask_supervisors(ticket: Ticket, approval: ChangeApproval, actor: User) -> None:
    """Tell the supervisors that a version awaits their signature."""
    notify_users(
        [uid for uid in supervisors_of(ticket) if uid != actor.pk],
        ticket=ticket,
        kind="change_sign",
        title=_("%(number)s: change approval version %(v)s awaits your signature")
        % {"number": ticket.number, "v": approval.version},
    )


@transaction.atomic
def change_update(*, approval_id: int, actor: User, **data: object) -> ChangeApproval:
    """Edit the form: a new version, so the signatures given so far no longer count."""
    ticket, approval = _locked(approval_id, actor)
    _assert_worker(ticket, actor)
    if approval.finished or approval.steps.exists():
        raise Conflict(_("A change whose execution has started can no longer be edited."))
    fields = _clean(data, now=timezone.now())
    if all(getattr(approval, k) == v for k, v in fields.items()):
        return approval
    for name, value in fields.items():
        setattr(approval, name, value)
    approval.version += 1
    approval._change_reason = _("edited: earlier signatures voided")
    approval.save()
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.CHANGE_EDITED,
        actor=actor,
        old=f"v{approval.version - 1}",
        new=f"v{approval.version}",
    )
    _ask_supervisors(ticket, approval, actor)
    return approval


@transaction.atomic
def _decide(
    *, approval_id: int, actor: User, version: int, via: str, decision: str, reason: str = ""
) -> ChangeSignature:
    """Record one role's decision (signature or rejection) on the version the signer saw."""
    ticket, approval = _locked(approval_id, actor)
    caps = user_caps(actor)
    if caps.is_customer:
        role = ChangeSignature.Role.CUSTOMER
        if actor.organization_id != ticket.organization_id or not actor.is_active:
            raise NotAllowed(_("You are not allowed to do this."))
    elif caps.review_plan:
        role = ChangeSignature.Role.SUPERVISOR
        if actor.pk == approval.created_by_id:
            raise DomainError(
                _("The author of a change approval cannot sign or reject it as supervisor.")
            )
    else:
        raise NotAllowed(
            _(
                "Only the customer's responsible person and a supervisor sign or reject a "
                "change approval."
            )
        )
    if approval.finished:
        raise Conflict(_("This change is finished."))
    if int(version) != approval.version:
        raise Conflict(
            _("The form changed while you were reading it: review version %(v)s and sign again.")
            % {"v": approval.version}
        )
    earlier = approval.signatures.filter(version=approval.version, role=role).first()
    if earlier is not None:
        if earlier.decision == ChangeSignature.Decision.REJECTED:
            raise Conflict(
                _(
                    "Version %(v)s was rejected for this side; it can be signed again only "
                    "after the engineer revises it."
                )
                % {"v": approval.version}
            )
        raise Conflict(_("This version already has that signature."))
    reason = (reason or "").strip()
    rejected = decision == ChangeSignature.Decision.REJECTED
    if rejected and not reason:
        raise DomainError(_("Say why the change is rejected."), field="reason")
    signature = ChangeSignature.objects.create(
        approval=approval,
        version=approval.version,
        signer=actor,
        role=role,
        via=via,
        decision=decision,
        reason=reason if rejected else "",
    )
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.CHANGE_REJECTED if rejected else TicketEvent.Kind.CHANGE_SIGNED,
        actor=actor,
        old=role,
        new=f"v{approval.version}",
        reason=signature.reason,
    )
    if rejected:
        title = _("%(number)s: change approval version %(v)s was rejected by %(who)s")
    elif approval.signed_by_role(ChangeSignature.Role.CUSTOMER) and approval.signed_by_role(
        ChangeSignature.Role.SUPERVISOR
    ):
        title = _("%(number)s: change approval version %(v)s carries both signatures")
    else:
        title = _("%(number)s: change approval version %(v)s was signed by %(who)s")
    notify_users(
        [ticket.assignee_id, approval.created_by_id],
        ticket=ticket,
        kind="change_decision",
        title=title
        % {"number": ticket.number, "v": approval.version, "who": actor.get_full_name() or actor},
        body=signature.reason,
    )
    return signature


def change_sign(
    *, approval_id: int, actor: User, version: int, via: str = ChangeSignature.Via.UI
) -> ChangeSignature:
    """Sign the version the signer saw. A customer contact of the ticket's organization signs as
    the customer; a supervisor (who did not write the form) as ours."""
    return _decide(
        approval_id=approval_id,
        actor=actor,
        version=version,
        via=via,
        decision=ChangeSignature.Decision.APPROVED,
    )


def change_reject(
    *, approval_id: int, actor: User, version: int, reason: str, via: str = ChangeSignature.Via.UI
) -> ChangeSignature:
    """Reject the version the signer saw, with a reason: it cannot be executed, and the engineer
    revises the form (a new version) to ask again. Same signers as `change_sign`."""
    return _decide(
        approval_id=approval_id,
        actor=actor,
        version=version,
        via=via,
        decision=ChangeSignature.Decision.REJECTED,
        reason=reason,
    )


def change_ready(approval: ChangeApproval, *, now: dt.datetime) -> None:
    """Refuse execution unless both signatures on the current version and inside the window."""
    decisions = dict(
        approval.signatures.filter(version=approval.version).values_list("role", "decision")
    )
    if ChangeSignature.Decision.REJECTED in decisions.values():
        raise DomainError(
            _(
                "Version %(v)s of the change approval was rejected: revise the form and ask "
                "for the signatures again."
            )
            % {"v": approval.version}
        )
    roles = set(decisions)
    missing = {ChangeSignature.Role.CUSTOMER, ChangeSignature.Role.SUPERVISOR} - roles
    if missing:
        raise DomainError(
            _(
                "Execution needs both the customer's and the supervisor's signature on the "
                "current version (%(v)s) of the change approval."
            )
            % {"v": approval.version}
        )
    if not approval.window_start <= now <= approval.window_end:
        raise DomainError(
            _("Execution is only allowed inside the change window (%(start)s – %(end)s).")
            % {
                "start": timezone.localtime(approval.window_start).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(approval.window_end).strftime("%Y-%m-%d %H:%M"),
            }
        )


@transaction.atomic
def change_execute_step(
    *, approval_id: int, actor: User, step: str, before: str = "", after: str = ""
) -> ChangeExecutionStep:
    """Log one executed step with its before and after values."""
    ticket, approval = _locked(approval_id, actor)
    _assert_worker(ticket, actor)
    if approval.finished:
        raise Conflict(_("This change is finished."))
    step = (step or "").strip()
    if not step:
        raise DomainError(_("Say which step was executed."), field="step")
    now = timezone.now()
    change_ready(approval, now=now)
    row = ChangeExecutionStep.objects.create(
        approval=approval,
        at=now,
        step=step,
        before=(before or "").strip(),
        after=(after or "").strip(),
        actor=actor,
    )
    log_event(ticket=ticket, kind=TicketEvent.Kind.CHANGE_STEP, actor=actor, new=step[:200])
    return row


@transaction.atomic
def change_finish(*, approval_id: int, actor: User, outcome: str, note: str = "") -> ChangeApproval:
    """Record the outcome once the steps are logged."""
    ticket, approval = _locked(approval_id, actor)
    _assert_worker(ticket, actor)
    if approval.finished:
        raise Conflict(_("This change is finished."))
    if outcome not in ChangeApproval.Outcome.values:
        raise DomainError(_("Choose the outcome."), field="outcome")
    if not approval.steps.exists():
        raise DomainError(_("Log the executed steps before recording the outcome."))
    approval.outcome = outcome
    approval.outcome_note = (note or "").strip()
    approval.finished_at = timezone.now()
    approval._change_reason = _("finished")
    approval.save()
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.CHANGE_FINISHED,
        actor=actor,
        new=outcome,
        reason=approval.outcome_note,
    )
    return approval


# --- the customer's signature by email ---------------------------------------------------------


def change_sign_token(approval: ChangeApproval, contact: User) -> str:
    """A link for this contact to sign this version of the form (and no later one)."""
    return signing.dumps({"a": approval.pk, "u": contact.pk, "v": approval.version}, salt=LINK_SALT)


def change_sign_url(approval: ChangeApproval, contact: User) -> str:
    path = reverse(
        "portal:change_sign_link", kwargs={"token": change_sign_token(approval, contact)}
    )
    return f"{settings.SITE_URL}{path}"


def change_from_token(token: str) -> tuple[ChangeApproval, User]:
    """The approval and contact of a link, or a ChangeLinkError saying why it cannot be used."""
    invalid = _("This signature link is not valid. Please use the link from the email exactly.")
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ChangeLinkError(
            _("This signature link has expired. Ask the engineer for a new one."), status=410
        ) from None
    except signing.BadSignature:
        raise ChangeLinkError(invalid, status=400) from None
    if not isinstance(data, dict) or not {"a", "u"} <= data.keys():
        raise ChangeLinkError(invalid, status=400)
    approval = ChangeApproval.objects.select_related("plan__ticket").filter(pk=data["a"]).first()
    contact = User.objects.filter(pk=data["u"], is_active=True).first()
    if (
        approval is None
        or contact is None
        or contact.organization_id != approval.plan.ticket.organization_id
    ):
        raise ChangeLinkError(invalid, status=400)
    if approval.finished:
        raise ChangeLinkError(_("This change is finished."), status=410)
    if data.get("v") != approval.version:
        # The form was edited after the link was sent: what the contact would sign is not what
        # the email asked them to sign.
        raise ChangeLinkError(
            _(
                "The change form was edited after this link was sent. Ask the engineer for a new one."
            ),
            status=410,
        )
    return approval, contact


@transaction.atomic
def change_request_signature(*, approval_id: int, actor: User, contact_id: int) -> None:
    """Email a contact of the ticket's organization a signed link to sign the current version."""
    ticket, approval = _locked(approval_id, actor)
    _assert_worker(ticket, actor)
    if approval.finished:
        raise Conflict(_("This change is finished."))
    contact = User.objects.filter(
        pk=contact_id, organization_id=ticket.organization_id, is_active=True
    ).first()
    if contact is None or not contact.email:
        raise DomainError(
            _("Choose a contact of the customer's organization with an email address."),
            field="contact",
        )
    email_queue(
        event_key=f"change-sign:{approval.pk}:v{approval.version}:{contact.pk}",
        template="change_signature",
        recipients=[contact],
        ticket=ticket,
        context={
            "sign_url": change_sign_url(approval, contact),
            "version": approval.version,
            "environment": approval.get_environment_display(),
            "window_start": timezone.localtime(approval.window_start).strftime("%Y-%m-%d %H:%M"),
            "window_end": timezone.localtime(approval.window_end).strftime("%Y-%m-%d %H:%M"),
            "days": LINK_MAX_AGE // 86400,
        },
    )
