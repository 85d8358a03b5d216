from django.conf import settings
from django.db import migrations


def load(apps, schema_editor):
    from sla.loader import load_presets

    load_presets(apps.get_model, tz=settings.TIME_ZONE)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("tickets", "0002_default_configuration"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
