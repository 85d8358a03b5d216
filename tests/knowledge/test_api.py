"""REST API: permissions per role, scope (404 for what a caller may not read), status codes."""

import pytest
from rest_framework.test import APIClient

from knowledge.models import Article, TicketArticle
from tests.factories import TicketFactory
from tickets.models import Status

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/knowledge"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_customer_lists_and_reads_public_only(customer, corpus):
    client = api(customer)
    ids = {row["id"] for row in client.get(f"{BASE}/articles/").json()["results"]}
    assert corpus["login"].pk in ids
    assert corpus["internal"].pk not in ids and corpus["draft"].pk not in ids
    assert client.get(f"{BASE}/articles/{corpus['internal'].pk}/").status_code == 404
    assert client.get(f"{BASE}/articles/{corpus['login'].pk}/").status_code == 200
    assert client.get(f"{BASE}/articles/{corpus['login'].pk}/versions/").status_code == 404


def test_customer_cannot_write(customer, corpus):
    client = api(customer)
    assert client.post(f"{BASE}/articles/", {"title": "x"}, format="json").status_code == 403
    response = client.post(
        f"{BASE}/articles/{corpus['login'].pk}/transition/", {"to": "retired"}, format="json"
    )
    assert response.status_code == 404


def test_customer_search_and_suggest_never_leak_internal(customer, corpus):
    client = api(customer)
    result = client.get(f"{BASE}/search/", {"q": "登录 数据库"}).json()
    assert corpus["internal"].pk not in [hit["id"] for hit in result["articles"]]
    assert result["tickets"] == []
    assert "secret-internal" not in str(result)
    hits = client.post(
        f"{BASE}/search/suggest/", {"text": "登录 数据库 切换"}, format="json"
    ).json()
    assert corpus["internal"].pk not in [hit["id"] for hit in hits]


def test_engineer_writes_and_reviewer_publishes(engineer, expert, org):
    ticket = TicketFactory(organization=org, status=Status.RESOLVED, assignee=engineer)
    response = api(engineer).post(
        f"{BASE}/articles/",
        {
            "title": "VPN drops",
            "symptom": "disconnects",
            "solution": "enable NAT-T",
            "audience": "public",
            "from_ticket": ticket.number,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["source_tickets"] == [ticket.number]
    client = api(engineer)
    assert (
        client.post(
            f"{BASE}/articles/{pk}/transition/", {"to": "in_review"}, format="json"
        ).status_code
        == 200
    )
    refused = client.post(f"{BASE}/articles/{pk}/transition/", {"to": "published"}, format="json")
    assert refused.status_code == 403
    illegal = api(expert).post(
        f"{BASE}/articles/{pk}/transition/", {"to": "retired"}, format="json"
    )
    assert illegal.status_code == 409
    ok = api(expert).post(f"{BASE}/articles/{pk}/transition/", {"to": "published"}, format="json")
    assert ok.json()["status"] == "published"
    versions = client.get(f"{BASE}/articles/{pk}/versions/").json()
    assert [v["status"] for v in versions][:3] == ["published", "in_review", "draft"]


def test_bad_input_is_400_with_fields(engineer):
    client = api(engineer)
    response = client.post(f"{BASE}/articles/", {"title": "", "category": 99999}, format="json")
    assert response.status_code == 400
    assert {"title", "category"} <= set(response.json())
    response = client.post(
        f"{BASE}/articles/", {"title": "x", "source_tickets": ["NOPE"]}, format="json"
    )
    assert response.status_code == 400
    assert "source_tickets" in response.json()
    assert client.get(f"{BASE}/search/").status_code == 400


def test_search_filters_and_tickets(agent, corpus, org):
    from knowledge import services

    ticket = TicketFactory(organization=org, title="无法登录 VPN", status=Status.CLOSED)
    services.ticket_index(ticket_id=ticket.pk)
    result = api(agent).get(f"{BASE}/search/", {"q": "登录", "audience": "internal"}).json()
    assert [hit["id"] for hit in result["articles"]] == [corpus["internal"].pk]
    assert [hit["number"] for hit in result["tickets"]] == [ticket.number]


def test_links_and_kpi(agent, customer, org, corpus):
    ticket = TicketFactory(organization=org)
    client = api(agent)
    response = client.post(
        f"{BASE}/links/",
        {"ticket": ticket.number, "article": corpus["login"].pk, "relation": "referenced"},
        format="json",
    )
    assert response.status_code == 201
    assert api(customer).delete(f"{BASE}/links/{response.json()['id']}/").status_code == 404
    assert client.delete(f"{BASE}/links/{response.json()['id']}/").status_code == 204
    assert not TicketArticle.objects.exists()
    Article.objects.filter(pk=corpus["login"].pk).update(published_at="2026-03-05T10:00:00Z")
    kpi = client.get(
        f"{BASE}/kpi/published-per-author/", {"since": "2020-01-01", "until": "2100-01-01"}
    )
    assert kpi.status_code == 200
    assert [(r["month"], r["author_id"], r["published"]) for r in kpi.json()] == [
        ("2026-03-01", corpus["login"].author_id, 1)
    ]
    assert api(customer).get(f"{BASE}/kpi/published-per-author/").status_code == 403
    assert (
        client.get(
            f"{BASE}/kpi/published-per-author/",
            {"since": "2026-02-01", "until": "2026-01-01"},
        ).status_code
        == 400
    )


def test_delete_draft(engineer):
    draft = ArticleFactory(author=engineer, status="draft")
    published = ArticleFactory(author=engineer)
    client = api(engineer)
    assert client.delete(f"{BASE}/articles/{published.pk}/").status_code == 400
    assert client.delete(f"{BASE}/articles/{draft.pk}/").status_code == 204
    assert not Article.objects.filter(pk=draft.pk).exists()


def test_schema_documents_knowledge(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/knowledge/search/" in schema
    assert "/api/v1/knowledge/articles/{id}/versions/" in schema
