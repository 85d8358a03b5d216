"""Reads: why a deadline is what it is, badges, the supervisors' attention queue."""

import datetime as dt

import pytest
from django.utils import translation

from sla.models import Calendar, ClockKind, ClockState, SupervisorTask
from sla.selectors import (
    badge,
    calendars_missing_data,
    clock_explanation,
    clock_list,
    open_tasks,
    sla_attention_queue,
)
from sla.services import clock_extend, sla_sweep
from tests.factories import TeamFactory
from tests.sla.conftest import (
    LOW,
    MEDIUM,
    URGENT,
    clock,
    nov,
    register,
    register_assigned,
    sh,
)
from tickets import services
from tickets.models import Channel, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def explain(c):
    c.refresh_from_db()
    return clock_explanation(c)


# --- clock_explanation --------------------------------------------------------------------------


def test_the_issue_example_due_at_16_17_because(travel, agent, org, customer):
    """'due at … because: 4 business hours from 10:12 in calendar X, lunch 12:00–13:30
    skipped, 35 minutes paused waiting for the customer'."""
    ticket = register(
        agent,
        org,
        level=URGENT,
        channel=Channel.EMAIL,
        received_at=nov(23, 10, 12),
        contact=customer,
    )
    travel.move_to(nov(23, 11, 0))
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.WAITING_CUSTOMER)
    resolution = clock(ticket, ClockKind.RESOLUTION)
    paused = explain(resolution)
    assert paused.headline == "paused since 2026-11-23 11:00, 3 h 12 min left"

    travel.move_to(nov(23, 11, 35))
    services.message_add(ticket_id=ticket.pk, actor=customer, kind="reply", body="日志在附件")
    why = explain(resolution)
    assert why.headline == "due at 2026-11-23 16:17"
    assert why.reasons[0] == (
        "4 hours of business time from 2026-11-23 10:12 in calendar “China mainland”"
    )
    assert "break 12:00–13:30 skipped" in why.reasons
    assert "35 minutes paused waiting for the customer" in why.reasons
    assert not any("holiday" in r for r in why.reasons)


def test_overnight_and_weekend_skips(travel, customer):
    travel.move_to(nov(27, 16, 0))  # Friday
    ticket = register(customer, customer.organization, level=MEDIUM)
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert first.due_at == sh(2026, 11, 30, 16, 30)
    why = explain(first)
    assert why.reasons[0].startswith("8 hours of business time from 2026-11-27 16:00")
    assert "rest day 11-27 18:00 – 11-30 09:00 skipped" in why.reasons
    assert "break 12:00–13:30 skipped" in why.reasons


def test_national_day_and_the_make_up_saturday(travel, customer):
    travel.move_to(sh(2026, 9, 30, 17, 0))
    holiday = register(customer, customer.organization, level=URGENT)
    assert (
        "public holiday 09-30 18:00 – 10-08 09:00 skipped"
        in explain(clock(holiday, ClockKind.FIRST_RESPONSE)).reasons
    )

    travel.move_to(sh(2026, 10, 9, 16, 0))
    makeup = register(customer, customer.organization, level=MEDIUM)
    first = clock(makeup, ClockKind.FIRST_RESPONSE)
    assert first.due_at == sh(2026, 10, 10, 16, 30)
    assert "2026-10-10 is a make-up working day (调休)" in explain(first).reasons


def test_a_deadline_in_a_year_without_holiday_data_says_so(travel, customer):
    travel.move_to(sh(2026, 12, 30, 10, 0))
    ticket = register(customer, customer.organization, level=LOW)
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.due_at.year == 2027
    why = explain(resolution)
    assert why.reasons[0] == "3 working days from 2026-12-30 10:00 in calendar “China mainland”"
    assert "no published holiday data for 2027: holidays may be missing" in why.reasons


def test_extensions_and_recomputations_are_explained(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer, level=MEDIUM)
    travel.move_to(nov(23, 11, 0))
    services.ticket_update(ticket_id=ticket.pk, actor=agent, changes=URGENT, reason="影响扩大")
    travel.move_to(nov(23, 14, 0))
    resolution = clock(ticket, ClockKind.RESOLUTION)
    clock_extend(
        clock_id=resolution.pk,
        actor=engineer,
        new_due=nov(24, 10, 0),
        reason="等待厂商补丁",
        customer_informed=True,
    )
    why = explain(resolution)
    assert why.headline == "due at 2026-11-24 10:00"
    assert "recomputed on 2026-11-23 11:00: priority changed" in why.reasons
    assert (
        "extended on 2026-11-23 14:00 from 2026-11-23 15:42 to 2026-11-24 10:00: 等待厂商补丁"
        in why.reasons
    )
    assert "outside working hours 11-23 18:00 – 11-24 09:00 skipped" in why.reasons


def test_headlines_of_finished_clocks(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer)
    assert explain(clock(ticket, ClockKind.DISPATCH)).headline == "met at 2026-11-23 10:12"
    assert (
        explain(clock(ticket, ClockKind.SUPPLEMENT)).headline
        == "no longer needed since 2026-11-23 10:12"
    )
    travel.move_to(nov(23, 13, 42))
    sla_sweep()
    assert explain(clock(ticket, ClockKind.FIRST_RESPONSE)).headline == (
        "breached at 2026-11-23 13:42"
    )


def test_a_24x7_clock_lists_no_skips(travel, customer):
    from sla.models import SlaPolicy

    SlaPolicy.objects.filter(code="four-level").update(calendar=Calendar.objects.get(code="24x7"))
    travel.move_to(nov(23, 23, 0))
    ticket = register(customer, customer.organization, level=URGENT)
    why = explain(clock(ticket, ClockKind.FIRST_RESPONSE))
    assert why.headline == "due at 2026-11-24 01:00"
    assert why.reasons == ["2 hours of business time from 2026-11-23 23:00 in calendar “24×7”"]


# --- badge ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "warn", "expected"),
    [
        (None, None, "none"),
        (nov(23, 12, 0), None, "normal"),
        (nov(23, 12, 0), nov(23, 11, 0), "normal"),
        (nov(23, 12, 0), nov(23, 10, 0), "warning"),  # warn == now
        (nov(23, 12, 0), nov(23, 9, 0), "warning"),
        (nov(23, 10, 0), nov(23, 9, 0), "breached"),  # due == now
        (nov(23, 9, 0), None, "breached"),
    ],
)
def test_badge(due, warn, expected):
    assert badge(due_at=due, warn_at=warn, now=nov(23, 10, 0)) == expected


def test_badge_from_a_ticket_row(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    ticket.refresh_from_db()
    assert (ticket.sla_due_at, ticket.sla_warn_at) == (nov(23, 10, 42), nov(23, 11, 12))
    state = [
        badge(due_at=ticket.sla_due_at, warn_at=ticket.sla_warn_at, now=now)
        for now in (nov(23, 10, 30), nov(23, 10, 42))
    ]
    assert state == ["normal", "breached"]


# --- the attention queue ------------------------------------------------------------------------


@pytest.fixture
def attention(travel, agent, org, other_org, team, engineer):
    """At 14:00 the team's ticket has breached clocks (hand-back, first response) and a warned
    resolution; a ticket of another team has breached clocks too."""
    mine = register_assigned(agent, org, team, engineer)
    other_team = TeamFactory(code="other-team")
    theirs = register(
        agent, other_org, level=URGENT, channel=Channel.EMAIL, received_at=nov(23, 10, 12)
    )
    services.ticket_assign(ticket_id=theirs.pk, actor=agent, team=other_team)
    travel.move_to(nov(23, 14, 50))
    sla_sweep()
    return mine, theirs


def test_attention_queue_scope(attention, agent, engineer, outsider_engineer, customer):
    mine, theirs = attention
    for_engineer = list(sla_attention_queue(user=engineer))
    assert {c.ticket_id for c in for_engineer} == {mine.pk}
    assert [c.kind for c in for_engineer] == [
        ClockKind.HANDBACK,
        ClockKind.FIRST_RESPONSE,
        ClockKind.RESOLUTION,
    ]
    assert for_engineer[-1].state == ClockState.RUNNING  # warned, not yet due
    assert {c.ticket_id for c in sla_attention_queue(user=agent)} == {mine.pk, theirs.pk}
    assert list(sla_attention_queue(user=outsider_engineer)) == []
    assert list(sla_attention_queue(user=customer)) == []  # an internal view, even of own tickets


def test_attention_queue_leaves_out_met_and_acknowledgement_clocks(
    travel, attention, agent, engineer
):
    mine, _ = attention
    services.message_add(ticket_id=mine.pk, actor=engineer, kind="reply", body="处理中")
    kinds = [c.kind for c in sla_attention_queue(user=engineer)]
    assert ClockKind.FIRST_RESPONSE not in kinds  # stopped late: no longer needs attention
    assert ClockKind.ACKNOWLEDGEMENT not in kinds
    assert SupervisorTask.objects.exists()


# --- other reads --------------------------------------------------------------------------------


def test_clock_list_and_open_tasks(attention, supervisor, engineer):
    mine, _ = attention
    listed = [(c.kind, c.round) for c in clock_list(ticket=mine)]
    assert listed[:3] == [
        (ClockKind.REGISTRATION, 1),
        (ClockKind.SUPPLEMENT, 1),
        (ClockKind.CLASSIFICATION, 1),
    ]
    tasks = list(open_tasks(user=supervisor))
    assert tasks and all(t.acknowledged_at is None for t in tasks)
    assert [t.created_at for t in tasks] == sorted(t.created_at for t in tasks)
    assert list(open_tasks(user=engineer)) == []


def test_calendars_missing_data(travel):
    china = Calendar.objects.get(code="china-mainland")
    assert calendars_missing_data() == [(china, [2027, 2028])]
    with translation.override("en"):
        travel.move_to(dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC))
        assert calendars_missing_data() == [(china, [2027])]
