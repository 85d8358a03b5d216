"""The read-only mail and webhook API: staff only, scoped by ticket visibility."""

import pytest
from rest_framework.test import APIClient

from tickets.models import DeliveryStatus, OutboundEmail, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_list_emails_of_a_ticket(agent, customer, open_ticket):
    ticket = open_ticket()
    open_ticket(title="another")
    response = client_for(agent).get("/api/v1/mail/outbound/", {"ticket": ticket.number})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["ticket"], row["template"], row["address"], row["status"]) == (
        ticket.number,
        "ticket_ack",
        customer.email,
        "sent",
    )
    failed = client_for(agent).get("/api/v1/mail/outbound/", {"status": "failed"})
    assert failed.json()["results"] == []


def test_customers_are_refused(customer, open_ticket):
    open_ticket()
    for url in ("/api/v1/mail/outbound/", "/api/v1/mail/inbound/", "/api/v1/webhooks/deliveries/"):
        assert client_for(customer).get(url).status_code == 403


def test_engineers_see_only_their_tickets_emails(outsider_engineer, open_ticket):
    open_ticket()
    assert OutboundEmail.objects.count() == 1
    response = client_for(outsider_engineer).get("/api/v1/mail/outbound/")
    assert response.json()["results"] == []


def test_webhook_deliveries_for_staff_who_see_everything(agent, engineer, open_ticket):
    WebhookEndpoint.objects.create(
        name="x", url="http://127.0.0.1:9/", secret="s", events=["ticket.created"]
    )
    open_ticket()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.RETRY
    assert len(client_for(agent).get("/api/v1/webhooks/deliveries/").json()["results"]) == 1
    assert client_for(engineer).get("/api/v1/webhooks/deliveries/").json()["results"] == []
