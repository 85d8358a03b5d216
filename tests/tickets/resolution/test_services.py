"""Resolution services with factories and frozen time: escalation (1-hour clock), workarounds,
the stall proposal job (exactly once per stall), consultations, solution plans and reviews.

Calendar "china-mainland": Mon–Fri 09:00–12:00 / 13:30–18:00. The urgent ticket is assigned at
Monday 10:12, which starts its 2-hour plan-submission clock.
"""

import pytest

from sla.models import ClockKind, ClockState, TicketClock
from tests.factories import UserFactory
from tests.sla.conftest import MEDIUM, nov, register_assigned
from tickets import resolution_selectors as selectors
from tickets import services
from tickets.errors import Conflict, DomainError, NotAllowed
from tickets.models import (
    ConsultationProposal,
    EscalationRequest,
    MessageKind,
    Notification,
    SolutionPlan,
    Status,
)
from tickets.roles import Role
from tickets.services import resolution as res

pytestmark = pytest.mark.django_db

STEPS = [
    {"action": "备份配置", "command": "cp /etc/app.conf /backup/", "risk": "无"},
    {"action": "重启服务", "command": "systemctl restart app", "risk": "中断 1 分钟"},
]


def clock_of(ticket, kind):
    return TicketClock.objects.get(ticket=ticket, kind=kind)


def escalate(ticket, actor):
    return res.escalation_request(
        ticket_id=ticket.pk,
        actor=actor,
        problem="数据库主从同步中断",
        tried="重启从库、检查网络",
        resources="需要 DBA 支持",
    )


def draft(ticket, actor, **overrides):
    fields = {
        "root_cause": "磁盘写满导致服务崩溃",
        "steps": STEPS,
        "verification": "用户可正常登录",
        "rollback": "恢复备份配置并重启",
        **overrides,
    }
    return res.plan_create(ticket_id=ticket.pk, actor=actor, **fields)


# --- escalation -------------------------------------------------------------------------------


def test_escalation_runs_the_one_hour_response_clock(travel, urgent, engineer, supervisor):
    request = escalate(urgent, engineer)
    clock = clock_of(urgent, ClockKind.ESCALATION_RESPONSE)
    assert (clock.state, clock.due_at) == (ClockState.RUNNING, nov(23, 11, 12))
    assert Notification.objects.filter(recipient=supervisor, kind="escalation_requested").exists()

    travel.move_to(nov(23, 10, 40))
    res.escalation_answer(escalation_id=request.pk, actor=supervisor, accept=True)
    clock.refresh_from_db()
    assert (clock.state, clock.met_at) == (ClockState.MET, nov(23, 10, 40))
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (EscalationRequest.State.ACCEPTED, supervisor)
    assert Notification.objects.filter(recipient=engineer, kind="escalation_answered").exists()


def test_an_expert_may_decline_with_a_reason(travel, urgent, engineer, expert):
    request = escalate(urgent, engineer)
    with pytest.raises(DomainError) as refused:
        res.escalation_answer(escalation_id=request.pk, actor=expert, accept=False)
    assert refused.value.field == "reason"
    res.escalation_answer(escalation_id=request.pk, actor=expert, accept=False, reason="一线可处理")
    request.refresh_from_db()
    assert (request.state, request.answer_reason) == (
        EscalationRequest.State.DECLINED,
        "一线可处理",
    )
    with pytest.raises(Conflict):
        res.escalation_answer(escalation_id=request.pk, actor=expert, accept=True)


def test_escalation_refusals(travel, urgent, engineer, colleague, customer, outsider_engineer):
    with pytest.raises(DomainError) as empty:
        res.escalation_request(
            ticket_id=urgent.pk, actor=engineer, problem=" ", tried="x", resources="y"
        )
    assert empty.value.field == "problem"
    request = escalate(urgent, engineer)
    with pytest.raises(Conflict):
        escalate(urgent, colleague)
    with pytest.raises(NotAllowed):
        res.escalation_answer(escalation_id=request.pk, actor=colleague, accept=True)
    with pytest.raises(NotAllowed):
        escalate(urgent, customer)
    with pytest.raises(NotAllowed):
        escalate(urgent, outsider_engineer)


def test_a_supervisor_cannot_answer_their_own_request(travel, urgent, supervisor):
    request = escalate(urgent, supervisor)
    with pytest.raises(DomainError):
        res.escalation_answer(escalation_id=request.pk, actor=supervisor, accept=True)


# --- workarounds -----------------------------------------------------------------------------


def test_workaround_is_recorded_then_removed_once(travel, urgent, engineer):
    workaround = res.workaround_add(ticket_id=urgent.pk, actor=engineer, text="切换到备用服务器")
    assert workaround.in_place and workaround.created_by == engineer
    travel.move_to(nov(23, 15, 0))
    res.workaround_remove(workaround_id=workaround.pk, actor=engineer, note="主服务器已恢复")
    workaround.refresh_from_db()
    assert not workaround.in_place and workaround.removed_at == nov(23, 15, 0)
    with pytest.raises(Conflict):
        res.workaround_remove(workaround_id=workaround.pk, actor=engineer)
    with pytest.raises(DomainError):
        res.workaround_add(ticket_id=urgent.pk, actor=engineer, text="")


# --- stall proposal ----------------------------------------------------------------------------


def test_stall_is_proposed_after_two_business_hours_exactly_once(
    travel, urgent, engineer, supervisor
):
    # 10:12 → 12:00 is 108 business minutes; the lunch break does not count
    travel.move_to(nov(23, 13, 41))
    assert res.consultation_propose_stalled() == 0
    travel.move_to(nov(23, 13, 43))
    assert res.consultation_propose_stalled() == 1
    assert res.consultation_propose_stalled() == 0
    proposal = ConsultationProposal.objects.get(ticket=urgent)
    assert proposal.stalled_since == nov(23, 10, 12)
    assert (
        Notification.objects.filter(recipient=supervisor, kind="consultation_proposed").count() == 1
    )

    # progress starts a new stall, proposed once it too lasts 2 business hours
    travel.move_to(nov(23, 14, 0))
    services.message_add(
        ticket_id=urgent.pk,
        actor=engineer,
        kind=MessageKind.WORKLOG,
        body="查看日志",
        worklog_kind="look",
    )
    travel.move_to(nov(23, 15, 59))
    assert res.consultation_propose_stalled() == 0
    travel.move_to(nov(23, 16, 0))
    assert res.consultation_propose_stalled() == 1
    assert res.consultation_propose_stalled() == 0
    assert list(
        ConsultationProposal.objects.filter(ticket=urgent)
        .order_by("stalled_since")
        .values_list("stalled_since", flat=True)
    ) == [nov(23, 10, 12), nov(23, 14, 0)]


def test_internal_notes_and_customer_messages_are_not_progress(travel, urgent, engineer, customer):
    travel.move_to(nov(23, 11, 0))
    services.message_add(ticket_id=urgent.pk, actor=engineer, kind=MessageKind.NOTE, body="想法")
    services.message_add(ticket_id=urgent.pk, actor=customer, kind=MessageKind.REPLY, body="还没好")
    travel.move_to(nov(23, 13, 43))
    assert res.consultation_propose_stalled() == 1


def test_status_change_is_progress_and_open_consultation_stops_proposals(
    travel, urgent, engineer, supervisor, expert
):
    travel.move_to(nov(23, 11, 0))
    services.ticket_transition(ticket_id=urgent.pk, actor=engineer, to=Status.IN_PROGRESS)
    travel.move_to(nov(23, 13, 43))
    assert res.consultation_propose_stalled() == 0
    res.consultation_convene(
        ticket_id=urgent.pk,
        actor=supervisor,
        kind="expert",
        topic="同步中断原因",
        participants=[(engineer, "support"), (expert, "network")],
    )
    travel.move_to(nov(23, 17, 0))
    assert res.consultation_propose_stalled() == 0


# --- consultation ------------------------------------------------------------------------------


def test_supervisor_convenes_a_proposed_consultation(travel, urgent, supervisor, engineer, expert):
    travel.move_to(nov(23, 13, 43))
    res.consultation_propose_stalled()
    proposal = ConsultationProposal.objects.get(ticket=urgent)
    consultation = res.consultation_convene(
        ticket_id=urgent.pk,
        actor=supervisor,
        kind="expert",
        topic="同步中断原因",
        participants=[(engineer, "software"), (expert, "network")],
        proposal_id=proposal.pk,
    )
    proposal.refresh_from_db()
    assert proposal.state == ConsultationProposal.State.CONVENED
    assert consultation.participants.count() == 2
    invited = Notification.objects.filter(kind="consultation_invited").values_list(
        "recipient__username", flat=True
    )
    assert sorted(invited) == ["eng", "expert"]

    with pytest.raises(DomainError):
        res.consultation_conclude(
            consultation_id=consultation.pk, actor=expert, findings="x", conclusion=" "
        )
    res.consultation_conclude(
        consultation_id=consultation.pk,
        actor=expert,
        findings="交换机丢包",
        conclusion="更换交换机",
    )
    consultation.refresh_from_db()
    assert (consultation.state, consultation.concluded_by) == ("concluded", expert)


def test_consultation_refusals(travel, urgent, supervisor, engineer, expert, customer, colleague):
    def convene(actor, kind, participants):
        return res.consultation_convene(
            ticket_id=urgent.pk, actor=actor, kind=kind, topic="t", participants=participants
        )

    with pytest.raises(NotAllowed):
        convene(engineer, "expert", [(colleague, "support"), (expert, "network")])
    with pytest.raises(DomainError):
        convene(supervisor, "expert", [(colleague, "support"), (expert, "support")])
    with pytest.raises(DomainError):
        convene(supervisor, "three_party", [(colleague, "support"), (expert, "product")])
    with pytest.raises(DomainError):
        convene(supervisor, "expert", [(customer, "support"), (expert, "network")])
    pm = UserFactory(username="pm", role=Role.PRODUCT_MANAGER)
    consultation = convene(
        supervisor, "three_party", [(colleague, "support"), (pm, "product"), (expert, "rnd")]
    )
    outsider = UserFactory(username="eng9", role=Role.ENGINEER)
    with pytest.raises(NotAllowed):
        res.consultation_conclude(
            consultation_id=consultation.pk, actor=outsider, findings="f", conclusion="c"
        )


# --- solution plans ----------------------------------------------------------------------------


def test_urgent_plan_needs_two_distinct_approvals(
    travel, urgent, engineer, supervisor, supervisor2
):
    plan = draft(urgent, engineer, steps=[*STEPS, {"action": "", "command": "", "risk": ""}])
    assert len(plan.steps) == 2 and plan.state == SolutionPlan.State.DRAFT
    with pytest.raises(Conflict):
        res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)

    travel.move_to(nov(23, 11, 0))
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    clock = clock_of(urgent, ClockKind.PLAN_SUBMISSION)
    assert (clock.state, clock.met_at) == (ClockState.MET, nov(23, 11, 0))

    plan = res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    assert (plan.state, plan.required_approvals) == (SolutionPlan.State.SUBMITTED, 2)
    with pytest.raises(DomainError):
        res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    plan = res.plan_review(plan_id=plan.pk, actor=supervisor2, approve=True)
    assert plan.state == SolutionPlan.State.APPROVED


def test_medium_plan_needs_one_approval(travel, agent, org, team, engineer, supervisor):
    ticket = register_assigned(agent, org, team, engineer, level=MEDIUM)
    assert not TicketClock.objects.filter(ticket=ticket, kind=ClockKind.PLAN_SUBMISSION).exists()
    plan = draft(ticket, engineer)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    plan = res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    assert (plan.state, plan.required_approvals) == (SolutionPlan.State.APPROVED, 1)


def test_rejected_plan_is_revised_and_the_new_round_starts_from_zero(
    travel, urgent, engineer, supervisor, supervisor2
):
    plan = draft(urgent, engineer)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    assert selectors.plan_changes_since_review(plan) is None
    res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    with pytest.raises(DomainError) as no_comment:
        res.plan_review(plan_id=plan.pk, actor=supervisor2, approve=False)
    assert no_comment.value.field == "comment"
    plan = res.plan_review(
        plan_id=plan.pk, actor=supervisor2, approve=False, comment="缺少回退验证"
    )
    assert plan.state == SolutionPlan.State.REJECTED

    res.plan_update(
        plan_id=plan.pk,
        actor=engineer,
        root_cause="磁盘写满导致服务崩溃",
        steps=STEPS,
        verification="用户可正常登录",
        rollback="恢复备份配置并重启，再确认登录",
    )
    plan.refresh_from_db()
    changes = selectors.plan_changes_since_review(plan)
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("rollback", "恢复备份配置并重启", "恢复备份配置并重启，再确认登录")
    ]
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    plan = res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    assert (plan.round, plan.state) == (2, SolutionPlan.State.SUBMITTED)
    plan = res.plan_review(plan_id=plan.pk, actor=supervisor2, approve=True)
    assert plan.state == SolutionPlan.State.APPROVED
    assert plan.history.count() >= 6


def test_plan_refusals(travel, urgent, engineer, colleague, supervisor):
    with pytest.raises(NotAllowed):
        draft(urgent, colleague)
    plan = draft(urgent, engineer)
    with pytest.raises(Conflict):
        draft(urgent, engineer)
    with pytest.raises(DomainError) as no_steps:
        res.plan_update(
            plan_id=plan.pk,
            actor=engineer,
            root_cause="r",
            steps=[],
            verification="v",
            rollback="b",
        )
    assert no_steps.value.field == "steps"
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    with pytest.raises(Conflict):
        res.plan_update(
            plan_id=plan.pk,
            actor=engineer,
            root_cause="r",
            steps=STEPS,
            verification="v",
            rollback="b",
        )
    with pytest.raises(NotAllowed):
        res.plan_review(plan_id=plan.pk, actor=colleague, approve=True)


def test_the_author_cannot_review_their_own_plan(travel, agent, org, team, supervisor):
    ticket = register_assigned(agent, org, team, supervisor)
    plan = draft(ticket, supervisor)
    res.plan_submit(plan_id=plan.pk, actor=supervisor)
    with pytest.raises(DomainError, match="author"):
        res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
