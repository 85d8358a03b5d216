"""Activate the archive clock (PROCESS §12: closed tickets are archived after 3 working days) now
that the archive job (`tickets.tasks.archive_closed`) stops it with `status:archived`; a reopen
cancels it."""

from django.db import migrations


def activate(apps, schema_editor):
    apps.get_model("sla", "ClockDefinition").objects.filter(code="archive").update(active=True)


def deactivate(apps, schema_editor):
    apps.get_model("sla", "ClockDefinition").objects.filter(code="archive").update(active=False)


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_resolution_clocks")]

    operations = [migrations.RunPython(activate, deactivate)]
