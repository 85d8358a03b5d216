"""The survey sweep (PROCESS §13): 24 hours after resolution, once per round, at most once per
contact per period, exactly once when the task is retried or runs twice. Time is frozen."""

import datetime as dt

import pytest
from django.core import mail

from quality import tasks
from quality.models import Survey
from quality.services import survey_sweep
from sla.models import ClockState, TicketClock
from tests.quality.conftest import MEDIUM, register_assigned, resolve
from tickets import services
from tickets.models import Status

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)


def survey_mails():
    return [m for m in mail.outbox if "survey" in m.body.lower() or "/quality/survey/" in m.body]


def sweep(capture):
    with capture(execute=True):
        return survey_sweep()


def test_not_before_the_24_hours_then_sent_once(
    resolved, travel, django_capture_on_commit_callbacks
):
    travel.move_to(resolved.resolved_at + DAY - dt.timedelta(minutes=11))
    assert sweep(django_capture_on_commit_callbacks).sent == 0
    assert not Survey.objects.exists()

    travel.move_to(resolved.resolved_at + DAY - dt.timedelta(minutes=5))
    result = sweep(django_capture_on_commit_callbacks)
    assert (result.created, result.sent, result.skipped) == (1, 1, 0)
    survey = Survey.objects.get()
    assert (survey.round, survey.status, survey.email) == (1, "sent", "carol@acme.example")
    assert survey.due_at == resolved.resolved_at + DAY
    sent = survey_mails()
    assert len(sent) == 1 and sent[0].to == ["carol@acme.example"]
    assert f"/quality/survey/{resolved.number}/" in sent[0].body

    # The survey clock (24 hours, PROCESS §13) is met.
    clock = TicketClock.objects.get(ticket=resolved, kind="survey")
    assert clock.state == ClockState.MET

    # Run again, and as the scheduled task: nothing new.
    travel.move_to(resolved.resolved_at + DAY + dt.timedelta(minutes=30))
    assert sweep(django_capture_on_commit_callbacks).sent == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.survey_sweep() == {"created": 0, "sent": 0, "skipped": 0}
    assert len(survey_mails()) == 1
    assert Survey.objects.count() == 1


def test_a_claimed_survey_is_never_sent_twice_even_if_the_task_is_retried(
    resolved, travel, django_capture_on_commit_callbacks
):
    travel.move_to(resolved.resolved_at + DAY)
    sweep(django_capture_on_commit_callbacks)
    # A retried task (same survey pending again, say after a crash between claim and send)
    # re-queues the same event key: the outbox holds one row per (event, address).
    Survey.objects.update(status=Survey.Status.PENDING)
    sweep(django_capture_on_commit_callbacks)
    assert len(survey_mails()) == 1


def test_configurable_delay(resolved, travel, settings, django_capture_on_commit_callbacks):
    settings.QUALITY_SURVEY_DELAY_MINUTES = 60
    travel.move_to(resolved.resolved_at + dt.timedelta(minutes=49))
    assert sweep(django_capture_on_commit_callbacks).sent == 0
    travel.move_to(resolved.resolved_at + dt.timedelta(minutes=51))
    assert sweep(django_capture_on_commit_callbacks).sent == 1


def test_reopened_before_the_survey_is_not_surveyed_until_resolved_again(
    resolved, travel, engineer, django_capture_on_commit_callbacks
):
    travel.move_to(resolved.resolved_at + dt.timedelta(hours=2))
    ticket = services.ticket_transition(
        ticket_id=resolved.pk, actor=engineer, to=Status.IN_PROGRESS, reason="still broken"
    )
    assert TicketClock.objects.get(ticket=ticket, kind="survey").state == ClockState.CANCELLED
    travel.move_to(resolved.resolved_at + 2 * DAY)
    assert sweep(django_capture_on_commit_callbacks).created == 0

    ticket = resolve(ticket, engineer)
    travel.move_to(ticket.resolved_at + DAY)
    sweep(django_capture_on_commit_callbacks)
    survey = Survey.objects.get()
    assert survey.round == 2  # reopened once: the second round


def test_a_contact_is_surveyed_at_most_once_per_period(
    resolved, travel, agent, org, team, engineer, contact, django_capture_on_commit_callbacks
):
    travel.move_to(resolved.resolved_at + DAY)
    sweep(django_capture_on_commit_callbacks)
    # A second ticket of the same contact, resolved five days later.
    travel.move_to(resolved.resolved_at + 5 * DAY)
    second = resolve(
        register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact), engineer
    )
    travel.move_to(second.resolved_at + DAY)
    result = sweep(django_capture_on_commit_callbacks)
    assert (result.sent, result.skipped) == (0, 1)
    skipped = Survey.objects.get(ticket=second)
    assert (skipped.status, skipped.skip_reason) == ("skipped", "recent")
    # The skipped survey cancels its clock rather than breaching it.
    assert TicketClock.objects.get(ticket=second, kind="survey").state == ClockState.CANCELLED
    assert len(survey_mails()) == 1

    # After the period (30 days by default) the same contact is surveyed again.
    travel.move_to(resolved.resolved_at + 32 * DAY)
    third = resolve(
        register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact), engineer
    )
    travel.move_to(third.resolved_at + DAY)
    assert sweep(django_capture_on_commit_callbacks).sent == 1


def test_two_tickets_of_one_contact_due_together_send_one_survey(
    travel, agent, org, team, engineer, contact, django_capture_on_commit_callbacks
):
    first = resolve(
        register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact), engineer
    )
    resolve(register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact), engineer)
    travel.move_to(first.resolved_at + DAY)
    result = sweep(django_capture_on_commit_callbacks)
    assert (result.sent, result.skipped) == (1, 1)


def test_no_address_is_skipped(
    travel, agent, org, team, engineer, django_capture_on_commit_callbacks
):
    ticket = resolve(register_assigned(agent, org, team, engineer, level=MEDIUM), engineer)
    travel.move_to(ticket.resolved_at + DAY)
    result = sweep(django_capture_on_commit_callbacks)
    assert (result.sent, result.skipped) == (0, 1)
    assert Survey.objects.get().skip_reason == "no_address"
    assert not survey_mails()


def test_old_resolutions_are_not_surveyed(resolved, travel, django_capture_on_commit_callbacks):
    travel.move_to(resolved.resolved_at + 8 * DAY)
    assert sweep(django_capture_on_commit_callbacks).created == 0


def test_the_sweep_is_registered_as_a_schedule():
    from tickets.management.commands.setup_schedules import declared_schedules

    funcs = {func for _name, func, _cron in declared_schedules()}
    assert {
        "quality.tasks.survey_sweep",
        "quality.tasks.revisit_remind",
        "quality.tasks.digest_send",
        "quality.tasks.overdue_send",
    } <= funcs


def test_every_quality_schedule_runs_as_a_cluster_task(travel):
    from django_q.tasks import async_task, result

    from quality.tasks import SCHEDULES

    expected = {
        "quality.tasks.survey_sweep": {"created": 0, "sent": 0, "skipped": 0},
        "quality.tasks.update_remind": 0,
        "quality.tasks.revisit_remind": 0,
        "quality.tasks.digest_send": {"contacts": 0, "tickets": 0, "late": 0},
        "quality.tasks.overdue_send": 0,
    }
    assert {func for _name, func, _cron in SCHEDULES} == set(expected)
    for _name, func, _cron in SCHEDULES:
        assert result(async_task(func, sync=True)) == expected[func], func


@pytest.mark.skipif(
    "sqlite" in __import__("django").conf.settings.DATABASES["default"]["ENGINE"],
    reason="SQLite in memory cannot be shared between threads",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_send_each_survey_exactly_once(travel, agent, org, team, engineer):
    import threading

    from django.db import connections

    from tests.factories import CustomerFactory
    from tickets.models import OutboundEmail

    tickets = [
        resolve(
            register_assigned(
                agent,
                org,
                team,
                engineer,
                level=MEDIUM,
                contact=CustomerFactory(username=f"c{n}", organization=org),
            ),
            engineer,
        )
        for n in range(4)
    ]
    # Two more tickets of the first contact: the once-per-period rule holds across sweeps.
    tickets[1:1] = [
        resolve(
            register_assigned(agent, org, team, engineer, level=MEDIUM, contact=tickets[0].contact),
            engineer,
        )
        for _ in range(2)
    ]
    travel.move_to(tickets[-1].resolved_at + DAY)
    barrier, errors, lock = threading.Barrier(5), [], threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            survey_sweep()
        except BaseException as exc:  # reported in the test's thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert Survey.objects.filter(status="sent").count() == 4
    assert Survey.objects.filter(status="skipped", skip_reason="recent").count() == 2
    rows = OutboundEmail.objects.filter(template="survey_invitation")
    assert rows.count() == 4
    emails = sorted({t.contact.email for t in tickets})
    assert sorted(m.to[0] for m in survey_mails()) == emails
    assert TicketClock.objects.filter(kind="survey", state=ClockState.MET).count() == 4
