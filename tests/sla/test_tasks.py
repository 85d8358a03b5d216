"""django-q2 entry points: the every-minute sweep and the notification emails."""

import io

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django_q.models import Schedule

from sla import tasks
from sla.services import sla_sweep
from tests.sla.conftest import nov, register_assigned
from tickets.models import Notification

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def warned(travel, agent, org, team, engineer):
    """The urgent ticket's first-response warning at 11:12: engineer and team lead notified."""
    ticket = register_assigned(agent, org, team, engineer)
    travel.move_to(nov(23, 11, 0))
    sla_sweep()  # the hand-back breach (10:42)
    travel.move_to(nov(23, 11, 12))
    result = sla_sweep()
    assert len(result.notifications) == 2
    return ticket, result.notifications


# --- the schedule -----------------------------------------------------------------------------


def test_the_sweep_is_scheduled_every_minute():
    assert ("sla.tasks.sweep", "* * * * *") in [(f, c) for _, f, c in tasks.SCHEDULES]
    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)
    schedule = Schedule.objects.get(func="sla.tasks.sweep")
    assert (schedule.schedule_type, schedule.cron, schedule.repeats) == (
        Schedule.CRON,
        "* * * * *",
        -1,
    )


def test_sweep_task_reports_what_it_did(travel, agent, org, team, engineer):
    register_assigned(agent, org, team, engineer)
    travel.move_to(nov(23, 11, 12))
    assert tasks.sweep() == {"warned": 1, "breached": 1, "escalated": 1}  # + the hand-back
    assert tasks.sweep() == {"warned": 0, "breached": 0, "escalated": 0}


# --- emails -----------------------------------------------------------------------------------


def test_each_notification_is_emailed_once(settings, locmem, warned, engineer, supervisor):
    ticket, ids = warned
    assert tasks.send_notification_emails(ids) == 2
    assert sorted(m.to[0] for m in locmem) == sorted([engineer.email, supervisor.email])
    message = next(m for m in locmem if m.to == [engineer.email])
    assert message.subject.endswith(f"{ticket.number}: First response due at 2026-11-23 13:42")
    assert f"{settings.SITE_URL}{ticket.get_absolute_url()}" in message.body
    assert all(n.emailed_at == nov(23, 11, 12) for n in Notification.objects.filter(pk__in=ids))

    assert tasks.send_notification_emails(ids) == 0
    assert len(locmem) == 2


def test_notifications_without_an_address_or_opted_out_are_not_emailed(locmem, warned, engineer):
    _, ids = warned
    engineer.email = ""
    engineer.save()
    Notification.objects.filter(pk__in=ids, recipient__username="lead").update(email=False)
    assert tasks.send_notification_emails(ids) == 0
    assert locmem == []
    assert not Notification.objects.filter(pk__in=ids, emailed_at__isnull=False).exists()


def test_a_failing_backend_releases_the_claim(settings, locmem, warned):
    _, ids = warned
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        tasks.send_notification_emails(ids)
    assert Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).count() == 2

    # the retry sends them
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.send_notification_emails(ids) == 2
    assert len(mail.outbox) == 2


def test_the_sweep_queues_the_emails_after_commit(
    travel, locmem, monkeypatch, agent, org, team, engineer, django_capture_on_commit_callbacks
):
    # run queued tasks in-process, as the cluster would (django-q reads its settings on import)
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
    register_assigned(agent, org, team, engineer)
    travel.move_to(nov(23, 11, 12))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = sla_sweep()
    assert len(callbacks) == 1
    # the warning (engineer, lead), the hand-back breach (engineer) and its level 1 (lead)
    assert len(locmem) == len(result.notifications) == 4
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sla_sweep()
    assert callbacks == []
    assert len(locmem) == 4


def test_the_recipients_language_is_used(locmem, travel, agent, org, team, engineer):
    engineer.language = "zh-hans"
    engineer.save()
    ticket = register_assigned(agent, org, team, engineer)
    travel.move_to(nov(23, 11, 12))
    sla_sweep()
    titles = dict(
        Notification.objects.filter(ticket=ticket, kind="sla_warning").values_list(
            "recipient__username", "title"
        )
    )
    assert "首次响应" in titles["eng"]
    assert "First response" in titles["lead"]  # no language of their own: the site's
