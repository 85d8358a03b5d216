"""SLA API wiring: permissions and scope, status codes and error bodies, pagination, read-only
endpoints and the OpenAPI schema. The clock rules themselves are tested with the services."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sla.models import ClockEvent, ClockState, SlaPolicy, SupervisorTask, TicketClock
from sla.services import sla_sweep
from tickets import services
from tickets.models import Team, Ticket, User

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sla/"
LATER = dt.timedelta(days=30)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


def client_for(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def team_of(user: User) -> Team:
    return user.memberships.get().team


@pytest.fixture
def ticket(travel, customer, agent, engineer) -> Ticket:
    """A portal ticket dispatched to `engineer`'s team on a Monday morning: its clocks run."""
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(
            title="打印机无法连接网络", description="连接超时", channel="portal"
        ),
    )
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, reason="desk")
    ticket.refresh_from_db()
    return ticket


def running(ticket: Ticket, kind: str = "first_response") -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, kind=kind, state=ClockState.RUNNING)


def clocks_url(ticket: Ticket) -> str:
    return f"{BASE}clocks/?ticket={ticket.number}"


def extend_url(clock: TicketClock) -> str:
    return f"{BASE}clocks/{clock.pk}/extend/"


# ---------------------------------------------------------------------------------------------
# Permissions and scope


def test_customers_are_refused_every_sla_endpoint(customer, ticket):
    api = client_for(customer)
    for url in (
        clocks_url(ticket),
        f"{BASE}attention/",
        f"{BASE}tasks/",
        f"{BASE}calendars/",
        f"{BASE}policies/",
    ):
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.json()["detail"] == "Only support staff can see this."
    clock = running(ticket)
    response = api.post(
        extend_url(clock),
        {"new_due": (clock.due_at + LATER).isoformat(), "reason": "x", "customer_informed": True},
        format="json",
    )
    assert response.status_code == 403
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING
    assert not clock.events.filter(kind=ClockEvent.Kind.EXTENDED).exists()


def test_anonymous_callers_must_authenticate(ticket):
    assert client_for().get(clocks_url(ticket)).status_code == 401
    assert client_for().get(f"{BASE}policies/").status_code == 401


def test_the_ticket_parameter_is_required(engineer):
    response = client_for(engineer).get(f"{BASE}clocks/")
    assert response.status_code == 400
    assert "ticket" in response.json()


def test_engineer_of_another_team_gets_404(outsider_engineer, ticket):
    api = client_for(outsider_engineer)
    assert api.get(clocks_url(ticket)).status_code == 404
    clock = running(ticket)
    response = api.post(
        extend_url(clock),
        {"new_due": (clock.due_at + LATER).isoformat(), "reason": "x", "customer_informed": True},
        format="json",
    )
    assert response.status_code == 404


def test_unknown_ticket_is_404(engineer):
    assert client_for(engineer).get(f"{BASE}clocks/?ticket=TS-19990101-001").status_code == 404


def test_engineer_reads_the_clocks_of_a_team_ticket(
    engineer, ticket, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client_for(engineer).get(clocks_url(ticket))
    assert response.status_code == 200, response.content
    rows = response.json()
    by_kind = {row["kind"]: row for row in rows}
    assert set(by_kind) == set(
        TicketClock.objects.filter(ticket=ticket).values_list("kind", flat=True)
    )
    first = by_kind["first_response"]
    clock = running(ticket)
    assert first["id"] == clock.pk
    assert first["state"] == "running"
    assert first["label"] == clock.definition.label
    assert first["target"] == {"amount": clock.target_amount, "unit": clock.target_unit}
    assert first["due_at"] is not None and first["warn_at"] is not None
    assert first["paused_minutes"] == 0
    assert first["escalation_level"] == 0
    assert first["explanation"]["headline"].startswith("due at ")
    assert first["explanation"]["reasons"]
    assert [e["kind"] for e in first["events"]] == ["started"]
    assert by_kind["dispatch"]["state"] == "met"
    assert by_kind["dispatch"]["explanation"]["headline"].startswith("met at ")


# ---------------------------------------------------------------------------------------------
# Extending a deadline


def test_engineer_extends_a_running_deadline(engineer, ticket):
    clock = running(ticket)
    new_due = clock.due_at + dt.timedelta(hours=4)
    response = client_for(engineer).post(
        extend_url(clock),
        {
            "new_due": new_due.isoformat(),
            "reason": "等待厂商补丁",
            "customer_informed": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == clock.pk
    assert dt.datetime.fromisoformat(body["due_at"]) == new_due
    assert [e["kind"] for e in body["events"]] == ["started", "extended"]
    assert body["events"][-1]["reason"] == "等待厂商补丁"
    assert body["events"][-1]["actor"]["username"] == engineer.username
    assert any("等待厂商补丁" in r for r in body["explanation"]["reasons"])
    clock.refresh_from_db()
    assert clock.due_at == new_due


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_informed": False}, "customer_informed"),
        ({"reason": "   "}, "reason"),
        ({"hours": -1}, "new_due"),
        ({"new_due": "next tuesday"}, "new_due"),
        ({"new_due": None}, "new_due"),
    ],
)
def test_extension_refusals_name_the_field(engineer, ticket, change, field):
    clock = running(ticket)
    old_due = clock.due_at
    payload = {
        "new_due": (old_due + dt.timedelta(hours=change.pop("hours", 2))).isoformat(),
        "reason": "等待厂商补丁",
        "customer_informed": True,
        **change,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    response = client_for(engineer).post(extend_url(clock), payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field]
    clock.refresh_from_db()
    assert clock.due_at == old_due


def test_a_stopped_clock_cannot_be_extended(engineer, ticket):
    met = TicketClock.objects.get(ticket=ticket, kind="dispatch")
    response = client_for(engineer).post(
        extend_url(met),
        {"new_due": (timezone.now() + LATER).isoformat(), "reason": "x", "customer_informed": True},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Only a running clock can be extended."


def test_a_reader_without_work_permission_is_403(ticket):
    from tests.factories import UserFactory
    from tickets.roles import Role

    auditor = UserFactory(username="qa", role=Role.QA_AUDITOR)
    api = client_for(auditor)
    assert api.get(clocks_url(ticket)).status_code == 200
    clock = running(ticket)
    response = api.post(
        extend_url(clock),
        {"new_due": (clock.due_at + LATER).isoformat(), "reason": "x", "customer_informed": True},
        format="json",
    )
    assert response.status_code == 403


def test_unknown_clock_is_404(engineer):
    api = client_for(engineer)
    assert api.post(f"{BASE}clocks/999999/extend/", {}, format="json").status_code == 404
    assert api.post(f"{BASE}clocks/abc/extend/", {}, format="json").status_code == 404


# ---------------------------------------------------------------------------------------------
# Breaches and warnings


def test_supervisor_sees_breaches_outsider_does_not(supervisor, outsider_engineer, ticket):
    sla_sweep(now=timezone.now() + LATER)
    breached = set(
        TicketClock.objects.filter(ticket=ticket, state=ClockState.BREACHED)
        .exclude(kind="acknowledgement")
        .values_list("pk", flat=True)
    )
    assert breached
    response = client_for(supervisor).get(f"{BASE}attention/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    rows = [r for r in body["results"] if r["ticket"]["number"] == ticket.number]
    assert {r["id"] for r in rows} == breached
    row = rows[0]
    assert row["badge"] == "breached"
    assert row["ticket"]["title"] == ticket.title
    assert row["ticket"]["assignee"]["username"] == ticket.assignee.username
    assert row["ticket"]["url"].endswith(f"/api/v1/tickets/{ticket.number}/")

    outsider = client_for(outsider_engineer).get(f"{BASE}attention/")
    assert outsider.status_code == 200
    assert outsider.json()["results"] == []


def test_attention_lists_a_warning_before_the_deadline(engineer, ticket):
    clock = running(ticket)
    with time_machine.travel(clock.warn_at + dt.timedelta(seconds=1), tick=False):
        response = client_for(engineer).get(f"{BASE}attention/")
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert rows[clock.pk]["badge"] == "warning"
    assert rows[clock.pk]["state"] == "running"


def test_attention_list_is_paginated_without_a_count(supervisor, ticket):
    sla_sweep(now=timezone.now() + LATER)
    api = client_for(supervisor)
    first = api.get(f"{BASE}attention/", {"page_size": 1}).json()
    assert len(first["results"]) == 1
    assert first["next"] is not None and first["previous"] is None
    second = api.get(first["next"]).json()
    assert second["results"][0]["id"] != first["results"][0]["id"]
    assert api.get(f"{BASE}attention/", {"page": "x"}).status_code == 400


# ---------------------------------------------------------------------------------------------
# Supervisor tasks


@pytest.fixture
def escalated(ticket, supervisor, engineer) -> Ticket:
    """The supervisor leads the ticket's team; a sweep a month later escalates its breaches."""
    Team.objects.filter(pk=ticket.team_id).update(lead=supervisor)
    sla_sweep(now=timezone.now() + LATER)
    return ticket


def test_supervisor_lists_and_acknowledges_a_task_once(supervisor, escalated):
    api = client_for(supervisor)
    response = api.get(f"{BASE}tasks/")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    expected = SupervisorTask.objects.filter(assignee=supervisor, acknowledged_at__isnull=True)
    assert {r["id"] for r in results} == set(expected.values_list("pk", flat=True))
    task = results[0]
    assert task["ticket"]["number"] == escalated.number
    assert task["kind"] == "escalation"
    assert task["acknowledge_by"] is not None
    assert task["acknowledged_at"] is None

    url = f"{BASE}tasks/{task['id']}/acknowledge/"
    done = api.post(url, {"note": "已联系客户，安排专家会诊"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["acknowledged_at"] is not None
    assert done.json()["note"] == "已联系客户，安排专家会诊"
    stored = SupervisorTask.objects.get(pk=task["id"])
    assert stored.acknowledged_at is not None
    assert not TicketClock.objects.filter(task=stored, state=ClockState.RUNNING).exists()

    again = api.post(url, {"note": "again"}, format="json")
    assert again.status_code == 400
    assert again.json()["detail"] == "This task was already acknowledged."
    left = {r["id"] for r in api.get(f"{BASE}tasks/").json()["results"]}
    assert task["id"] not in left


def test_only_the_addressee_or_a_dispatcher_acknowledges(
    supervisor, engineer, outsider_engineer, escalated
):
    task = SupervisorTask.objects.filter(assignee=supervisor).first()
    url = f"{BASE}tasks/{task.pk}/acknowledge/"
    assert client_for(outsider_engineer).post(url, {}, format="json").status_code == 404
    refused = client_for(engineer).post(url, {}, format="json")
    assert refused.status_code == 403
    assert client_for(engineer).get(f"{BASE}tasks/").json()["results"] == []
    task.refresh_from_db()
    assert task.acknowledged_at is None


# ---------------------------------------------------------------------------------------------
# Calendars and policies, read-only


def test_calendars_show_slots_overrides_and_missing_years(agent):
    response = client_for(agent).get(f"{BASE}calendars/")
    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json()}
    china = by_code["china-mainland"]
    assert len(china["slots"]) == 10
    assert china["slots"][0] == {"weekday": 0, "start": "09:00:00", "end": "12:00:00"}
    assert isinstance(china["missing_years"], list)
    assert by_code["24x7"]["always_open"] is True
    assert by_code["24x7"]["missing_years"] == []
    detail = client_for(agent).get(f"{BASE}calendars/{china['id']}/")
    assert detail.status_code == 200
    assert detail.json()["code"] == "china-mainland"


def test_policies_show_targets_per_level_and_the_escalation_chain(agent):
    response = client_for(agent).get(f"{BASE}policies/")
    assert response.status_code == 200
    by_code = {p["code"]: p for p in response.json()}
    assert set(by_code) == set(SlaPolicy.objects.values_list("code", flat=True))
    four = by_code["four-level"]
    assert four["version"] == 1
    assert four["is_default"] is True
    assert four["priority_scheme"]["code"] == "four-level"
    targets = {
        (t["clock"], t["level"]["code"] if t["level"] else "*"): (t["amount"], t["unit"])
        for t in four["targets"]
    }
    assert targets[("first_response", "urgent")] == (120, "business_minutes")
    assert targets[("resolution", "low")] == (3, "working_days")
    assert [s["level"] for s in four["escalations"]] == [1, 2, 3]
    assert four["escalations"][0]["notify_team_lead"] is True


def test_calendars_and_policies_are_read_only(agent):
    api = client_for(agent)
    policy = SlaPolicy.objects.get(code="four-level")
    assert api.post(f"{BASE}policies/", {"code": "x"}, format="json").status_code == 405
    assert api.post(f"{BASE}calendars/", {"code": "x"}, format="json").status_code == 405
    assert api.put(f"{BASE}policies/{policy.pk}/", {}, format="json").status_code == 405
    assert api.patch(f"{BASE}policies/{policy.pk}/", {}, format="json").status_code == 405
    assert api.delete(f"{BASE}policies/{policy.pk}/").status_code == 405
    assert api.post(f"{BASE}attention/", {}, format="json").status_code == 405
    assert api.get(f"{BASE}policies/999999/").status_code == 404
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


# ---------------------------------------------------------------------------------------------
# OpenAPI


def test_schema_documents_the_sla_api():
    response = client_for().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/sla/clocks/",
        "/api/v1/sla/clocks/{id}/extend/",
        "/api/v1/sla/attention/",
        "/api/v1/sla/tasks/",
        "/api/v1/sla/tasks/{id}/acknowledge/",
        "/api/v1/sla/calendars/",
        "/api/v1/sla/calendars/{id}/",
        "/api/v1/sla/policies/",
        "/api/v1/sla/policies/{id}/",
    ):
        assert path in paths, path
    listing = paths["/api/v1/sla/clocks/"]["get"]
    ticket_param = next(p for p in listing["parameters"] if p["name"] == "ticket")
    assert ticket_param["required"] is True
    extend = paths["/api/v1/sla/clocks/{id}/extend/"]["post"]
    assert {"200", "400", "403", "404"} <= set(extend["responses"])
    assert "post" not in paths["/api/v1/sla/policies/"]
    attention = schema["components"]["schemas"]["PaginatedAttentionOutputList"]
    assert set(attention["properties"]) == {"next", "previous", "results"}
