"""`manage.py load_sla_presets`: create the calendars and §11 preset policies that do not exist
yet (policies and calendars that exist are left alone) and bring the clock definitions to the
shipped events. Idempotent: a second run creates nothing."""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from sla.loader import load_presets


class Command(BaseCommand):
    help = "Create the SLA clock definitions, calendars and preset policies that are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            created = load_presets(apps.get_model, tz=settings.TIME_ZONE)
        if not created:
            self.stdout.write("No new SLA presets: every preset policy already exists.")
            return
        for code in created:
            self.stdout.write(self.style.SUCCESS(f"Created SLA policy preset “{code}”."))
        self.stdout.write(f"{len(created)} preset(s) created.")
