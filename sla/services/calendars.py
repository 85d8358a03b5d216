"""Turn a Calendar row into the pure BusinessCalendar the arithmetic works on."""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from .. import calendar as pure
from ..china import china_year
from ..models import Calendar

_CACHE: dict[tuple[int, int, int], pure.BusinessCalendar] = {}
YEARS_BEHIND, YEARS_AHEAD = 1, 2


def calendar_years(today: dt.date | None = None) -> range:
    year = (today or timezone.localdate()).year
    return range(year - YEARS_BEHIND, year + YEARS_AHEAD + 1)


def calendar_for(calendar: Calendar, *, today: dt.date | None = None) -> pure.BusinessCalendar:
    """Materialise (and cache per process, keyed by version) a calendar around `today`."""
    years = calendar_years(today)
    key = (calendar.pk, calendar.version, years.start)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if calendar.always_open:
        built = pure.BusinessCalendar.twenty_four_seven(tz=calendar.tz)
    else:
        weekly: dict[int, list[pure.Slot]] = defaultdict(list)
        for slot in calendar.slots.all():
            weekly[slot.weekday].append(pure.Slot(slot.start, slot.end))
        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        known: set[int] = set()
        if calendar.china_holidays:
            for year in years:
                info = china_year(year)
                holidays |= {d for d in info.holidays if d.year in years}
                workdays |= {d for d in info.workdays if d.year in years}
                if info.published:
                    known.add(year)
        else:
            known = set(years)
        for day, is_working in calendar.overrides.values_list("date", "is_working"):
            if is_working:
                holidays.discard(day)
                if not weekly.get(day.weekday()):
                    workdays.add(day)
            else:
                workdays.discard(day)
                holidays.add(day)
        built = pure.BusinessCalendar(
            tz=calendar.tz,
            weekly={d: tuple(sorted(s)) for d, s in weekly.items()},
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            known_years=frozenset(known),
        )
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = built
    return built


def calendar_bump(calendar: Calendar) -> None:
    """Called whenever slots or overrides change, so every process rebuilds the calendar."""
    from django.db.models import F

    Calendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    calendar.refresh_from_db(fields=["version"])


def calendar_missing_years(calendar: Calendar, *, today: dt.date | None = None) -> list[int]:
    """Years around today without published holiday data (China calendars only)."""
    if calendar.always_open or not calendar.china_holidays:
        return []
    years = calendar_years(today)
    built = calendar_for(calendar, today=today)
    covered = {d.year for d in calendar.overrides.values_list("date", flat=True)}
    return [y for y in years if y not in built.known_years and y not in covered]
