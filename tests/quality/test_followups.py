"""A dissatisfied answer opens a follow-up with its 12-hour clock, an alert and a notification;
the follow-up records cause and remedy and tells the customer; the revisit 48 hours later
confirms the problem stays solved. Time is frozen."""

import datetime as dt

import pytest
from django.core import mail

from quality import tasks
from quality.models import FollowUp, OrganizationPreference, Revisit, Survey
from quality.services import (
    followup_close,
    followup_start,
    revisit_record,
    revisit_remind,
    survey_answer,
    survey_sweep,
)
from quality.services.links import survey_token
from sla.models import ClockState, TicketClock
from sla.services import sla_sweep
from tickets.errors import DomainError, NotAllowed
from tickets.models import ChatRobot, Notification, RobotMessage

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)
CLOSE = {"cause": "工程师未确认根因", "remedy": "已更换配置并复查", "customer_message": "很抱歉"}


@pytest.fixture
def robot(team):
    return ChatRobot.objects.create(
        team=team,
        name="组群机器人",
        platform="wecom",
        webhook_url="http://127.0.0.1:9/hook",
        kinds=["dissatisfied"],
    )


@pytest.fixture
def survey(resolved, travel, django_capture_on_commit_callbacks):
    travel.move_to(resolved.resolved_at + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        survey_sweep()
    return Survey.objects.get()


def answer(survey, *, scores=(2, 4, 5), comment="问题没有解决"):
    return survey_answer(
        number=survey.ticket.number,
        token=survey_token(survey),
        resolution_score=scores[0],
        attitude_score=scores[1],
        speed_score=scores[2],
        comment=comment,
    )


def test_dissatisfied_answer_opens_a_followup_for_the_team_lead(survey, supervisor, robot):
    result = answer(survey)
    assert result.dissatisfied
    followup = FollowUp.objects.get()
    assert (followup.owner, followup.status, followup.ticket) == (supervisor, "open", survey.ticket)
    clock = TicketClock.objects.get(ticket=survey.ticket, kind="followup")
    assert clock.state == ClockState.RUNNING
    assert clock.due_at == result.created_at + dt.timedelta(hours=12) == followup.due_at
    note = Notification.objects.get(recipient=supervisor, kind="dissatisfied")
    assert survey.ticket.number in note.title
    message = RobotMessage.objects.get(kind="dissatisfied")
    assert survey.ticket.number in message.payload["title"]


def test_threshold_is_configurable(survey, settings):
    settings.QUALITY_DISSATISFIED_MAX_SCORE = 3
    assert answer(survey, scores=(3, 5, 5)).dissatisfied
    assert FollowUp.objects.count() == 1


def test_satisfied_answer_opens_nothing(survey):
    assert not answer(survey, scores=(3, 3, 3)).dissatisfied
    assert not FollowUp.objects.exists()
    assert not TicketClock.objects.filter(kind="followup").exists()


def test_the_account_manager_owns_it_when_the_organization_has_one(survey, org, account_manager):
    OrganizationPreference.objects.create(organization=org, account_manager=account_manager)
    answer(survey)
    assert FollowUp.objects.get().owner == account_manager
    assert Notification.objects.filter(recipient=account_manager, kind="dissatisfied").exists()


def test_followup_clock_breaches_after_12_hours_if_not_started(survey, travel, supervisor):
    answer(survey)
    followup = FollowUp.objects.get()
    travel.move_to(followup.due_at + dt.timedelta(minutes=1))
    sla_sweep()
    clock = TicketClock.objects.get(kind="followup")
    assert clock.state == ClockState.BREACHED


def test_start_stops_the_clock_and_close_tells_the_customer(
    survey, travel, supervisor, django_capture_on_commit_callbacks
):
    answer(survey)
    followup = FollowUp.objects.get()
    travel.move_to(followup.created_at + dt.timedelta(hours=3))
    followup_start(followup_id=followup.pk, actor=supervisor)
    assert TicketClock.objects.get(kind="followup").state == ClockState.MET
    with pytest.raises(DomainError):
        followup_start(followup_id=followup.pk, actor=supervisor)

    with pytest.raises(DomainError) as refused:
        followup_close(followup_id=followup.pk, actor=supervisor, **{**CLOSE, "cause": " "})
    assert refused.value.field == "cause"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        followup_close(followup_id=followup.pk, actor=supervisor, **CLOSE)
    followup.refresh_from_db()
    assert (followup.status, followup.cause, followup.remedy) == (
        "closed",
        CLOSE["cause"],
        CLOSE["remedy"],
    )
    (sent,) = mail.outbox
    assert (
        sent.to == ["carol@acme.example"] and "很抱歉" in sent.body and CLOSE["remedy"] in sent.body
    )
    revisit = Revisit.objects.get()
    assert revisit.due_at == followup.closed_at + dt.timedelta(hours=48)
    assert revisit.owner == supervisor

    # Closing twice neither mails again nor makes a second revisit.
    with pytest.raises(DomainError), django_capture_on_commit_callbacks(execute=True):
        followup_close(followup_id=followup.pk, actor=supervisor, **CLOSE)
    assert len(mail.outbox) == 1 and Revisit.objects.count() == 1


def test_closing_an_unstarted_followup_starts_it(survey, supervisor):
    answer(survey)
    followup = FollowUp.objects.get()
    followup_close(followup_id=followup.pk, actor=supervisor, **CLOSE)
    followup.refresh_from_db()
    assert followup.started_at == followup.closed_at
    assert TicketClock.objects.get(kind="followup").state == ClockState.MET


def test_who_may_handle_a_followup(survey, engineer, customer, agent, supervisor):
    answer(survey)
    followup = FollowUp.objects.get()
    for stranger in (engineer, customer):
        with pytest.raises(NotAllowed):
            followup_start(followup_id=followup.pk, actor=stranger)
    # The service desk (may dispatch) can act for an absent supervisor.
    followup_start(followup_id=followup.pk, actor=agent)


def test_revisit_reminder_at_48_hours_once_and_record(
    survey, travel, supervisor, django_capture_on_commit_callbacks
):
    answer(survey)
    followup = FollowUp.objects.get()
    followup_close(followup_id=followup.pk, actor=supervisor, **CLOSE)
    revisit = Revisit.objects.get()

    travel.move_to(revisit.due_at - dt.timedelta(minutes=1))
    assert revisit_remind() == 0
    with pytest.raises(DomainError):
        revisit_record(revisit_id=revisit.pk, actor=supervisor, problem_solved=True)

    travel.move_to(revisit.due_at)
    assert tasks.revisit_remind() == 1
    assert tasks.revisit_remind() == 0
    assert Notification.objects.filter(recipient=supervisor, kind="revisit_due").count() == 1

    revisit_record(
        revisit_id=revisit.pk, actor=supervisor, problem_solved=True, unmet_needs="希望培训"
    )
    revisit.refresh_from_db()
    assert (revisit.problem_solved, revisit.unmet_needs, revisit.done_by) == (
        True,
        "希望培训",
        supervisor,
    )
    with pytest.raises(DomainError):
        revisit_record(revisit_id=revisit.pk, actor=supervisor, problem_solved=False)


def test_a_failed_revisit_notifies(survey, travel, supervisor, account_manager, org):
    OrganizationPreference.objects.create(organization=org, account_manager=account_manager)
    answer(survey)
    followup = FollowUp.objects.get()
    followup_close(followup_id=followup.pk, actor=account_manager, **CLOSE)
    revisit = Revisit.objects.get()
    travel.move_to(revisit.due_at)
    revisit_record(
        revisit_id=revisit.pk, actor=account_manager, problem_solved=False, note="又坏了"
    )
    kinds = set(
        Notification.objects.filter(kind="revisit_failed").values_list("recipient", flat=True)
    )
    assert kinds == {account_manager.pk, supervisor.pk}


def test_invalid_scores_are_refused_by_the_service(survey):
    with pytest.raises(DomainError) as refused:
        answer(survey, scores=(0, 3, 3))
    assert refused.value.field == "resolution_score"
    assert Survey.objects.get().status == "sent"
