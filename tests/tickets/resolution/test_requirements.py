"""Customer requirements (PROCESS §17): numbering, evaluation by a product manager within 3
working days (the clock on the source ticket), the customer's email, the UAT result; and their
API and pages per role."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sla.models import ClockKind, ClockState, TicketClock
from tests.factories import CustomerFactory, OrganizationFactory
from tests.sla.conftest import nov
from tickets.errors import Conflict, DomainError, NotAllowed
from tickets.models import OutboundEmail, Requirement
from tickets.services import requirements as svc

pytestmark = pytest.mark.django_db


def from_ticket(ticket, actor, **overrides):
    fields = {
        "title": "报表导出支持 PDF",
        "description": "希望报表可以直接导出 PDF",
        "kind": Requirement.Kind.NEW_FEATURE,
        "priority": Requirement.Priority.P1,
        **overrides,
    }
    return svc.requirement_create(actor=actor, source_ticket_id=ticket.pk, **fields)


def evaluate(requirement, actor, conclusion="implementable"):
    return svc.requirement_evaluate(
        requirement_id=requirement.pk,
        actor=actor,
        technology="可复用现有导出模块",
        resources="1 名开发 2 周",
        cost="低",
        conclusion=conclusion,
    )


def test_numbered_per_day_and_evaluated_within_three_working_days(
    travel, urgent, engineer, product_manager
):
    urgent.contact = None
    first = from_ticket(urgent, engineer)
    second = svc.requirement_create(
        actor=engineer,
        title="界面优化",
        description="按钮太小",
        kind=Requirement.Kind.EXPERIENCE,
        priority=Requirement.Priority.P2,
        organization=urgent.organization,
    )
    assert (first.number, second.number) == ("RD-20261123-001", "RD-20261123-002")
    assert list(first.tickets.all()) == [urgent]
    # 3 working days from Monday: the end of Thursday, the third working day after it
    assert first.evaluation_due_at == nov(26, 18, 0)
    assert second.evaluation_due_at == nov(26, 18, 0)
    clock = TicketClock.objects.get(ticket=urgent, kind=ClockKind.REQUIREMENT_EVALUATION)
    assert clock.due_at == nov(26, 18, 0)

    travel.move_to(nov(24, 15, 0))
    evaluate(first, product_manager)
    clock.refresh_from_db()
    assert (clock.state, clock.met_at) == (ClockState.MET, nov(24, 15, 0))
    with pytest.raises(Conflict):
        evaluate(first, product_manager)


def test_evaluation_emails_the_contact(travel, urgent, engineer, product_manager, customer):
    urgent.contact = customer
    urgent.save()
    requirement = from_ticket(urgent, engineer)
    evaluate(requirement, product_manager, conclusion="not_now")
    mail = OutboundEmail.objects.get(event_key=f"requirement-evaluated:{requirement.pk}")
    assert (mail.address, mail.template) == (customer.email, "requirement_evaluated")
    with pytest.raises(Conflict):
        svc.requirement_record_uat(requirement_id=requirement.pk, actor=engineer, result="passed")


def test_only_a_product_manager_evaluates(travel, urgent, engineer, supervisor):
    requirement = from_ticket(urgent, engineer)
    for actor in (engineer, supervisor):
        with pytest.raises(NotAllowed):
            evaluate(requirement, actor)


def test_accepted_requirement_ends_with_uat(travel, urgent, engineer, product_manager):
    requirement = from_ticket(urgent, engineer)
    with pytest.raises(Conflict):
        svc.requirement_record_uat(requirement_id=requirement.pk, actor=engineer, result="passed")
    evaluate(requirement, product_manager, conclusion="adjusted")
    with pytest.raises(DomainError):
        svc.requirement_record_uat(requirement_id=requirement.pk, actor=engineer, result="maybe")
    done = svc.requirement_record_uat(
        requirement_id=requirement.pk, actor=engineer, result="passed", note="客户验收通过"
    )
    assert (done.state, done.uat_result) == (Requirement.State.DONE, "passed")


def test_creation_refusals(travel, urgent, engineer, outsider_engineer, customer, other_customer):
    with pytest.raises(NotAllowed):
        from_ticket(urgent, outsider_engineer)
    with pytest.raises(NotAllowed):
        from_ticket(urgent, other_customer)
    with pytest.raises(DomainError) as bad:
        from_ticket(urgent, engineer, priority="P3")
    assert bad.value.field == "priority"
    other = OrganizationFactory(code="other")
    with pytest.raises(DomainError) as wrong:
        svc.requirement_create(
            actor=engineer,
            title="t",
            description="d",
            kind="new_feature",
            priority="P0",
            organization=other,
            linked_ticket_ids=[urgent.pk],
        )
    assert wrong.value.field == "tickets"
    with pytest.raises(DomainError):
        svc.requirement_create(
            actor=engineer,
            title="t",
            description="d",
            kind="new_feature",
            priority="P0",
            organization=other,
            contact=customer,
        )


def test_requirement_api_per_role(travel, urgent, engineer, product_manager, customer, other_org):
    api = APIClient()
    api.force_authenticate(customer)
    assert api.get("/api/v1/requirements/").status_code == 403
    api.force_authenticate(engineer)
    body = {
        "ticket": urgent.number,
        "title": "导出 PDF",
        "description": "d",
        "kind": "new_feature",
        "priority": "P1",
    }
    response = api.post("/api/v1/requirements/", body, format="json")
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    evaluation = {
        "technology": "可行",
        "resources": "2 人周",
        "cost": "低",
        "conclusion": "implementable",
    }
    url = f"/api/v1/requirements/{number}/evaluate/"
    assert api.post(url, evaluation).status_code == 403
    api.force_authenticate(product_manager)
    assert api.post(url, {**evaluation, "cost": ""}).status_code == 400
    assert api.post(url, evaluation).json()["state"] == "evaluated"
    assert api.post(url, evaluation).status_code == 409
    api.force_authenticate(engineer)
    uat = api.post(f"/api/v1/requirements/{number}/uat/", {"result": "passed"})
    assert uat.json()["uat_result"] == "passed"

    bob = CustomerFactory(username="bob", organization=other_org)
    api.force_authenticate(bob)
    assert api.get(f"/api/v1/requirements/{number}/").status_code == 403


def test_requirement_pages(client, travel, urgent, engineer, product_manager, outsider_engineer):
    client.force_login(engineer)
    create = reverse("tickets:requirement_create") + f"?ticket={urgent.number}"
    assert client.get(create).status_code == 200
    data = {"title": "导出 PDF", "description": "d", "kind": "new_feature", "priority": "P1"}
    assert client.post(create, {**data, "priority": "P9"}).status_code == 400
    response = client.post(create, data)
    requirement = Requirement.objects.get()
    assert response.status_code == 302 and requirement.source_ticket == urgent
    panel = reverse("tickets:resolution_panel", args=[urgent.number])
    assert requirement.number in client.get(panel).content.decode()

    detail = requirement.get_absolute_url()
    response = client.post(
        detail, {"technology": "t", "resources": "r", "cost": "c", "conclusion": "implementable"}
    )
    assert response.status_code == 400 and "product manager" in response.content.decode()
    client.force_login(product_manager)
    assert "Evaluate" in client.get(detail).content.decode()
    client.post(
        detail, {"technology": "t", "resources": "r", "cost": "c", "conclusion": "implementable"}
    )
    requirement.refresh_from_db()
    assert requirement.state == Requirement.State.EVALUATED
    assert client.get(reverse("tickets:requirements")).status_code == 200

    client.force_login(outsider_engineer)
    assert client.get(detail).status_code == 404


# --- the customer portal -------------------------------------------------------------------


def test_a_customer_raises_one_for_their_own_organization(
    travel, urgent, customer, product_manager
):
    requirement = from_ticket(urgent, customer, priority="P2")
    assert (requirement.organization, requirement.contact) == (urgent.organization, customer)
    assert requirement.source_ticket == urgent and list(requirement.tickets.all()) == [urgent]
    assert requirement.created_by == customer and requirement.evaluation_due_at is not None
    note = product_manager.notifications.get(kind="requirement_created")
    assert requirement.number in note.title


def test_a_customer_cannot_link_another_organizations_ticket(travel, urgent, other_customer):
    with pytest.raises(DomainError) as refused:
        svc.requirement_create(
            actor=other_customer,
            title="t",
            description="d",
            kind="new_feature",
            priority="P1",
            linked_ticket_ids=[urgent.pk],
        )
    assert refused.value.field == "tickets"
    assert not Requirement.objects.exists()


def test_portal_pages(client, travel, urgent, customer, other_customer, product_manager):
    client.force_login(customer)
    create = reverse("portal:requirement_create") + f"?ticket={urgent.number}"
    assert urgent.number in client.get(create).content.decode()
    data = {"title": "报表导出 PDF", "description": "月报需要 PDF", "kind": "new_feature"}
    refused = client.post(create, {**data, "priority": "P1", "tickets": "TS-19990101-001"})
    assert refused.status_code == 400 and "TS-19990101-001" in refused.content.decode()
    assert client.post(create, data).status_code == 400  # no priority: a form error
    assert not Requirement.objects.exists()
    response = client.post(create, {**data, "priority": "P1", "tickets": urgent.number.lower()})
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requirement", args=[requirement.number])
    assert requirement.number in client.get(reverse("portal:requirements")).content.decode()
    assert (
        requirement.number
        in client.get(reverse("portal:detail", args=[urgent.number])).content.decode()
    )

    evaluate(requirement, product_manager)
    page = client.get(response["Location"]).content.decode()
    assert (
        "implementable" in page and "可复用现有导出模块" not in page
    )  # the outcome, not the assessment

    client.force_login(other_customer)
    assert client.get(response["Location"]).status_code == 404
    assert requirement.number not in client.get(reverse("portal:requirements")).content.decode()
    assert client.get(create).status_code == 404


def test_the_portal_list_costs_the_same_for_more_requirements(
    client, travel, urgent, customer, django_assert_max_num_queries
):
    client.force_login(customer)
    url = reverse("portal:requirements")
    from_ticket(urgent, customer)
    client.get(url)  # warm the session and the caches
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for i in range(5):
        from_ticket(urgent, customer, title=f"需求 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("RD-") >= 6
