"""REST API of the resolution workflow: wiring, status codes and permissions per role
(engineer, supervisor, customer → 403, another organization's or team's ticket → 404)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, TicketFactory
from tickets.models import EscalationRequest, SolutionPlan

from .test_services import STEPS, draft, escalate

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def plan_body(ticket, **overrides):
    return {
        "ticket": ticket.number,
        "root_cause": "磁盘写满",
        "steps": STEPS,
        "verification": "可登录",
        "rollback": "恢复备份",
        **overrides,
    }


def test_customers_are_refused_everywhere(api, urgent, customer):
    as_user(api, customer)
    for path in ("escalations", "workarounds", "consultations", "consultation-proposals", "plans"):
        assert api.get(f"/api/v1/{path}/").status_code == 403
    response = api.post(
        "/api/v1/escalations/",
        {"ticket": urgent.number, "problem": "p", "tried": "t", "resources": "r"},
        format="json",
    )
    assert response.status_code == 403


def test_another_organizations_rows_are_invisible(api, urgent, engineer, outsider_engineer):
    escalation = escalate(urgent, engineer)
    as_user(api, outsider_engineer)
    assert api.get("/api/v1/escalations/").json()["results"] == []
    assert api.get(f"/api/v1/escalations/{escalation.pk}/").status_code == 404
    response = api.post(
        "/api/v1/escalations/",
        {"ticket": urgent.number, "problem": "p", "tried": "t", "resources": "r"},
        format="json",
    )
    assert response.status_code == 400 and "ticket" in response.json()


def test_other_org_customer_cannot_reach_plans(api, urgent, engineer, other_org):
    plan = draft(urgent, engineer)
    bob = CustomerFactory(username="bob", organization=other_org)
    as_user(api, bob)
    assert api.get(f"/api/v1/plans/{plan.pk}/").status_code == 403


def test_escalation_request_and_answer_per_role(api, urgent, engineer, supervisor):
    as_user(api, engineer)
    response = api.post(
        "/api/v1/escalations/",
        {"ticket": urgent.number, "problem": "主从中断", "tried": "重启", "resources": "DBA"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    again = api.post(
        "/api/v1/escalations/",
        {"ticket": urgent.number, "problem": "p", "tried": "t", "resources": "r"},
        format="json",
    )
    assert again.status_code == 409
    assert api.post(f"/api/v1/escalations/{pk}/answer/", {"accept": True}).status_code == 403

    as_user(api, supervisor)
    response = api.post(f"/api/v1/escalations/{pk}/answer/", {"accept": False}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(
        f"/api/v1/escalations/{pk}/answer/",
        {"accept": False, "reason": "一线可处理"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "declined"
    assert EscalationRequest.objects.get().answered_by == supervisor


def test_workaround_api(api, urgent, engineer):
    as_user(api, engineer)
    response = api.post("/api/v1/workarounds/", {"ticket": urgent.number, "text": "切换备机"})
    assert response.status_code == 201 and response.json()["in_place"] is True
    pk = response.json()["id"]
    response = api.post(f"/api/v1/workarounds/{pk}/remove/", {"note": "已恢复"})
    assert response.json()["in_place"] is False
    assert api.post(f"/api/v1/workarounds/{pk}/remove/", {}).status_code == 409
    listed = api.get(f"/api/v1/workarounds/?ticket={urgent.number}").json()["results"]
    assert [w["id"] for w in listed] == [pk]


def test_plan_lifecycle_and_refusals(api, urgent, engineer, supervisor, supervisor2, colleague):
    as_user(api, colleague)
    assert api.post("/api/v1/plans/", plan_body(urgent), format="json").status_code == 403

    as_user(api, engineer)
    response = api.post("/api/v1/plans/", plan_body(urgent, steps=[]), format="json")
    assert response.status_code == 400 and "steps" in response.json()
    response = api.post("/api/v1/plans/", plan_body(urgent), format="json")
    assert response.status_code == 201
    pk = response.json()["id"]

    as_user(api, supervisor)
    assert api.post(f"/api/v1/plans/{pk}/review/", {"approve": True}).status_code == 409

    as_user(api, engineer)
    assert api.post(f"/api/v1/plans/{pk}/submit/").json()["required_approvals"] == 2
    body = plan_body(urgent)
    del body["ticket"]
    assert api.put(f"/api/v1/plans/{pk}/", body, format="json").status_code == 409

    as_user(api, supervisor)
    assert api.post(f"/api/v1/plans/{pk}/review/", {"approve": True}).json()["state"] == "submitted"
    second = api.post(f"/api/v1/plans/{pk}/review/", {"approve": True})
    assert second.status_code == 400
    response = as_user(api, supervisor2).post(
        f"/api/v1/plans/{pk}/review/", {"approve": False, "comment": "回退不完整"}
    )
    assert response.json()["state"] == "rejected"

    as_user(api, engineer)
    body["rollback"] = "恢复备份并验证"
    assert api.put(f"/api/v1/plans/{pk}/", body, format="json").status_code == 200
    changes = api.get(f"/api/v1/plans/{pk}/changes/").json()
    assert [(c["field"], c["new"]) for c in changes] == [("rollback", "恢复备份并验证")]
    assert SolutionPlan.objects.get().state == SolutionPlan.State.REJECTED


def test_consultation_api(api, urgent, engineer, supervisor, expert, product_manager):
    body = {
        "ticket": urgent.number,
        "kind": "three_party",
        "topic": "多系统故障",
        "participants": [
            {"user": engineer.pk, "discipline": "support"},
            {"user": product_manager.pk, "discipline": "product"},
        ],
    }
    as_user(api, engineer)
    assert api.post("/api/v1/consultations/", body, format="json").status_code == 403
    as_user(api, supervisor)
    response = api.post("/api/v1/consultations/", body, format="json")
    assert response.status_code == 400 and "participants" in response.json()
    body["participants"].append({"user": expert.pk, "discipline": "rnd"})
    response = api.post("/api/v1/consultations/", body, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]

    # the product manager was invited: they follow the ticket and may record the conclusion
    as_user(api, product_manager)
    response = api.post(
        f"/api/v1/consultations/{pk}/conclude/", {"findings": "接口超时", "conclusion": "R&D 修复"}
    )
    assert response.status_code == 200 and response.json()["state"] == "concluded"


def test_proposals_are_listed_by_ticket(api, travel, urgent, supervisor):
    from tests.sla.conftest import nov
    from tickets.services.resolution import consultation_propose_stalled

    travel.move_to(nov(23, 13, 43))
    consultation_propose_stalled()
    other = TicketFactory()
    as_user(api, supervisor)
    assert (
        len(api.get(f"/api/v1/consultation-proposals/?ticket={urgent.number}").json()["results"])
        == 1
    )
    assert api.get(f"/api/v1/consultation-proposals/?ticket={other.number}").json()["results"] == []
