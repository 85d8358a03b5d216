"""Planning the demo tickets: every random draw happens here, before anything is written, so
a seed gives the same tickets in any database with the same keyword library."""

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.utils import timezone

from .. import classify
from ..models import Category, Channel, RequestType, Status
from ..services.classification import keyword_rules
from .people import Cast
from .problems import PROBLEMS, Problem


@dataclass(frozen=True)
class Plan:
    problem: Problem
    target: Status
    variant: str
    org_index: int
    contact_index: int
    channel: str
    received_at: dt.datetime
    attachment: str  # "", "log" or "png"
    seed: int


# Scenarios every run starts with (as many as --tickets allows): each state once, then the
# reopen, hand-back, correction and escalation stories. (target, variant, kind of problem)
MUST_HAVE: tuple[tuple[Status, str, str], ...] = (
    (Status.NEW, "fresh", "unmatched"),
    (Status.ASSIGNED, "auto", "matched"),
    (Status.IN_PROGRESS, "escalated", "software"),
    (Status.WAITING_CUSTOMER, "engineer_asks", "matched"),
    (Status.WAITING_THIRD_PARTY, "plain", "third_party"),
    (Status.TESTING, "plain", "correction"),
    (Status.RESOLVED, "reopened", "matched"),
    (Status.CLOSED, "plain", "correction"),
    (Status.ARCHIVED, "plain", "any"),
    (Status.NEW, "handed_back", "matched"),
    (Status.IN_PROGRESS, "resumed", "requirement"),
    (Status.CLOSED, "reopened", "matched"),
    (Status.ASSIGNED, "reassigned", "matched"),
    (Status.WAITING_CUSTOMER, "desk_asks", "any"),
)

WEIGHTS: dict[Status, int] = {
    Status.NEW: 12,
    Status.ASSIGNED: 10,
    Status.IN_PROGRESS: 14,
    Status.WAITING_CUSTOMER: 6,
    Status.WAITING_THIRD_PARTY: 4,
    Status.TESTING: 5,
    Status.RESOLVED: 10,
    Status.CLOSED: 28,
    Status.ARCHIVED: 11,
}
VARIANTS: dict[Status, tuple[str, ...]] = {
    Status.NEW: ("fresh", "fresh", "handed_back", "supplied"),
    Status.ASSIGNED: ("auto", "auto", "auto", "reassigned"),
    Status.IN_PROGRESS: ("plain", "plain", "resumed", "escalated"),
    Status.WAITING_CUSTOMER: ("engineer_asks", "desk_asks"),
    Status.WAITING_THIRD_PARTY: ("plain",),
    Status.TESTING: ("plain", "plain", "escalated"),
    Status.RESOLVED: ("plain", "plain", "plain", "reopened"),
    Status.CLOSED: ("plain", "plain", "plain", "plain", "reopened"),
    Status.ARCHIVED: ("plain",),
}
NEEDS_KIND = {"escalated": "software", "handed_back": "matched", "reassigned": "matched"}
# How long ago (days) a ticket in each target state was received.
AGE_DAYS: dict[Status, tuple[float, float]] = {
    Status.NEW: (0, 2),
    Status.ASSIGNED: (0, 3),
    Status.IN_PROGRESS: (0, 6),
    Status.WAITING_CUSTOMER: (1, 8),
    Status.WAITING_THIRD_PARTY: (1, 8),
    Status.TESTING: (1, 8),
    Status.RESOLVED: (1, 10),
    Status.CLOSED: (3, 26),
    Status.ARCHIVED: (14, 30),
}
CHANNELS = (
    (Channel.PORTAL, 40),
    (Channel.EMAIL, 20),
    (Channel.PHONE, 20),
    (Channel.HOTLINE, 5),
    (Channel.IM, 10),
    (Channel.CHAT, 5),
)


def problem_kinds(problems: Sequence[Problem]) -> list[set[str]]:
    """What each problem can illustrate, judged by the keyword library as shipped (what the
    classifier has learned since is ignored, so a seed plans the same tickets in any database
    with the same keywords)."""
    rules = [replace(rule, confirmed=0, corrected=0) for rule in keyword_rules()]
    codes = dict(Category.objects.values_list("pk", "code"))
    kinds = []
    for p in problems:
        text = "\n".join((p.title, p.description, p.error, p.product))
        suggested = codes.get(classify.suggest(text, rules).category_id)
        k = {"any", "matched" if suggested else "unmatched"}
        if suggested and p.category and p.category != suggested:
            k.add("correction")
        if suggested and p.is_software:
            k.add("software")
        if p.third_party:
            k.add("third_party")
        if p.request_type == RequestType.REQUIREMENT:
            k.add("requirement")
        kinds.append(k)
    return kinds


def _received_at(rng: random.Random, target: Status, now: dt.datetime) -> dt.datetime:
    low, high = AGE_DAYS[target]
    day = timezone.localtime(now).date() - dt.timedelta(days=int(rng.uniform(low, high)))
    minutes = rng.uniform(8 * 60 + 30, 18 * 60 + 30)
    local = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
    at = local + dt.timedelta(minutes=minutes)
    if at > now - dt.timedelta(minutes=20):
        at = now - dt.timedelta(minutes=rng.uniform(20, 180))
    return at


def plan_tickets(*, count: int, rng: random.Random, cast: Cast, now: dt.datetime) -> list[Plan]:
    problems = PROBLEMS
    kinds = problem_kinds(problems)
    statuses, weights = zip(*WEIGHTS.items(), strict=True)
    plans = []
    for i in range(count):
        if i < len(MUST_HAVE):
            target, variant, kind = MUST_HAVE[i]
        else:
            target = rng.choices(statuses, weights)[0]
            variant = rng.choice(VARIANTS[target])
            kind = NEEDS_KIND.get(variant, "any")
        org_index = rng.randrange(len(cast.organizations))
        english_org = cast.organizations[org_index][2]
        english = english_org or rng.random() < 0.2
        fitting = [p for p, k in zip(problems, kinds, strict=True) if kind in k]
        same_language = [p for p in fitting if p.english == english]
        problem = rng.choice(same_language or fitting or list(problems))
        channels, channel_weights = zip(*CHANNELS, strict=True)
        channel = rng.choices(channels, channel_weights)[0]
        if problem.request_type == RequestType.REQUIREMENT and channel != Channel.PORTAL:
            channel = Channel.EMAIL
        plans.append(
            Plan(
                problem=problem,
                target=target,
                variant=variant,
                org_index=org_index,
                contact_index=rng.randrange(len(cast.organizations[org_index][1])),
                channel=channel,
                received_at=_received_at(rng, target, now),
                attachment=rng.choices(("", "log", "png"), (6, 2, 2))[0],
                seed=rng.getrandbits(32),
            )
        )
    # Registered in the order they arrived, so the per-day numbers follow the clock.
    return sorted(plans, key=lambda p: p.received_at)
