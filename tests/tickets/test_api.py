"""REST API wiring: scope and permissions, status codes, error bodies, auth, pagination, query
counts and the OpenAPI schema. Behaviour of the services is tested with the services."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    MembershipFactory,
    MessageFactory,
    RoutingRuleFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    category,
    level,
)
from tickets import services
from tickets.models import (
    Message,
    MessageKind,
    Organization,
    Status,
    Team,
    Ticket,
    TicketEvent,
    User,
    WorkLogKind,
)
from tickets.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


def client_for(user: User | None = None) -> APIClient:
    """A client that authenticates like a script does: with a token."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return client_for


def team_of(user: User) -> Team:
    return user.memberships.get().team


def portal_ticket(customer: User, title: str = "打印机无法连接网络") -> Ticket:
    return services.ticket_create(
        actor=customer,
        data=services.TicketData(title=title, description="连接超时", channel="portal"),
    )


def detail(number: str, action: str = "") -> str:
    return f"{URL}{number}/{action + '/' if action else ''}"


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# --------------------------------------------------------------------------------------------
# Scope and permissions


def test_customer_sees_only_their_organization(api, customer, other_customer):
    mine = portal_ticket(customer)
    theirs = portal_ticket(other_customer)

    assert numbers(api(customer).get(URL)) == {mine.number}
    assert numbers(api(other_customer).get(URL)) == {theirs.number}


def test_another_organizations_ticket_is_a_404_everywhere(api, customer, other_customer):
    ticket = portal_ticket(customer)
    bob = api(other_customer)

    assert bob.get(detail(ticket.number)).status_code == 404
    for action in ("messages", "attachments", "events"):
        assert bob.get(detail(ticket.number, action)).status_code == 404
    response = bob.post(detail(ticket.number, "messages"), {"body": "hi"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert not Message.objects.filter(ticket=ticket).exists()


def test_customers_never_see_internal_notes_or_the_work_log(api, customer, agent):
    ticket = portal_ticket(customer)
    for kind, extra in (
        (MessageKind.REPLY, ""),
        (MessageKind.NOTE, ""),
        (MessageKind.WORKLOG, WorkLogKind.LOOK),
    ):
        services.message_add(
            ticket_id=ticket.pk, actor=agent, kind=kind, body=f"{kind} text", worklog_kind=extra
        )

    seen = api(customer).get(detail(ticket.number, "messages")).json()["results"]
    assert [m["kind"] for m in seen] == ["reply"]
    assert "note text" not in str(seen)

    staff = api(agent).get(detail(ticket.number, "messages")).json()["results"]
    assert [m["kind"] for m in staff] == ["reply", "note", "worklog"]


def test_customer_cannot_post_an_internal_note(api, customer):
    ticket = portal_ticket(customer)
    client = api(customer)

    response = client.post(
        detail(ticket.number, "messages"), {"kind": "note", "body": "secret"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Customers can only reply."
    assert not Message.objects.filter(ticket=ticket).exists()

    response = client.post(detail(ticket.number, "messages"), {"body": "more info"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "reply"
    assert response.json()["author"]["username"] == customer.username


def test_engineer_of_another_team_gets_404(api, engineer, outsider_engineer, org):
    ticket = TicketFactory(organization=org, team=team_of(engineer))

    assert api(engineer).get(detail(ticket.number)).status_code == 200
    assert numbers(api(engineer).get(URL)) == {ticket.number}

    outsider = api(outsider_engineer)
    assert outsider.get(detail(ticket.number)).status_code == 404
    assert numbers(outsider.get(URL)) == set()
    response = outsider.post(detail(ticket.number, "transition"), {"to": "in_progress"})
    assert response.status_code == 404


def test_agent_sees_every_organization(api, agent, customer, other_customer):
    both = {portal_ticket(customer).number, portal_ticket(other_customer).number}
    assert numbers(api(agent).get(URL)) == both


def test_history_is_for_staff_only(api, customer, agent):
    ticket = portal_ticket(customer)
    api(agent).patch(detail(ticket.number), {"title": "新标题", "reason": "typo"}, format="json")

    response = api(customer).get(detail(ticket.number, "history"))
    assert response.status_code == 403

    rows = api(agent).get(detail(ticket.number, "history")).json()
    assert rows[0]["reason"] == "typo"
    assert rows[0]["who"]["username"] == "agent"  # the token user is recorded as the author
    change = next(c for c in rows[0]["changes"] if c["name"] == "title")
    assert change["new"] == "新标题"


def test_customer_timeline_hides_internal_events(api, customer, agent, engineer):
    ticket = portal_ticket(customer)
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, reason="desk")
    services.ticket_hand_back(ticket_id=ticket.pk, actor=engineer, reason="wrong team")

    staff = {e["kind"] for e in api(agent).get(detail(ticket.number, "events")).json()["results"]}
    assert {"created", "assigned", "handed_back"} <= staff

    seen = api(customer).get(detail(ticket.number, "events")).json()["results"]
    assert {e["kind"] for e in seen} <= {"created", "status", "reopened"}
    assert "wrong team" not in str(seen)
    assert any(e["kind"] == "created" for e in seen)


def test_organizations_customer_sees_only_their_own(api, customer, other_org, agent):
    rows = api(customer).get("/api/v1/organizations/").json()["results"]
    assert [r["code"] for r in rows] == ["acme"]
    assert api(customer).get(f"/api/v1/organizations/{other_org.pk}/").status_code == 404

    codes = {r["code"] for r in api(agent).get("/api/v1/organizations/").json()["results"]}
    assert {"acme", "globex"} <= codes


def test_catalogue_is_read_only(api, agent, engineer):
    client = api(agent)
    tree = client.get("/api/v1/categories/").json()
    network = next(c for c in tree if c["code"] == "network")
    assert "network-down" in {child["code"] for child in network["children"]}
    assert all(c["parent"] is None for c in tree)

    levels = client.get("/api/v1/priority-levels/").json()
    assert {"urgent", "low"} <= {lv["code"] for lv in levels if lv["scheme"]["is_default"]}

    teams = client.get("/api/v1/teams/").json()["results"]
    assert team_of(engineer).code in {t["code"] for t in teams}

    for url in ("/api/v1/categories/", "/api/v1/teams/", "/api/v1/priority-levels/"):
        assert client.post(url, {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/teams/{team_of(engineer).pk}/").status_code == 405


def test_anonymous_is_refused(customer):
    ticket = portal_ticket(customer)
    assert client_for().get(URL).status_code == 401
    assert client_for().get(detail(ticket.number)).status_code == 401


# --------------------------------------------------------------------------------------------
# Create


def test_customer_creates_for_own_organization_through_the_api_channel(api, customer, org):
    response = api(customer).post(
        URL,
        {
            "title": "VPN 连接中断",
            "description": "since 9:00",
            "channel": "phone",
            "received_at": "2020-01-01T00:00:00Z",
            "impact": "department",
            "urgency": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.channel == "api"
    assert ticket.organization == org
    assert ticket.contact == customer
    assert ticket.received_at.year != 2020  # a customer cannot backdate the request
    assert body["impact"] == "department"
    assert body["organization"]["code"] == "acme"


def test_customer_cannot_create_for_another_organization(api, customer, other_org):
    response = api(customer).post(
        URL, {"title": "x", "description": "y", "organization": other_org.pk}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "organization"
    assert body["organization"] == [body["detail"]]
    assert not Ticket.objects.exists()


def test_agent_registers_a_phone_ticket(api, agent, org, customer):
    client = api(agent)
    base = {"title": "服务器宕机", "description": "core system down", "channel": "phone"}

    response = client.post(URL, base, format="json")
    assert response.status_code == 400
    assert response.json()["organization"] == ["Choose the customer's organization."]

    response = client.post(URL, {**base, "organization": org.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "received_at"

    response = client.post(
        URL,
        {
            **base,
            "organization": org.pk,
            "contact": customer.pk,
            "received_at": "2026-01-05T09:00:00+08:00",
            "category": category("hardware-server").pk,
            "secondary_categories": [category("network-down").pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "phone"
    assert body["contact"]["id"] == customer.pk
    assert body["category"]["code"] == "hardware-server"
    assert [c["code"] for c in body["secondary_categories"]] == ["network-down"]
    assert body["classified_at"] is not None


def test_agent_create_without_channel_defaults_to_api(api, agent, org):
    response = api(agent).post(
        URL, {"title": "t", "description": "d", "organization": org.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "api"


def test_create_reports_every_missing_field(api, customer):
    response = api(customer).post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "description"}


def test_create_rejects_bad_cc_addresses(api, customer):
    response = api(customer).post(
        URL, {"title": "t", "description": "d", "cc_emails": "a@b.cn, nonsense"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["cc_emails"] == ["“nonsense” is not an email address."]
    assert not Ticket.objects.exists()


# --------------------------------------------------------------------------------------------
# Actions


def test_illegal_transition_is_a_409_with_a_message(api, agent, customer):
    ticket = portal_ticket(customer)
    response = api(agent).post(detail(ticket.number, "transition"), {"to": "resolved"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "A ticket cannot move from “new” to “resolved, awaiting verification”.",
        "field": "status",
    }
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_transition_through_the_workflow(api, agent, engineer, customer):
    ticket = portal_ticket(customer)
    client = api(agent)
    response = client.post(detail(ticket.number, "assign"), {"assignee": engineer.pk})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assigned"

    response = client.post(detail(ticket.number, "transition"), {"to": "in_progress"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert "resolved" in {t["status"] for t in response.json()["allowed_transitions"]}


def test_transition_needs_a_known_status_and_the_right_role(api, agent, customer):
    ticket = portal_ticket(customer)
    response = api(agent).post(detail(ticket.number, "transition"), {"to": "done"})
    assert response.status_code == 400
    assert list(response.json()) == ["to"]

    response = api(agent).post(detail(ticket.number, "transition"), {}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()

    response = api(customer).post(detail(ticket.number, "transition"), {"to": "closed"})
    assert response.status_code == 403
    assert response.json()["detail"] == "You are not allowed to do this."


def test_reopen_without_reason_is_refused(api, agent, engineer, customer):
    ticket = portal_ticket(customer)
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer)
    for to in (Status.IN_PROGRESS, Status.RESOLVED):
        services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=to)

    response = api(engineer).post(detail(ticket.number, "transition"), {"to": "in_progress"})
    assert response.status_code == 409
    assert "needs a reason" in response.json()["detail"]

    response = api(engineer).post(
        detail(ticket.number, "transition"), {"to": "in_progress", "reason": "still broken"}
    )
    assert response.status_code == 200
    assert response.json()["reopen_count"] == 1


def test_assign_validates_ids_and_role(api, agent, customer, engineer):
    ticket = portal_ticket(customer)
    for junk in ({"assignee": 999_999}, {"assignee": "abc"}, {"team": 10**30}):
        response = api(agent).post(detail(ticket.number, "assign"), junk, format="json")
        assert response.status_code == 400, (junk, response.content)
        assert set(response.json()) == set(junk)

    response = api(agent).post(detail(ticket.number, "assign"), {"assignee": customer.pk})
    assert response.status_code == 400  # a customer is not one of our people

    response = api(customer).post(detail(ticket.number, "assign"), {"assignee": engineer.pk})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assign_with_nothing_routes_automatically(api, agent, customer, engineer):
    ticket = portal_ticket(customer)
    response = api(agent).post(detail(ticket.number, "assign"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [response.json()["detail"]]

    RoutingRuleFactory(team=team_of(engineer))
    response = api(agent).post(detail(ticket.number, "assign"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["id"] == engineer.pk
    assert response.json()["team"]["id"] == team_of(engineer).pk


def test_hand_back(api, agent, customer, engineer):
    ticket = portal_ticket(customer)
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer)

    response = api(engineer).post(detail(ticket.number, "hand-back"), {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()

    response = api(customer).post(detail(ticket.number, "hand-back"), {"reason": "no"})
    assert response.status_code == 403

    response = api(engineer).post(detail(ticket.number, "hand-back"), {"reason": "needs DBA"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "new"
    assert response.json()["assignee"] is None


def test_classify(api, agent, engineer, org):
    ticket = TicketFactory(organization=org, team=team_of(engineer))
    url = detail(ticket.number, "classify")
    main = category("network-down")

    response = api(engineer).post(url, {"category": main.pk})
    assert response.status_code == 403  # engineers work tickets; the desk classifies

    response = api(agent).post(url, {"category": main.pk, "impact": "everyone"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["impact"]

    response = api(agent).post(url, {"category": main.pk, "secondary": [main.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "secondary"

    response = api(agent).post(
        url,
        {
            "category": main.pk,
            "secondary": [category("hardware-server").pk],
            "tags": [],
            "impact": "core",
            "urgency": "critical",
            "reason": "whole site offline",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"]["code"] == "network-down"
    assert body["category"]["full_label"] == "Network / Connection lost"
    assert body["tags"] == []
    assert body["priority"]["code"] == "urgent"
    assert body["priority_rank"] == 1

    low = level("low")
    response = api(agent).post(url, {"category": main.pk, "level": low.pk}, format="json")
    assert response.json()["priority"]["id"] == low.pk


def test_partial_update_edits_only_registered_details(api, agent, customer):
    ticket = portal_ticket(customer)
    client = api(agent)

    response = client.patch(
        detail(ticket.number), {"title": "新标题", "urgency": "critical"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "新标题"
    assert response.json()["urgency"] == "critical"

    response = client.patch(detail(ticket.number), {"status": "closed"}, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == ["Change the status with POST …/transition/."]

    assert client.patch(detail(ticket.number), {}, format="json").status_code == 400
    response = client.patch(detail(ticket.number), {"cc_emails": "x@"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "cc_emails"
    response = client.patch(detail(ticket.number), {"title": "x" * 201}, format="json")
    assert response.status_code == 400
    assert client.put(detail(ticket.number), {"title": "x"}, format="json").status_code == 405

    response = api(customer).patch(detail(ticket.number), {"title": "mine"}, format="json")
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title == "新标题"
    assert ticket.status == Status.NEW


def test_staff_adds_note_and_work_log(api, engineer, org):
    ticket = TicketFactory(organization=org, team=team_of(engineer))
    url = detail(ticket.number, "messages")
    client = api(engineer)

    response = client.post(url, {"kind": "worklog", "body": "ping ok"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "worklog_kind"

    response = client.post(
        url, {"kind": "worklog", "worklog_kind": "test", "body": "ping ok"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["worklog_kind"] == "test"
    response = client.post(url, {"kind": "note", "body": "  "}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["body"]


# --------------------------------------------------------------------------------------------
# Junk never becomes a 500


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "status=bogus",
        "status=new&status=bogus",
        "organization=abc",
        "organization=99999999999999999999999",
        "team=-1",
        "assignee=1.5",
        "category=999999",
        "priority=x",
        "rank=abc",
        "rank=1e400",
        "channel=fax",
        "created_after=not-a-date",
        "created_before=2026-13-45",
        "ordering=sideways",
        "queue=everything",
        "page=0",
        "page=abc",
        "page=1000000",
        "page_size=-5",
        "page_size=lots",
    ],
)
def test_junk_list_parameters_are_400(api, agent, customer, query):
    portal_ticket(customer)
    response = api(agent).get(f"{URL}?{query}")
    assert response.status_code == 400, (query, response.content)
    field = query.split("=")[0]
    assert field in response.json()


@pytest.mark.parametrize(
    "query",
    ["q=%27%22;--", "q=TS-", "rank=99999999999999", "category=", "page=7", "page_size=1"],
)
def test_odd_but_valid_list_parameters_are_200(api, agent, customer, query):
    portal_ticket(customer)
    assert api(agent).get(f"{URL}?{query}").status_code == 200


def test_junk_bodies_are_4xx(api, agent, customer):
    ticket = portal_ticket(customer)
    client = api(agent)
    url = detail(ticket.number, "transition")

    response = client.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]

    response = client.post(url, '["in_progress"]', content_type="application/json")
    assert response.status_code == 400

    response = client.post(url, "to=in_progress", content_type="text/plain")
    assert response.status_code == 415

    response = client.post(URL, {"title": ["a"], "description": {"x": 1}}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"title", "description"}

    response = client.post(
        URL, {"title": "t", "description": "d", "organization": "acme"}, format="json"
    )
    assert response.status_code == 400

    response = client.post(
        detail(ticket.number, "messages"), {"kind": "shout", "body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["kind"]


def test_unknown_ticket_is_a_json_404(api, agent):
    for number in ("TS-20990101-001", "nonsense", "1"):
        response = api(agent).get(detail(number))
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_archived_ticket_is_read_only(api, agent, org):
    ticket = TicketFactory(organization=org, status=Status.ARCHIVED)
    response = api(agent).patch(detail(ticket.number), {"title": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Archived tickets are read-only."
    assert response.json()["non_field_errors"] == ["Archived tickets are read-only."]


# --------------------------------------------------------------------------------------------
# Authentication


def test_drf_create_token_gives_a_script_its_token(agent, customer):
    ticket = portal_ticket(customer)
    out = io.StringIO()
    call_command("drf_create_token", "agent", stdout=out)
    key = Token.objects.get(user=agent).key
    assert key in out.getvalue()

    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert numbers(script.get(URL)) == {ticket.number}

    script.credentials(HTTP_AUTHORIZATION=f"Token {key[:-1]}x")
    response = script.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_authentication_works_for_the_browser(customer):
    ticket = portal_ticket(customer)
    client = APIClient()
    client.force_login(customer)
    assert numbers(client.get(URL)) == {ticket.number}


# --------------------------------------------------------------------------------------------
# Pagination


def test_page_size_is_capped_and_pages_link_without_counting(api, agent, org):
    TicketFactory.create_batch(101, organization=org)
    client = api(agent)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}?page_size=5000")
    body = response.json()
    assert len(body["results"]) == 100
    assert body["previous"] is None
    assert body["next"].endswith("page=2&page_size=5000")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    page2 = client.get(body["next"]).json()
    assert len(page2["results"]) == 1
    assert page2["next"] is None
    assert "page=" not in page2["previous"]
    seen = {r["number"] for r in body["results"]} | {r["number"] for r in page2["results"]}
    assert len(seen) == 101

    page3 = client.get(f"{URL}?page=3&page_size=50").json()
    assert len(page3["results"]) == 1
    assert page3["previous"].endswith("page=2&page_size=50")

    assert client.get(f"{URL}?page=9").json()["results"] == []


def test_default_page_size_and_filters_on_the_list(api, agent, org, other_org, settings):
    settings.API_MAX_PAGE_SIZE = 3
    TicketFactory.create_batch(4, organization=org)
    other = TicketFactory(organization=other_org, status=Status.WAITING_CUSTOMER)
    client = api(agent)

    assert len(client.get(f"{URL}?page_size=10").json()["results"]) == 3
    assert numbers(client.get(f"{URL}?organization={other_org.pk}")) == {other.number}
    assert numbers(client.get(f"{URL}?status=waiting_customer")) == {other.number}
    assert numbers(client.get(f"{URL}?q={other.number}")) == {other.number}


def test_queues(api, engineer, org):
    team = team_of(engineer)
    mine = TicketFactory(organization=org, team=team, assignee=engineer, status=Status.ASSIGNED)
    unassigned = TicketFactory(organization=org, team=team)
    client = api(engineer)
    assert numbers(client.get(f"{URL}?queue=mine")) == {mine.number}
    assert numbers(client.get(f"{URL}?queue=unassigned")) == {unassigned.number}
    assert numbers(client.get(f"{URL}?queue=team")) == {mine.number, unassigned.number}


# --------------------------------------------------------------------------------------------
# Query counts: constant whatever the page size


def rich_tickets(n: int, org: Organization, team: Team, assignee: User) -> None:
    for _ in range(n):
        TicketFactory(
            organization=org,
            team=team,
            assignee=assignee,
            status=Status.ASSIGNED,
            category=category("network-down"),
            priority=level("high"),
        )


def list_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}?page_size=100")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["agent", "engineer", "customer"])
def test_list_costs_the_same_for_5_and_30_tickets(request, api, org, engineer, who):
    user = request.getfixturevalue(who)
    client = api(user)
    rich_tickets(5, org, team_of(engineer), engineer)
    small = list_queries(client)
    rich_tickets(25, org, team_of(engineer), engineer)
    assert len(client.get(f"{URL}?page_size=100").json()["results"]) == 30
    large = list_queries(client)
    assert small == large
    assert large <= 6  # token, permissions (2), page


def test_messages_cost_the_same_for_2_and_12(api, agent, customer):
    ticket = portal_ticket(customer)
    client = api(agent)
    url = detail(ticket.number, "messages")

    def add(n: int) -> int:
        for i in range(n):
            MessageFactory(ticket=ticket, author=customer if i % 2 else agent)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert add(2) == add(10)


def test_detail_has_a_bounded_query_count(api, agent, org, engineer, django_assert_max_num_queries):
    ticket = TicketFactory(organization=org, team=team_of(engineer), assignee=engineer)
    ticket.followers.add(*UserFactory.create_batch(3, role=Role.ENGINEER))
    ticket.secondary_categories.add(category("network-down"), category("data-loss"))
    client = api(agent)
    with django_assert_max_num_queries(10):
        response = client.get(detail(ticket.number))
    assert len(response.json()["followers"]) == 3
    assert {c["full_label"] for c in response.json()["secondary_categories"]} == {
        "Network / Connection lost",
        "Data anomaly / Data loss",
    }


# --------------------------------------------------------------------------------------------
# OpenAPI


def test_schema_lists_the_ticket_api():
    response = client_for().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/tickets/",
        "/api/v1/tickets/{number}/",
        "/api/v1/tickets/{number}/transition/",
        "/api/v1/tickets/{number}/assign/",
        "/api/v1/tickets/{number}/hand-back/",
        "/api/v1/tickets/{number}/classify/",
        "/api/v1/tickets/{number}/messages/",
        "/api/v1/tickets/{number}/attachments/",
        "/api/v1/tickets/{number}/events/",
        "/api/v1/tickets/{number}/history/",
        "/api/v1/categories/",
        "/api/v1/teams/",
        "/api/v1/organizations/",
        "/api/v1/priority-levels/",
    ):
        assert path in paths, path
    transition = paths["/api/v1/tickets/{number}/transition/"]["post"]
    assert "409" in transition["responses"]
    request_schema = transition["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["$ref"].endswith("/TransitionInputRequest")
    listing = paths["/api/v1/tickets/"]["get"]
    assert {"page", "page_size", "status", "queue"} <= {p["name"] for p in listing["parameters"]}
    page = schema["components"]["schemas"]["PaginatedTicketListOutputList"]
    assert set(page["properties"]) == {"next", "previous", "results"}
    upload = paths["/api/v1/tickets/{number}/attachments/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_swagger_ui_is_served_offline():
    response = client_for().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/api/schema/" in html
    for host in ("cdn", "unpkg", "jsdelivr"):
        assert host not in html.lower()


def test_api_root_lists_every_collection(api, agent):
    root = api(agent).get("/api/v1/").json()
    assert {"tickets", "categories", "teams", "organizations", "priority-levels"} <= set(root)


def test_events_record_who_did_what(api, agent, customer, engineer):
    ticket = portal_ticket(customer)
    api(agent).post(detail(ticket.number, "assign"), {"assignee": engineer.pk, "reason": "L2"})
    events = api(agent).get(detail(ticket.number, "events")).json()["results"]
    assigned = next(e for e in events if e["kind"] == TicketEvent.Kind.ASSIGNED)
    assert assigned["actor"]["username"] == "agent"
    assert assigned["reason"] == "L2"


def test_outsider_team_member_sees_team_ticket_only_after_joining(api, outsider_engineer, org):
    team = TeamFactory()
    ticket = TicketFactory(organization=org, team=team)
    assert api(outsider_engineer).get(detail(ticket.number)).status_code == 404
    MembershipFactory(team=team, user=outsider_engineer)
    assert api(outsider_engineer).get(detail(ticket.number)).status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/tickets/{number}/classify/" in target.read_text()


def test_a_token_users_saved_language_is_used(api, customer):
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    response = api(customer).get(detail("TS-20990101-001"))
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
    assert response["Content-Language"] == "zh-hans"
