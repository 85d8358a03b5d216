"""Filters for email templates, whose stored context holds datetimes as ISO strings."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def isodate(value: str) -> dt.datetime | None:
    """An ISO 8601 string as an aware datetime in the current time zone (None if empty)."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return timezone.localtime(parsed)


@register.filter
def minutes_text(value: int) -> str:
    """A duration in minutes as "2 d 3 h 5 min" in the active language."""
    minutes = int(value or 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h %(m)d min") % {"d": days, "h": hours, "m": mins}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}
