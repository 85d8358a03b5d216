"""The every-minute sweep: warnings, breaches, the escalation chain and supervisor tasks.

Reference ticket: urgent, registered and dispatched Monday 2026-11-23 10:12 to `engineer`, whose
team is led by `supervisor`. First response due 13:42 (warning 11:12), resolution due 15:42
(warning 14:42), hand-back due 10:42. Chain: L1 at the breach (team lead + supervisors),
L2 two business hours later and L3 four (support managers).
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from sla.models import (
    ClockEvent,
    ClockKind,
    ClockState,
    EscalationStep,
    SlaPolicy,
    SupervisorTask,
    TicketClock,
)
from sla.services import clock_extend, sla_sweep, task_acknowledge
from tests.factories import MembershipFactory, UserFactory
from tests.sla.conftest import MON, URGENT, clock, nov, register, register_assigned
from tickets import services
from tickets.errors import DomainError, NotAllowed
from tickets.models import Channel, Notification, Status
from tickets.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(travel, agent, org, team, engineer, manager):
    return register_assigned(agent, org, team, engineer)


def sweep_at(travel, when: dt.datetime):
    travel.move_to(when)
    return sla_sweep()


def kinds(c: TicketClock) -> list[str]:
    return list(c.events.order_by("at", "id").values_list("kind", flat=True))


def notes(ticket, kind: str, clock_label: str = "") -> list[tuple[str, str]]:
    """(recipient username, title) of the ticket's notifications of one kind."""
    qs = Notification.objects.filter(ticket=ticket, kind=f"sla_{kind}")
    if clock_label:
        qs = qs.filter(title__contains=clock_label)
    return sorted(qs.values_list("recipient__username", "title"))


def tasks_of(c: TicketClock) -> list[tuple[str, int, str]]:
    return sorted(
        SupervisorTask.objects.filter(source_clock=c).values_list(
            "kind", "level", "assignee__username"
        )
    )


# --- warnings ---------------------------------------------------------------------------------


def test_warning_fires_at_warn_at_exactly_once(travel, ticket):
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert first.warn_at == nov(23, 11, 12)

    assert sweep_at(travel, nov(23, 11, 11)).warned == 0
    result = sweep_at(travel, nov(23, 11, 12))
    assert result.warned == 1

    first.refresh_from_db()
    assert first.warned_at == nov(23, 11, 12)
    assert kinds(first) == [ClockEvent.Kind.STARTED, ClockEvent.Kind.WARNED]
    assert first.events.get(kind="warned").old_due == nov(23, 13, 42)
    assert notes(ticket, "warning") == [
        ("eng", f"{ticket.number}: First response due at 2026-11-23 13:42"),
        ("lead", f"{ticket.number}: First response due at 2026-11-23 13:42"),
    ]
    assert tasks_of(first) == [("warning", 0, "lead")]
    # the supervisor's task is itself a clock: acknowledge within 2 business hours
    task = SupervisorTask.objects.get(source_clock=first)
    ack = TicketClock.objects.get(task=task)
    assert (ack.kind, ack.state, ack.started_at, ack.due_at) == (
        ClockKind.ACKNOWLEDGEMENT,
        ClockState.RUNNING,
        nov(23, 11, 12),
        nov(23, 14, 42),  # 48 minutes before lunch, 72 after
    )

    # run again, at once and a little later: nothing new
    before = Notification.objects.count()
    assert sweep_at(travel, nov(23, 11, 12)).notifications == []
    assert sweep_at(travel, nov(23, 11, 40)).warned == 0
    assert Notification.objects.count() == before
    assert SupervisorTask.objects.filter(source_clock=first).count() == 1


def test_clocks_not_longer_than_the_warning_lead_get_no_minutes_warning(travel, ticket):
    handback = clock(ticket, ClockKind.HANDBACK)  # 30 minutes, warning lead 60
    assert handback.warn_at is None
    sweep_at(travel, nov(23, 10, 13))
    assert not Notification.objects.filter(ticket=ticket).exists()
    assert not SupervisorTask.objects.exists()


def test_warn_percent_warns_earlier_and_counts_the_whole_target(
    travel, agent, org, team, engineer, customer
):
    SlaPolicy.objects.filter(code="four-level").update(warn_percent=50)
    ticket = register_assigned(agent, org, team, engineer, contact=customer)
    # resolution 240: 50 % → after 120 minutes (earlier than 60 minutes before the deadline)
    assert clock(ticket, ClockKind.RESOLUTION).warn_at == nov(23, 13, 42)
    # first response 120: 60 minutes either way
    assert clock(ticket, ClockKind.FIRST_RESPONSE).warn_at == nov(23, 11, 12)
    # hand-back 30: 50 % → 15 minutes
    assert clock(ticket, ClockKind.HANDBACK).warn_at == nov(23, 10, 27)

    # 60 active minutes, then a pause: 60 more active minutes after the resume, not 50 % of 180
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    travel.move_to(nov(23, 11, 12))
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.WAITING_CUSTOMER)
    travel.move_to(nov(23, 14, 0))
    services.message_add(ticket_id=ticket.pk, actor=customer, kind="reply", body="已重启")
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.due_at == nov(23, 17, 0)
    assert resolution.warn_at == nov(23, 15, 0)

    sweep_at(travel, nov(23, 14, 59))
    resolution.refresh_from_db()
    assert resolution.warned_at is None
    sweep_at(travel, nov(23, 15, 0))
    resolution.refresh_from_db()
    assert resolution.warned_at == nov(23, 15, 0)


def test_rewarning_after_an_extension_notifies_again_without_a_second_task(
    travel, ticket, engineer
):
    sweep_at(travel, nov(23, 14, 42))
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.warned_at == nov(23, 14, 42)
    assert len(notes(ticket, "warning", "Resolution")) == 2

    travel.move_to(nov(23, 15, 0))
    clock_extend(
        clock_id=resolution.pk,
        actor=engineer,
        new_due=nov(23, 17, 30),
        reason="等待厂商补丁",
        customer_informed=True,
    )
    result = sweep_at(travel, nov(23, 16, 30))
    assert result.warned == 1
    resolution.refresh_from_db()
    assert resolution.warned_at == nov(23, 16, 30)
    assert [k for k in kinds(resolution) if k != "recomputed"] == [
        "started",
        "warned",
        "extended",
        "warned",
    ]
    assert len(notes(ticket, "warning", "2026-11-23 17:30")) == 2
    assert tasks_of(resolution) == [("warning", 0, "lead")]


@pytest.mark.parametrize("lead", ["none", "left the company"])
def test_warnings_without_a_team_lead_go_to_the_team_supervisors(
    travel, agent, org, team, engineer, supervisor, lead
):
    if lead == "none":
        team.lead = None
        team.save()
    else:
        supervisor.is_active = False
        supervisor.save()
    deputy = MembershipFactory(team=team, user=UserFactory(username="deputy", role=Role.SUPERVISOR))
    ticket = register_assigned(agent, org, team, engineer)
    sweep_at(travel, nov(23, 11, 12))
    assert [u for u, _ in notes(ticket, "warning")] == ["deputy", "eng"]
    assert tasks_of(clock(ticket, ClockKind.FIRST_RESPONSE)) == [
        ("warning", 0, deputy.user.username)
    ]


# --- breaches and escalation --------------------------------------------------------------------


def test_breach_at_due_at_then_escalation_levels_in_business_time(
    travel, ticket, supervisor, manager
):
    other_supervisor = UserFactory(username="lead2", role=Role.SUPERVISOR)
    UserFactory(username="retired", role=Role.SUPPORT_MANAGER, is_active=False)
    first = clock(ticket, ClockKind.FIRST_RESPONSE)

    sweep_at(travel, nov(23, 13, 41))
    first.refresh_from_db()
    assert first.state == ClockState.RUNNING

    sweep_at(travel, nov(23, 13, 42))
    first.refresh_from_db()
    assert (first.state, first.breached_at, first.escalation_level) == (
        ClockState.BREACHED,
        nov(23, 13, 42),
        1,
    )
    assert first.next_escalation_at == nov(23, 15, 42)
    label = "First response"
    assert [u for u, _ in notes(ticket, "breach", label)] == ["eng"]
    # level 1 is the ticket's team lead only (PROCESS §11), not every supervisor
    assert [u for u, _ in notes(ticket, "escalation", label)] == ["lead"]
    assert tasks_of(first) == [("escalation", 1, "lead"), ("warning", 0, "lead")]
    assert not other_supervisor.sla_tasks.exists()
    assert supervisor.sla_tasks.get(source_clock=first, level=1).clocks.get().due_at == nov(
        23, 15, 42
    )

    sweep_at(travel, nov(23, 15, 41))
    first.refresh_from_db()
    assert first.escalation_level == 1

    sweep_at(travel, nov(23, 15, 42))
    first.refresh_from_db()
    assert (first.escalation_level, first.next_escalation_at) == (2, nov(23, 17, 42))
    assert [u for u, _ in notes(ticket, "escalation", label)] == ["lead", "manager"]

    # level 3 four business hours after the breach; then the chain ends
    sweep_at(travel, nov(23, 17, 42))
    first.refresh_from_db()
    assert (first.escalation_level, first.next_escalation_at) == (3, None)
    titles = [t for _, t in notes(ticket, "escalation", label)]
    assert sum("(level 3)" in t for t in titles) == 1
    assert manager.sla_tasks.filter(source_clock=first).count() == 2

    sent = notes(ticket, "breach", label) + notes(ticket, "escalation", label)
    sweep_at(travel, nov(24, 11, 0))
    assert notes(ticket, "breach", label) + notes(ticket, "escalation", label) == sent
    first.refresh_from_db()
    assert first.escalation_level == 3
    assert kinds(first) == [
        "started",
        "warned",
        "breached",
        "escalated",
        "escalated",
        "escalated",
    ]
    assert [e.detail["level"] for e in first.events.filter(kind="escalated")] == [1, 2, 3]


def test_level_one_waits_for_its_configured_delay(travel, agent, org, team, engineer, manager):
    EscalationStep.objects.filter(policy__code="four-level", level=1).update(after_minutes=30)
    ticket = register_assigned(agent, org, team, engineer)
    first = clock(ticket, ClockKind.FIRST_RESPONSE)

    sweep_at(travel, nov(23, 13, 42))
    first.refresh_from_db()
    assert (first.state, first.escalation_level) == (ClockState.BREACHED, 0)
    assert first.next_escalation_at == nov(23, 14, 12)
    assert notes(ticket, "escalation", "First response") == []

    sweep_at(travel, nov(23, 14, 12))
    first.refresh_from_db()
    assert first.escalation_level == 1
    assert [u for u, _ in notes(ticket, "escalation", "First response")] == ["lead"]


def test_a_configured_person_is_told_at_their_level(travel, agent, org, team, engineer):
    director = UserFactory(username="director")
    EscalationStep.objects.filter(policy__code="four-level", level=3).update(
        notify_role="", notify_user=director
    )
    ticket = register_assigned(agent, org, team, engineer)
    sweep_at(travel, nov(24, 12, 0))
    assert [u for u, t in notes(ticket, "escalation", "First response") if "(level 3)" in t] == [
        "director"
    ]


def test_a_stopped_clock_escalates_no_further(travel, ticket, engineer):
    sweep_at(travel, nov(23, 13, 42))
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert first.escalation_level == 1
    travel.move_to(nov(23, 14, 0))
    services.message_add(ticket_id=ticket.pk, actor=engineer, kind="reply", body="正在处理")
    first.refresh_from_db()
    assert (first.state, first.stopped_at, first.next_escalation_at) == (
        ClockState.BREACHED,
        nov(23, 14, 0),
        None,
    )
    assert kinds(first)[-1] == ClockEvent.Kind.STOPPED
    sweep_at(travel, nov(24, 12, 0))
    first.refresh_from_db()
    assert first.escalation_level == 1


def test_after_days_down_each_breach_and_level_is_sent_once(travel, ticket):
    result = sweep_at(travel, nov(26, 10, 0))
    assert result.warned == 0
    for kind in (ClockKind.HANDBACK, ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION):
        c = clock(ticket, kind)
        assert (c.state, c.breached_at, c.escalation_level) == (ClockState.BREACHED, c.due_at, 3)
        assert c.warned_at is None
        assert kinds(c) == ["started", "breached", "escalated", "escalated", "escalated"]
        assert tasks_of(c) == [
            ("escalation", 1, "lead"),
            ("escalation", 2, "manager"),
            ("escalation", 3, "manager"),
        ]
    assert result.breached == 3
    assert result.escalated == 9
    per_key = Counter(
        Notification.objects.filter(ticket=ticket).values_list("recipient_id", "kind", "title")
    )
    assert set(per_key.values()) == {1}
    assert Counter(k for _, k, _ in per_key) == {"sla_breach": 3, "sla_escalation": 9}
    assert not Notification.objects.filter(kind="sla_warning").exists()

    again = sweep_at(travel, nov(26, 10, 0))
    assert (again.warned, again.breached, again.escalated, again.notifications) == (0, 0, 0, [])
    later = sweep_at(travel, nov(26, 10, 5))
    assert later.notifications == []


# --- supervisor tasks ---------------------------------------------------------------------------


@pytest.fixture
def escalated(travel, ticket):
    sweep_at(travel, nov(23, 13, 42))
    return SupervisorTask.objects.get(
        source_clock__kind=ClockKind.FIRST_RESPONSE, kind="escalation", level=1
    )


def test_acknowledging_a_task_stops_its_clock(travel, escalated, supervisor, engineer):
    ack = TicketClock.objects.get(task=escalated)
    assert ack.due_at == nov(23, 15, 42)
    with pytest.raises(NotAllowed):
        task_acknowledge(task_id=escalated.pk, actor=engineer)

    travel.move_to(nov(23, 14, 0))
    task_acknowledge(task_id=escalated.pk, actor=supervisor, note="  已电话联系工程师 ")
    escalated.refresh_from_db()
    assert (escalated.acknowledged_at, escalated.note) == (nov(23, 14, 0), "已电话联系工程师")
    ack.refresh_from_db()
    assert (ack.state, ack.met_at, ack.stopped_at) == (
        ClockState.MET,
        nov(23, 14, 0),
        nov(23, 14, 0),
    )
    event = escalated.source_clock.events.get(kind=ClockEvent.Kind.ACKNOWLEDGED)
    assert (event.actor, event.reason, event.detail) == (
        supervisor,
        "已电话联系工程师",
        {"task": escalated.pk, "level": 1},
    )

    with pytest.raises(DomainError):
        task_acknowledge(task_id=escalated.pk, actor=supervisor)


def test_a_dispatcher_may_acknowledge_for_the_supervisor(travel, escalated, agent):
    task_acknowledge(task_id=escalated.pk, actor=agent)
    escalated.refresh_from_db()
    assert escalated.acknowledged_at == nov(23, 13, 42)


def test_an_unacknowledged_task_breaches_its_own_clock(travel, escalated, supervisor):
    ack = TicketClock.objects.get(task=escalated)
    before = Notification.objects.count()
    sweep_at(travel, nov(23, 15, 42))
    ack.refresh_from_db()
    assert (ack.state, ack.breached_at) == (ClockState.BREACHED, nov(23, 15, 42))
    # an acknowledgement clock is measured, not escalated again
    assert ack.next_escalation_at is None
    assert Notification.objects.count() > before  # the resolution breach, L2 of first response
    assert not Notification.objects.filter(title__contains="Supervisor acknowledgement").exists()

    travel.move_to(nov(23, 16, 0))
    task_acknowledge(task_id=escalated.pk, actor=supervisor)
    ack.refresh_from_db()
    assert (ack.state, ack.stopped_at) == (ClockState.BREACHED, nov(23, 16, 0))
    assert kinds(ack) == ["breached", "stopped"]


# --- set-based: the number of queries does not grow with the open tickets ------------------------


def _sweep_queries(travel, n_tickets: int, agent, org, team) -> list[int]:
    """Queries of a warning sweep and of a breach + escalation sweep.

    Each ticket is registered and given to the team (no assignee), so its five intake clocks
    (supplement, classification, dispatch, first response, resolution) run: with a 5 % warning
    all five warn by 10:25 (none is due before 10:27), and by Thursday all five are breached
    and escalated through the three levels.
    """
    counts = []
    with transaction.atomic():
        SlaPolicy.objects.filter(code="four-level").update(warn_percent=5)
        travel.move_to(nov(23, 10, 12))
        for _ in range(n_tickets):
            ticket = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=MON)
            services.ticket_assign(ticket_id=ticket.pk, actor=agent, team=team)
        for warm, counted, expect in (
            (nov(23, 10, 12), nov(23, 10, 25), ("warned", 5)),
            (nov(23, 10, 25), nov(26, 10, 0), ("breached", 10)),  # with the ack clocks
        ):
            sweep_at(travel, warm)
            travel.move_to(counted)
            with CaptureQueriesContext(connection) as ctx:
                result = sla_sweep()
            assert getattr(result, expect[0]) == expect[1] * n_tickets
            counts.append(len(ctx.captured_queries))
        transaction.set_rollback(True)
    return counts


def test_query_count_of_a_sweep_does_not_depend_on_the_number_of_tickets(
    travel, agent, org, team, manager
):
    few = _sweep_queries(travel, 1, agent, org, team)  # 5 due clocks
    many = _sweep_queries(travel, 8, agent, org, team)  # 40 due clocks
    assert few == many


# --- concurrent sweeps (PostgreSQL) ---------------------------------------------------------------

THREADS = 6


def _on_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _concurrently(now: dt.datetime) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            sla_sweep(now=now)
        except BaseException as exc:  # reported in the test's thread
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.mark.skipif(_on_sqlite(), reason="SQLite in memory cannot be shared between threads")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_send_each_notification_exactly_once(travel, agent, org, team, engineer):
    UserFactory(username="manager", role=Role.SUPPORT_MANAGER)
    tickets = [register_assigned(agent, org, team, engineer) for _ in range(4)]

    assert _concurrently(nov(23, 11, 12)) == []
    assert _concurrently(nov(26, 10, 0)) == []

    per_key = Counter(
        Notification.objects.values_list("recipient_id", "ticket_id", "kind", "title")
    )
    assert per_key and set(per_key.values()) == {1}
    by_kind = Counter(kind for _, _, kind, _ in per_key)
    # per ticket: a first-response warning (engineer + lead); hand-back, first response and
    # resolution each breached (engineer) and escalated to L1 (lead), L2 and L3 (manager)
    n = len(tickets)
    assert by_kind == {"sla_warning": 2 * n, "sla_breach": 3 * n, "sla_escalation": 9 * n}
    logged = Counter(
        (clock_id, kind, str(detail))
        for clock_id, kind, detail in ClockEvent.objects.filter(
            kind__in=("warned", "breached", "escalated")
        ).values_list("clock_id", "kind", "detail")
    )
    assert set(logged.values()) == {1}
    assert SupervisorTask.objects.count() == n * (1 + 3 * 3)
    assert TicketClock.objects.filter(kind=ClockKind.ACKNOWLEDGEMENT).count() == n * 10
    assert (
        not TicketClock.objects.filter(state=ClockState.BREACHED, escalation_level__lt=3)
        .exclude(kind=ClockKind.ACKNOWLEDGEMENT)
        .exists()
    )
    assert TicketClock.objects.filter(escalation_level__gt=3).count() == 0
