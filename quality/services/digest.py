"""Progress updates (PROCESS §10): the customers' optional daily digest before 17:00 and the
service desk's daily overdue list. Each email is queued with a per-day event key, so a retried or
repeated run sends nothing twice."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket, User
from tickets.roles import Role
from tickets.workflow import OPEN_STATUSES

from .. import conf
from ..models import ContactPreference, OrganizationPreference


@dataclass
class DigestResult:
    contacts: int = 0
    tickets: int = 0
    late: bool = False


def digest_tickets() -> QuerySet[Ticket]:
    """Open tickets of normal priority (their update cadence is daily, not hourly)."""
    return Ticket.objects.filter(
        status__in=OPEN_STATUSES, priority_rank__gte=conf.get("QUALITY_DIGEST_MIN_RANK")
    )


def digest_recipients() -> QuerySet[User]:
    """Active contacts who opted in, or whose organization opted in for every contact."""
    opted_orgs = OrganizationPreference.objects.filter(daily_digest=True).values("organization_id")
    opted_contacts = ContactPreference.objects.filter(daily_digest=True).values("contact_id")
    return User.objects.filter(
        Q(pk__in=opted_contacts) | Q(organization_id__in=opted_orgs),
        is_active=True,
        organization__isnull=False,
    ).exclude(email="")


def digest_send(*, now: dt.datetime | None = None) -> DigestResult:
    """One digest per opted-in contact per day, listing their open normal-priority tickets.

    Refused after the deadline hour (17:00 helpdesk time): a digest is no use after hours.
    """
    from tickets.mail.outbound import email_queue

    now = now or timezone.now()
    local = timezone.localtime(now)
    result = DigestResult()
    if local.hour >= conf.get("QUALITY_DIGEST_DEADLINE_HOUR"):
        result.late = True
        return result
    day = local.date().isoformat()
    contacts = list(digest_recipients())
    by_contact: dict[int, list[Ticket]] = defaultdict(list)
    tickets = (
        digest_tickets()
        .filter(contact__in=[c.pk for c in contacts])
        .select_related("assignee", "priority", "organization")
        .order_by("priority_rank", "created_at")
    )
    for ticket in tickets:
        by_contact[ticket.contact_id].append(ticket)
    with transaction.atomic():
        for contact in contacts:
            mine = by_contact.get(contact.pk)
            if not mine:
                continue
            email_queue(
                event_key=f"quality.digest:{day}:{contact.pk}",
                template="digest_customer",
                recipients=[contact],
                context={"tickets": [_row(t, "portal:detail") for t in mine], "day": day},
            )
            result.contacts += 1
            result.tickets += len(mine)
    return result


def overdue_tickets(*, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Open tickets whose nearest SLA deadline has passed, most overdue first."""
    now = now or timezone.now()
    return (
        Ticket.objects.filter(status__in=OPEN_STATUSES, sla_due_at__lt=now)
        .select_related("organization", "priority", "assignee", "team")
        .order_by("sla_due_at", "pk")
    )


def overdue_send(*, now: dt.datetime | None = None) -> int:
    """The daily overdue list to every service desk agent; returns how many tickets it lists."""
    from tickets.mail.outbound import email_queue

    now = now or timezone.now()
    tickets = list(overdue_tickets(now=now)[:200])
    if not tickets:
        return 0
    agents = list(User.objects.filter(groups__name=Role.AGENT, is_active=True).exclude(email=""))
    if not agents:
        return 0
    day = timezone.localtime(now).date()
    with transaction.atomic():
        email_queue(
            event_key=f"quality.overdue:{day.isoformat()}",
            template="digest_overdue",
            recipients=agents,
            context={
                "tickets": [_row(t, "tickets:detail") for t in tickets],
                "day": day.isoformat(),
            },
        )
    return len(tickets)


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(ticket: Ticket, url_name: str) -> dict[str, Any]:
    """What an email lists of one ticket, JSON-serialisable (the outbox stores the context)."""
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "assignee": str(ticket.assignee) if ticket.assignee_id else "",
        "organization": ticket.organization.name if ticket.organization_id else "",
        "updated_at": _local(ticket.updated_at),
        "due_at": _local(ticket.sla_due_at),
        "url": settings.SITE_URL + reverse(url_name, kwargs={"number": ticket.number}),
    }
