"""China calendars built from the `holidays` package (sla.china): pure, no database."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import (
    Slot,
    add_business_minutes,
    is_working_day,
    slots_on,
    years_without_data,
)
from sla.china import china_calendar, china_year

SH = ZoneInfo("Asia/Shanghai")
STANDARD = (Slot.parse("09:00-12:00"), Slot.parse("13:30-18:00"))

# Official 2026 make-up working days (国办发明电〔2025〕7号)
MAKEUP_2026 = {
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}


@pytest.fixture(scope="module")
def cn2026():
    return china_calendar([2026])


def test_2026_is_published():
    info = china_year(2026)
    assert info.published
    assert info.workdays == MAKEUP_2026
    assert {date(2026, 10, d) for d in (1, 2, 3, 5, 6, 7)} <= info.holidays
    assert all(day.year == 2026 for day in info.holidays | info.workdays)


def test_calendar_shape(cn2026):
    assert cn2026.tz == "Asia/Shanghai"
    assert cn2026.known_years == {2026}
    assert cn2026.workdays == MAKEUP_2026
    assert cn2026.weekly[0] == STANDARD
    assert cn2026.weekly[5] == cn2026.weekly[6] == ()
    assert cn2026.covers(date(2026, 6, 1))
    assert not cn2026.covers(date(2027, 6, 1))


@pytest.mark.parametrize("day", range(1, 8))
def test_national_day_week_is_off(cn2026, day):
    assert not is_working_day(cn2026, date(2026, 10, day))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 30), True),  # Wednesday before the break
        (date(2026, 10, 8), True),  # Thursday after the break
        (date(2026, 9, 20), True),  # make-up Sunday
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 2, 16), False),  # Spring Festival
        (date(2026, 2, 23), False),  # Spring Festival break, Monday
        (date(2026, 2, 28), True),  # make-up Saturday
    ],
)
def test_working_days_2026(cn2026, day, working):
    assert is_working_day(cn2026, day) is working


def test_makeup_day_uses_monday_slots_by_default(cn2026):
    assert slots_on(cn2026, date(2026, 10, 10)) == STANDARD
    custom = china_calendar([2026], makeup_slots=["10:00-16:00"])
    assert slots_on(custom, date(2026, 10, 10)) == (Slot.parse("10:00-16:00"),)
    assert slots_on(custom, date(2026, 10, 9)) == STANDARD


def test_deadline_across_national_day(cn2026):
    start = datetime(2026, 9, 30, 17, tzinfo=SH)
    assert add_business_minutes(start, 120, cn2026) == datetime(2026, 10, 8, 10, tzinfo=SH)


def test_overrides_win_over_the_package():
    cal = china_calendar(
        [2026],
        overrides=[
            (date(2026, 10, 7), True),  # company works the last holiday (a Wednesday)
            (date(2026, 10, 10), False),  # ... and skips the make-up Saturday
            (date(2026, 10, 17), True),  # an extra Saturday shift
            (date(2026, 10, 9), False),  # bridge day off
            (date(2026, 12, 24), False),
            (date(2026, 12, 24), True),  # later override for the same date wins
        ],
    )
    assert is_working_day(cal, date(2026, 10, 7))
    assert date(2026, 10, 7) not in cal.workdays  # a regular Wednesday again, weekly slots
    assert not is_working_day(cal, date(2026, 10, 10))
    assert date(2026, 10, 17) in cal.workdays
    assert slots_on(cal, date(2026, 10, 17)) == STANDARD
    assert not is_working_day(cal, date(2026, 10, 9))
    assert is_working_day(cal, date(2026, 12, 24))
    start = datetime(2026, 9, 30, 17, tzinfo=SH)
    assert add_business_minutes(start, 120, cal) == datetime(2026, 10, 7, 10, tzinfo=SH)


@pytest.mark.parametrize("year", [2200, 2099])
def test_far_future_year_has_no_data(year):
    # 2200 is outside the package range (no entries at all). 2099 has computed statutory
    # holidays but no published schedule (no 调休), so it must not count as known either.
    info = china_year(year)
    assert not info.published
    assert info.workdays == frozenset()
    cal = china_calendar([2026, year])
    assert cal.known_years == {2026}
    assert not cal.covers(date(year, 10, 1))
    assert years_without_data(cal, date(2026, 1, 1), date(2026, 12, 31)) == ()
    assert year in years_without_data(cal, date(2026, 1, 1), date(year, 1, 1))


def test_unpublished_years_can_be_excluded():
    with_estimates = china_calendar([2099])
    without = china_calendar([2099], include_unpublished=False)
    assert date(2099, 10, 1) in with_estimates.holidays  # statutory, computed by the package
    assert without.holidays == frozenset()
    assert with_estimates.known_years == without.known_years == frozenset()


def test_multiple_years_and_cross_year_makeup_day():
    cal = china_calendar(range(2025, 2027))
    assert cal.known_years == {2025, 2026}
    assert date(2025, 1, 26) in cal.workdays  # Spring Festival 2025 make-up Sunday
    assert date(2026, 1, 4) in cal.workdays
    # a make-up day declared by the *next* year's notice: 2001-12-29 (from the 2002 schedule)
    assert date(2001, 12, 29) in china_calendar([2001]).workdays


def test_custom_timezone_and_slots():
    cal = china_calendar([2026], tz="Asia/Urumqi", slots=["10:00-14:00", "15:00-19:00"])
    assert cal.tz == "Asia/Urumqi"
    assert slots_on(cal, date(2026, 10, 10)) == (
        Slot.parse("10:00-14:00"),
        Slot.parse("15:00-19:00"),
    )
