"""The Swedish business calendar: working days and working hours in Europe/Stockholm.

One place answers "is this a working hour", "add N working hours/days" and "the next
working day" for deadlines, reminders and (later) SLA clocks:

- Swedish public holidays from the `holidays` package, with Sundays *not* counted as
  holidays (the package can list every Sunday; weekends are a matter of service hours
  here), plus midsommarafton, julafton and nyårsafton as non-working days (the package's
  "de facto" category).
- An organisation's service hours per weekday (default Monday-Friday 08:00-17:00) and its
  exceptions: extra closed days (bridge days) and special hours (shortened days).

Working periods are wall-clock times in Europe/Stockholm; every duration is measured in
real (UTC) time, so a 24-hour service counts 23 hours on the day clocks go forward and
25 on the day they go back. Datetimes in and out are timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC

Period = tuple[dt.time, dt.time]
"""A working period within one day; `closes` 00:00 means midnight at the day's end."""

DEFAULT_HOURS: dict[int, tuple[Period, ...]] = {
    weekday: ((dt.time(8), dt.time(17)),) for weekday in range(5)
}

# How far a search for the next working period may look before giving up: a calendar
# with no working time at all must fail loudly rather than loop.
MAX_DAYS_SEARCHED = 3 * 366


class NoWorkingTimeError(ValueError):
    """The calendar has no working time within the searched horizon."""


@lru_cache(maxsize=64)
def swedish_holidays(year: int) -> Mapping[dt.date, str]:
    """Public holidays and the de facto ones (midsommarafton, julafton, nyårsafton) in
    Swedish; Sundays are not holidays here."""
    table = holidays.country_holidays(
        "SE",
        years=year,
        categories=("public", "de_facto"),
        language="sv",
        include_sundays=False,
    )
    return dict(table.items())


def holiday_name(day: dt.date) -> str | None:
    return swedish_holidays(day.year).get(day)


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("The business calendar works with timezone-aware datetimes only.")
    return moment


def _instant(day: dt.date, clock: dt.time, *, end: bool = False) -> dt.datetime:
    """The UTC instant of a wall-clock time on a day in Stockholm (00:00 as an end is
    midnight after the day)."""
    if end and clock == dt.time(0):
        day = day + dt.timedelta(days=1)
    return dt.datetime.combine(day, clock, tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    """Service hours per weekday (0 = Monday) plus date exceptions.

    `closed` are extra closed dates; `special` maps a date to the periods kept that day
    instead of the weekday's (an empty tuple is the same as closed). Public holidays are
    always closed unless the date is in `special` (an organisation that staffs a
    holiday says so with special hours).
    """

    hours: Mapping[int, tuple[Period, ...]] = field(default_factory=lambda: DEFAULT_HOURS)
    closed: frozenset[dt.date] = frozenset()
    special: Mapping[dt.date, tuple[Period, ...]] = field(default_factory=dict)

    # --- days ---------------------------------------------------------------------------
    def periods_on(self, day: dt.date) -> tuple[Period, ...]:
        """The wall-clock working periods of a day, in order."""
        if day in self.special:
            return tuple(sorted(self.special[day]))
        if day in self.closed or holiday_name(day) is not None:
            return ()
        return tuple(sorted(self.hours.get(day.weekday(), ())))

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.periods_on(day))

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after `day`."""
        return self.add_working_days(day, 1)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The day that lies `count` working days after `day` (before it when negative);
        `count` 0 gives `day` itself, or the next working day if `day` is not one."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        current = day
        if remaining == 0:
            return current if self.is_working_day(current) else self.add_working_days(day, 1)
        searched = 0
        while remaining:
            current = current + dt.timedelta(days=step)
            searched += 1
            if self.is_working_day(current):
                remaining -= 1
                searched = 0
            elif searched > MAX_DAYS_SEARCHED:
                raise NoWorkingTimeError("No working day within three years.")
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end."""
        if end <= start:
            return 0
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + dt.timedelta(days=offset))
        )

    # --- instants -----------------------------------------------------------------------
    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's working periods as UTC instants."""
        out = []
        for opens, closes in self.periods_on(day):
            start, stop = _instant(day, opens), _instant(day, closes, end=True)
            if stop > start:
                out.append((start, stop))
        return out

    def _intervals_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working intervals that end after `moment`, in order, clipped to start at it."""
        day = moment.astimezone(STOCKHOLM).date() - dt.timedelta(days=1)
        idle_days = 0
        while True:
            found = False
            for start, stop in self.intervals_on(day):
                if stop <= moment:
                    continue
                found = True
                yield max(start, moment), stop
            idle_days = 0 if found else idle_days + 1
            if idle_days > MAX_DAYS_SEARCHED:
                raise NoWorkingTimeError("No working time within three years.")
            day = day + dt.timedelta(days=1)

    def is_working_time(self, moment: dt.datetime) -> bool:
        moment = _aware(moment).astimezone(UTC)
        day = moment.astimezone(STOCKHOLM).date()
        return any(
            start <= moment < stop
            for candidate in (day - dt.timedelta(days=1), day)
            for start, stop in self.intervals_on(candidate)
        )

    def next_working_time(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself if it is working time, else the start of the next period."""
        moment = _aware(moment).astimezone(UTC)
        start, _stop = next(self._intervals_from(moment))
        return start

    def add_working_time(self, moment: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant at which `duration` of working time has passed since `moment`.

        Exactly at the end of a period counts as reaching it (a deadline of "8 working
        hours" from Monday 08:00 is Monday 17:00, not Tuesday 08:00). A zero duration
        gives `moment` back unchanged.
        """
        moment = _aware(moment).astimezone(UTC)
        if duration < dt.timedelta(0):
            raise ValueError("Only a positive working time can be added.")
        if duration == dt.timedelta(0):
            return moment
        remaining = duration
        for start, stop in self._intervals_from(moment):
            length = stop - start
            if remaining <= length:
                return start + remaining
            remaining -= length
        raise NoWorkingTimeError("unreachable")  # pragma: no cover - the generator is endless

    def add_working_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        return self.add_working_time(moment, dt.timedelta(hours=hours))

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The working time within [start, end) (zero when end is not after start)."""
        start = _aware(start).astimezone(UTC)
        end = _aware(end).astimezone(UTC)
        total = dt.timedelta(0)
        if end <= start:
            return total
        for begin, stop in self._intervals_from(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total


def calendar_from_rows(
    hours: Iterable[tuple[int, dt.time, dt.time]],
    exceptions: Iterable[tuple[dt.date, bool, dt.time | None, dt.time | None]],
) -> WorkingCalendar:
    """Build a calendar from stored rows; without any service hours the default applies."""
    per_day: dict[int, list[Period]] = {}
    for weekday, opens, closes in hours:
        per_day.setdefault(weekday, []).append((opens, closes))
    closed: set[dt.date] = set()
    special: dict[dt.date, tuple[Period, ...]] = {}
    for day, is_closed, opening, closing in exceptions:
        if is_closed or opening is None or closing is None:
            closed.add(day)
        else:
            special[day] = (*special.get(day, ()), (opening, closing))
    return WorkingCalendar(
        hours={k: tuple(v) for k, v in per_day.items()} if per_day else DEFAULT_HOURS,
        closed=frozenset(closed),
        special=special,
    )


__all__ = [
    "STOCKHOLM",
    "NoWorkingTimeError",
    "WorkingCalendar",
    "calendar_from_rows",
    "holiday_name",
    "swedish_holidays",
]
