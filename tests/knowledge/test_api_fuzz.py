"""Junk in, never a 500 out, for the knowledge API and the suggestion partial."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tickets.roles import Role

pytestmark = pytest.mark.django_db

FIELDS = ["title", "symptom", "solution", "category", "audience", "tags", "source_tickets",
          "from_ticket", "to", "note", "ticket", "article", "relation", "root_cause",
          "corrective_actions", "articles", "text", "limit"]  # fmt: skip
VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20),
    st.sampled_from(["published", "internal", "TS-20260101-001", "\x00", "登录失败", 10**20]),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
)  # fmt: skip
BODY = st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=6)
QUERY = st.dictionaries(
    st.sampled_from(
        [
            "q",
            "category",
            "tags",
            "audience",
            "limit",
            "product_version",
            "status",
            "overdue",
            "tag",
            "since",
            "until",
        ]
    ),
    st.one_of(st.text(max_size=20), st.sampled_from(["1", "-1", "x", "登录", "2026-01-01"])),
    max_size=4,
)
SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def writer(db):
    return UserFactory(username="kbfuzz", role=Role.SUPERVISOR)


@SLOW
@given(body=BODY)
def test_writes_never_500(writer, body):
    client = APIClient(raise_request_exception=True)
    client.force_authenticate(writer)
    for method, path in (
        ("post", "/api/v1/knowledge/articles/"),
        ("post", "/api/v1/knowledge/search/suggest/"),
        ("post", "/api/v1/knowledge/links/"),
        ("post", "/api/v1/knowledge/root-cause-reports/"),
    ):
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code < 500, (path, body, response.content)


@SLOW
@given(query=QUERY)
def test_reads_never_500(writer, client, query):
    api = APIClient(raise_request_exception=True)
    api.force_authenticate(writer)
    for path in (
        "/api/v1/knowledge/articles/",
        "/api/v1/knowledge/search/",
        "/api/v1/knowledge/kpi/published-per-author/",
    ):
        assert api.get(path, query).status_code < 500, (path, query)
    client.force_login(writer)
    text = {"title": query.get("q", ""), "description": "\x00登录"}
    assert client.get("/knowledge/suggestions/", text).status_code == 200
    assert client.get("/knowledge/", query).status_code == 200
