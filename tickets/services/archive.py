"""Archiving (PROCESS §12): a closed ticket is archived 3 working days after closing, with search
tags, and is read-only from then on (`common.assert_mutable`).

The deadline is the ticket's `archive` SLA clock (started when the ticket closes, 3 working days
in its policy's calendar), so the archive step is measured and explained like every other one.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import ClockKind, ClockState, TicketClock

from ..models import Status, Tag, Ticket
from .common import lock_ticket
from .transitions import apply_transition

BATCH = 200
# The job runs every minute, like the SLA sweep: a ticket whose archive deadline falls within
# the coming minute is archived now rather than its (system) clock recorded as breached.
EARLY = dt.timedelta(minutes=1)


def archive_candidates(*, now: dt.datetime) -> list[int]:
    """Closed tickets whose archive clock is due, oldest deadline first (at most BATCH)."""
    due = TicketClock.objects.filter(
        ticket=OuterRef("pk"),
        kind=ClockKind.ARCHIVE,
        state__in=(ClockState.RUNNING, ClockState.BREACHED),
        stopped_at__isnull=True,
        due_at__lte=now + EARLY,
    )
    return list(
        Ticket.objects.filter(status=Status.CLOSED)
        .filter(Exists(due))
        .order_by("closed_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def search_tags(ticket: Ticket) -> list[str]:
    """What an archived ticket is found by later: its categories and its product (with the
    version), beside the tags it already has."""
    names: list[str] = []
    for category in (ticket.category, *ticket.secondary_categories.all()):
        if category is None:
            continue
        if category.parent_id:
            names.append(category.parent.name)
        names.append(category.name)
    if ticket.product:
        names.append(ticket.product)
        if ticket.product_version:
            names.append(f"{ticket.product} {ticket.product_version}")
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()[: Tag._meta.get_field("name").max_length]
        if name:
            seen.setdefault(name, None)
    return list(seen)


@transaction.atomic
def ticket_archive(*, ticket_id: int) -> bool:
    """Archive one closed ticket (the archive job's step); False if it is no longer closed."""
    ticket = lock_ticket(ticket_id)
    if ticket.status != Status.CLOSED:
        return False
    apply_transition(
        ticket=ticket,
        to=Status.ARCHIVED,
        actor=None,
        reason=_("archived 3 working days after closing"),
    )
    names = search_tags(ticket)
    if names:
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
        missing = [Tag(name=n) for n in names if n not in existing]
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        ticket.tags.add(*Tag.objects.filter(name__in=names))
    ticket.save()
    return True


def tickets_archive_due(*, now: dt.datetime | None = None) -> int:
    """Archive every closed ticket whose archive deadline has come; safe to run twice or
    concurrently (each ticket is locked and re-checked). Returns how many were archived."""
    now = now or timezone.now()
    return sum(ticket_archive(ticket_id=pk) for pk in archive_candidates(now=now))
