"""Which policy measures a ticket, the presets, and policy versions (issue: policies)."""

import pytest
from django.db.models import F

from sla import presets, tasks
from sla.loader import load_presets
from sla.models import (
    Calendar,
    ClockDefinition,
    ClockEvent,
    ClockKind,
    SlaPolicy,
    SlaTarget,
    TicketClock,
)
from sla.services import policy_for, ticket_sla_reapply
from tests.factories import category, level
from tests.sla.conftest import HIGH, URGENT, clock, nov, register
from tickets import services
from tickets.models import Channel, PriorityScheme, Status

pytestmark = pytest.mark.django_db

NEUTRAL = {"title": "系统问题", "description": "请协助处理"}  # matches no keyword


def make_policy(code: str, *, position: int = 10, scheme: str = "four-level", **conditions):
    """A policy whose urgent/any-level first response target is `position` minutes."""
    policy = SlaPolicy.objects.create(
        code=code,
        name=code,
        name_en=code,
        calendar=Calendar.objects.get(code="china-mainland"),
        priority_scheme=PriorityScheme.objects.get(code=scheme),
        position=position,
        **conditions,
    )
    SlaTarget.objects.create(
        policy=policy,
        clock=ClockDefinition.objects.get(code=ClockKind.FIRST_RESPONSE),
        amount=position,
    )
    return policy


def chosen(actor, org, **kw) -> str:
    ticket = register(actor, org, level=URGENT, **{**NEUTRAL, **kw})
    assert policy_for(ticket).code == ticket.sla.policy.code
    return ticket.sla.policy.code


# --- presets ----------------------------------------------------------------------------------


def test_presets_are_loaded_with_one_active_policy_per_scheme(db):
    policies = {p.code: p for p in SlaPolicy.objects.select_related("priority_scheme")}
    assert set(policies) == {row[0] for row in presets.POLICIES}
    assert [p.code for p in policies.values() if p.is_default] == ["four-level"]
    active = [p.priority_scheme.code for p in policies.values() if p.active]
    assert sorted(active) == sorted(set(active))
    # 004 shares the four-level scheme: inactive until an admin gives it conditions
    assert not policies["four-level-004"].active
    four = policies["four-level"]
    assert four.escalations.count() == len(presets.ESCALATION_CHAIN)
    assert four.targets.get(clock__code="resolution", level=level("low")).unit == "working_days"
    # a second run creates nothing
    from django.apps import apps

    assert load_presets(apps.get_model) == []


def test_the_default_policy_measures_four_level_tickets(travel, agent, org):
    assert chosen(agent, org, channel=Channel.EMAIL, received_at=nov(23, 10, 12)) == "four-level"


def test_a_ticket_of_another_scheme_gets_that_schemes_policy(travel, customer):
    sab = PriorityScheme.objects.get(code="sab")
    ticket = register(customer, customer.organization, level=URGENT, scheme=sab, **NEUTRAL)
    assert ticket.priority.code == "s"
    assert ticket.sla.policy.code == "sab"
    assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == nov(23, 10, 42)  # S: 30 minutes
    assert clock(ticket, ClockKind.RESOLUTION).due_at == nov(23, 13, 42)  # S: 2 hours


# --- conditions and order ---------------------------------------------------------------------


def test_organization_condition(travel, customer, other_customer):
    make_policy("acme", organization=customer.organization)
    assert chosen(customer, customer.organization) == "acme"
    assert chosen(other_customer, other_customer.organization) == "four-level"


def test_category_condition_matches_its_sub_categories(travel, agent, org):
    network = category("network")
    make_policy("network", category=network)
    email = {"channel": Channel.EMAIL, "received_at": nov(23, 10, 12)}
    assert chosen(agent, org, category=category("network-down"), **email) == "network"
    assert chosen(agent, org, category=network, **email) == "network"
    assert chosen(agent, org, category=category("hardware-server"), **email) == "four-level"
    assert chosen(agent, org, **email) == "four-level"  # no category at all


def test_a_sub_category_condition_does_not_match_its_parent(travel, agent, org):
    make_policy("vpn", category=category("network-vpn"))
    email = {"channel": Channel.EMAIL, "received_at": nov(23, 10, 12)}
    assert chosen(agent, org, category=category("network"), **email) == "four-level"
    assert chosen(agent, org, category=category("network-vpn"), **email) == "vpn"


def test_the_suggested_category_counts_for_a_customer_ticket(travel, customer):
    make_policy("network", category=category("network"))
    ticket = register(customer, customer.organization, title="公司断网了", description="全部断网")
    assert ticket.category.code == "network-down"
    assert ticket.sla.policy.code == "network"


def test_channel_condition(travel, agent, customer, org):
    make_policy("hotline", channel=Channel.PHONE)
    assert chosen(agent, org, channel=Channel.PHONE, received_at=nov(23, 10, 10)) == "hotline"
    assert chosen(customer, org) == "four-level"


def test_every_condition_of_a_policy_must_hold(travel, agent, customer, other_customer, org):
    make_policy("acme-phone", organization=org, channel=Channel.PHONE)
    phone = {"channel": Channel.PHONE, "received_at": nov(23, 10, 10)}
    assert chosen(agent, org, **phone) == "acme-phone"
    assert chosen(customer, org) == "four-level"
    assert chosen(agent, other_customer.organization, **phone) == "four-level"


def test_the_scheme_is_a_condition(travel, customer):
    make_policy("acme-sab", scheme="sab", organization=customer.organization, position=5)
    assert chosen(customer, customer.organization) == "four-level"
    sab = PriorityScheme.objects.get(code="sab")
    assert chosen(customer, customer.organization, scheme=sab) == "acme-sab"


def test_first_match_in_position_order_wins(travel, customer):
    make_policy("late", position=50, organization=customer.organization)
    make_policy("early", position=20, channel=Channel.PORTAL)
    assert chosen(customer, customer.organization) == "early"
    # the same position: the older policy first
    SlaPolicy.objects.filter(code="late").update(position=20)
    assert chosen(customer, customer.organization) == "late"
    SlaPolicy.objects.filter(code="late").update(active=False)
    assert chosen(customer, customer.organization) == "early"


def test_the_default_is_the_fallback_whatever_its_position(travel, customer):
    SlaPolicy.objects.filter(code="four-level").update(position=1)
    make_policy("portal", position=90, channel=Channel.PORTAL)
    assert chosen(customer, customer.organization) == "portal"


# --- versions ---------------------------------------------------------------------------------


def _new_version(policy: SlaPolicy, *, urgent_first_response: int) -> None:
    """What the admin's save does: change a target, then bump the policy's version."""
    SlaTarget.objects.filter(
        policy=policy, clock__code="first_response", level=level("urgent")
    ).update(amount=urgent_first_response)
    SlaPolicy.objects.filter(pk=policy.pk).update(version=F("version") + 1)
    policy.refresh_from_db()


def test_a_new_version_applies_to_new_tickets_only(travel, agent, org):
    policy = SlaPolicy.objects.get(code="four-level")
    old = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=nov(23, 10, 12))
    _new_version(policy, urgent_first_response=60)

    travel.move_to(nov(23, 10, 20))
    new = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=nov(23, 10, 20))
    assert (new.sla.policy_version, clock(new, ClockKind.FIRST_RESPONSE).due_at) == (
        2,
        nov(23, 11, 20),
    )
    assert clock(new, ClockKind.FIRST_RESPONSE).policy_version == 2

    # the open ticket keeps its snapshot, even when its clocks are recomputed
    assert old.sla.policy_version == 1
    services.ticket_update(ticket_id=old.pk, actor=agent, changes=HIGH)
    services.ticket_update(ticket_id=old.pk, actor=agent, changes=URGENT)
    first = clock(old, ClockKind.FIRST_RESPONSE)
    assert (first.target_amount, first.due_at, first.policy_version) == (120, nov(23, 13, 42), 1)


def test_reapply_measures_an_open_ticket_against_the_current_version(travel, agent, org):
    policy = SlaPolicy.objects.get(code="four-level")
    ticket = register(agent, org, level=URGENT, channel=Channel.EMAIL, received_at=nov(23, 10, 12))
    assert ticket_sla_reapply(ticket=ticket) is False  # nothing new yet

    policy.calendar = Calendar.objects.get(code="24x7")
    policy.save()
    _new_version(policy, urgent_first_response=60)

    travel.move_to(nov(23, 10, 30))
    assert ticket_sla_reapply(ticket=ticket, actor=agent) is True
    ticket.sla.refresh_from_db()
    assert (ticket.sla.policy_version, ticket.sla.applied_at) == (2, nov(23, 10, 30))
    first = clock(ticket, ClockKind.FIRST_RESPONSE)
    assert (first.target_amount, first.due_at, first.policy_version) == (60, nov(23, 11, 12), 2)
    event = first.events.get(kind=ClockEvent.Kind.RECOMPUTED)
    assert (event.old_due, event.new_due, event.actor) == (nov(23, 13, 42), nov(23, 11, 12), agent)
    assert "version 2" in event.reason
    # the new version's calendar: around the clock, lunch included
    resolution = clock(ticket, ClockKind.RESOLUTION)
    assert resolution.calendar.code == "24x7"
    assert resolution.due_at == nov(23, 14, 12)

    assert ticket_sla_reapply(ticket=ticket) is False


def test_reapply_policy_task_updates_the_open_tickets_only(travel, agent, org):
    policy = SlaPolicy.objects.get(code="four-level")
    email = {"channel": Channel.EMAIL, "received_at": nov(23, 10, 12)}
    open_ones = [register(agent, org, level=URGENT, **email) for _ in range(2)]
    closed = register(agent, org, level=URGENT, **email)
    services.ticket_transition(ticket_id=closed.pk, actor=agent, to=Status.CLOSED, reason="重复")
    _new_version(policy, urgent_first_response=60)

    assert tasks.reapply_policy(policy.pk) == 2
    for ticket in open_ones:
        ticket.sla.refresh_from_db()
        assert ticket.sla.policy_version == 2
        assert clock(ticket, ClockKind.FIRST_RESPONSE).due_at == nov(23, 11, 12)
    closed.sla.refresh_from_db()
    assert closed.sla.policy_version == 1
    assert clock(closed, ClockKind.FIRST_RESPONSE).state == "cancelled"
    # idempotent
    assert tasks.reapply_policy(policy.pk) == 0
    assert TicketClock.objects.filter(events__kind="recomputed").distinct().count() == 2
