"""Mainland-China business calendars built from the ``holidays`` package (pure, no Django).

The package knows two kinds of data for China:

* statutory holidays, which it can *compute* for any year from 1950 to 2100 (lunar dates,
  plus a generic "weekend holiday -> next workday" observance rule), and
* the State Council's yearly schedule (放假安排): bridge days off and the make-up working days
  (调休) that pay for them. These are only available for years whose notice has been published
  and entered in the package.

A year counts as *known* only when the package has the published schedule for it, detected as
"the year has holidays **and** at least one make-up working day" (every notice since 2001 has
had 调休). A year with no entries at all (outside 1950-2100) is obviously unknown. For unknown
years the package's computed holidays are still used (``include_unpublished=True``, the
default) — they are the best available guess — but the year is left out of ``known_years`` so
callers can warn via :meth:`BusinessCalendar.covers` / :func:`sla.calendar.years_without_data`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import holidays as holidays_lib

from sla.calendar import DEFAULT_SLOTS, DEFAULT_TZ, BusinessCalendar, SlotSpec

__all__ = ["ChinaYear", "china_calendar", "china_year"]


@dataclass(frozen=True)
class ChinaYear:
    """Holiday data of one year as found in the ``holidays`` package."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days (调休), all weekend dates
    published: bool  # the official schedule for this year is in the package


def china_year(year: int) -> ChinaYear:
    """Holidays and make-up working days of ``year`` according to ``holidays.China``."""
    # Load the next year too: its notice may declare a make-up day in late December of `year`.
    data = holidays_lib.China(years=(year, year + 1))
    days_off = frozenset(day for day in data if day.year == year)
    # `weekend_workdays` is filled across years; keep only this year's dates. A date cannot be
    # both; should the package ever say so, the holiday wins.
    workdays = frozenset(day for day in data.weekend_workdays if day.year == year) - days_off
    return ChinaYear(
        year=year,
        holidays=days_off,
        workdays=workdays,
        published=bool(days_off) and bool(workdays),
    )


def china_calendar(
    years: Iterable[int],
    overrides: Iterable[tuple[date, bool]] = (),
    *,
    tz: str = DEFAULT_TZ,
    slots: Iterable[SlotSpec] = DEFAULT_SLOTS,
    makeup_slots: Iterable[SlotSpec] | None = None,
    include_unpublished: bool = True,
) -> BusinessCalendar:
    """A Mon-Fri calendar (default 09:00-12:00, 13:30-18:00) with China's holidays and 调休.

    ``known_years`` holds the requested years whose official schedule the package has.
    ``include_unpublished=False`` drops the package's computed holidays for other years.
    ``overrides`` are ``(date, is_working)`` pairs applied last, in order (the last one for a
    date wins), and always win over the package:

    * ``is_working=False`` makes the date a holiday (no working time at all);
    * ``is_working=True`` removes the date from the holidays and, if its weekday has no regular
      slots, makes it a make-up working day (it then uses the make-up slots).
    """
    base = BusinessCalendar.standard(tz=tz, slots=slots, makeup_slots=makeup_slots)
    holidays: set[date] = set()
    workdays: set[date] = set()
    known: set[int] = set()
    for year in sorted(set(years)):
        info = china_year(year)
        if info.published:
            known.add(year)
        elif not include_unpublished:
            continue
        holidays |= info.holidays
        workdays |= info.workdays
    for day, is_working in overrides:
        if is_working:
            holidays.discard(day)
            if not base.weekly[day.weekday()]:
                workdays.add(day)
        else:
            workdays.discard(day)
            holidays.add(day)
    return BusinessCalendar(
        tz=base.tz,
        weekly=base.weekly,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        makeup_slots=base.makeup_slots,
        known_years=frozenset(known),
    )
