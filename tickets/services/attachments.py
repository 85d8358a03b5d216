"""Attachment checks: count, size and type by content (never by the client's claim)."""

import codecs
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import DomainError, NotAllowed
from ..models import Attachment, Message, Status, Ticket, TicketEvent, User
from ..permissions import user_caps
from .common import assert_mutable, assert_visible, lock_ticket, log_event

BINARY_TYPES = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "image/bmp": {".bmp"},
    "application/pdf": {".pdf"},
    "application/zip": {".zip", ".docx", ".xlsx", ".pptx"},
    "application/gzip": {".gz", ".tgz"},
    "application/x-7z-compressed": {".7z"},
    "application/x-tar": {".tar"},
}
TEXT_SUFFIXES = {".txt", ".log", ".csv", ".json", ".xml", ".yaml", ".yml", ".conf", ".ini", ".md"}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


def _sniff_text(head: bytes) -> bool:
    """UTF-8, GB18030 (a superset of the GBK/GB2312 of Chinese Windows) or UTF-16 with a BOM.

    UTF-16 is recognised by its BOM only: its ASCII characters contain NUL bytes, which
    otherwise mark a binary file.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        return False
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            # Not final: a multi-byte character cut at the end of the sample is still text.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def attachment_check(*, files: Sequence[UploadedFile], existing: int = 0) -> list[CheckedFile]:
    """Validate every file before anything is written, so a rejection leaves nothing behind."""
    if len(files) > settings.ATTACHMENT_MAX_PER_UPLOAD:
        raise DomainError(
            _("At most %(n)d files can be uploaded at once.")
            % {"n": settings.ATTACHMENT_MAX_PER_UPLOAD},
            field="files",
        )
    if existing + len(files) > settings.ATTACHMENT_MAX_PER_TICKET:
        raise DomainError(
            _("A ticket can hold at most %(n)d attachments.")
            % {"n": settings.ATTACHMENT_MAX_PER_TICKET},
            field="files",
        )
    checked = []
    for upload in files:
        name = PurePath(upload.name or "file").name[:200]
        suffix = PurePath(name).suffix.lower()
        if upload.size is None or upload.size == 0:
            raise DomainError(_("“%(name)s” is empty.") % {"name": name}, field="files")
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise DomainError(
                _("“%(name)s” is larger than %(mb).1f MB.")
                % {"name": name, "mb": settings.ATTACHMENT_MAX_BYTES / 1024 / 1024},
                field="files",
            )
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        if kind is not None:
            allowed = BINARY_TYPES.get(kind.mime)
            if allowed is None or suffix not in allowed:
                raise DomainError(
                    _("“%(name)s” is not an accepted file type (its content is %(type)s).")
                    % {"name": name, "type": kind.mime},
                    field="files",
                )
            content_type = kind.mime
        elif suffix in TEXT_SUFFIXES and _sniff_text(head):
            content_type = "text/plain"
        else:
            raise DomainError(
                _(
                    "“%(name)s” is not an accepted file type. Accepted: images, PDF, archives "
                    "and text logs."
                )
                % {"name": name},
                field="files",
            )
        checked.append(
            CheckedFile(upload=upload, name=name, content_type=content_type, size=upload.size)
        )
    return checked


def attachment_store(
    *,
    ticket: Ticket,
    files: Sequence[CheckedFile],
    actor: User | None,
    message: Message | None = None,
    internal: bool = False,
) -> list[Attachment]:
    stored = []
    for f in files:
        att = Attachment(
            ticket=ticket,
            message=message,
            original_name=f.name,
            content_type=f.content_type,
            size=f.size,
            internal=internal,
            uploaded_by=actor,
        )
        att.file.save(f.name, f.upload, save=False)
        att.save()
        stored.append(att)
    return stored


@transaction.atomic
def attachment_add(
    *, ticket_id: int, actor: User, files: Sequence[UploadedFile], internal: bool = False
) -> list[Attachment]:
    """Attach files to a ticket outside a message (screenshots, logs). All files are checked
    before any is stored, so a rejected upload leaves nothing behind."""
    caps = user_caps(actor)
    if caps.is_customer:
        if internal:
            raise NotAllowed(_("Customers cannot add internal attachments."))
    elif not caps.work:
        raise NotAllowed(_("You are not allowed to do this."))
    if not files:
        raise DomainError(_("Choose at least one file."), field="files")
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if caps.is_customer and ticket.status == Status.CLOSED:
        raise DomainError(_("This ticket is closed. Open a new ticket for a new problem."))
    checked = attachment_check(files=files, existing=ticket.attachments.count())
    stored = attachment_store(ticket=ticket, files=checked, actor=actor, internal=internal)
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.ATTACHMENT,
        actor=actor,
        new=", ".join(a.original_name for a in stored),
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return stored
