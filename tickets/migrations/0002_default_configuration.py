from django.db import migrations


def create_defaults(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from tickets import defaults, priority
    from tickets.roles import ROLE_PERMISSIONS

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="tickets", codename__in=codenames)
        )

    Category = apps.get_model("tickets", "Category")
    for pos, (code, name, name_en, children) in enumerate(defaults.CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": pos * 10}
        )
        for cpos, (ccode, cname, cname_en) in enumerate(children):
            Category.objects.get_or_create(
                code=ccode,
                defaults={"name": cname, "name_en": cname_en, "parent": parent, "position": cpos},
            )

    Tag = apps.get_model("tickets", "Tag")
    Keyword = apps.get_model("tickets", "Keyword")
    for phrase, code, tags in defaults.KEYWORDS:
        kw, created = Keyword.objects.get_or_create(
            phrase=phrase, defaults={"category": Category.objects.get(code=code)}
        )
        if created:
            kw.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])

    Scheme = apps.get_model("tickets", "PriorityScheme")
    Level = apps.get_model("tickets", "PriorityLevel")
    Cell = apps.get_model("tickets", "PriorityMatrixCell")
    for code, name, name_en, is_default, levels in defaults.PRIORITY_SCHEMES:
        scheme, _ = Scheme.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "is_default": is_default}
        )
        objs = [
            Level.objects.get_or_create(
                scheme=scheme, code=lcode, defaults={"name": lname, "name_en": len_, "rank": rank}
            )[0]
            for lcode, lname, len_, rank in levels
        ]
        for (impact, urgency), level in priority.default_matrix(objs).items():
            Cell.objects.get_or_create(
                scheme=scheme, impact=impact, urgency=urgency, defaults={"level": level}
            )

    SeniorityRule = apps.get_model("tickets", "SeniorityRule")
    for rank, seniority in defaults.SENIORITY_RULES:
        SeniorityRule.objects.get_or_create(rank=rank, defaults={"min_seniority": seniority})


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
