"""Shared set-up of the quality tests: a ticket driven through `tickets.services` to resolved,
time frozen with time_machine at Asia/Shanghai instants (the SLA tests' reference week)."""

import pytest
import time_machine

from sla.services import calendars
from tests.factories import CustomerFactory, UserFactory
from tests.sla.conftest import MEDIUM, MON, nov, register_assigned, sh, start_work  # noqa: F401
from tickets import services
from tickets.models import Status, Ticket
from tickets.roles import Role


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendars._CACHE.clear()
    yield
    calendars._CACHE.clear()


@pytest.fixture(autouse=True)
def _mail_settings(settings, monkeypatch):
    """Queued tasks run in-process (django-q2 reads its configuration once, at import)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


@pytest.fixture
def travel():
    with time_machine.travel(MON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(engineer, supervisor):
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    return team


@pytest.fixture
def contact(org):
    return CustomerFactory(username="carol", organization=org, email="carol@acme.example")


@pytest.fixture
def account_manager(db):
    return UserFactory(username="am", role=Role.ACCOUNT_MANAGER)


def resolve(ticket: Ticket, engineer) -> Ticket:
    """In progress, then resolved, by the assigned engineer."""
    if ticket.status != Status.IN_PROGRESS:
        start_work(ticket, engineer)
    return services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.RESOLVED)


@pytest.fixture
def resolved(travel, agent, org, team, engineer, contact):
    """Carol's normal-priority ticket, resolved on Monday 23 November 10:12."""
    ticket = register_assigned(agent, org, team, engineer, level=MEDIUM, contact=contact)
    return resolve(ticket, engineer)
