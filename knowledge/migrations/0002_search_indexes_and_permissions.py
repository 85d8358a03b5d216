from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# GIN indexes exist on PostgreSQL only; SQLite searches with the LIKE fallback.
PG_INDEXES = [
    (
        "kb_article_vector",
        "CREATE INDEX IF NOT EXISTS kb_article_vector ON knowledge_article USING gin (search_vector)",
    ),
    (
        "kb_article_title_trgm",
        "CREATE INDEX IF NOT EXISTS kb_article_title_trgm ON knowledge_article "
        "USING gin (title gin_trgm_ops)",
    ),
    (
        "kb_ticketdoc_vector",
        "CREATE INDEX IF NOT EXISTS kb_ticketdoc_vector ON knowledge_ticketsearchdoc "
        "USING gin (search_vector)",
    ),
    (
        "kb_ticketdoc_title_trgm",
        "CREATE INDEX IF NOT EXISTS kb_ticketdoc_title_trgm ON knowledge_ticketsearchdoc "
        "USING gin (title gin_trgm_ops)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in PG_INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in PG_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def grant_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from knowledge.roles import KB_ROLE_PERMISSIONS

    app_config = apps.get_app_config("knowledge")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in KB_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="knowledge", codename__in=codenames)
        )


def revoke_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="knowledge",
        codename__in=["write_article", "review_article", "organize_case_review"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("tickets", "0002_default_configuration"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
