"""The update-cadence reminder (PROCESS §10): the assignee hears before each progress update is
due. The SLA sweep's warning does this whenever the policy gives the `update` clock a warning
time; a cadence no longer than the policy's warning lead (the 30-minute cadence of urgent
tickets against the default 60-minute lead) gets none, and is reminded here instead, a few
minutes before it is due. Claimed with the clock's own `warned_at`, so each update round is
reminded once, by whichever of the two comes first."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sla.models import ClockState, TicketClock
from tickets.models import Notification

from .. import conf
from .followups import _queue_notification_emails


def update_remind(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    lead = dt.timedelta(minutes=conf.get("QUALITY_UPDATE_REMIND_MINUTES"))
    with transaction.atomic():
        qs = TicketClock.objects.filter(
            kind="update",
            state=ClockState.RUNNING,
            warn_at__isnull=True,
            warned_at__isnull=True,
            due_at__gt=now,
            due_at__lte=now + lead,
        )
        ids = list(
            qs.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)
        )
        if not ids:
            return 0
        TicketClock.objects.filter(pk__in=ids, warned_at__isnull=True).update(warned_at=now)
        notes = []
        clocks = TicketClock.objects.filter(pk__in=ids).select_related("ticket__assignee")
        for clock in clocks:
            assignee = clock.ticket.assignee
            if assignee is None or not assignee.is_active:
                continue
            with translation.override(assignee.language or settings.LANGUAGE_CODE):
                title = _("%(number)s: progress update due at %(due)s") % {
                    "number": clock.ticket.number,
                    "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
                }
            notes.append(
                Notification(
                    recipient=assignee,
                    ticket=clock.ticket,
                    kind="update_due",
                    title=title[:200],
                    body=clock.ticket.title,
                    created_at=now,
                )
            )
        created = Notification.objects.bulk_create(notes)
        note_ids = [n.pk for n in created]
        if note_ids:
            transaction.on_commit(lambda: _queue_notification_emails(note_ids))
    return len(ids)
