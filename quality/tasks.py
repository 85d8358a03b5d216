"""django-q2 entry points of the quality app: thin wrappers over services, safe to run twice."""

from . import services

# (schedule name, function, cron expression in the helpdesk's time zone)
SCHEDULES = [
    ("quality: satisfaction surveys", "quality.tasks.survey_sweep", "* * * * *"),
    ("quality: progress update reminders", "quality.tasks.update_remind", "* * * * *"),
    ("quality: revisit reminders", "quality.tasks.revisit_remind", "*/5 * * * *"),
    ("quality: customer progress digest", "quality.tasks.digest_send", "0 16 * * 1-5"),
    ("quality: service desk overdue list", "quality.tasks.overdue_send", "30 9 * * 1-5"),
]


def survey_sweep() -> dict[str, int]:
    result = services.survey_sweep()
    return {"created": result.created, "sent": result.sent, "skipped": result.skipped}


def update_remind() -> int:
    return services.update_remind()


def revisit_remind() -> int:
    return services.revisit_remind()


def digest_send() -> dict[str, int]:
    result = services.digest_send()
    return {"contacts": result.contacts, "tickets": result.tickets, "late": int(result.late)}


def overdue_send() -> int:
    return services.overdue_send()
