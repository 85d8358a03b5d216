"""Business-time arithmetic (sla.calendar): pure, no database."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import time as time_module
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    MAX_IDLE_DAYS,
    BusinessCalendar,
    Interval,
    SkipKind,
    Slot,
    WeeklySlots,
    add_business_minutes,
    add_working_days,
    business_minutes_between,
    explain_add,
    is_working_day,
    is_working_time,
    next_working_instant,
    slots_on,
    years_without_data,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MICRO = timedelta(microseconds=1)


def u(value: datetime) -> datetime:
    """UTC view: aware datetimes sharing a tzinfo compare/subtract by wall clock in Python."""
    return value.astimezone(UTC)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


# --- Real China data ------------------------------------------------------------------------
# Holidays come from the `holidays` package. Its make-up working days (调休) are exposed as the
# `weekend_workdays` attribute (filled across years, hence the year filter).
_CN_PACKAGE = holidays.China(years=(2025, 2026, 2027))
CN_HOLIDAYS = frozenset(d for d in _CN_PACKAGE if d.year in (2025, 2026))
CN_MAKEUP = frozenset(d for d in _CN_PACKAGE.weekend_workdays if d.year in (2025, 2026))

# Official 2026 schedule (国务院办公厅 国办发明电〔2025〕7号), used to check the package:
# 元旦 Jan 1-3 off, Sun Jan 4 worked; 春节 Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked;
# 清明 Apr 4-6 off; 劳动节 May 1-5 off, Sat May 9 worked; 端午 Jun 19-21 off; 中秋 Sep 25-27 off;
# 国庆 Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked.
OFFICIAL_2026_MAKEUP = frozenset(
    {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
)
OFFICIAL_2026_DAYS_OFF = [
    (date(2026, 1, 1), date(2026, 1, 3)),
    (date(2026, 2, 15), date(2026, 2, 23)),
    (date(2026, 4, 4), date(2026, 4, 6)),
    (date(2026, 5, 1), date(2026, 5, 5)),
    (date(2026, 6, 19), date(2026, 6, 21)),
    (date(2026, 9, 25), date(2026, 9, 27)),
    (date(2026, 10, 1), date(2026, 10, 7)),
]

PLAIN = BusinessCalendar.standard()  # Mon-Fri 09:00-12:00, 13:30-18:00 Asia/Shanghai, no holidays
CN = BusinessCalendar.standard(
    holidays=CN_HOLIDAYS, workdays=CN_MAKEUP, known_years=frozenset({2025, 2026})
)
ALWAYS = BusinessCalendar.twenty_four_seven()
BERLIN_OFFICE = BusinessCalendar.standard(tz="Europe/Berlin")
# Odd Berlin calendar that has working time around both 2026 DST switches (Sundays 02:00/03:00).
BERLIN_ODD = BusinessCalendar(
    tz="Europe/Berlin",
    weekly={
        0: ("08:00-12:00", "13:00-17:00"),
        1: ("08:00-12:00", "13:00-17:00"),
        2: ("08:00-12:00", "13:00-17:00"),
        3: ("08:00-12:00", "13:00-17:00"),
        4: ("08:00-12:00", "13:00-17:00"),
        5: ("22:00-24:00",),
        6: ("00:00-03:30", "10:00-11:00"),
    },
    holidays=frozenset({date(2026, 4, 6), date(2026, 12, 25)}),
    workdays=frozenset({date(2026, 12, 26)}),
    makeup_slots=("09:00-10:00",),
    known_years=frozenset({2026}),
)
EMPTY = BusinessCalendar()  # no working time at all
MINUTES_PER_DAY = 180 + 270  # 09:00-12:00 + 13:30-18:00


def _working_brute(instant: datetime, calendar: BusinessCalendar) -> bool:
    """Independent oracle for calendars without DST: compare wall-clock time with the slots."""
    local = instant.astimezone(calendar.zone)
    return any(
        slot.start <= local.time() and (slot.ends_at_midnight or local.time() < slot.end)
        for slot in slots_on(calendar, local.date())
    )


# --- The data the tests rely on ---------------------------------------------------------------


def test_package_matches_official_2026_schedule():
    assert {d for d in CN_MAKEUP if d.year == 2026} == OFFICIAL_2026_MAKEUP
    for first, last in OFFICIAL_2026_DAYS_OFF:
        day = first
        while day <= last:
            assert not is_working_day(CN, day), day
            day += timedelta(days=1)
    for day in OFFICIAL_2026_MAKEUP:
        assert day.weekday() >= 5
        assert is_working_day(CN, day)


# --- Slot -----------------------------------------------------------------------------------


def test_slot_constructors_agree():
    assert Slot.parse("13:30-18:00") == Slot.from_hm(13, 30, 18, 0) == Slot(time(13, 30), time(18))
    assert str(Slot.from_hm(9, 0, 12, 0)) == "09:00-12:00"
    assert Slot.parse("22:00-24:00") == Slot(time(22), time(0))
    assert Slot.parse("22:00-24:00").ends_at_midnight
    assert str(Slot.from_hm(22, 0, 24, 0)) == "22:00-24:00"
    assert Slot.parse("09:00-12:00").nominal_minutes == 180
    assert Slot.parse("00:00-24:00").nominal_minutes == 24 * 60


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (time(12), time(9)),
        (time(9), time(9)),
        (time(9, tzinfo=UTC), time(12)),
        ("09:00", time(12)),
    ],
)
def test_slot_rejects_invalid_bounds(start, end):
    with pytest.raises(ValueError):
        Slot(start, end)


@pytest.mark.parametrize("text", ["9-12", "09:00", "12:00-09:00", "09:00-25:00", ""])
def test_slot_parse_rejects_garbage(text):
    with pytest.raises(ValueError):
        Slot.parse(text)


# --- BusinessCalendar -----------------------------------------------------------------------


def test_standard_calendar_shape():
    assert PLAIN.tz == "Asia/Shanghai"
    assert isinstance(PLAIN.weekly, WeeklySlots)
    expected = (Slot.from_hm(9, 0, 12, 0), Slot.from_hm(13, 30, 18, 0))
    assert [PLAIN.weekly[d] for d in range(7)] == [expected] * 5 + [(), ()]
    assert PLAIN.effective_makeup_slots == expected
    assert not PLAIN.always_open


def test_calendar_normalises_and_is_hashable_and_picklable():
    a = BusinessCalendar(weekly={1: ["13:30-18:00", (9, 0, 12, 0)]}, holidays=[date(2026, 1, 1)])
    b = BusinessCalendar(
        weekly={1: (Slot.parse("09:00-12:00"), Slot.parse("13:30-18:00"))},
        holidays=frozenset({date(2026, 1, 1)}),
    )
    assert a == b
    assert hash(a) == hash(b)
    assert a.weekly[1][0].start == time(9)
    assert a.weekly[0] == ()
    assert isinstance(a.holidays, frozenset)
    assert pickle.loads(pickle.dumps(CN)) == CN
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.tz = "UTC"  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tz": "Mars/Olympus_Mons"},
        {"weekly": {7: ("09:00-12:00",)}},
        {"weekly": {0: ("09:00-12:00", "11:00-13:00")}},
        {"weekly": {0: ("22:00-24:00", "23:00-23:30")}},
        {"weekly": {0: "09:00-12:00"}},
        {"holidays": {datetime(2026, 1, 1, tzinfo=UTC)}},
        {"holidays": {date(2026, 10, 10)}, "workdays": {date(2026, 10, 10)}},
        {"makeup_slots": ("10:00-09:00",)},
    ],
)
def test_calendar_rejects_bad_configuration(kwargs):
    with pytest.raises(ValueError):
        BusinessCalendar(**kwargs)


def test_touching_slots_are_allowed_and_continuous():
    cal = BusinessCalendar(weekly={0: ("09:00-12:00", "12:00-13:00")})
    start = sh(2026, 3, 2, 11, 30)
    assert add_business_minutes(start, 60, cal) == sh(2026, 3, 2, 12, 30)
    assert explain_add(start, 60, cal).skips == ()


def test_covers_and_years_without_data():
    assert CN.covers(date(2026, 10, 1))
    assert not CN.covers(date(2027, 1, 1))
    # an aware datetime is read as a local date: 2026-12-31 20:00 UTC is 2027-01-01 in Shanghai
    assert not CN.covers(datetime(2026, 12, 31, 20, tzinfo=UTC))
    assert ALWAYS.covers(date(2300, 1, 1))
    assert years_without_data(CN, date(2025, 6, 1), date(2028, 1, 1)) == (2027, 2028)
    assert years_without_data(CN, sh(2026, 1, 1), sh(2026, 12, 31, 23)) == ()
    assert years_without_data(CN, date(2027, 1, 1), date(2026, 1, 1)) == (2027,)
    assert years_without_data(PLAIN, date(2026, 1, 1), date(2026, 2, 1)) == (2026,)
    assert years_without_data(ALWAYS, date(2026, 1, 1), date(2030, 1, 1)) == ()


# --- slots_on / is_working_day --------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        (PLAIN, date(2026, 3, 2), ("09:00-12:00", "13:30-18:00")),  # Monday
        (PLAIN, date(2026, 3, 7), ()),  # Saturday
        (PLAIN, date(2026, 10, 1), ("09:00-12:00", "13:30-18:00")),  # no holidays here
        (CN, date(2026, 10, 1), ()),  # National Day (Thursday)
        (CN, date(2026, 10, 10), ("09:00-12:00", "13:30-18:00")),  # make-up Saturday
        (CN, date(2026, 9, 20), ("09:00-12:00", "13:30-18:00")),  # make-up Sunday
        (CN, date(2026, 10, 11), ()),  # ordinary Sunday
        (BERLIN_ODD, date(2026, 12, 26), ("09:00-10:00",)),  # custom make-up slots
        (BERLIN_ODD, date(2026, 12, 25), ()),  # holiday beats weekday slots
        (ALWAYS, date(2026, 10, 1), ("00:00-24:00",)),
    ],
)
def test_slots_on(calendar, day, expected):
    assert slots_on(calendar, day) == tuple(Slot.parse(s) for s in expected)
    assert is_working_day(calendar, day) == bool(expected)


# --- is_working_time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (sh(2026, 3, 2, 0, 0), False),  # midnight
        (sh(2026, 3, 2, 8, 59, 59), False),
        (sh(2026, 3, 2, 9, 0), True),  # slot start is inclusive
        (sh(2026, 3, 2, 11, 59, 59), True),
        (sh(2026, 3, 2, 12, 0) - MICRO, True),
        (sh(2026, 3, 2, 12, 0), False),  # slot end is exclusive
        (sh(2026, 3, 2, 12, 45), False),  # lunch
        (sh(2026, 3, 2, 13, 29, 59), False),
        (sh(2026, 3, 2, 13, 30), True),
        (sh(2026, 3, 2, 17, 59, 59), True),
        (sh(2026, 3, 2, 18, 0), False),
        (sh(2026, 3, 2, 23, 59, 59), False),
        (sh(2026, 3, 7, 10, 0), False),  # Saturday
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), True),  # = 09:00 Shanghai
        (datetime(2026, 3, 2, 4, 0, tzinfo=UTC), False),  # = 12:00 Shanghai
        (datetime(2026, 3, 1, 20, 30, tzinfo=NEW_YORK), True),  # = Mon 09:30 Shanghai
    ],
)
def test_is_working_time_plain(instant, expected):
    assert is_working_time(instant, PLAIN) is expected
    assert _working_brute(instant, PLAIN) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (sh(2026, 10, 1, 10), False),  # National Day
        (sh(2026, 10, 7, 10), False),  # National Day (substituted day off, Wednesday)
        (sh(2026, 10, 8, 10), True),
        (sh(2026, 10, 10, 10), True),  # make-up Saturday
        (sh(2026, 10, 10, 12, 30), False),  # lunch on a make-up day
        (sh(2026, 9, 20, 17, 59), True),  # make-up Sunday
        (sh(2026, 10, 11, 10), False),
        (sh(2026, 1, 1, 10), False),
        (sh(2026, 1, 4, 10), True),  # make-up Sunday after New Year
        (sh(2026, 2, 23, 10), False),  # last day of Spring Festival break (Monday)
    ],
)
def test_is_working_time_china(instant, expected):
    assert is_working_time(instant, CN) is expected


def test_twenty_four_seven_always_works():
    for instant in (sh(2026, 10, 1, 3), sh(2026, 3, 7, 0), datetime(2026, 1, 1, tzinfo=UTC)):
        assert is_working_time(instant, ALWAYS)


# --- next_working_instant -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "instant", "expected"),
    [
        (PLAIN, sh(2026, 3, 2, 8), sh(2026, 3, 2, 9)),
        (PLAIN, sh(2026, 3, 2, 9), sh(2026, 3, 2, 9)),
        (PLAIN, sh(2026, 3, 2, 10, 15), sh(2026, 3, 2, 10, 15)),
        (PLAIN, sh(2026, 3, 2, 12), sh(2026, 3, 2, 13, 30)),
        (PLAIN, sh(2026, 3, 2, 18), sh(2026, 3, 3, 9)),
        (PLAIN, sh(2026, 3, 6, 18), sh(2026, 3, 9, 9)),
        (PLAIN, sh(2026, 3, 7, 11), sh(2026, 3, 9, 9)),
        (CN, sh(2026, 9, 30, 18), sh(2026, 10, 8, 9)),
        (CN, sh(2026, 10, 9, 18, 30), sh(2026, 10, 10, 9)),
        (CN, sh(2026, 2, 14, 18), sh(2026, 2, 24, 9)),
        (ALWAYS, sh(2026, 10, 1, 3), sh(2026, 10, 1, 3)),
    ],
)
def test_next_working_instant(calendar, instant, expected):
    result = next_working_instant(instant, calendar)
    assert result == expected
    assert result.tzinfo == calendar.zone


# --- add_business_minutes -------------------------------------------------------------------

ADD_CASES = [
    # (calendar, start, minutes, expected, why)
    (PLAIN, sh(2026, 3, 2, 9), 0, sh(2026, 3, 2, 9), "0 min at opening"),
    (PLAIN, sh(2026, 3, 2, 8), 0, sh(2026, 3, 2, 9), "0 min before opening -> next instant"),
    (PLAIN, sh(2026, 3, 2, 12), 0, sh(2026, 3, 2, 13, 30), "0 min at 12:00 (lunch starts)"),
    (PLAIN, sh(2026, 3, 2, 12, 30), 0, sh(2026, 3, 2, 13, 30), "0 min during lunch"),
    (PLAIN, sh(2026, 3, 2, 9), 1, sh(2026, 3, 2, 9, 1), "exactly 09:00"),
    (PLAIN, sh(2026, 3, 2, 11, 50), 10, sh(2026, 3, 2, 12), "ends exactly at slot end"),
    (PLAIN, sh(2026, 3, 2, 11, 50), 11, sh(2026, 3, 2, 13, 31), "crosses lunch"),
    (PLAIN, sh(2026, 3, 2, 12), 1, sh(2026, 3, 2, 13, 31), "starts at 12:00"),
    (PLAIN, sh(2026, 3, 2, 12, 45), 30, sh(2026, 3, 2, 14), "starts during lunch"),
    (PLAIN, sh(2026, 3, 2, 17, 55), 5, sh(2026, 3, 2, 18), "ends exactly at 18:00"),
    (PLAIN, sh(2026, 3, 2, 18), 30, sh(2026, 3, 3, 9, 30), "starts at 18:00"),
    (PLAIN, sh(2026, 3, 2, 17, 30), 60, sh(2026, 3, 3, 9, 30), "night"),
    (PLAIN, sh(2026, 3, 2, 23, 59), 1, sh(2026, 3, 3, 9, 1), "just before midnight"),
    (PLAIN, sh(2026, 3, 3, 0, 0), 1, sh(2026, 3, 3, 9, 1), "midnight"),
    (PLAIN, sh(2026, 3, 6, 17, 55), 10, sh(2026, 3, 9, 9, 5), "Friday 17:55 + 10 -> Monday"),
    (PLAIN, sh(2026, 3, 7, 10), 60, sh(2026, 3, 9, 10), "Saturday start"),
    (PLAIN, sh(2026, 3, 2, 9), MINUTES_PER_DAY, sh(2026, 3, 2, 18), "one full day"),
    (PLAIN, sh(2026, 3, 2, 9), MINUTES_PER_DAY + 1, sh(2026, 3, 3, 9, 1), "full day + 1"),
    (PLAIN, sh(2026, 3, 2, 10), 3 * MINUTES_PER_DAY, sh(2026, 3, 5, 10), "3 working days"),
    (PLAIN, sh(2026, 3, 2, 9), 0.5, sh(2026, 3, 2, 9, 0, 30), "fractional minutes"),
    (PLAIN, sh(2026, 1, 30, 17), 120, sh(2026, 2, 2, 10), "month end, no holidays"),
    (PLAIN, sh(2026, 12, 31, 17, 30), 60, sh(2027, 1, 1, 9, 30), "year end, no holidays"),
    (CN, sh(2026, 9, 30, 17), 120, sh(2026, 10, 8, 10), "National Day Oct 1-7"),
    (CN, sh(2026, 10, 1, 10), 0, sh(2026, 10, 8, 9), "0 min on a holiday"),
    (CN, sh(2026, 9, 18, 17), 120, sh(2026, 9, 20, 10), "make-up Sunday Sep 20"),
    (CN, sh(2026, 10, 9, 17), 120, sh(2026, 10, 10, 10), "make-up Saturday Oct 10"),
    (CN, sh(2026, 10, 10, 17), 120, sh(2026, 10, 12, 10), "after make-up Saturday"),
    (CN, sh(2026, 2, 13, 17), 120, sh(2026, 2, 14, 10), "make-up Saturday Feb 14"),
    (CN, sh(2026, 2, 14, 17), 120, sh(2026, 2, 24, 10), "Spring Festival Feb 15-23"),
    (CN, sh(2026, 2, 27, 17), 120, sh(2026, 2, 28, 10), "month end onto make-up Saturday"),
    (CN, sh(2026, 1, 30, 17), 120, sh(2026, 2, 2, 10), "month end"),
    (CN, sh(2025, 12, 31, 17, 30), 60, sh(2026, 1, 4, 9, 30), "year end -> make-up Sunday"),
    (CN, sh(2026, 4, 3, 17), 120, sh(2026, 4, 7, 10), "Qingming Apr 4-6"),
    (CN, sh(2026, 4, 30, 17), 120, sh(2026, 5, 6, 10), "Labour Day May 1-5"),
    (CN, sh(2026, 5, 8, 17), 120, sh(2026, 5, 9, 10), "make-up Saturday May 9"),
    (CN, sh(2026, 6, 18, 17), 120, sh(2026, 6, 22, 10), "Dragon Boat Jun 19"),
    (ALWAYS, sh(2026, 3, 6, 17, 55), 10, sh(2026, 3, 6, 18, 5), "24x7"),
    (ALWAYS, sh(2026, 9, 30, 23), 24 * 60, sh(2026, 10, 1, 23), "24x7 ignores holidays"),
    (ALWAYS, sh(2026, 12, 31, 23, 30), 60, sh(2027, 1, 1, 0, 30), "24x7 year end"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "expected"),
    [case[:4] for case in ADD_CASES],
    ids=[case[4] for case in ADD_CASES],
)
def test_add_business_minutes(calendar, start, minutes, expected):
    result = add_business_minutes(start, minutes, calendar)
    assert result == expected
    assert result.tzinfo == calendar.zone
    assert business_minutes_between(start, result, calendar) == pytest.approx(minutes, abs=1e-6)


def test_year_end_with_next_years_statutory_holiday():
    cal = dataclasses.replace(CN, holidays=CN.holidays | {date(2027, 1, 1)})
    assert add_business_minutes(sh(2026, 12, 31, 17, 30), 60, cal) == sh(2027, 1, 4, 9, 30)
    assert years_without_data(cal, sh(2026, 12, 31, 17, 30), sh(2027, 1, 4, 9, 30)) == (2027,)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 3, 6, 9, 55, tzinfo=UTC),  # Fri 17:55 in Shanghai
        datetime(2026, 3, 6, 4, 55, tzinfo=NEW_YORK),  # the same instant
        datetime(2026, 3, 6, 10, 55, tzinfo=BERLIN),  # the same instant
    ],
)
def test_multi_timezone_input(start):
    result = add_business_minutes(start, 10, PLAIN)
    assert result == sh(2026, 3, 9, 9, 5)
    assert result.tzinfo == SH
    assert result.utcoffset() == timedelta(hours=8)


def test_berlin_office_across_spring_forward():
    # DST starts Sunday 2026-03-29; Friday is CET (+01), Monday CEST (+02)
    result = add_business_minutes(berlin(2026, 3, 27, 17, 55), 10, BERLIN_OFFICE)
    assert result == berlin(2026, 3, 30, 9, 5)
    assert result.utcoffset() == timedelta(hours=2)
    assert business_minutes_between(
        berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 9), BERLIN_OFFICE
    ) == pytest.approx(MINUTES_PER_DAY)
    assert add_working_days(berlin(2026, 3, 27, 10), 1, BERLIN_OFFICE) == berlin(2026, 3, 30, 18)


def test_berlin_slots_during_dst_switch_count_real_minutes():
    cal = BusinessCalendar(tz="Europe/Berlin", weekly={6: ("01:00-04:00",)})
    # spring forward: 01:00 CET -> 04:00 CEST is 2 real hours
    assert business_minutes_between(berlin(2026, 3, 29), berlin(2026, 3, 30), cal) == 120
    assert add_business_minutes(berlin(2026, 3, 29, 1), 120, cal) == berlin(2026, 3, 29, 4)
    assert add_business_minutes(berlin(2026, 3, 29, 1), 121, cal) == berlin(2026, 4, 5, 1, 1)
    # fall back: 01:00 CEST -> 04:00 CET is 4 real hours
    assert business_minutes_between(berlin(2026, 10, 25), berlin(2026, 10, 26), cal) == 240
    end = add_business_minutes(berlin(2026, 10, 25, 1), 150, cal)
    # 01:00 CEST is 23:00 UTC; +150 min = 01:30 UTC = 02:30 CET, the *second* 02:30 (fold=1)
    # (PEP 495: a fold=1 datetime never compares equal across zones, so compare in UTC)
    assert u(end) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert (end.hour, end.minute, end.fold) == (2, 30, 1)
    assert end.utcoffset() == timedelta(hours=1)


def test_slots_inside_the_dst_gap_do_not_overlap():
    # 02:30-02:50 does not exist on 2026-03-29; zoneinfo maps it to 03:30-03:50 CEST, inside
    # the 03:00-04:00 slot. Counted once: 60 minutes.
    cal = BusinessCalendar(tz="Europe/Berlin", weekly={6: ("02:30-02:50", "03:00-04:00")})
    assert business_minutes_between(berlin(2026, 3, 29), berlin(2026, 3, 30), cal) == 60
    assert add_business_minutes(berlin(2026, 3, 29), 60, cal) == berlin(2026, 3, 29, 4)


def test_twenty_four_seven_in_berlin_uses_elapsed_time():
    cal = BusinessCalendar.twenty_four_seven(tz="Europe/Berlin")
    # the 29th has only 23 hours, so 24 h later is 13:00 on the wall clock
    assert add_business_minutes(berlin(2026, 3, 28, 12), 24 * 60, cal) == berlin(2026, 3, 29, 13)
    assert business_minutes_between(berlin(2026, 3, 28), berlin(2026, 3, 30), cal) == 47 * 60


def test_large_values_are_fast():
    started = time_module.perf_counter()
    start = sh(2026, 3, 2, 9)  # Monday
    result = add_business_minutes(start, 100_000, PLAIN)
    # 100000 = 222 full days of 450 min + 100 min; day 221 is Mon 2027-01-04 (44 weeks later)
    assert result == sh(2027, 1, 6, 10, 40)
    assert business_minutes_between(start, result, PLAIN) == 100_000
    assert add_business_minutes(start, 100_000, CN) > result  # holidays push it later
    assert time_module.perf_counter() - started < 2


@pytest.mark.parametrize("minutes", [-1, -0.001, float("nan"), float("inf"), "5", None, True])
def test_add_rejects_bad_minutes(minutes):
    with pytest.raises(ValueError):
        add_business_minutes(sh(2026, 3, 2, 9), minutes, PLAIN)


@pytest.mark.parametrize("calendar", [PLAIN, ALWAYS])
def test_add_rejects_results_beyond_the_horizon(calendar):
    with pytest.raises(ValueError):
        add_business_minutes(sh(2026, 3, 2, 9), 1e11, calendar)


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(naive, 1, PLAIN)
    with pytest.raises(ValueError, match="aware"):
        business_minutes_between(sh(2026, 3, 2), naive, PLAIN)
    with pytest.raises(ValueError, match="aware"):
        is_working_time(naive, PLAIN)
    with pytest.raises(ValueError, match="aware"):
        add_working_days(naive, 1, PLAIN)
    with pytest.raises(ValueError, match="aware"):
        years_without_data(CN, naive, naive)


def test_calendar_without_working_time_terminates():
    start = sh(2026, 3, 2, 9)
    with pytest.raises(ValueError, match=str(MAX_IDLE_DAYS)):
        add_business_minutes(start, 1, EMPTY)
    with pytest.raises(ValueError, match=str(MAX_IDLE_DAYS)):
        next_working_instant(start, EMPTY)
    with pytest.raises(ValueError, match=str(MAX_IDLE_DAYS)):
        add_working_days(start, 1, EMPTY)
    with pytest.raises(ValueError, match=str(MAX_IDLE_DAYS)):
        explain_add(start, 1, EMPTY)
    assert not is_working_time(start, EMPTY)
    assert business_minutes_between(start, sh(2027, 3, 2), EMPTY) == 0


def test_long_holiday_streak_is_crossed():
    # a calendar whose only working day is 9 years away still answers
    far = date(2035, 3, 5)
    cal = BusinessCalendar(weekly={}, workdays=frozenset({far}), makeup_slots=("09:00-10:00",))
    assert add_business_minutes(sh(2026, 3, 2), 30, cal) == sh(2035, 3, 5, 9, 30)


# --- business_minutes_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        (PLAIN, sh(2026, 3, 2, 9), sh(2026, 3, 2, 9), 0),
        (PLAIN, sh(2026, 3, 2, 10), sh(2026, 3, 2, 9), 0),  # end before start
        (PLAIN, sh(2026, 3, 2, 9), sh(2026, 3, 2, 18), MINUTES_PER_DAY),
        (PLAIN, sh(2026, 3, 2, 11), sh(2026, 3, 2, 14), 60 + 30),
        (PLAIN, sh(2026, 3, 2, 12), sh(2026, 3, 2, 13, 30), 0),
        (PLAIN, sh(2026, 3, 6, 17), sh(2026, 3, 9, 10), 120),
        (PLAIN, sh(2026, 3, 2), sh(2026, 3, 9), 5 * MINUTES_PER_DAY),
        (PLAIN, sh(2026, 3, 2, 9, 0, 30), sh(2026, 3, 2, 9, 1), 0.5),
        (CN, sh(2026, 9, 28), sh(2026, 10, 12), 6 * MINUTES_PER_DAY),  # Sep 28-30, Oct 8-10
        (CN, sh(2026, 9, 14), sh(2026, 9, 21), 6 * MINUTES_PER_DAY),  # incl. Sunday Sep 20
        (CN, sh(2025, 12, 29), sh(2026, 1, 5), 4 * MINUTES_PER_DAY),  # Dec 29-31 + Sun Jan 4
        (ALWAYS, sh(2026, 10, 1), sh(2026, 10, 8), 7 * 24 * 60),
        (ALWAYS, sh(2026, 3, 2, 9), sh(2026, 3, 2, 8), 0),
    ],
)
def test_business_minutes_between(calendar, start, end, expected):
    assert business_minutes_between(start, end, calendar) == pytest.approx(expected, abs=1e-9)


def test_between_accepts_mixed_timezones():
    start = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 Shanghai
    end = datetime(2026, 3, 2, 11, tzinfo=BERLIN)  # 18:00 Shanghai
    assert business_minutes_between(start, end, PLAIN) == MINUTES_PER_DAY


# --- add_working_days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        (PLAIN, sh(2026, 3, 2, 10), 3, sh(2026, 3, 5, 18)),  # Mon 10:00 + 3 -> Thu close
        (PLAIN, sh(2026, 3, 2, 8), 1, sh(2026, 3, 3, 18)),  # time of day does not matter
        (PLAIN, sh(2026, 3, 2, 17, 59), 1, sh(2026, 3, 3, 18)),
        (PLAIN, sh(2026, 3, 6, 10), 1, sh(2026, 3, 9, 18)),  # Fri -> Mon
        (PLAIN, sh(2026, 3, 6, 23), 1, sh(2026, 3, 9, 18)),
        (PLAIN, sh(2026, 3, 7, 10), 1, sh(2026, 3, 9, 18)),  # Sat -> Mon
        (PLAIN, sh(2026, 3, 8, 10), 1, sh(2026, 3, 9, 18)),  # Sun -> Mon
        (PLAIN, sh(2026, 3, 2, 10), 5, sh(2026, 3, 9, 18)),
        (PLAIN, sh(2026, 3, 2, 10), 0, sh(2026, 3, 2, 18)),  # same working day
        (PLAIN, sh(2026, 3, 2, 18), 0, sh(2026, 3, 3, 18)),  # day already over
        (PLAIN, sh(2026, 3, 2, 19), 0, sh(2026, 3, 3, 18)),
        (PLAIN, sh(2026, 3, 7, 10), 0, sh(2026, 3, 9, 18)),
        (CN, sh(2026, 9, 29, 10), 1, sh(2026, 9, 30, 18)),
        (CN, sh(2026, 9, 30, 10), 1, sh(2026, 10, 8, 18)),  # National Day
        (CN, sh(2026, 10, 9, 10), 1, sh(2026, 10, 10, 18)),  # make-up Saturday counts
        (CN, sh(2026, 9, 18, 10), 1, sh(2026, 9, 20, 18)),  # make-up Sunday counts
        (CN, sh(2026, 9, 29, 10), 3, sh(2026, 10, 9, 18)),
        (CN, sh(2025, 12, 31, 10), 1, sh(2026, 1, 4, 18)),  # year end
        (CN, sh(2026, 10, 3, 10), 0, sh(2026, 10, 8, 18)),
        (ALWAYS, sh(2026, 3, 2, 10), 3, sh(2026, 3, 6, 0)),  # end of Thursday = midnight
        (ALWAYS, sh(2026, 3, 2, 10), 0, sh(2026, 3, 3, 0)),
    ],
)
def test_add_working_days(calendar, start, days, expected):
    result = add_working_days(start, days, calendar)
    assert result == expected
    assert result.tzinfo == calendar.zone


def test_add_working_days_with_utc_input_uses_local_date():
    # 2026-03-02 20:00 UTC is Tuesday 04:00 in Shanghai: counting starts Wednesday
    assert add_working_days(datetime(2026, 3, 2, 20, tzinfo=UTC), 1, PLAIN) == sh(2026, 3, 4, 18)


@pytest.mark.parametrize("days", [-1, 1.5, True, None, 10**9])
def test_add_working_days_rejects_bad_days(days):
    with pytest.raises(ValueError):
        add_working_days(sh(2026, 3, 2, 10), days, PLAIN)


# --- explain_add ----------------------------------------------------------------------------


def test_explain_weekend():
    explanation = explain_add(sh(2026, 3, 6, 17, 55), 10, PLAIN)
    assert explanation.result == sh(2026, 3, 9, 9, 5)
    assert explanation.counted == (
        Interval(sh(2026, 3, 6, 17, 55), sh(2026, 3, 6, 18)),
        Interval(sh(2026, 3, 9, 9), sh(2026, 3, 9, 9, 5)),
    )
    (skip,) = explanation.skips
    assert (skip.start, skip.end, skip.kind) == (
        sh(2026, 3, 6, 18),
        sh(2026, 3, 9, 9),
        SkipKind.REST_DAY,
    )
    assert skip.rest_days == (date(2026, 3, 7), date(2026, 3, 8))
    assert skip.holidays == ()
    assert skip.minutes == (6 + 48 + 9) * 60
    assert explanation.uncovered_years == (2026,)  # PLAIN has no holiday data at all


def test_explain_lunch_and_night():
    explanation = explain_add(sh(2026, 3, 2, 11, 50), 10 + 270 + 30, PLAIN)
    assert explanation.result == sh(2026, 3, 3, 9, 30)
    assert [(s.start, s.end, s.kind) for s in explanation.skips] == [
        (sh(2026, 3, 2, 12), sh(2026, 3, 2, 13, 30), SkipKind.BREAK),
        (sh(2026, 3, 2, 18), sh(2026, 3, 3, 9), SkipKind.OFF_HOURS),
    ]
    assert [c.minutes for c in explanation.counted] == [10, 270, 30]


def test_explain_leading_gap_before_opening_is_off_hours():
    explanation = explain_add(sh(2026, 3, 2, 8), 10, PLAIN)
    assert [(s.start, s.end, s.kind) for s in explanation.skips] == [
        (sh(2026, 3, 2, 8), sh(2026, 3, 2, 9), SkipKind.OFF_HOURS)
    ]


def test_explain_leading_gap_in_lunch_is_break():
    (skip,) = explain_add(sh(2026, 3, 2, 12, 10), 10, PLAIN).skips
    assert (skip.start, skip.end, skip.kind) == (
        sh(2026, 3, 2, 12, 10),
        sh(2026, 3, 2, 13, 30),
        SkipKind.BREAK,
    )


def test_explain_national_day_and_makeup_days():
    explanation = explain_add(sh(2026, 9, 30, 17), 2 * MINUTES_PER_DAY + 60, CN)
    # Sep 30 17:00-18:00, then Oct 8 and Oct 9 in full
    assert explanation.result == sh(2026, 10, 9, 18)
    holiday_skip = explanation.skips[0]
    assert holiday_skip.kind == SkipKind.HOLIDAY
    assert (holiday_skip.start, holiday_skip.end) == (sh(2026, 9, 30, 18), sh(2026, 10, 8, 9))
    assert holiday_skip.holidays == tuple(date(2026, 10, d) for d in (1, 2, 3, 5, 6, 7))
    assert holiday_skip.rest_days == (date(2026, 10, 4),)  # plain Sunday inside the break
    assert explanation.makeup_days == ()
    explanation = explain_add(sh(2026, 10, 9, 17), 120, CN)
    assert explanation.makeup_days == (date(2026, 10, 10),)
    assert explanation.uncovered_years == ()


def test_explain_reports_years_without_data():
    assert explain_add(sh(2026, 12, 31, 17), 120, CN).uncovered_years == (2027,)


def test_explain_twenty_four_seven_has_no_skips():
    explanation = explain_add(sh(2026, 10, 1), 3 * 24 * 60, ALWAYS)
    assert explanation.skips == ()
    assert explanation.result == sh(2026, 10, 4)
    assert explanation.uncovered_years == ()


def test_module_is_pure():
    code = "import sys, sla.calendar, sla.china; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- Properties -----------------------------------------------------------------------------

CALENDARS = {
    "plain": PLAIN,
    "china": CN,
    "berlin_odd": BERLIN_ODD,
    "berlin_office": BERLIN_OFFICE,
    "always": ALWAYS,
}
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
instants = st.datetimes(
    min_value=datetime(2025, 12, 1),
    max_value=datetime(2026, 12, 31),
    timezones=st.sampled_from([UTC, SH, BERLIN, NEW_YORK]),
)
minute_counts = st.one_of(
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=0, max_value=30_000),
    st.floats(min_value=0, max_value=5_000, allow_nan=False, allow_infinity=False),
)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(calendar=calendars, start=instants, minutes=minute_counts)
def test_property_round_trip_and_result_position(calendar, start, minutes):
    result = add_business_minutes(start, minutes, calendar)
    assert u(result) >= u(start)
    assert business_minutes_between(start, result, calendar) == pytest.approx(minutes, abs=1e-6)
    # The result is working time, or the end of a slot (the instant just before is working).
    assert is_working_time(result, calendar) or is_working_time(u(result) - MICRO, calendar)
    if minutes == 0:
        assert result == next_working_instant(start, calendar)


@PROPERTY
@given(calendar=calendars, start=instants, a=minute_counts, b=minute_counts)
def test_property_monotonic(calendar, start, a, b):
    low, high = sorted((a, b))
    assert u(add_business_minutes(start, low, calendar)) <= u(
        add_business_minutes(start, high, calendar)
    )


@PROPERTY
@given(
    calendar=calendars,
    start=instants,
    a=st.integers(min_value=0, max_value=5_000),
    b=st.integers(min_value=1, max_value=5_000),
)
def test_property_additions_compose(calendar, start, a, b):
    step = add_business_minutes(start, a, calendar)
    assert add_business_minutes(step, b, calendar) == add_business_minutes(start, a + b, calendar)


@PROPERTY
@given(calendar=calendars, points=st.lists(instants, min_size=3, max_size=3))
def test_property_between_is_additive(calendar, points):
    a, b, c = sorted(points, key=u)
    whole = business_minutes_between(a, c, calendar)
    parts = business_minutes_between(a, b, calendar) + business_minutes_between(b, c, calendar)
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0 <= whole <= (u(c) - u(a)) / timedelta(minutes=1) + 1e-6
    assert business_minutes_between(c, a, calendar) == 0


@PROPERTY
@given(calendar=calendars, instant=instants)
def test_property_next_working_instant(calendar, instant):
    nxt = next_working_instant(instant, calendar)
    assert u(nxt) >= u(instant)
    assert is_working_time(nxt, calendar)
    assert business_minutes_between(instant, nxt, calendar) == 0
    if is_working_time(instant, calendar):
        assert u(nxt) == u(instant)


@PROPERTY
@given(calendar=calendars, start=instants, minutes=minute_counts)
def test_property_explanation_adds_up(calendar, start, minutes):
    explanation = explain_add(start, minutes, calendar)
    assert explanation.result == add_business_minutes(start, minutes, calendar)
    elapsed = (u(explanation.result) - u(start)) / timedelta(minutes=1)
    skipped = sum(skip.minutes for skip in explanation.skips)
    assert elapsed == pytest.approx(minutes + skipped, abs=1e-6)
    assert sum(c.minutes for c in explanation.counted) == pytest.approx(minutes, abs=1e-6)
    for skip in explanation.skips:
        assert u(skip.end) > u(skip.start)
        assert not is_working_time(skip.start, calendar)
        assert not is_working_time(u(skip.end) - MICRO, calendar)
        assert is_working_time(skip.end, calendar)


@PROPERTY
@given(calendar=calendars, start=instants, days=st.integers(min_value=0, max_value=40))
def test_property_working_days(calendar, start, days):
    result = add_working_days(start, days, calendar)
    zone = calendar.zone
    last_day = (u(result) - MICRO).astimezone(zone).date()
    assert is_working_day(calendar, last_day)
    assert is_working_time(u(result) - MICRO, calendar)
    # nothing left to work on that local day after the result
    day_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    assert business_minutes_between(result, day_end, calendar) == 0
    first_day = start.astimezone(zone).date()
    if days == 0:
        assert u(result) > u(start)
        return
    counted, day = 0, first_day + timedelta(days=1)
    while day <= last_day:
        counted += is_working_day(calendar, day)
        day += timedelta(days=1)
    assert counted == days


@settings(max_examples=60, deadline=None)
@given(
    calendar=st.sampled_from([PLAIN, CN]),
    start=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31)).map(
        lambda naive: naive.replace(second=0, microsecond=0, tzinfo=SH)
    ),
    span=st.integers(min_value=0, max_value=2 * 24 * 60),
)
def test_property_against_minute_by_minute_oracle(calendar, start, span):
    """No DST in Shanghai, so stepping minute by minute over wall-clock slots is exact."""
    steps = [start + timedelta(minutes=m) for m in range(span)]
    working = [_working_brute(step, calendar) for step in steps]
    assert business_minutes_between(start, start + timedelta(minutes=span), calendar) == sum(
        working
    )
    for step, expected in zip(steps[::97], working[::97], strict=True):
        assert is_working_time(step, calendar) is expected
    n = sum(working)
    if n:  # the n-th working minute of the window ends exactly at the result
        last_minute = max(i for i, w in enumerate(working) if w)
        expected = steps[last_minute] + timedelta(minutes=1)
        assert add_business_minutes(start, n, calendar) == expected
