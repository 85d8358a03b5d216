"""Pure business-time arithmetic for SLA clocks.

No Django, no ORM and no "now": every function takes the instants it works on.

Model
-----
A :class:`BusinessCalendar` has a time zone, working :class:`Slot` s per weekday, holiday dates
(never working, even on a weekday), make-up working dates (调休: usually weekend dates that *are*
working days; they use ``makeup_slots``, by default the Monday slots) and a 24x7 variant
(``always_open``: every minute counts, holidays are ignored).

Rules shared by every function
------------------------------
* Inputs must be *aware* datetimes, in any time zone; naive datetimes raise ``ValueError``.
  Returned datetimes are aware and expressed in the calendar's time zone. Caveat (PEP 495): a
  result inside a repeated DST hour carries ``fold=1`` and then never compares *equal* to a
  datetime of another zone; compare or store ``.astimezone(UTC)`` values.
* Slots are wall-clock times of the calendar's zone. Each slot boundary of a given date is turned
  into an aware instant with :mod:`zoneinfo` (``fold=0``), and all arithmetic is done on absolute
  (UTC) instants. A business minute is therefore a real elapsed minute: a slot 01:00-04:00 on a
  spring-forward day in Europe/Berlin holds 120 business minutes, on a fall-back day 240.
* Working time is half-open: a slot 09:00-12:00 contains 09:00 and 11:59:59.999999 but not 12:00.
  Touching slots (12:00-13:00 and 13:00-14:00) form one continuous stretch.
* ``Slot(start, time(0))`` means "until 24:00" (end of the day).
* A search for working time gives up with ``ValueError`` after :data:`MAX_IDLE_DAYS` consecutive
  days without any working time (e.g. a calendar with no slots at all), and additions give up
  when the result would lie more than :data:`MAX_HORIZON_DAYS` (about 100 years) ahead.
* Holiday data is only as good as its source: ``known_years`` lists the years whose holidays and
  make-up days are published. Use :meth:`BusinessCalendar.covers` or :func:`years_without_data`
  to warn when a computation touches a year without data; nothing here guesses silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_SLOTS",
    "DEFAULT_TZ",
    "MAX_HORIZON_DAYS",
    "MAX_IDLE_DAYS",
    "AddExplanation",
    "BusinessCalendar",
    "Interval",
    "Skip",
    "SkipKind",
    "Slot",
    "SlotSpec",
    "WeeklySlots",
    "add_business_minutes",
    "add_working_days",
    "business_minutes_between",
    "explain_add",
    "is_working_day",
    "is_working_time",
    "next_working_instant",
    "slots_on",
    "years_without_data",
]

DEFAULT_TZ = "Asia/Shanghai"
#: Give up after this many consecutive days without working time.
MAX_IDLE_DAYS = 3660
#: Give up when a result would lie more than this many days (about 100 years) after the start.
MAX_HORIZON_DAYS = 36_600
#: Default working slots of :meth:`BusinessCalendar.standard` (Mon-Fri).
DEFAULT_SLOTS: tuple[str, ...] = ("09:00-12:00", "13:30-18:00")

_MIDNIGHT = time(0)
_ONE_DAY = timedelta(days=1)

# ---------------------------------------------------------------------------------------------
# Value objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Slot:
    """A wall-clock working period within one day: ``[start, end)``.

    ``end`` must be later than ``start``, except that ``end == time(0)`` means 24:00.
    Times carry no tzinfo: they are read in the calendar's time zone.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, time):
                raise ValueError(f"slot bounds must be datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError("slot bounds are wall-clock times and must not carry tzinfo")
        if not self.ends_at_midnight and self.end <= self.start:
            raise ValueError(f"slot end {self.end} must be after start {self.start}")

    @property
    def ends_at_midnight(self) -> bool:
        """True when the slot runs until 24:00 (``end == time(0)``)."""
        return self.end == _MIDNIGHT

    @property
    def nominal_minutes(self) -> float:
        """Wall-clock length in minutes (a DST change on the day can make the real one differ)."""
        end = 24 * 60.0 if self.ends_at_midnight else _minute_of_day(self.end)
        return end - _minute_of_day(self.start)

    @classmethod
    def parse(cls, text: str) -> Slot:
        """Parse ``"09:00-12:00"``; ``"24:00"`` is accepted as an end."""
        try:
            start_text, end_text = (part.strip() for part in text.split("-"))
            start = time.fromisoformat(start_text)
            end = _MIDNIGHT if end_text in {"24:00", "24:00:00"} else time.fromisoformat(end_text)
        except ValueError as exc:
            raise ValueError(f"invalid slot {text!r}, expected e.g. '09:00-12:00'") from exc
        return cls(start=start, end=end)

    @classmethod
    def from_hm(cls, start_hour: int, start_minute: int, end_hour: int, end_minute: int) -> Slot:
        """``Slot.from_hm(13, 30, 18, 0)``; an end of 24:00 is allowed."""
        end = _MIDNIGHT if (end_hour, end_minute) == (24, 0) else time(end_hour, end_minute)
        return cls(start=time(start_hour, start_minute), end=end)

    def __str__(self) -> str:
        end = "24:00" if self.ends_at_midnight else self.end.isoformat("minutes")
        return f"{self.start.isoformat('minutes')}-{end}"


SlotSpec: TypeAlias = Slot | str | tuple[int, int, int, int]
"""Anything accepted where a slot is expected: ``Slot``, ``"09:00-12:00"`` or ``(9, 0, 12, 0)``."""


class WeeklySlots(Mapping[int, tuple[Slot, ...]]):
    """Immutable, hashable weekday (0=Monday .. 6=Sunday) -> sorted slots mapping.

    Every weekday is present (days without work map to ``()``).
    """

    __slots__ = ("_days",)

    def __init__(self, source: Mapping[int, Iterable[SlotSpec]] | None = None) -> None:
        source = dict(source or {})
        unknown = set(source) - set(range(7))
        if unknown:
            raise ValueError(f"weekday keys must be 0 (Monday) .. 6 (Sunday), got {unknown}")
        self._days: tuple[tuple[Slot, ...], ...] = tuple(
            _normalize_slots(source.get(weekday, ()), where=f"weekday {weekday}")
            for weekday in range(7)
        )

    def __getitem__(self, weekday: int) -> tuple[Slot, ...]:
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise KeyError(weekday)
        return self._days[weekday]

    def __iter__(self) -> Iterator[int]:
        return iter(range(7))

    def __len__(self) -> int:
        return 7

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WeeklySlots):
            return self._days == other._days
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(self._days)

    def __reduce__(self) -> tuple[Any, ...]:
        return (WeeklySlots, (dict(self.items()),))

    def __repr__(self) -> str:
        body = ", ".join(f"{wd}: ({', '.join(map(str, s))})" for wd, s in self.items() if s)
        return f"WeeklySlots({{{body}}})"


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours, holidays and make-up days of one time zone (see module docstring).

    ``weekly`` may be given as any mapping of weekday -> slot specs (``Slot``, ``"09:00-12:00"``
    or ``(9, 0, 12, 0)``); it is normalised to :class:`WeeklySlots`. ``holidays`` and
    ``workdays`` (make-up working days, 调休) must be disjoint. ``makeup_slots=None`` means "use
    the Monday slots" on make-up days.
    """

    tz: str = DEFAULT_TZ
    weekly: Mapping[int, tuple[Slot, ...]] = field(default_factory=WeeklySlots)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    makeup_slots: tuple[Slot, ...] | None = None
    always_open: bool = False
    known_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        weekly = self.weekly if isinstance(self.weekly, WeeklySlots) else WeeklySlots(self.weekly)
        object.__setattr__(self, "weekly", weekly)
        holidays = _date_set(self.holidays, what="holidays")
        workdays = _date_set(self.workdays, what="workdays")
        clash = holidays & workdays
        if clash:
            raise ValueError(f"dates cannot be both holiday and make-up workday: {sorted(clash)}")
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        if self.makeup_slots is not None:
            makeup = _normalize_slots(self.makeup_slots, where="makeup_slots")
            object.__setattr__(self, "makeup_slots", makeup)
        object.__setattr__(self, "known_years", frozenset(int(y) for y in self.known_years))
        object.__setattr__(self, "always_open", bool(self.always_open))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def effective_makeup_slots(self) -> tuple[Slot, ...]:
        """Slots used on make-up working days (``makeup_slots`` or the Monday slots)."""
        return self.weekly[0] if self.makeup_slots is None else self.makeup_slots

    def covers(self, day: date) -> bool:
        """Whether holiday data is known for ``day``'s year (always true for 24x7).

        An aware datetime is first converted to the calendar's local date.
        """
        if self.always_open:
            return True
        return _local_date(day, self.zone).year in self.known_years

    @classmethod
    def twenty_four_seven(cls, *, tz: str = DEFAULT_TZ) -> BusinessCalendar:
        """Every minute counts; holidays do not exist."""
        return cls(tz=tz, always_open=True)

    @classmethod
    def standard(
        cls,
        *,
        tz: str = DEFAULT_TZ,
        slots: Iterable[SlotSpec] = DEFAULT_SLOTS,
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        makeup_slots: Iterable[SlotSpec] | None = None,
        known_years: Iterable[int] = (),
    ) -> BusinessCalendar:
        """Same ``slots`` on each of ``weekdays`` (default Mon-Fri 09:00-12:00, 13:30-18:00)."""
        day_slots = _normalize_slots(slots, where="slots")
        return cls(
            tz=tz,
            weekly=WeeklySlots(dict.fromkeys(weekdays, day_slots)),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            makeup_slots=None if makeup_slots is None else tuple(makeup_slots),
            known_years=frozenset(known_years),
        )


@dataclass(frozen=True)
class Interval:
    """A half-open period ``[start, end)`` (aware datetimes in the calendar's zone)."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return _minutes(self.end.astimezone(UTC) - self.start.astimezone(UTC))


class SkipKind(StrEnum):
    BREAK = "break"  # between two slots of the same day (lunch)
    OFF_HOURS = "off_hours"  # before opening, after closing, overnight
    REST_DAY = "rest_day"  # covers a non-working day that is not a holiday (weekend)
    HOLIDAY = "holiday"  # covers at least one holiday


@dataclass(frozen=True)
class Skip:
    """A stretch of non-working time jumped over, with the whole/partial days it covers."""

    start: datetime
    end: datetime
    kind: SkipKind
    holidays: tuple[date, ...] = ()
    rest_days: tuple[date, ...] = ()

    @property
    def minutes(self) -> float:
        return _minutes(self.end.astimezone(UTC) - self.start.astimezone(UTC))


@dataclass(frozen=True)
class AddExplanation:
    """Why ``add_business_minutes(start, minutes, calendar)`` is ``result``.

    ``counted`` are the working intervals consumed, ``skips`` the non-working gaps jumped over
    (including a leading one when ``start`` is outside working time), ``makeup_days`` the 调休
    dates whose working time was counted and ``uncovered_years`` the years between start and
    result without holiday data. ``result - start == minutes + sum(skip.minutes)``.
    """

    start: datetime
    minutes: float
    result: datetime
    counted: tuple[Interval, ...]
    skips: tuple[Skip, ...]
    makeup_days: tuple[date, ...]
    uncovered_years: tuple[int, ...]


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def slots_on(calendar: BusinessCalendar, day: date) -> tuple[Slot, ...]:
    """Working slots of a local date: 24x7 -> whole day, holiday -> none, make-up day -> makeup
    slots, otherwise the weekly slots of that weekday."""
    if calendar.always_open:
        return (Slot(start=_MIDNIGHT, end=_MIDNIGHT),)
    if day in calendar.holidays:
        return ()
    if day in calendar.workdays:
        return calendar.effective_makeup_slots
    return calendar.weekly[day.weekday()]


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    """A local date with any working time."""
    return bool(_day_intervals(calendar, day))


def is_working_time(instant: datetime, calendar: BusinessCalendar) -> bool:
    """Whether ``instant`` lies inside a working slot (start inclusive, end exclusive)."""
    moment = _utc(instant, "instant")
    if calendar.always_open:
        return True
    first = next(_working_intervals(calendar, moment, until=moment + _ONE_DAY), None)
    return first is not None and first[0] <= moment


def next_working_instant(instant: datetime, calendar: BusinessCalendar) -> datetime:
    """``instant`` itself if it is working time, else the start of the next working slot.

    Raises ``ValueError`` if there is no working time within :data:`MAX_IDLE_DAYS` days.
    """
    moment = _utc(instant, "instant")
    if calendar.always_open:
        return moment.astimezone(calendar.zone)
    start, _ = next(_working_intervals(calendar, moment))
    return start.astimezone(calendar.zone)


def add_business_minutes(start: datetime, minutes: float, calendar: BusinessCalendar) -> datetime:
    """The instant at which ``minutes`` business minutes have elapsed since ``start``.

    * Counting starts at ``next_working_instant(start)``; so adding 0 minutes to an instant
      outside working time returns the next working instant, inside it returns ``start``.
    * A result that exactly exhausts a slot is that slot's *end* (Fri 17:55 + 5 min -> Fri
      18:00, not Monday 09:00); Fri 17:55 + 10 min -> Mon 09:05.
    * ``minutes`` may be fractional (microsecond precision); negative, NaN or infinite values
      raise ``ValueError``. Returns an aware datetime in the calendar's zone.
    """
    *_, last = _consume(_utc(start, "start"), _duration(minutes), calendar)
    return last[1].astimezone(calendar.zone)


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    """Business minutes (float) inside ``[start, end)``; 0.0 when ``end <= start``."""
    begin, finish = _utc(start, "start"), _utc(end, "end")
    if finish <= begin:
        return 0.0
    if calendar.always_open:
        return _minutes(finish - begin)
    total = timedelta(0)
    for s, e in _working_intervals(calendar, begin, until=finish):
        if s >= finish:
            break
        total += min(e, finish) - s
    return _minutes(total)


def add_working_days(start: datetime, days: int, calendar: BusinessCalendar) -> datetime:
    """Deadline "``days`` working days" after ``start``: the end of the working time of the
    ``days``-th working day counted from the local day *after* ``start``'s local date.

    * A working day is a local date with any working time (make-up days count, holidays don't).
    * The time of day of ``start`` does not matter: Mon 10:00 + 3 -> Thu 18:00, and Mon 08:00,
      Fri 23:00 + 1 or Sat 10:00 + 1 both -> the next working day's closing time.
    * ``days == 0`` means "same working day": the end of the working time of the first working
      day whose working time ends after ``start`` (Mon 10:00 -> Mon 18:00, Mon 19:00 -> Tue 18:00).
    * For 24x7 calendars the end of a day is the following midnight.
    Raises ``ValueError`` for negative ``days`` or when no working day can be found.
    """
    moment = _utc(start, "start")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_HORIZON_DAYS:
        raise ValueError(f"days must be an int between 0 and {MAX_HORIZON_DAYS}, got {days!r}")
    zone = calendar.zone
    day = moment.astimezone(zone).date()
    counted = idle = 0
    for candidate in _days_from(day if days == 0 else day + _ONE_DAY):
        intervals = _day_intervals(calendar, candidate)
        if not intervals:
            idle += 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(f"no working day within {MAX_IDLE_DAYS} days after {candidate}")
            continue
        idle = 0
        if days == 0:
            if intervals[-1][1] > moment:
                return intervals[-1][1].astimezone(zone)
            continue
        counted += 1
        if counted == days:
            return intervals[-1][1].astimezone(zone)
    raise AssertionError("unreachable")  # pragma: no cover - _days_from raises first


def explain_add(start: datetime, minutes: float, calendar: BusinessCalendar) -> AddExplanation:
    """Same computation as :func:`add_business_minutes`, itemised for humans."""
    begin = _utc(start, "start")
    zone = calendar.zone
    segments = list(_consume(begin, _duration(minutes), calendar))
    result = segments[-1][1]
    skips: list[Skip] = []
    cursor = begin
    for s, e in segments:
        if s > cursor:
            skips.append(_classify_gap(calendar, cursor, s))
        cursor = max(cursor, e)
    counted = tuple(
        Interval(start=s.astimezone(zone), end=e.astimezone(zone)) for s, e in segments if e > s
    )
    makeup_days: set[date] = set()
    if not calendar.always_open:
        for s, e in segments:
            if e > s:
                first, last = s.astimezone(zone).date(), (e - _TINY).astimezone(zone).date()
                makeup_days.update(d for d in _date_range(first, last) if d in calendar.workdays)
    return AddExplanation(
        start=begin.astimezone(zone),
        minutes=float(minutes),
        result=result.astimezone(zone),
        counted=counted,
        skips=tuple(skips),
        makeup_days=tuple(sorted(makeup_days)),
        uncovered_years=years_without_data(calendar, begin, result),
    )


def years_without_data(
    calendar: BusinessCalendar, start: date | datetime, end: date | datetime
) -> tuple[int, ...]:
    """Years touched by ``[start, end]`` (local dates) that are not in ``known_years``.

    Empty for 24x7 calendars, which ignore holidays. Accepts dates or aware datetimes.
    """
    if calendar.always_open:
        return ()
    first = _local_date(start, calendar.zone).year
    last = _local_date(end, calendar.zone).year
    first, last = min(first, last), max(first, last)
    return tuple(y for y in range(first, last + 1) if y not in calendar.known_years)


# ---------------------------------------------------------------------------------------------
# Internals (all instants are UTC)
# ---------------------------------------------------------------------------------------------

_TINY = timedelta(microseconds=1)
_Span: TypeAlias = tuple[datetime, datetime]


def _consume(begin: datetime, amount: timedelta, calendar: BusinessCalendar) -> Iterator[_Span]:
    """Yield the working spans consumed when counting ``amount`` from ``begin``.

    Always yields at least one span; the end of the last one is the result. A zero amount yields
    the zero-length span at the next working instant.
    """
    try:
        horizon = begin + timedelta(days=MAX_HORIZON_DAYS)
        if calendar.always_open:
            if amount > horizon - begin:
                raise ValueError(f"result more than {MAX_HORIZON_DAYS} days after the start")
            yield begin, begin + amount
            return
        remaining = amount
        for s, e in _working_intervals(calendar, begin):
            if s > horizon:
                raise ValueError(f"result more than {MAX_HORIZON_DAYS} days after the start")
            if remaining <= e - s:
                yield s, s + remaining
                return
            yield s, e
            remaining -= e - s
    except OverflowError as exc:
        raise ValueError("result is beyond the supported date range") from exc


def _working_intervals(
    calendar: BusinessCalendar, since: datetime, *, until: datetime | None = None
) -> Iterator[_Span]:
    """Ordered, disjoint working spans ending after ``since``, clipped to start at ``since``.

    Stops once a day starts at/after ``until``; without ``until`` raises ``ValueError`` after
    :data:`MAX_IDLE_DAYS` consecutive days without working time.
    """
    zone = calendar.zone
    last_end = since
    idle = 0
    try:
        # Start one day early: a slot ending at 24:00 the day before may still be running.
        day = since.astimezone(zone).date() - _ONE_DAY
        while True:
            if until is not None and _day_start(day, zone) >= until:
                return
            produced = False
            for s, e in _day_intervals(calendar, day):
                s = max(s, last_end)  # clip to `since`; guards against DST overlaps
                if e > s:
                    produced = True
                    yield s, e
                    last_end = e
            idle = 0 if produced else idle + 1
            if until is None and idle > MAX_IDLE_DAYS:
                raise ValueError(
                    f"no working time within {MAX_IDLE_DAYS} days after {since.isoformat()}"
                )
            day += _ONE_DAY
    except OverflowError as exc:
        raise ValueError("no working time before the end of the supported date range") from exc


def _day_intervals(calendar: BusinessCalendar, day: date) -> list[_Span]:
    """Merged working spans (UTC) of one local date."""
    zone = calendar.zone
    spans: list[_Span] = []
    for slot in slots_on(calendar, day):
        s = _to_utc(day, slot.start, zone)
        if slot.ends_at_midnight:
            e = _day_start(day + _ONE_DAY, zone)
        else:
            e = _to_utc(day, slot.end, zone)
        if e > s:
            spans.append((s, e))
    spans.sort()
    merged: list[_Span] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _classify_gap(calendar: BusinessCalendar, start: datetime, end: datetime) -> Skip:
    zone = calendar.zone
    first = start.astimezone(zone).date()
    last = (end - _TINY).astimezone(zone).date()
    holidays: list[date] = []
    rest_days: list[date] = []
    for day in _date_range(first, last):
        if not _day_intervals(calendar, day):
            (holidays if day in calendar.holidays else rest_days).append(day)
    if holidays:
        kind = SkipKind.HOLIDAY
    elif rest_days:
        kind = SkipKind.REST_DAY
    else:
        kind = SkipKind.OFF_HOURS
        if first == last:
            spans = _day_intervals(calendar, first)
            if spans and spans[0][1] <= start and end <= spans[-1][0]:
                kind = SkipKind.BREAK
    return Skip(
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        kind=kind,
        holidays=tuple(holidays),
        rest_days=tuple(rest_days),
    )


def _days_from(day: date) -> Iterator[date]:
    """``day``, ``day + 1`` ... ; ``ValueError`` after :data:`MAX_HORIZON_DAYS` days."""
    current = day
    try:
        for _ in range(MAX_HORIZON_DAYS):
            yield current
            current += _ONE_DAY
    except OverflowError as exc:
        raise ValueError("no result before the end of the supported date range") from exc
    raise ValueError(f"no result within {MAX_HORIZON_DAYS} days after {day}")


def _date_range(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


def _to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return _to_utc(day, _MIDNIGHT, zone)


def _utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _local_date(value: date | datetime, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return _utc(value, "value").astimezone(zone).date()
    return value


def _duration(minutes: float) -> timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, int | float):
        raise ValueError(f"minutes must be a number, got {minutes!r}")
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be finite and >= 0, got {minutes!r}")
    try:
        return timedelta(minutes=minutes)
    except OverflowError as exc:
        raise ValueError(f"minutes too large: {minutes!r}") from exc


def _minutes(delta: timedelta) -> float:
    return delta / timedelta(minutes=1)


def _minute_of_day(value: time) -> float:
    return value.hour * 60 + value.minute + value.second / 60 + value.microsecond / 60_000_000


def _date_set(values: Iterable[date], *, what: str) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"{what} must contain datetime.date values, got {value!r}")
    return result


def _coerce_slot(spec: SlotSpec) -> Slot:
    if isinstance(spec, Slot):
        return spec
    if isinstance(spec, str):
        return Slot.parse(spec)
    if isinstance(spec, tuple) and len(spec) == 4:
        return Slot.from_hm(*spec)
    raise ValueError(f"cannot build a Slot from {spec!r}")


def _normalize_slots(specs: Iterable[SlotSpec], *, where: str) -> tuple[Slot, ...]:
    if isinstance(specs, Slot | str):
        raise ValueError(f"{where}: expected a collection of slots, got a single {specs!r}")
    slots = sorted(_coerce_slot(spec) for spec in specs)
    for previous, current in pairwise(slots):
        if previous.ends_at_midnight or current.start < previous.end:
            raise ValueError(f"{where}: slots {previous} and {current} overlap")
    return tuple(slots)
