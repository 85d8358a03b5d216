"""Set-up of the resolution workflow tests (PROCESS §7, §8): frozen Shanghai time, tickets
driven through `tickets.services` so the SLA hooks run as in production."""

import pytest
import time_machine

from sla.services import calendars
from tests.factories import MembershipFactory, UserFactory
from tests.sla.conftest import MON, URGENT, register_assigned, start_work
from tickets import services
from tickets.models import Seniority, Status, Ticket
from tickets.roles import Role
from tickets.services import closure


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendars._CACHE.clear()
    yield
    calendars._CACHE.clear()


@pytest.fixture
def travel():
    """Frozen clock (tick=False) from Monday 2026-11-23 10:12 Shanghai; `travel.move_to(...)`."""
    with time_machine.travel(MON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(engineer, supervisor):
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    return team


@pytest.fixture
def supervisor2(db):
    return UserFactory(username="lead2", role=Role.SUPERVISOR)


@pytest.fixture
def expert(team):
    """An expert of the engineer's team (so the team's tickets are visible)."""
    return MembershipFactory(
        team=team, user=UserFactory(username="expert", role=Role.EXPERT), seniority=Seniority.EXPERT
    ).user


@pytest.fixture
def product_manager(db):
    return UserFactory(username="pm", role=Role.PRODUCT_MANAGER)


@pytest.fixture
def colleague(team):
    """A second engineer of the same team (sees the team's tickets, may not review)."""
    return MembershipFactory(
        team=team, user=UserFactory(username="eng3", role=Role.ENGINEER), seniority=Seniority.SENIOR
    ).user


@pytest.fixture
def urgent(travel, agent, org, team, engineer):
    """An urgent ticket of `org` assigned to `engineer` at Monday 10:12."""
    return register_assigned(agent, org, team, engineer, level=URGENT)


@pytest.fixture
def resolved(travel, agent, org, team, engineer, customer) -> Ticket:
    ticket = register_assigned(agent, org, team, engineer, contact=customer)
    start_work(ticket, engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.RESOLVED)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def tested(resolved, engineer) -> Ticket:
    closure.selftest_record(
        ticket_id=resolved.pk, actor=engineer, passed=True, notes="登录 10 次均成功"
    )
    return Ticket.objects.get(pk=resolved.pk)
