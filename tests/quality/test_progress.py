"""Progress updates (PROCESS §10): the update-cadence reminder to the assignee (the SLA
warning), the customers' daily digest before 17:00, and the service desk's overdue list."""

import datetime as dt

import pytest
from django.core import mail

from quality import tasks
from quality.models import ContactPreference, OrganizationPreference
from quality.services import digest_send, overdue_send, update_remind
from sla.models import ClockDefinition, ClockState, TicketClock
from sla.services import sla_sweep
from tests.factories import CustomerFactory, UserFactory
from tests.quality.conftest import MEDIUM, nov, register_assigned, start_work
from tests.sla.conftest import HIGH, URGENT
from tickets import services
from tickets.models import MessageKind, Notification
from tickets.roles import Role

pytestmark = pytest.mark.django_db


def test_the_sla_warning_reminds_the_assignee_before_each_update(
    travel, agent, org, team, engineer
):
    """A 2-hour cadence (high priority): the SLA sweep's warning (60 minutes before) already
    notifies the assignee, for every round of the recurring clock; nothing is duplicated."""
    # Only the cadence is under test: the plan-submission clock (§8) would warn at the same time.
    ClockDefinition.objects.filter(code="plan_submission").update(active=False)
    ticket = start_work(register_assigned(agent, org, team, engineer, level=HIGH), engineer)
    first = TicketClock.objects.get(ticket=ticket, kind="update", round=1)
    assert first.warn_at < first.due_at
    reminders = Notification.objects.filter(recipient=engineer, ticket=ticket)
    travel.move_to(first.warn_at)
    sla_sweep()
    assert update_remind() == 0  # the SLA warning is there: no second reminder
    travel.move_to(first.due_at - dt.timedelta(minutes=5))
    assert update_remind() == 0
    assert list(reminders.values_list("kind", flat=True)) == ["sla_warning"]

    # The update is given (a customer-visible reply): the next round starts and warns again.
    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind=MessageKind.REPLY,
        body="正在排查，预计一小时内恢复",
    )
    first.refresh_from_db()
    assert first.state == ClockState.MET
    second = TicketClock.objects.get(ticket=ticket, kind="update", round=2)
    travel.move_to(second.warn_at)
    sla_sweep()
    sla_sweep()
    assert reminders.filter(kind="sla_warning").count() == 2


def test_a_cadence_shorter_than_the_warning_lead_is_reminded_by_the_quality_sweep(
    travel, agent, org, team, engineer, django_capture_on_commit_callbacks
):
    """A 30-minute cadence (urgent) gets no SLA warning under the default 60-minute lead; the
    assignee is reminded 10 minutes before each update is due, once per round."""
    ticket = start_work(register_assigned(agent, org, team, engineer, level=URGENT), engineer)
    first = TicketClock.objects.get(ticket=ticket, kind="update", round=1)
    assert first.warn_at is None
    reminders = Notification.objects.filter(recipient=engineer, kind="update_due")
    travel.move_to(first.due_at - dt.timedelta(minutes=11))
    assert update_remind() == 0
    travel.move_to(first.due_at - dt.timedelta(minutes=10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.update_remind() == 1
        assert tasks.update_remind() == 0
    assert reminders.count() == 1 and ticket.number in reminders.get().title
    assert [m.to for m in mail.outbox] == [[engineer.email]]

    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind=MessageKind.WORKLOG,
        body="查看日志",
        worklog_kind="look",
    )
    second = TicketClock.objects.get(ticket=ticket, kind="update", round=2)
    travel.move_to(second.due_at - dt.timedelta(minutes=3))
    assert update_remind() == 1
    assert reminders.count() == 2


@pytest.fixture
def digest_tickets(travel, agent, org, team, engineer, contact):
    normal = register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact)
    urgent = register_assigned(agent, org, team, engineer, level=URGENT, contact=contact)
    return normal, urgent


def digest_mails():
    return [m for m in mail.outbox if "/portal/" in m.body and "open ticket" in m.subject]


def test_daily_digest_for_opted_in_contacts_once_a_day(
    digest_tickets, travel, contact, django_capture_on_commit_callbacks
):
    normal, urgent = digest_tickets
    travel.move_to(nov(23, 16))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send().contacts == 0  # not opted in
    ContactPreference.objects.create(contact=contact, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = digest_send()
    assert (result.contacts, result.tickets) == (1, 1)
    (sent,) = digest_mails()
    assert sent.to == [contact.email]
    assert normal.number in sent.body and urgent.number not in sent.body

    # Run again (retry, second cluster): the same day's digest is not sent twice.
    travel.move_to(nov(23, 16, 30))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.digest_send()
    assert len(digest_mails()) == 1

    # After 17:00 it is refused; the next day brings a new one.
    travel.move_to(nov(24, 17, 5))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send().late
    travel.move_to(nov(25, 16))
    with django_capture_on_commit_callbacks(execute=True):
        digest_send()
    assert len(digest_mails()) == 2


def test_organization_opt_in_covers_every_contact(
    digest_tickets, travel, org, contact, django_capture_on_commit_callbacks
):
    OrganizationPreference.objects.create(organization=org, daily_digest=True)
    CustomerFactory(username="dave", organization=org)  # no open ticket: no digest
    travel.move_to(nov(23, 16))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send().contacts == 1
    assert [m.to for m in digest_mails()] == [[contact.email]]


def test_overdue_list_daily_to_agents(
    travel, agent, org, team, engineer, django_capture_on_commit_callbacks
):
    UserFactory(username="agent2", role=Role.AGENT)
    ticket = register_assigned(agent, org, team, engineer, level=URGENT)
    travel.move_to(nov(23, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_send() == 0  # nothing overdue yet
    ticket.refresh_from_db()
    travel.move_to(ticket.sla_due_at + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_send() == 1
        assert tasks.overdue_send() == 1
    sent = [m for m in mail.outbox if ticket.number in m.body and "Overdue" in m.subject]
    assert sorted(m.to[0] for m in sent) == ["agent2@example.com", "agent@example.com"]
