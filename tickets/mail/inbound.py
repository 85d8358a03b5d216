"""Email in: one received message becomes a ticket, a reply on a ticket, or nothing (PROCESS §2).

`email_ingest` is called by `manage.py ingest_email` (an MTA pipe) and by the IMAP poller. It
never raises for a bad message: the raw source is stored and the outcome says what happened,
so a mailbox keeps being processed after a malformed message.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import (
    Channel,
    InboundEmail,
    Mailbox,
    MessageKind,
    Organization,
    OutboundEmail,
    Status,
    Ticket,
    UnknownSender,
    User,
)
from ..roles import Role
from ..selectors import ticket_visible_to
from ..services import TicketData, attachment_check, message_add, ticket_create
from .outbound import message_id_domain, own_addresses
from .parse import MalformedEmail, ParsedEmail, parse_email, strip_quoted

log = logging.getLogger(__name__)

CJK = re.compile(r"[\u4e00-\u9fff]")
SYNTHETIC_ROOT = re.compile(r"^<ticket-(\d+)@")
Outcome = InboundEmail.Outcome


@dataclass(frozen=True)
class SenderRule:
    unknown: str
    default_org: Organization | None


def _rule(mailbox: Mailbox | None) -> SenderRule:
    if mailbox is not None:
        return SenderRule(mailbox.unknown_sender, mailbox.default_organization)
    code = settings.EMAIL_INBOUND_DEFAULT_ORG
    org = Organization.objects.filter(code=code, active=True).first() if code else None
    return SenderRule(settings.EMAIL_INBOUND_UNKNOWN_SENDER, org)


def sender_contact(*, parsed: ParsedEmail, rule: SenderRule) -> User | None:
    """The contact who sent the message; an unknown sender per the rule (None: rejected)."""
    known = list(User.objects.filter(email__iexact=parsed.from_address, is_active=True)[:5])
    if known:
        customers = [u for u in known if u.organization_id is not None]
        return (customers or known)[0]
    if rule.unknown == UnknownSender.REJECT:
        return None
    org = None
    if rule.unknown == UnknownSender.DOMAIN:
        domain = parsed.from_address.rpartition("@")[2]
        org = Organization.objects.filter(email_domain__iexact=domain, active=True).first()
    org = org or rule.default_org
    if org is None:
        return None
    local = re.sub(r"[^\w.@+-]", "", parsed.from_address)[:120]
    username = local if not User.objects.filter(username=local).exists() else None
    user = User(
        username=username or f"{local[:100]}-{get_random_string(6).lower()}",
        email=parsed.from_address,
        display_name=parsed.from_name or parsed.from_address.partition("@")[0],
        organization=org,
        language="zh-hans" if CJK.search(parsed.subject + parsed.text[:500]) else "en",
    )
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=str(Role.CUSTOMER)))
    return user


def thread_ticket(*, parsed: ParsedEmail, contact: User) -> Ticket | None:
    """The ticket this message answers: by In-Reply-To/References to a Message-ID we know, or
    by the number in the subject — either only within the sender's own organization (our
    people: only a ticket they can see)."""
    ids = parsed.thread_ids
    ticket_id = None
    if ids:
        ticket_id = (
            OutboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .values_list("ticket_id", flat=True)
            .first()
        ) or (
            InboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if ticket_id is None:
            domain = message_id_domain()
            for mid in ids:
                match = SYNTHETIC_ROOT.match(mid)
                if match and mid.endswith(f"@{domain}>"):
                    ticket_id = int(match.group(1))
                    break
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None and parsed.subject_number:
        ticket = Ticket.objects.filter(number=parsed.subject_number).first()
    if ticket is None:
        return None
    if contact.organization_id is None:
        # One of our people answering a notification: only on a ticket they may see.
        return ticket if ticket_visible_to(contact).filter(pk=ticket.pk).exists() else None
    return ticket if ticket.organization_id == contact.organization_id else None


def _files(parsed: ParsedEmail, *, existing: int) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments that pass the Foundation's checks, and a note for each one that does not."""
    accepted: list[SimpleUploadedFile] = []
    notes = []
    for item in parsed.attachments:
        upload = SimpleUploadedFile(item.filename, item.content, item.content_type)
        try:
            attachment_check(files=[*accepted, upload], existing=existing)
        except DomainError as exc:
            notes.append(exc.message)
            continue
        accepted.append(upload)
    return accepted, notes


def _with_notes(text: str, notes: list[str]) -> str:
    if not notes:
        return text
    lines = [_("Attachments not accepted:"), *(f"- {n}" for n in notes)]
    return f"{text}\n\n" + "\n".join(lines)


def _open_ticket(*, parsed: ParsedEmail, contact: User, row: InboundEmail) -> Ticket:
    files, notes = _files(parsed, existing=0)
    ours = own_addresses()
    cc = [a for a in [*parsed.to, *parsed.cc] if a not in ours and a != parsed.from_address]
    cc_text = ""
    for address in cc:
        if len(cc_text) + len(address) + 2 > 500:
            break
        cc_text = f"{cc_text}, {address}" if cc_text else address
    now = timezone.now()
    received = min(parsed.date, now) if parsed.date else now
    ticket = ticket_create(
        actor=contact,
        data=TicketData(
            title=parsed.subject.strip() or _("(no subject)"),
            description=_with_notes(parsed.text.strip() or parsed.subject or "—", notes),
            channel=Channel.EMAIL,
            received_at=received,
            cc_emails=cc_text,
        ),
        files=files,
    )
    row.outcome, row.ticket = Outcome.TICKET, ticket
    return ticket


def _add_reply(*, parsed: ParsedEmail, contact: User, ticket: Ticket, row: InboundEmail) -> None:
    files, notes = _files(parsed, existing=ticket.attachments.count())
    body = _with_notes(strip_quoted(parsed.text) or "—", notes)
    kind = MessageKind.REPLY if contact.organization_id else MessageKind.NOTE
    message = message_add(ticket_id=ticket.pk, actor=contact, kind=kind, body=body, files=files)
    row.outcome, row.ticket, row.ticket_message = Outcome.REPLY, ticket, message


def _process(row: InboundEmail, parsed: ParsedEmail, mailbox: Mailbox | None) -> None:
    if parsed.auto_reason:
        row.outcome, row.error = Outcome.AUTO, parsed.auto_reason
        return
    contact = sender_contact(parsed=parsed, rule=_rule(mailbox))
    if contact is None:
        row.outcome = Outcome.REJECTED
        return
    ticket = thread_ticket(parsed=parsed, contact=contact)
    if ticket is not None and ticket.status not in (Status.CLOSED, Status.ARCHIVED):
        _add_reply(parsed=parsed, contact=contact, ticket=ticket, row=row)
        return
    if contact.organization_id is None:
        # Our own people write to tickets they follow; they do not open tickets by email.
        row.outcome = Outcome.REJECTED
        return
    _open_ticket(parsed=parsed, contact=contact, row=row)


def email_ingest(*, raw: bytes, mailbox: Mailbox | None = None) -> InboundEmail:
    """Store and act on one message. The same Message-ID twice returns the first record."""
    if len(raw) > settings.EMAIL_INBOUND_MAX_BYTES:
        return InboundEmail.objects.create(
            mailbox=mailbox,
            raw=raw[: settings.EMAIL_INBOUND_MAX_BYTES],
            outcome=Outcome.QUARANTINED,
            error=f"message of {len(raw)} bytes exceeds EMAIL_INBOUND_MAX_BYTES",
        )
    try:
        parsed = parse_email(raw)
    except (MalformedEmail, ValueError, LookupError, IndexError) as exc:
        return InboundEmail.objects.create(
            mailbox=mailbox, raw=raw, outcome=Outcome.QUARANTINED, error=f"malformed: {exc}"
        )
    if parsed.message_id:
        existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundEmail.objects.create(
                    mailbox=mailbox,
                    raw=raw,
                    message_id=parsed.message_id,
                    from_address=parsed.from_address[:254],
                    subject=parsed.subject,
                    body_text=parsed.text,
                    body_html=parsed.html,
                )
        except IntegrityError:
            return InboundEmail.objects.get(message_id=parsed.message_id)
        try:
            with transaction.atomic():
                _process(row, parsed, mailbox)
        except Exception as exc:  # quarantine, keep the raw source, carry on with the mailbox
            log.exception("inbound email %s quarantined", row.pk)
            row.outcome, row.ticket, row.ticket_message = Outcome.QUARANTINED, None, None
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
        row.save()
    return row
