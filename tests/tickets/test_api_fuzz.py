"""Junk in, never a 500 out: arbitrary JSON for every write endpoint and list parameter.

The test client re-raises any exception a view lets through, so a crash fails the example.
"""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tickets import services
from tickets.models import Category, Status, User

pytestmark = pytest.mark.django_db

FIELDS = {
    "": [
        "title",
        "description",
        "channel",
        "organization",
        "contact",
        "received_at",
        "occurred_at",
        "category",
        "secondary_categories",
        "impact",
        "urgency",
        "cc_emails",
        "request_type",
        "product_line",
    ],
    "transition/": ["to", "reason"],
    "assign/": ["assignee", "team", "reason"],
    "hand-back/": ["reason"],
    "classify/": ["category", "secondary", "tags", "impact", "urgency", "level", "reason"],
    "messages/": ["kind", "body", "worklog_kind", "files"],
}
PATCH_FIELDS = ["title", "description", "impact", "urgency", "cc_emails", "status", "reason"]

PLAUSIBLE = st.sampled_from(
    [
        *Status.values,
        *("reply", "note", "worklog", "ask", "core", "critical", "api", "phone", "a@b.cn", ""),
        *(1, 2, 3, 0, -1, 10**20, "1", "2026-01-01T00:00:00Z", "2999-01-01"),
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | PLAUSIBLE,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def body_for(fields: list[str]) -> st.SearchStrategy:
    return st.one_of(
        st.dictionaries(st.sampled_from(fields), JSON, max_size=len(fields)),
        JSON,
    )


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def token_client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def ticket(customer):
    return services.ticket_create(
        actor=customer,
        data=services.TicketData(title="无法登录", description="since today", channel="portal"),
    )


@pytest.mark.parametrize("action", list(FIELDS))
@pytest.mark.parametrize("who", ["agent", "customer"])
def test_junk_json_bodies_never_crash(request, ticket, engineer, action, who):
    Category.objects.filter(code="data-loss").update(active=False)
    client = token_client(request.getfixturevalue(who))
    url = f"/api/v1/tickets/{ticket.number}/{action}" if action else "/api/v1/tickets/"

    @FUZZ
    @given(body=body_for(FIELDS[action]))
    def check(body: object) -> None:
        cache.clear()
        response = client.post(url, body, format="json")
        assert response.status_code < 500
        if response.status_code >= 400:
            assert isinstance(response.json(), dict)

    check()


def test_junk_patch_bodies_never_crash(ticket, agent):
    client = token_client(agent)

    @FUZZ
    @given(body=body_for(PATCH_FIELDS))
    def check(body: object) -> None:
        response = client.patch(f"/api/v1/tickets/{ticket.number}/", body, format="json")
        assert response.status_code < 500

    check()


LIST_PARAMS = [
    "q",
    "status",
    "priority",
    "rank",
    "category",
    "team",
    "assignee",
    "channel",
    "organization",
    "created_after",
    "created_before",
    "ordering",
    "queue",
    "page",
    "page_size",
]


def test_junk_list_parameters_never_crash(ticket, agent):
    client = token_client(agent)

    @FUZZ
    @given(
        params=st.dictionaries(
            st.sampled_from(LIST_PARAMS),
            st.text(max_size=25) | PLAUSIBLE.map(str),
            max_size=4,
        )
    )
    def check(params: dict[str, str]) -> None:
        response = client.get("/api/v1/tickets/", params)
        assert response.status_code in (200, 400)

    check()
