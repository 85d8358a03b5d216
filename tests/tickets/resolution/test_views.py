"""Engineer UI of the resolution workflow: the ticket page's panel with the next action per role,
the actions, the plan and consultation pages; refusals shown on the form or as a message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tickets.models import EscalationRequest, SolutionPlan
from tickets.services import resolution as res

from .test_services import STEPS, draft, escalate

pytestmark = pytest.mark.django_db


def page(client, user, ticket):
    """The ticket page's resolution panel (the page loads it right after it is shown)."""
    client.force_login(user)
    response = client.get(ticket.get_absolute_url())
    if response.status_code != 200:
        return response
    panel_url = reverse("tickets:resolution_panel", args=[ticket.number])
    assert panel_url in response.content.decode()
    return client.get(panel_url)


def plan_post(**overrides):
    data = {
        "root_cause": "磁盘写满",
        "verification": "可登录",
        "rollback": "恢复备份",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-action": "清理日志",
        "steps-0-command": "rm /var/log/app/*.gz",
        "steps-0-risk": "无",
        "steps-1-action": "",
        **overrides,
    }
    return data


def test_panel_shows_each_role_its_next_step(client, urgent, engineer, supervisor):
    response = page(client, engineer, urgent)
    assert response.status_code == 200
    assert b'id="resolution"' in response.content
    assert "Draft the solution plan." in response.content.decode()

    escalate(urgent, engineer)
    body = page(client, supervisor, urgent).content.decode()
    assert "Answer the escalation request (within 1 hour)." in body
    assert reverse("tickets:escalation_answer", args=[urgent.number, 1]).rsplit("/", 3)[0] in body
    body = page(client, engineer, urgent).content.decode()
    assert "Answer the escalation request" not in body


def test_customer_and_outsider_never_see_the_panel(client, urgent, customer, outsider_engineer):
    assert page(client, customer, urgent).status_code == 302
    assert page(client, outsider_engineer, urgent).status_code == 404
    url = reverse("tickets:escalation_request", args=[urgent.number])
    response = client.post(url, {"problem": "p", "tried": "t", "resources": "r"})
    assert response.status_code == 404
    assert not EscalationRequest.objects.exists()


def test_escalation_actions_through_the_page(client, urgent, engineer, supervisor, colleague):
    client.force_login(engineer)
    url = reverse("tickets:escalation_request", args=[urgent.number])
    response = client.post(url, {"problem": "主从中断", "tried": "重启", "resources": "DBA"})
    assert response.status_code == 302
    escalation = EscalationRequest.objects.get()

    answer = reverse("tickets:escalation_answer", args=[urgent.number, escalation.pk])
    client.force_login(colleague)
    response = client.post(answer, {"accept": "1"})
    assert "supervisor or an expert" in str(list(get_messages(response.wsgi_request))[-1])
    client.force_login(supervisor)
    client.post(answer, {"accept": "0", "reason": ""})
    escalation.refresh_from_db()
    assert escalation.state == EscalationRequest.State.PENDING
    client.post(answer, {"accept": "0", "reason": "一线可处理"})
    escalation.refresh_from_db()
    assert escalation.state == EscalationRequest.State.DECLINED


def test_workaround_through_the_page(client, urgent, engineer):
    client.force_login(engineer)
    client.post(reverse("tickets:workaround_add", args=[urgent.number]), {"text": "切换备机"})
    workaround = urgent.workarounds.get()
    assert "切换备机" in page(client, engineer, urgent).content.decode()
    client.post(
        reverse("tickets:workaround_remove", args=[urgent.number, workaround.pk]), {"note": "ok"}
    )
    workaround.refresh_from_db()
    assert not workaround.in_place


def test_plan_is_drafted_submitted_and_reviewed_in_the_ui(
    client, urgent, engineer, supervisor, supervisor2
):
    client.force_login(engineer)
    create = reverse("tickets:plan_create", args=[urgent.number])
    assert client.get(create).status_code == 200
    response = client.post(create, plan_post(rollback=""))
    assert response.status_code == 400
    response = client.post(create, plan_post())
    plan = SolutionPlan.objects.get()
    assert response.status_code == 302 and plan.steps[0]["action"] == "清理日志"
    client.post(reverse("tickets:plan_submit", args=[urgent.number, plan.pk]))

    # a submitted plan is frozen: the edit form answers with the refusal
    response = client.post(reverse("tickets:plan_edit", args=[urgent.number, plan.pk]), plan_post())
    assert response.status_code == 400
    assert "cannot be edited" in response.content.decode()

    detail = reverse("tickets:plan", args=[urgent.number, plan.pk])
    response = client.post(detail, {"approve": "1"})
    assert response.status_code == 400 and "Only a supervisor" in response.content.decode()

    client.force_login(supervisor)
    assert "Your review" in client.get(detail).content.decode()
    client.post(detail, {"approve": "0", "comment": "补充回退验证"})
    plan.refresh_from_db()
    assert plan.state == SolutionPlan.State.REJECTED

    client.force_login(engineer)
    edit = reverse("tickets:plan_edit", args=[urgent.number, plan.pk])
    response = client.post(edit, plan_post(rollback="恢复备份并验证登录"))
    assert response.status_code == 302
    client.post(reverse("tickets:plan_submit", args=[urgent.number, plan.pk]))
    client.force_login(supervisor2)
    body = client.get(detail).content.decode()
    assert "Changed since the last review" in body and "恢复备份并验证登录" in body


def test_second_approval_by_the_same_supervisor_is_a_form_error(
    client, urgent, engineer, supervisor
):
    plan = draft(urgent, engineer, steps=STEPS)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    client.force_login(supervisor)
    detail = reverse("tickets:plan", args=[urgent.number, plan.pk])
    client.post(detail, {"approve": "1"})
    response = client.post(detail, {"approve": "1"})
    assert response.status_code == 400
    assert "already reviewed" in response.content.decode()


def test_convening_is_for_supervisors(client, urgent, engineer, supervisor, expert):
    url = reverse("tickets:consultation_convene", args=[urgent.number])
    client.force_login(engineer)
    assert client.get(url).status_code == 403
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "expert", "topic": "原因", "d_support": [engineer.pk, expert.pk]}
    )
    assert response.status_code == 400
    assert "at least two disciplines" in response.content.decode()
    response = client.post(
        url,
        {"kind": "expert", "topic": "原因", "d_support": [engineer.pk], "d_network": [expert.pk]},
    )
    assert response.status_code == 302
    consultation = urgent.consultations.get()
    body = page(client, expert, urgent).content.decode()
    assert "Record the consultation&#x27;s findings" in body or "findings and conclusion" in body
    client.post(
        reverse("tickets:consultation_conclude", args=[urgent.number, consultation.pk]),
        {"findings": "丢包", "conclusion": "换交换机"},
    )
    consultation.refresh_from_db()
    assert consultation.state == "concluded"


def test_panel_queries_do_not_grow_with_its_rows(client, urgent, engineer, supervisor, expert):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert page(client, supervisor, urgent).status_code == 200
        return len(ctx.captured_queries)

    def convene():
        res.consultation_convene(
            ticket_id=urgent.pk,
            actor=supervisor,
            kind="expert",
            topic="原因",
            participants=[(engineer, "support"), (expert, "network")],
        )

    first = escalate(urgent, engineer)
    res.workaround_add(ticket_id=urgent.pk, actor=engineer, text="切换备机")
    convene()
    plan = draft(urgent, engineer)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    page(client, supervisor, urgent)
    before = count()

    res.escalation_answer(escalation_id=first.pk, actor=supervisor, accept=True)
    escalate(urgent, engineer)
    res.workaround_add(ticket_id=urgent.pk, actor=engineer, text="降级服务")
    convene()
    res.plan_review(plan_id=plan.pk, actor=supervisor, approve=False, comment="补充")
    assert count() == before
