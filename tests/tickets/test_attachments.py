"""Attachments are judged by their content, and a rejection leaves nothing behind."""

import codecs
import datetime as dt
import struct
import zlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import services
from tickets.errors import DomainError, NotAllowed
from tickets.models import Attachment, Channel, Message, MessageKind, Ticket, TicketSequence
from tickets.services.attachments import attachment_check


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes() -> bytes:
    """A valid 1×1 PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _chunk(b"IEND", b"")
    )


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
LOG = "2026-11-21 10:15:02 ERROR 连接超时 (timeout=30s)\n".encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def kinds(*files: SimpleUploadedFile) -> list[str]:
    return [f.content_type for f in attachment_check(files=list(files))]


# --- the check, without the database ---------------------------------------------------------


def test_png_is_accepted_by_its_content():
    assert kinds(upload("screen.png", png_bytes())) == ["image/png"]
    # the client's claimed type does not matter either way
    claimed = SimpleUploadedFile("screen.PNG", png_bytes(), content_type="text/html")
    assert kinds(claimed) == ["image/png"]


def test_pdf_is_accepted():
    assert kinds(upload("report.pdf", PDF)) == ["application/pdf"]


@pytest.mark.parametrize("name", ["setup.png", "setup.exe", "setup.log", "setup"])
def test_executable_is_refused_whatever_its_name(name):
    with pytest.raises(DomainError) as exc:
        attachment_check(files=[upload(name, EXE)])
    assert exc.value.field == "files"


def test_content_and_suffix_must_agree():
    with pytest.raises(DomainError):
        attachment_check(files=[upload("photo.jpg", png_bytes())])
    with pytest.raises(DomainError):
        attachment_check(files=[upload("report.png", PDF)])


@pytest.mark.parametrize("name", ["app.log", "app.txt", "data.csv", "config.ini", "x.JSON"])
def test_text_log_is_accepted(name):
    assert kinds(upload(name, LOG)) == ["text/plain"]


def test_gb18030_log_is_accepted():
    content = "2026-11-21 错误：打印机脱机，请检查连接。\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert kinds(upload("printer.log", content)) == ["text/plain"]


def test_long_gb18030_log_cut_inside_a_character_is_accepted():
    content = b"x" + "错误：连接超时。".encode("gb18030") * 1000  # 16 001 bytes
    with pytest.raises(UnicodeDecodeError):
        content[:8192].decode("gb18030")  # the sniffed sample ends inside a character
    assert kinds(upload("long.log", content)) == ["text/plain"]


def test_long_utf8_log_cut_inside_a_character_is_accepted():
    content = b"x" + "数据同步失败；".encode() * 1000
    with pytest.raises(UnicodeDecodeError):
        content[:8192].decode("utf-8")
    assert kinds(upload("long.log", content)) == ["text/plain"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_log_with_a_bom_is_accepted(encoding):
    """Windows tools write UTF-16 logs; their ASCII characters contain NUL bytes."""
    text = "2026-11-21 ERROR service stopped 服务停止\r\n" * 10
    content = text.encode(encoding)
    if encoding != "utf-16":
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        content = bom + content
    assert b"\x00" in content
    assert kinds(upload("service.log", content)) == ["text/plain"]


@pytest.mark.parametrize(
    "content",
    [
        b"2026-11-21 ERROR\x00\x00\x01\x02 binary",
        bytes(range(1, 256)) * 40,
        codecs.BOM_UTF16_LE + b"\x00\xd8" * 100,  # lone surrogates: not UTF-16 text
    ],
    ids=["nul", "noise", "bad-utf16"],
)
def test_binary_named_log_is_refused(content):
    with pytest.raises(DomainError):
        attachment_check(files=[upload("dump.log", content)])


@pytest.mark.parametrize("name", ["run.sh", "page.html", "image.svg", "noext"])
def test_text_with_an_unaccepted_suffix_is_refused(name):
    with pytest.raises(DomainError):
        attachment_check(files=[upload(name, LOG)])


def test_empty_file_is_refused():
    with pytest.raises(DomainError) as exc:
        attachment_check(files=[upload("empty.log", b"")])
    assert exc.value.field == "files"
    assert "empty.log" in exc.value.message


def test_too_big_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = len(LOG)
    assert kinds(upload("ok.log", LOG)) == ["text/plain"]
    with pytest.raises(DomainError) as exc:
        attachment_check(files=[upload("big.log", LOG + b"x")])
    assert "big.log" in exc.value.message


def test_too_many_in_one_upload_is_refused(settings):
    settings.ATTACHMENT_MAX_PER_UPLOAD = 2
    files = [upload(f"{i}.log", LOG) for i in range(3)]
    assert len(attachment_check(files=files[:2])) == 2
    with pytest.raises(DomainError) as exc:
        attachment_check(files=files)
    assert exc.value.field == "files"


def test_too_many_on_a_ticket_is_refused(settings):
    settings.ATTACHMENT_MAX_PER_TICKET = 3
    files = [upload(f"{i}.log", LOG) for i in range(2)]
    assert len(attachment_check(files=files, existing=1)) == 2
    with pytest.raises(DomainError):
        attachment_check(files=files, existing=2)


def test_one_bad_file_refuses_the_whole_upload():
    with pytest.raises(DomainError) as exc:
        attachment_check(files=[upload("a.log", LOG), upload("b.png", EXE)])
    assert "b.png" in exc.value.message


def test_path_in_the_name_is_dropped():
    (checked,) = attachment_check(files=[upload("../../etc/passwd.log", LOG)])
    assert checked.name == "passwd.log"


# --- storing, on the database ----------------------------------------------------------------

NOW = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)


def data(**kw) -> services.TicketData:
    fields = {"title": "打印机脱机", "description": "见截图和日志", "channel": Channel.PORTAL}
    return services.TicketData(**{**fields, **kw})


def stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_files_are_stored_privately_with_the_ticket(customer, settings):
    ticket = services.ticket_create(
        actor=customer,
        data=data(),
        files=[upload("screen.png", png_bytes()), upload("printer.log", LOG)],
    )
    atts = list(Attachment.objects.filter(ticket=ticket).order_by("id"))
    assert [(a.original_name, a.content_type, a.size) for a in atts] == [
        ("screen.png", "image/png", len(png_bytes())),
        ("printer.log", "text/plain", len(LOG)),
    ]
    assert all(a.uploaded_by == customer and not a.internal and a.message is None for a in atts)
    assert len(stored_files(settings)) == 2
    with atts[1].file.open("rb") as fh:
        assert fh.read() == LOG
    assert not atts[0].file.name.endswith("screen.png")  # stored under a random name


@pytest.mark.django_db
def test_rejected_file_leaves_no_ticket_behind(customer, settings):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(DomainError):
            services.ticket_create(
                actor=customer,
                data=data(title="系统无法登录"),
                files=[upload("ok.log", LOG), upload("virus.png", EXE)],
            )
        assert not Ticket.objects.exists()
        assert not Attachment.objects.exists()
        assert not TicketSequence.objects.exists()
        assert stored_files(settings) == []
        ticket = services.ticket_create(actor=customer, data=data())
    assert ticket.number == "TS-20261121-001"


@pytest.mark.django_db
def test_note_attachments_are_internal(customer, agent):
    ticket = services.ticket_create(actor=customer, data=data())
    note = services.message_add(
        ticket_id=ticket.pk,
        actor=agent,
        kind=MessageKind.NOTE,
        body="服务器日志",
        files=[upload("server.log", LOG)],
    )
    reply = services.message_add(
        ticket_id=ticket.pk,
        actor=agent,
        kind=MessageKind.REPLY,
        body="请看操作步骤",
        files=[upload("steps.pdf", PDF)],
    )
    assert [(a.message, a.internal) for a in note.attachments.all()] == [(note, True)]
    assert [(a.message, a.internal) for a in reply.attachments.all()] == [(reply, False)]


@pytest.mark.django_db
def test_rejected_file_leaves_no_message_behind(customer, agent, settings):
    settings.ATTACHMENT_MAX_PER_TICKET = 2
    ticket = services.ticket_create(
        actor=customer, data=data(), files=[upload("1.log", LOG), upload("2.log", LOG)]
    )
    with pytest.raises(DomainError):
        services.message_add(
            ticket_id=ticket.pk,
            actor=customer,
            kind=MessageKind.REPLY,
            body="再补一个",
            files=[upload("3.log", LOG)],
        )
    assert not Message.objects.exists()
    assert Attachment.objects.count() == 2
    assert len(stored_files(settings)) == 2


@pytest.mark.django_db
def test_attachment_add_respects_the_scope(customer, other_customer, outsider_engineer, agent):
    ticket = services.ticket_create(actor=customer, data=data())
    for intruder in (other_customer, outsider_engineer):
        with pytest.raises(NotAllowed):
            services.attachment_add(
                ticket_id=ticket.pk, actor=intruder, files=[upload("x.log", LOG)]
            )
    assert not Attachment.objects.exists()
    (own,) = services.attachment_add(
        ticket_id=ticket.pk, actor=customer, files=[upload("more.log", LOG)]
    )
    (internal,) = services.attachment_add(
        ticket_id=ticket.pk, actor=agent, files=[upload("srv.log", LOG)], internal=True
    )
    assert (own.internal, internal.internal) == (False, True)
    with pytest.raises(NotAllowed):
        services.attachment_add(
            ticket_id=ticket.pk, actor=customer, files=[upload("y.log", LOG)], internal=True
        )
