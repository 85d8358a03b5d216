"""Reading in-app notifications: marking one or all of a user's notifications read."""

import datetime as dt

from django.utils import timezone

from tickets.models import Notification, User


def notification_mark_read(
    *, user: User, notification_id: int | None = None, at: dt.datetime | None = None
) -> int:
    """Mark the user's notification (or, without an id, all of them) read; returns how many
    changed. Someone else's notification is never touched; a read one keeps its first time."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=at or timezone.now())
