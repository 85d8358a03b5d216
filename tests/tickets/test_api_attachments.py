"""Uploads through the API: checked by content and size, all-or-nothing, scoped like tickets."""

import struct
import zlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import TicketFactory
from tickets import services
from tickets.models import Attachment, Message, Status, Ticket, TicketEvent, TicketSequence, User

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


def client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def ticket(customer):
    return services.ticket_create(
        actor=customer,
        data=services.TicketData(title="屏幕花屏", description="see screenshot", channel="portal"),
    )


def attachments_url(ticket: Ticket) -> str:
    return f"{URL}{ticket.number}/attachments/"


def stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def expected_download_path(pk: int) -> str:
    try:
        return reverse("tickets:attachment", args=[pk])
    except NoReverseMatch:
        return f"/tickets/attachments/{pk}/"


def test_png_upload_is_accepted_and_listed_with_a_download_link(customer, ticket, settings):
    client = client_for(customer)
    response = client.post(
        attachments_url(ticket), {"files": [upload("screen.png", png_bytes())]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    (row,) = response.json()
    assert row["name"] == "screen.png"
    assert row["content_type"] == "image/png"
    assert row["size"] == len(png_bytes())
    assert row["internal"] is False
    assert row["uploaded_by"]["username"] == customer.username
    assert row["download_url"] == "http://testserver" + expected_download_path(row["id"])
    assert len(stored_files(settings)) == 1

    listed = client.get(attachments_url(ticket)).json()
    assert [a["id"] for a in listed] == [row["id"]]
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ATTACHMENT).exists()


def test_several_files_in_one_upload(agent, ticket):
    files = [upload("a.png", png_bytes()), upload("server.log", b"ERROR 42\n", "text/plain")]
    response = client_for(agent).post(attachments_url(ticket), {"files": files})
    assert response.status_code == 201, response.content
    assert {(a["name"], a["content_type"]) for a in response.json()} == {
        ("a.png", "image/png"),
        ("server.log", "text/plain"),
    }


@pytest.mark.parametrize(
    ("name", "content", "message_part"),
    [
        ("setup.exe", EXE, "not an accepted file type"),
        ("photo.png", EXE, "not an accepted file type"),  # content does not match the name
        ("invoice.pdf", png_bytes(), "its content is image/png"),
        ("notes.txt", b"\x00\x01\x02binary", "not an accepted file type"),
    ],
)
def test_refused_files_leave_nothing_behind(
    customer, ticket, settings, name, content, message_part
):
    response = client_for(customer).post(
        attachments_url(ticket), {"files": [upload(name, content)]}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "files"
    assert message_part in body["detail"]
    assert body["files"] == [body["detail"]]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_one_bad_file_refuses_the_whole_upload(customer, ticket, settings):
    files = [upload("ok.png", png_bytes()), upload("virus.exe", EXE)]
    response = client_for(customer).post(attachments_url(ticket), {"files": files})
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_too_big_file_is_refused(customer, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    response = client_for(customer).post(
        attachments_url(ticket), {"files": [upload("big.png", png_bytes() + b"\x00" * 100)]}
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]
    assert not Attachment.objects.exists()


def test_too_many_files_are_refused(customer, ticket, settings):
    settings.ATTACHMENT_MAX_PER_UPLOAD = 2
    files = [upload(f"{i}.png", png_bytes()) for i in range(3)]
    response = client_for(customer).post(attachments_url(ticket), {"files": files})
    assert response.status_code == 400
    assert response.json()["field"] == "files"
    assert not Attachment.objects.exists()


def test_missing_or_empty_files_are_400(customer, ticket):
    client = client_for(customer)
    response = client.post(attachments_url(ticket), {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()

    response = client.post(attachments_url(ticket), {"files": [upload("empty.png", b"")]})
    assert response.status_code == 400
    assert "files" in response.json()

    response = client.post(attachments_url(ticket), {"files": ["x"]}, format="json")
    assert response.status_code == 415


def test_create_with_a_bad_file_creates_no_ticket(customer, settings):
    response = client_for(customer).post(
        URL,
        {
            "title": "t",
            "description": "d",
            "files": [upload("x.png", png_bytes()), upload("y.exe", EXE)],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "files"
    assert not Ticket.objects.exists()
    assert not TicketSequence.objects.exists()
    assert stored_files(settings) == []


def test_create_with_files(customer):
    response = client_for(customer).post(
        URL,
        {"title": "花屏", "description": "d", "files": [upload("x.png", png_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert [a.original_name for a in ticket.attachments.all()] == ["x.png"]


def test_reply_with_a_file(customer, ticket):
    response = client_for(customer).post(
        f"{URL}{ticket.number}/messages/",
        {"body": "截图如附件", "files": [upload("s.png", png_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["s.png"]
    assert Message.objects.get().attachments.count() == 1


def test_internal_attachments_are_hidden_from_customers(agent, customer, ticket):
    response = client_for(agent).post(
        attachments_url(ticket), {"files": [upload("db-dump.png", png_bytes())], "internal": True}
    )
    assert response.status_code == 201, response.content
    assert response.json()[0]["internal"] is True

    assert client_for(customer).get(attachments_url(ticket)).json() == []
    assert len(client_for(agent).get(attachments_url(ticket)).json()) == 1

    response = client_for(customer).post(
        attachments_url(ticket), {"files": [upload("a.png", png_bytes())], "internal": True}
    )
    assert response.status_code == 403
    assert Attachment.objects.count() == 1


def test_other_organization_cannot_upload_or_list(other_customer, ticket):
    client = client_for(other_customer)
    assert client.get(attachments_url(ticket)).status_code == 404
    response = client.post(attachments_url(ticket), {"files": [upload("a.png", png_bytes())]})
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_customer_cannot_upload_to_a_closed_ticket(customer, org):
    closed = TicketFactory(organization=org, status=Status.CLOSED)
    response = client_for(customer).post(
        attachments_url(closed), {"files": [upload("a.png", png_bytes())]}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_oversize_request_body_is_not_a_500(customer, ticket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client_for(customer).post(
        attachments_url(ticket),
        {"files": [upload("a.png", png_bytes())], "internal": "x" * 500},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is too large."


def test_download_url_serves_the_file_to_a_signed_in_user(customer, other_customer, ticket):
    response = client_for(customer).post(
        attachments_url(ticket), {"files": [upload("screen.png", png_bytes())]}
    )
    url = response.json()[0]["download_url"]

    browser = APIClient()
    browser.force_login(customer)
    download = browser.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()

    browser.force_login(other_customer)
    assert browser.get(url).status_code == 404


@pytest.mark.django_db
def test_token_script_downloads_an_attachment_through_the_api(agent, org, customer, other_customer):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tickets import services

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(title="截图", description="见附件", channel="portal"),
        files=[SimpleUploadedFile("shot.png", png, content_type="image/png")],
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    listed = client.get(f"/api/v1/tickets/{ticket.number}/attachments/").json()
    url = listed[0]["api_download_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == png

    outsider = APIClient()
    outsider.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_customer).key}"
    )
    assert outsider.get(url).status_code == 404
