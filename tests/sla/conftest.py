"""Shared set-up of the SLA service, sweep, selector and task tests.

Time is frozen with time_machine at Asia/Shanghai instants; tickets are driven through
`tickets.services` so the SLA hooks run exactly as in production.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import ClockKind, TicketClock
from sla.services import calendars
from tests.factories import UserFactory, category
from tickets import services
from tickets.models import Channel, Impact, Status, Ticket, Urgency
from tickets.roles import Role

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An Asia/Shanghai wall-clock instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def nov(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in the reference week: Monday 2026-11-23 … Friday 2026-11-27."""
    return sh(2026, 11, day, hour, minute)


MON = nov(23, 10, 12)

URGENT = {"impact": Impact.CORE_BUSINESS, "urgency": Urgency.CRITICAL}
HIGH = {"impact": Impact.ONE_USER, "urgency": Urgency.CRITICAL}
MEDIUM = {"impact": Impact.ONE_USER, "urgency": Urgency.MEDIUM}
LOW = {"impact": Impact.ONE_USER, "urgency": Urgency.LOW}


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The per-process calendar cache is keyed by (pk, version); rolled-back tests reuse both."""
    calendars._CACHE.clear()
    yield
    calendars._CACHE.clear()


@pytest.fixture(autouse=True)
def _without_the_plan_clock(db):
    """These tests count the §11 clocks of their reference tickets (warnings, breaches, queues,
    notifications). The plan-submission clock of §8 (urgent and high tickets, from dispatch) is
    tested with the resolution workflow in `tests/tickets/resolution`."""
    from sla.models import ClockDefinition

    ClockDefinition.objects.filter(code=ClockKind.PLAN_SUBMISSION).update(active=False)


@pytest.fixture
def travel():
    """Frozen clock (tick=False) starting Monday 2026-11-23 10:12; `travel.move_to(...)`."""
    with time_machine.travel(MON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(engineer, supervisor):
    """The engineer's team, led by `supervisor`."""
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    return team


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.SUPPORT_MANAGER)


def register(
    actor,
    org,
    *,
    level: dict[str, str] | None = None,
    received_at: dt.datetime | None = None,
    channel: str | None = None,
    **extra,
) -> Ticket:
    """`ticket_create` without routing; desk agents give the received time of a phone call."""
    fields = {
        "title": "ERP 服务器无法登录",
        "description": "所有用户都无法登录",
        "channel": channel or Channel.PORTAL,
        "organization": org,
        **(level or MEDIUM),
        **extra,
    }
    if received_at is not None:
        fields["received_at"] = received_at
    return services.ticket_create(actor=actor, data=services.TicketData(**fields), dispatch=False)


def register_assigned(agent, org, team, engineer, *, level=None, **extra) -> Ticket:
    """Registered and classified by the desk, then dispatched to `engineer` of `team`."""
    ticket = register(
        agent,
        org,
        level=level or URGENT,
        category=category("software-crash"),
        channel=Channel.EMAIL,
        received_at=extra.pop("received_at", None) or dt.datetime.now(tz=SH),
        **extra,
    )
    return services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, team=team)


def start_work(ticket: Ticket, engineer) -> Ticket:
    return services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)


def clock(ticket: Ticket, kind: str, round_no: int = 1) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, kind=kind, round=round_no)


def clocks_by_kind(ticket: Ticket) -> dict[str, list[TicketClock]]:
    found: dict[str, list[TicketClock]] = {}
    for c in TicketClock.objects.filter(ticket=ticket).exclude(kind=ClockKind.ACKNOWLEDGEMENT):
        found.setdefault(c.kind, []).append(c)
    return found


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)
