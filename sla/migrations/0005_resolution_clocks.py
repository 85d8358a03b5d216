"""Activate the escalation-response (PROCESS §7), plan-submission (§8) and requirement-evaluation
(§17) clocks now that the resolution workflow sends `escalation_requested` /
`escalation_answered`, `plan_submitted` and `requirement_created` / `requirement_evaluated` (the
last two on the ticket a requirement was created from).
A ticket resolved without a plan no longer waits for one: resolving cancels the plan clock (an
overdue one is still recorded as breached)."""

from django.db import migrations

CODES = ("escalation_response", "plan_submission", "requirement_evaluation")
PLAN_CANCEL = "status:resolved"


def activate(apps, schema_editor):
    Definition = apps.get_model("sla", "ClockDefinition")
    for definition in Definition.objects.filter(code__in=CODES):
        definition.active = True
        if definition.code == "plan_submission" and PLAN_CANCEL not in definition.cancel_events:
            definition.cancel_events = [*definition.cancel_events, PLAN_CANCEL]
        definition.save()


def deactivate(apps, schema_editor):
    Definition = apps.get_model("sla", "ClockDefinition")
    for definition in Definition.objects.filter(code__in=CODES):
        definition.active = False
        if definition.code == "plan_submission":
            definition.cancel_events = [e for e in definition.cancel_events if e != PLAN_CANCEL]
        definition.save()


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_survey_followup_clocks")]

    operations = [migrations.RunPython(activate, deactivate)]
