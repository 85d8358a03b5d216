"""django-q2 entry points of the knowledge base: thin wrappers over services, safe to run twice."""

import datetime as dt

from django.utils import timezone

from sla.calendar import BusinessCalendar, is_working_day
from sla.china import china_calendar

from . import services

# (schedule name, function, cron expression), registered by `manage.py setup_schedules`
SCHEDULES = [
    ("knowledge: article review reminders", "knowledge.tasks.review_reminders", "0 8 * * *"),
    ("knowledge: index resolved tickets", "knowledge.tasks.index_tickets", "*/10 * * * *"),
    # Daily on the first days of the month; the task acts on the first working day only.
    ("knowledge: monthly case review", "knowledge.tasks.monthly_case_review", "30 8 1-7 * *"),
]


def is_first_working_day(day: dt.date, calendar: BusinessCalendar | None = None) -> bool:
    """Whether `day` is the month's first working day (China's holidays and 调休 included)."""
    calendar = calendar or china_calendar([day.year])
    first = day.replace(day=1)
    while not is_working_day(calendar, first):
        first += dt.timedelta(days=1)
    return first == day


def review_reminders() -> int:
    return services.review_reminders_send()


def index_tickets() -> int:
    """Index tickets resolved or closed recently (and catch anything missed in the last day)."""
    return services.ticket_index_backfill(since=timezone.now() - dt.timedelta(days=1))


def index_ticket(ticket_id: int) -> bool:
    """Queued by the ticket services when a ticket is resolved, closed, archived or reopened."""
    return services.ticket_index(ticket_id=ticket_id) is not None


def monthly_case_review(today: dt.date | None = None) -> int | None:
    today = today or timezone.localdate()
    if not is_first_working_day(today):
        return None
    review = services.case_review_prepare(today=today)
    return review.pk if review else None


def send_pitfall_guide(guide_id: int) -> int:
    return services.pitfall_deliveries_send(guide_id=guide_id)
