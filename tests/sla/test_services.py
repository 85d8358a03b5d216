"""SLA clocks driven through `tickets.services` with frozen time (PROCESS §11).

Calendar "china-mainland": Mon–Fri 09:00–12:00 / 13:30–18:00 (450 business minutes a day).
Four-level preset: urgent first response 2 h, resolution 4 h, update 30 min; medium 8 h / 24 h.
"""

import datetime as dt

import pytest

from sla import calendar as pure
from sla.models import ClockEvent, ClockKind, ClockState, TicketClock, TicketSla
from sla.services import calendar_for, clock_extend, sla_sweep
from tests.factories import category
from tests.sla.conftest import (
    HIGH,
    MEDIUM,
    MON,
    URGENT,
    clock,
    clocks_by_kind,
    nov,
    register,
    register_assigned,
    sh,
    start_work,
    utc,
)
from tickets import services
from tickets.errors import DomainError, NotAllowed
from tickets.models import Channel, Impact, MessageKind, Status, Ticket, Urgency

pytestmark = pytest.mark.django_db


def events(c: TicketClock) -> list[str]:
    return list(c.events.order_by("at", "id").values_list("kind", flat=True))


def reply(ticket: Ticket, actor, body: str = "我们正在处理", kind: str = MessageKind.REPLY, **kw):
    return services.message_add(ticket_id=ticket.pk, actor=actor, kind=kind, body=body, **kw)


def move(ticket: Ticket, actor, to: str, reason: str = "") -> Ticket:
    return services.ticket_transition(ticket_id=ticket.pk, actor=actor, to=to, reason=reason)


# --- registration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "registered", "due", "state"),
    [
        (nov(23, 10, 5), nov(23, 10, 12), nov(23, 10, 15), ClockState.MET),
        (nov(23, 9, 58), nov(23, 10, 12), nov(23, 10, 8), ClockState.BREACHED),
        # a call on Sunday evening: the 10 minutes start when the desk opens on Monday
        (sh(2026, 11, 22, 22, 0), nov(23, 9, 8), nov(23, 9, 10), ClockState.MET),
        # Friday 17:55 + 10 business minutes is Monday 09:05
        (sh(2026, 11, 20, 17, 55), nov(23, 9, 6), nov(23, 9, 5), ClockState.BREACHED),
        # the lunch break does not count
        (nov(23, 11, 55), nov(23, 13, 34), nov(23, 13, 35), ClockState.MET),
    ],
)
def test_registration_clock_is_measured_from_received_at(
    travel, agent, org, received, registered, due, state
):
    travel.move_to(registered)
    ticket = register(agent, org, channel=Channel.PHONE, received_at=received)

    reg = clock(ticket, ClockKind.REGISTRATION)
    assert reg.started_at == received
    assert reg.due_at == due
    assert reg.state == state
    assert reg.stopped_at == registered
    if state == ClockState.MET:
        assert (reg.met_at, reg.breached_at) == (registered, None)
        assert events(reg) == [ClockEvent.Kind.STARTED, ClockEvent.Kind.MET]
    else:
        assert (reg.met_at, reg.breached_at) == (None, due)
        assert events(reg) == [ClockEvent.Kind.STARTED, ClockEvent.Kind.BREACHED]


def test_registration_starts_the_intake_clocks_against_the_policy_snapshot(travel, agent, org):
    ticket = register(agent, org, level=URGENT, channel=Channel.PHONE, received_at=nov(23, 10, 10))

    assert ticket.sla.policy.code == "four-level"
    assert ticket.sla.policy_version == 1
    assert ticket.sla.snapshot["targets"]["resolution"][str(ticket.priority_id)] == [
        240,
        "business_minutes",
    ]
    due = {kind: cs[0].due_at for kind, cs in clocks_by_kind(ticket).items()}
    assert due == {
        ClockKind.REGISTRATION: nov(23, 10, 20),
        ClockKind.SUPPLEMENT: nov(23, 11, 12),
        ClockKind.CLASSIFICATION: nov(23, 10, 42),
        ClockKind.DISPATCH: nov(23, 10, 27),
        ClockKind.FIRST_RESPONSE: nov(23, 13, 42),  # 108 min before lunch + 12 after
        ClockKind.RESOLUTION: nov(23, 15, 42),  # the example: 4 h from 10:12
    }
    ticket.refresh_from_db()
    assert ticket.sla_due_at == nov(23, 10, 27)  # the nearest open deadline, for queues
    # first response 2 h: warn 1 h before; the short intake clocks (≤ 1 h) get no such warning
    assert clock(ticket, ClockKind.FIRST_RESPONSE).warn_at == nov(23, 11, 12)
    assert clock(ticket, ClockKind.RESOLUTION).warn_at == nov(23, 14, 42)
    assert clock(ticket, ClockKind.DISPATCH).warn_at is None
    assert ticket.sla_warn_at == nov(23, 11, 12)


def test_classified_and_dispatched_at_registration(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer)

    kinds = clocks_by_kind(ticket)
    assert clock(ticket, ClockKind.CLASSIFICATION).state == ClockState.MET
    assert clock(ticket, ClockKind.DISPATCH).state == ClockState.MET
    assert clock(ticket, ClockKind.SUPPLEMENT).state == ClockState.CANCELLED
    handback = clock(ticket, ClockKind.HANDBACK)
    assert (handback.state, handback.due_at) == (ClockState.RUNNING, nov(23, 10, 42))
    assert ClockKind.UPDATE not in kinds  # the cadence starts with the work


# --- a ticket's life --------------------------------------------------------------------------


def test_a_ticket_life_checks_every_clock(travel, agent, org, customer, team, engineer):
    ticket = register(agent, org, level=URGENT, channel=Channel.PHONE, received_at=nov(23, 10, 10))
    assert clock(ticket, ClockKind.REGISTRATION).state == ClockState.MET

    travel.move_to(nov(23, 10, 20))
    services.ticket_classify(ticket_id=ticket.pk, actor=agent, category=category("network-down"))
    assert clock(ticket, ClockKind.CLASSIFICATION).met_at == nov(23, 10, 20)
    assert clock(ticket, ClockKind.SUPPLEMENT).state == ClockState.CANCELLED

    travel.move_to(nov(23, 10, 25))
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, team=team)
    assert clock(ticket, ClockKind.DISPATCH).met_at == nov(23, 10, 25)
    handback = clock(ticket, ClockKind.HANDBACK)
    assert (handback.state, handback.due_at) == (ClockState.RUNNING, nov(23, 10, 55))

    travel.move_to(nov(23, 10, 40))
    start_work(ticket, engineer)
    assert clock(ticket, ClockKind.HANDBACK).met_at == nov(23, 10, 40)
    assert clock(ticket, ClockKind.UPDATE).due_at == nov(23, 11, 10)

    # neither a customer's message nor an internal note is a response
    travel.move_to(nov(23, 10, 45))
    reply(ticket, customer, "有进展吗？")
    reply(ticket, engineer, "先查日志", kind=MessageKind.NOTE)
    assert clock(ticket, ClockKind.FIRST_RESPONSE).state == ClockState.RUNNING
    assert clock(ticket, ClockKind.UPDATE).state == ClockState.RUNNING

    # the first staff reply meets the first response and one update round
    travel.move_to(nov(23, 10, 50))
    reply(ticket, engineer)
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert (first.state, first.met_at) == (ClockState.MET, nov(23, 10, 50))
    assert clock(ticket, ClockKind.UPDATE).met_at == nov(23, 10, 50)
    assert clock(ticket, ClockKind.UPDATE, 2).due_at == nov(23, 11, 20)

    # waiting for the customer pauses resolution and the cadence
    travel.move_to(nov(23, 11, 0))
    move(ticket, engineer, Status.WAITING_CUSTOMER)
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.state == ClockState.PAUSED
    assert resolution.due_at is None
    assert resolution.remaining_minutes == pytest.approx(60 + 132)
    assert clock(ticket, ClockKind.UPDATE, 2).remaining_minutes == pytest.approx(20)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None  # nothing is running

    # …and the customer's answer resumes them: the deadline moves by the 35 paused minutes
    travel.move_to(nov(23, 11, 35))
    reply(ticket, customer, "日志已上传")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert (resolution.state, resolution.due_at) == (ClockState.RUNNING, nov(23, 16, 17))
    assert resolution.paused_minutes == pytest.approx(35)
    assert clock(ticket, ClockKind.UPDATE, 2).due_at == nov(23, 11, 55)

    # a work log entry is an update too; the next round runs over the lunch break
    travel.move_to(nov(23, 11, 50))
    reply(ticket, engineer, "查看了日志", kind=MessageKind.WORKLOG, worklog_kind="look")
    assert clock(ticket, ClockKind.UPDATE, 2).state == ClockState.MET
    assert clock(ticket, ClockKind.UPDATE, 3).due_at == nov(23, 13, 50)

    # a later public reply is not a first response again
    travel.move_to(nov(23, 13, 40))
    reply(ticket, engineer)
    assert clock(ticket, ClockKind.FIRST_RESPONSE).met_at == nov(23, 10, 50)
    assert clock(ticket, ClockKind.UPDATE, 4).due_at == nov(23, 14, 10)

    travel.move_to(nov(23, 14, 0))
    move(ticket, engineer, Status.RESOLVED)
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert (resolution.state, resolution.met_at) == (ClockState.MET, nov(23, 14, 0))
    assert clock(ticket, ClockKind.UPDATE, 4).state == ClockState.CANCELLED
    ticket.refresh_from_db()
    # Only the satisfaction-survey clock (24 hours, sent by the quality app) still runs: the
    # system's own step, not a deadline of the ticket in queues and badges.
    assert clock(ticket, ClockKind.SURVEY).due_at == nov(24, 14, 0)
    assert ticket.sla_due_at is None

    assert [(e.kind, e.at, e.old_due, e.new_due) for e in resolution.events.all()] == [
        (ClockEvent.Kind.STARTED, nov(23, 10, 12), None, nov(23, 15, 42)),
        (ClockEvent.Kind.PAUSED, nov(23, 11, 0), nov(23, 15, 42), None),
        (ClockEvent.Kind.RESUMED, nov(23, 11, 35), None, nov(23, 16, 17)),
        (ClockEvent.Kind.MET, nov(23, 14, 0), nov(23, 16, 17), None),
    ]

    # reopening starts round 2 of the resolution clock (and a new cadence)
    travel.move_to(nov(24, 9, 30))
    move(ticket, engineer, Status.IN_PROGRESS, reason="问题复现")
    again = clock(ticket, ClockKind.RESOLUTION, 2)
    assert (again.state, again.started_at, again.due_at) == (
        ClockState.RUNNING,
        nov(24, 9, 30),
        nov(24, 15, 0),
    )
    assert clock(ticket, ClockKind.RESOLUTION).state == ClockState.MET
    assert clock(ticket, ClockKind.UPDATE, 5).due_at == nov(24, 10, 0)
    ticket.refresh_from_db()
    assert ticket.reopen_count == 1
    assert ticket.sla_due_at == nov(24, 10, 0)

    # every clock has a consistent event log
    for c in TicketClock.objects.filter(ticket=ticket):
        kinds = events(c)
        assert kinds[0] == ClockEvent.Kind.STARTED
        closing = {ClockState.MET: "met", ClockState.CANCELLED: "cancelled"}.get(c.state)
        if closing:
            assert kinds[-1] == closing


@pytest.mark.parametrize(
    ("created", "level", "kind", "due"),
    [
        # Monday 16:00 + 8 h: 2 h on Monday, then 6 h on Tuesday across the lunch break
        (nov(23, 16, 0), MEDIUM, ClockKind.FIRST_RESPONSE, nov(24, 16, 30)),
        # Monday 16:00 + 24 business hours: Mon 2 h, Tue 7.5 h, Wed 7.5 h, Thu 7 h
        (nov(23, 16, 0), MEDIUM, ClockKind.RESOLUTION, nov(26, 17, 30)),
        # Friday 17:00 + 2 h runs over the weekend
        (nov(27, 17, 0), URGENT, ClockKind.FIRST_RESPONSE, sh(2026, 11, 30, 10, 0)),
        # a ticket registered at night starts counting at 09:00
        (nov(24, 20, 0), HIGH, ClockKind.FIRST_RESPONSE, nov(25, 14, 30)),
        # National Day 2026: Oct 1–7 off; Wednesday 17:00 + 2 h → Thursday Oct 8 10:00
        (sh(2026, 9, 30, 17, 0), URGENT, ClockKind.FIRST_RESPONSE, sh(2026, 10, 8, 10, 0)),
        # Saturday Oct 10 is a make-up working day (调休)
        (sh(2026, 10, 9, 16, 0), MEDIUM, ClockKind.FIRST_RESPONSE, sh(2026, 10, 10, 16, 30)),
        # low: resolution in 3 working days; the make-up Saturday counts as one
        (
            sh(2026, 10, 9, 11, 0),
            {"impact": Impact.ONE_USER, "urgency": Urgency.LOW},
            ClockKind.RESOLUTION,
            sh(2026, 10, 13, 18, 0),
        ),
    ],
)
def test_exact_deadlines(travel, customer, created, level, kind, due):
    travel.move_to(created)
    ticket = register(customer, customer.organization, level=level)
    c = clock(ticket, kind)
    assert c.started_at == created
    assert c.due_at == due


def test_pause_shifts_the_deadline_by_the_paused_business_time(travel, agent, org, customer):
    ticket = register(
        agent, org, level=URGENT, channel=Channel.EMAIL, received_at=MON, contact=customer
    )
    before = clock(ticket, ClockKind.RESOLUTION).due_at
    assert before == nov(23, 15, 42)

    travel.move_to(nov(23, 11, 50))
    move(ticket, agent, Status.WAITING_CUSTOMER)
    # paused over the lunch break and the night: 10 + 270 + 20 business minutes
    travel.move_to(nov(24, 9, 20))
    reply(ticket, customer, "好了")

    resolution = clock(ticket, ClockKind.RESOLUTION)
    cal = calendar_for(resolution.calendar)
    assert resolution.paused_minutes == pytest.approx(300)
    assert resolution.due_at == nov(24, 11, 42)
    assert resolution.due_at == utc(pure.add_business_minutes(before, 300, cal))
    resumed = resolution.events.get(kind=ClockEvent.Kind.RESUMED)
    assert resumed.detail == {"paused": 300.0}
    # the warning keeps its distance to the deadline
    assert resolution.warn_at == nov(24, 10, 42)


def test_waiting_for_a_third_party_pauses_only_the_cadence(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer)
    start_work(ticket, engineer)
    travel.move_to(nov(23, 10, 22))
    move(ticket, engineer, Status.WAITING_THIRD_PARTY)
    assert clock(ticket, ClockKind.UPDATE).state == ClockState.PAUSED
    assert clock(ticket, ClockKind.RESOLUTION).state == ClockState.RUNNING
    travel.move_to(nov(23, 14, 0))
    start_work(ticket, engineer)
    update = clock(ticket, ClockKind.UPDATE)
    # 20 minutes were left; the lunch break is not paused business time
    assert update.paused_minutes == pytest.approx(98 + 30)
    assert update.due_at == nov(23, 14, 20)


def test_hand_back_stops_the_hand_back_clock_and_restarts_dispatch(
    travel, agent, org, team, engineer
):
    ticket = register_assigned(agent, org, team, engineer)
    travel.move_to(nov(23, 10, 30))
    services.ticket_hand_back(ticket_id=ticket.pk, actor=engineer, reason="不是我们组的产品")

    assert clock(ticket, ClockKind.HANDBACK).met_at == nov(23, 10, 30)
    again = clock(ticket, ClockKind.DISPATCH, 2)
    assert (again.state, again.due_at) == (ClockState.RUNNING, nov(23, 10, 45))
    travel.move_to(nov(23, 10, 40))
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, team=team)
    assert clock(ticket, ClockKind.DISPATCH, 2).met_at == nov(23, 10, 40)
    assert clock(ticket, ClockKind.HANDBACK, 2).due_at == nov(23, 11, 10)


def test_closing_an_unresolved_ticket_cancels_its_clocks(travel, agent, org):
    ticket = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=MON)
    travel.move_to(nov(23, 10, 20))
    move(ticket, agent, Status.CLOSED, reason="客户撤回")
    for kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.DISPATCH):
        c = clock(ticket, kind)
        assert (c.state, c.stopped_at) == (ClockState.CANCELLED, nov(23, 10, 20))
        assert events(c)[-1] == ClockEvent.Kind.CANCELLED
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None


def test_overdue_clock_is_not_paused_away_before_the_sweep(travel, agent, org, team, engineer):
    """Breaches are not lost when the sweep has not run yet (cluster down) and the ticket waits."""
    ticket = register_assigned(agent, org, team, engineer)
    start_work(ticket, engineer)  # update cadence due 10:42
    travel.move_to(nov(23, 10, 50))
    move(ticket, engineer, Status.WAITING_CUSTOMER)
    update = clock(ticket, ClockKind.UPDATE)
    assert update.state == ClockState.RUNNING

    sla_sweep()
    update.refresh_from_db()
    assert (update.state, update.breached_at) == (ClockState.BREACHED, nov(23, 10, 42))


def test_overdue_clock_cancelled_before_the_sweep_is_recorded_as_breached(
    travel, agent, org, team, engineer
):
    ticket = register_assigned(agent, org, team, engineer)
    start_work(ticket, engineer)
    travel.move_to(nov(23, 11, 0))
    move(ticket, engineer, Status.TESTING)
    update = clock(ticket, ClockKind.UPDATE)
    assert (update.state, update.breached_at, update.stopped_at) == (
        ClockState.BREACHED,
        nov(23, 10, 42),
        nov(23, 11, 0),
    )


# --- priority changes -------------------------------------------------------------------------


def test_priority_change_recomputes_running_clocks(travel, agent, org):
    ticket = register(agent, org, level=MEDIUM, channel=Channel.EMAIL, received_at=MON)
    assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == nov(24, 10, 42)
    assert clock(ticket, ClockKind.RESOLUTION).due_at == nov(26, 11, 42)

    travel.move_to(nov(23, 11, 0))
    services.ticket_update(
        ticket_id=ticket.pk,
        actor=agent,
        changes={"impact": Impact.CORE_BUSINESS, "urgency": Urgency.CRITICAL},
        reason="全公司停机",
    )

    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert (first.target_amount, first.due_at, first.warn_at) == (
        120,
        nov(23, 13, 42),
        nov(23, 11, 12),
    )
    recomputed = first.events.get(kind=ClockEvent.Kind.RECOMPUTED)
    assert (recomputed.at, recomputed.old_due, recomputed.new_due, recomputed.actor) == (
        nov(23, 11, 0),
        nov(24, 10, 42),
        nov(23, 13, 42),
        agent,
    )
    assert recomputed.detail == {"amount": 120, "unit": "business_minutes"}
    assert clock(ticket, ClockKind.RESOLUTION).due_at == nov(23, 15, 42)
    # the same target for every level: nothing to recompute
    assert not clock(ticket, ClockKind.CLASSIFICATION).events.filter(kind="recomputed").exists()
    ticket.refresh_from_db()
    assert ticket.sla_warn_at == nov(23, 11, 12)


def test_priority_change_while_paused_applies_on_resume(travel, agent, org, customer):
    ticket = register(agent, org, level=MEDIUM, channel=Channel.EMAIL, received_at=MON)
    travel.move_to(nov(23, 10, 30))
    move(ticket, agent, Status.WAITING_CUSTOMER)  # 18 active minutes so far

    travel.move_to(nov(23, 10, 40))
    services.ticket_classify(
        ticket_id=ticket.pk,
        actor=agent,
        category=category("network-down"),
        impact=Impact.CORE_BUSINESS,
        urgency=Urgency.CRITICAL,
    )
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.state == ClockState.PAUSED
    assert resolution.target_amount == 240
    assert resolution.remaining_minutes == pytest.approx(240 - 18)
    assert resolution.events.filter(kind=ClockEvent.Kind.RECOMPUTED).count() == 1

    travel.move_to(nov(23, 11, 0))
    reply(ticket, customer, "补充了信息")
    resolution.refresh_from_db()
    # 222 minutes from 11:00: 60 before lunch, 162 after
    assert resolution.due_at == nov(23, 16, 12)


def test_breached_clocks_are_not_recomputed(travel, agent, org):
    ticket = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=MON)
    travel.move_to(nov(23, 14, 0))
    sla_sweep()
    assert clock(ticket, ClockKind.FIRST_RESPONSE).state == ClockState.BREACHED
    services.ticket_update(
        ticket_id=ticket.pk, actor=agent, changes={"impact": Impact.ONE_USER, "urgency": "low"}
    )
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert (first.state, first.target_amount, first.due_at) == (
        ClockState.BREACHED,
        120,
        nov(23, 13, 42),
    )
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert (resolution.target_amount, resolution.target_unit) == (3, "working_days")
    assert resolution.due_at == nov(26, 18, 0)


# --- extension ------------------------------------------------------------------------------


@pytest.fixture
def urgent(travel, agent, org, team, engineer):
    return register_assigned(agent, org, team, engineer)


def _extend(clock_id, actor, new_due, reason="等待厂商补丁", informed=True):
    return clock_extend(
        clock_id=clock_id,
        actor=actor,
        new_due=new_due,
        reason=reason,
        customer_informed=informed,
    )


@pytest.mark.parametrize(
    ("now", "new_due", "reason", "informed", "field"),
    [
        (nov(23, 15, 42), nov(23, 17, 42), "等待厂商补丁", True, None),  # at the deadline
        (nov(23, 16, 0), nov(23, 17, 42), "等待厂商补丁", True, None),  # after it
        (nov(23, 14, 0), nov(23, 17, 42), "   ", True, "reason"),
        (nov(23, 14, 0), nov(23, 17, 42), "等待厂商补丁", False, "customer_informed"),
        (nov(23, 14, 0), nov(23, 15, 0), "等待厂商补丁", True, "new_due"),
        (nov(23, 14, 0), nov(23, 15, 42), "等待厂商补丁", True, "new_due"),
    ],
)
def test_extension_is_refused(travel, urgent, engineer, now, new_due, reason, informed, field):
    resolution = clock(urgent, ClockKind.RESOLUTION)
    travel.move_to(now)
    with pytest.raises(DomainError) as exc:
        _extend(resolution.pk, engineer, new_due, reason, informed)
    assert exc.value.field == field
    resolution.refresh_from_db()
    assert resolution.due_at == nov(23, 15, 42)
    assert not resolution.events.filter(kind=ClockEvent.Kind.EXTENDED).exists()


def test_extension_needs_a_worker_who_sees_the_ticket(travel, urgent, customer, outsider_engineer):
    resolution = clock(urgent, ClockKind.RESOLUTION)
    for actor in (customer, outsider_engineer):
        with pytest.raises(NotAllowed):
            _extend(resolution.pk, actor, nov(23, 17, 42))


def test_a_paused_clock_cannot_be_extended(travel, urgent, engineer):
    start_work(urgent, engineer)
    move(urgent, engineer, Status.WAITING_CUSTOMER)
    with pytest.raises(DomainError):
        _extend(clock(urgent, ClockKind.RESOLUTION).pk, engineer, nov(23, 17, 42))


def test_extension_before_the_deadline_is_logged_with_both_deadlines(travel, urgent, engineer):
    resolution = clock(urgent, ClockKind.RESOLUTION)
    travel.move_to(nov(23, 14, 0))
    _extend(resolution.pk, engineer, nov(24, 10, 0), reason="  等待厂商补丁 ")

    resolution.refresh_from_db()
    assert resolution.due_at == nov(24, 10, 0)
    # 1 business hour before: Monday 18:00 is the same business instant as Tuesday 09:00
    assert resolution.warn_at == nov(23, 18, 0)
    assert resolution.warned_at is None
    ext = resolution.events.get(kind=ClockEvent.Kind.EXTENDED)
    assert (ext.at, ext.old_due, ext.new_due, ext.reason, ext.actor) == (
        nov(23, 14, 0),
        nov(23, 15, 42),
        nov(24, 10, 0),
        "等待厂商补丁",
        engineer,
    )
    assert ext.detail == {"customer_informed": True}
    # the sweep respects the new deadline
    travel.move_to(nov(23, 16, 0))
    sla_sweep()
    resolution.refresh_from_db()
    assert resolution.state == ClockState.RUNNING


# --- calendars from the database ------------------------------------------------------------


def test_a_holiday_override_moves_a_deadline_once_the_calendar_is_bumped(travel, customer):
    from sla.models import Calendar, CalendarOverride
    from sla.services import calendar_bump

    travel.move_to(nov(23, 16, 0))
    china = Calendar.objects.get(code="china-mainland")
    before = register(customer, customer.organization, level=MEDIUM)
    assert clock(before, ClockKind.FIRST_RESPONSE).due_at == nov(24, 16, 30)

    CalendarOverride.objects.create(
        calendar=china, date=dt.date(2026, 11, 24), is_working=False, note="公司年会"
    )
    calendar_bump(china)
    assert china.version == 2
    after = register(customer, customer.organization, level=MEDIUM)
    assert clock(after, ClockKind.FIRST_RESPONSE).due_at == nov(25, 16, 30)

    # a company working Saturday is a make-up day
    travel.move_to(nov(27, 17, 0))
    CalendarOverride.objects.create(calendar=china, date=dt.date(2026, 11, 28), is_working=True)
    calendar_bump(china)
    saturday = register(customer, customer.organization, level=URGENT)
    assert clock(saturday, ClockKind.FIRST_RESPONSE).due_at == sh(2026, 11, 28, 10, 0)


def test_calendar_missing_years_reports_unpublished_holiday_data(travel):
    from sla.models import Calendar, CalendarOverride
    from sla.services import calendar_missing_years

    china = Calendar.objects.get(code="china-mainland")
    # around 2026-11-23 the calendar covers 2025–2028; only 2025 and 2026 are published
    assert calendar_missing_years(china) == [2027, 2028]
    assert calendar_missing_years(china, today=dt.date(2025, 3, 1)) == [2027]
    CalendarOverride.objects.create(calendar=china, date=dt.date(2027, 1, 1), is_working=False)
    assert calendar_missing_years(china) == [2028]
    assert calendar_missing_years(Calendar.objects.get(code="24x7")) == []


def test_a_24x7_policy_counts_every_minute(travel, customer):
    from sla.models import Calendar, SlaPolicy

    policy = SlaPolicy.objects.get(code="four-level")
    policy.calendar = Calendar.objects.get(code="24x7")
    policy.save()
    travel.move_to(nov(23, 23, 0))
    ticket = register(customer, customer.organization, level=URGENT)
    assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == nov(24, 1, 0)
    assert clock(ticket, ClockKind.RESOLUTION).due_at == nov(24, 3, 0)


def test_without_an_active_policy_a_ticket_has_no_clocks(travel, customer):
    from sla.models import SlaPolicy

    SlaPolicy.objects.update(active=False)
    ticket = register(customer, customer.organization)
    assert not TicketSla.objects.filter(ticket=ticket).exists()
    assert not TicketClock.objects.filter(ticket=ticket).exists()
    # later events are ignored quietly
    services.message_add(ticket_id=ticket.pk, actor=customer, kind="reply", body="还在吗")
    assert not TicketClock.objects.filter(ticket=ticket).exists()
