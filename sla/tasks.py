"""django-q2 entry points: thin wrappers over services, safe to run twice."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.models import Notification, Ticket

from .models import SlaPolicy
from .services import sla_sweep, ticket_sla_reapply

log = logging.getLogger(__name__)

# (schedule name, function, cron expression), registered by `manage.py setup_schedules`
SCHEDULES = [
    ("sla: warnings, breaches and escalations", "sla.tasks.sweep", "* * * * *"),
]


def sweep() -> dict[str, int]:
    result = sla_sweep()
    return {"warned": result.warned, "breached": result.breached, "escalated": result.escalated}


def send_notification_emails(ids: list[int]) -> int:
    """Email each notification once: claimed by a conditional update, released on failure."""
    sent = 0
    rows = Notification.objects.filter(pk__in=ids, email=True, emailed_at__isnull=True)
    for note in rows.select_related("recipient", "ticket"):
        if not note.recipient.email:
            continue
        claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            with translation.override(note.recipient.language or settings.LANGUAGE_CODE):
                body = "\n\n".join(
                    part
                    for part in (
                        note.title,
                        note.body,
                        _("Open the ticket: %(url)s")
                        % {"url": f"{settings.SITE_URL}{note.ticket.get_absolute_url()}"}
                        if note.ticket
                        else "",
                    )
                    if part
                )
                message = EmailMultiAlternatives(
                    subject=f"[{_('Helpdesk')}] {note.title}",
                    body=body,
                    to=[note.recipient.email],
                )
                message.send()
        except Exception:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def reapply_policy(policy_id: int) -> int:
    """Measure the open tickets of a policy against its current version (admin action)."""
    policy = SlaPolicy.objects.get(pk=policy_id)
    count = 0
    open_tickets = Ticket.objects.filter(sla__policy=policy).filter(
        ~Q(status__in=("closed", "archived")), ~Q(sla__policy_version=policy.version)
    )
    for ticket in open_tickets.iterator(chunk_size=500):
        if ticket_sla_reapply(ticket=ticket):
            count += 1
    log.info("policy %s v%s applied to %s open tickets", policy.code, policy.version, count)
    return count
