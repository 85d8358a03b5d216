"""Activate the satisfaction-survey and dissatisfaction follow-up clocks (PROCESS §13) now that
the quality app sends the events that start and stop them. A survey the quality app does not
send (the contact was surveyed recently, or has no address) cancels the survey clock."""

from django.db import migrations

CODES = ("survey", "followup")


def activate(apps, schema_editor):
    Definition = apps.get_model("sla", "ClockDefinition")
    for definition in Definition.objects.filter(code__in=CODES):
        definition.active = True
        if definition.code == "survey" and "survey_skipped" not in definition.cancel_events:
            definition.cancel_events = [*definition.cancel_events, "survey_skipped"]
        definition.save()


def deactivate(apps, schema_editor):
    Definition = apps.get_model("sla", "ClockDefinition")
    for definition in Definition.objects.filter(code__in=CODES):
        definition.active = False
        if definition.code == "survey":
            definition.cancel_events = [
                e for e in definition.cancel_events if e != "survey_skipped"
            ]
        definition.save()


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_field_verbose_names")]

    operations = [migrations.RunPython(activate, deactivate)]
