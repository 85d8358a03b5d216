"""Load clock definitions, calendars and the §11 presets. Idempotent.

Written against a model getter so the data migration (historical models) and the
`load_sla_presets` command (real models) share it.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from . import presets

GetModel = Callable[[str, str], Any]


def _time(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def load_definitions(get_model: GetModel) -> None:
    """Create the definitions that do not exist; never overwrite an administrator's edits."""
    Definition = get_model("sla", "ClockDefinition")
    existing = set(Definition.objects.values_list("code", flat=True))
    for pos, row in enumerate(presets.CLOCKS):
        code, name, name_en, start, stop, cancel, pause, recurring, escalates, active = row
        if code in existing:
            continue
        Definition.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            start_events=start,
            stop_events=stop,
            cancel_events=cancel,
            pause_statuses=pause,
            recurring=recurring,
            escalates=escalates,
            position=pos,
            active=active,
        )


def load_calendars(get_model: GetModel, tz: str) -> None:
    Calendar = get_model("sla", "Calendar")
    Slot = get_model("sla", "WorkingSlot")
    china, created = Calendar.objects.get_or_create(
        code="china-mainland",
        defaults={
            "name": "中国大陆工作日",
            "name_en": "China mainland",
            "tz": tz,
            "china_holidays": True,
        },
    )
    if created:
        Slot.objects.bulk_create(
            Slot(calendar=china, weekday=day, start=_time(a), end=_time(b))
            for day in range(5)
            for a, b in presets.DEFAULT_SLOTS
        )
    Calendar.objects.get_or_create(
        code="24x7",
        defaults={"name": "7×24 小时", "name_en": "24×7", "tz": tz, "always_open": True},
    )


def load_presets(get_model: GetModel, *, tz: str = "Asia/Shanghai") -> list[str]:
    """Create the definitions, calendars and every preset policy that does not exist yet."""
    load_definitions(get_model)
    load_calendars(get_model, tz)
    Calendar = get_model("sla", "Calendar")
    Policy = get_model("sla", "SlaPolicy")
    Target = get_model("sla", "SlaTarget")
    Step = get_model("sla", "EscalationStep")
    Definition = get_model("sla", "ClockDefinition")
    Scheme = get_model("tickets", "PriorityScheme")
    Level = get_model("tickets", "PriorityLevel")
    calendar = Calendar.objects.get(code="china-mainland")
    definitions = {d.code: d for d in Definition.objects.all()}
    created_codes = []
    has_default = Policy.objects.filter(is_default=True).exists()
    # A preset has no condition but its priority scheme, so a second preset of a scheme that
    # already has an active policy would match all its tickets first and shadow that policy
    # (the default included): it is created inactive, for an admin to give it conditions.
    taken = set(Policy.objects.filter(active=True).values_list("priority_scheme_id", flat=True))
    for code, name, name_en, scheme_code, is_default, targets in presets.POLICIES:
        if Policy.objects.filter(code=code).exists():
            continue
        scheme = Scheme.objects.filter(code=scheme_code).first()
        if scheme is None:
            continue
        policy = Policy.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            calendar=calendar,
            priority_scheme=scheme,
            is_default=is_default and not has_default,
            active=scheme.pk not in taken,
            position=100 + len(created_codes),
        )
        taken.add(scheme.pk)
        levels = {lv.code: lv for lv in Level.objects.filter(scheme=scheme)}
        for clock, per_level in {**presets.COMMON_TARGETS, **targets}.items():
            for level_code, (amount, unit) in per_level.items():
                if level_code != "*" and level_code not in levels:
                    continue
                Target.objects.create(
                    policy=policy,
                    clock=definitions[clock],
                    level=None if level_code == "*" else levels[level_code],
                    amount=amount,
                    unit=presets.UNITS[unit],
                )
        for level, after, lead, role in presets.ESCALATION_CHAIN:
            Step.objects.create(
                policy=policy,
                level=level,
                after_minutes=after,
                notify_team_lead=lead,
                notify_role=role,
            )
        created_codes.append(code)
    return created_codes
