"""Register the periodic jobs with django-q2, idempotently.

Every installed app may declare `SCHEDULES` in its `tasks` module as
`(name, "app.tasks.function", "cron expression")`; cron runs in the helpdesk's time zone.
Running the command twice changes nothing the second time.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule


def declared_schedules() -> list[tuple[str, str, str]]:
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.tasks"
        if find_spec(module_name) is None:
            continue
        found.extend(getattr(import_module(module_name), "SCHEDULES", ()))
    return found


def schedule_register(*, name: str, func: str, cron: str) -> str:
    """Create or update the schedule called `name`; returns what happened."""
    existing = list(Schedule.objects.filter(name=name).order_by("id"))
    if not existing:
        Schedule.objects.create(
            name=name, func=func, schedule_type=Schedule.CRON, cron=cron, repeats=-1
        )
        return "registered"
    schedule, duplicates = existing[0], existing[1:]
    if duplicates:
        Schedule.objects.filter(pk__in=[d.pk for d in duplicates]).delete()
    wanted = (func, Schedule.CRON, cron, -1)
    if (schedule.func, schedule.schedule_type, schedule.cron, schedule.repeats) == wanted:
        return "deduplicated" if duplicates else "unchanged"
    schedule.func, schedule.schedule_type, schedule.cron, schedule.repeats = wanted
    schedule.next_run = schedule.calculate_next_run()
    schedule.save()
    return "updated"


class Command(BaseCommand):
    help = "Register (or update) the django-q2 schedules declared in each app's tasks.SCHEDULES."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        for name, func, cron in declared_schedules():
            state = schedule_register(name=name, func=func, cron=cron)
            self.stdout.write(f"{state:<12} {name}: {func} at “{cron}”")
