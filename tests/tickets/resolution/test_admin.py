"""The resolution workflow's admin: every list and change page opens, nothing can be added,
changed or deleted there (audit rows)."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tickets.services import resolution as res

from .test_services import draft, escalate

pytestmark = pytest.mark.django_db

MODELS = (
    "escalationrequest",
    "workaround",
    "consultationproposal",
    "consultation",
    "solutionplan",
    "planreview",
    "requirement",
)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_resolution_admin_is_read_only(admin_client, urgent, engineer, supervisor):
    escalation = escalate(urgent, engineer)
    plan = draft(urgent, engineer)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    for model in MODELS:
        assert admin_client.get(reverse(f"admin:tickets_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:tickets_{model}_add")).status_code == 403
    change = reverse("admin:tickets_escalationrequest_change", args=[escalation.pk])
    response = admin_client.post(change, {"state": "accepted"})
    assert response.status_code == 403
    escalation.refresh_from_db()
    assert escalation.state == "pending"
    history = reverse("admin:tickets_solutionplan_history", args=[plan.pk])
    assert admin_client.get(history).status_code == 200
    delete = reverse("admin:tickets_planreview_delete", args=[plan.reviews.get().pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert plan.reviews.count() == 1
