"""Activate the close-after-verification clock (PROCESS §12: close within 1 hour of the
customer's verification) now that the customer's "solved" emits `verified`
(`tickets.services.closure.verification_record`); closing stops it, a reopen cancels it."""

from django.db import migrations

CODE = "close_after_verification"


def activate(apps, schema_editor):
    apps.get_model("sla", "ClockDefinition").objects.filter(code=CODE).update(active=True)


def deactivate(apps, schema_editor):
    apps.get_model("sla", "ClockDefinition").objects.filter(code=CODE).update(active=False)


class Migration(migrations.Migration):
    dependencies = [("sla", "0006_archive_clock")]

    operations = [migrations.RunPython(activate, deactivate)]
