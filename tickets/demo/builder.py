"""Build the demo data set: people and rules through the factories, tickets through the services.

Tickets are registered with `ticket_create` (so numbering, classification, priority, routing and
the SLA clocks really run) and driven to their target state by the same services the UI uses,
each step at its simulated time, so the tickets spread over the last 30 days.
"""

import random
from collections import Counter
from collections.abc import Callable

import factory
import factory.random
from django.db import transaction
from django.utils import timezone

from ..models import Status
from .knowledge import seed_knowledge
from .people import seed_people_and_rules
from .plan import plan_tickets
from .quality import seed_quality
from .story import Story


def seed_demo(
    *, tickets: int, seed: int, on_ticket: Callable[[Status], None] | None = None
) -> Counter[Status]:
    """The whole demo data set; returns how many tickets ended in each state."""
    rng = random.Random(seed)
    factory.random.reseed_random(seed)
    cast = seed_people_and_rules()
    now = timezone.now()
    plans = plan_tickets(count=tickets, rng=rng, cast=cast, now=now)
    reached: Counter[Status] = Counter()
    for plan in plans:
        with transaction.atomic():
            status = Story(cast=cast, plan=plan, now=now).run()
        reached[status] += 1
        if on_ticket is not None:
            on_ticket(status)
    seed_knowledge(cast)
    seed_quality(cast)
    return reached
