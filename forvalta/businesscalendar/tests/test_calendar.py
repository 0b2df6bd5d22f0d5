"""The Swedish business calendar: exact dates, DST changes and properties over years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forvalta.businesscalendar.calendar import (
    STOCKHOLM,
    NoWorkingTimeError,
    WorkingCalendar,
    calendar_from_rows,
    holiday_name,
)

T = dt.time
H = dt.timedelta(hours=1)


def sthlm(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STOCKHOLM)


DEFAULT = WorkingCalendar()
# Weekdays 08-17, Friday 07-16 (the example), a bridge day and a shortened day.
OFFICE = calendar_from_rows(
    [(d, T(8), T(17)) for d in range(4)] + [(4, T(7), T(16))],
    [
        (dt.date(2026, 5, 15), True, None, None),  # Friday after Kristi himmelsfärd
        (dt.date(2026, 4, 2), False, T(8), T(12)),  # skärtorsdag: half day
    ],
)
ROUND_THE_CLOCK = calendar_from_rows([(d, T(0), T(0)) for d in range(7)], [])
# Closed for lunch.
LUNCH = calendar_from_rows(
    [(d, T(8), T(12)) for d in range(5)] + [(d, T(13), T(17)) for d in range(5)], []
)


# --- exact days --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2026, 6, 19), "Midsommarafton"),
        (dt.date(2026, 12, 24), "Julafton"),
        (dt.date(2026, 12, 31), "Nyårsafton"),
        (dt.date(2026, 6, 6), "Nationaldagen"),
        (dt.date(2026, 4, 3), "Långfredagen"),
        (dt.date(2026, 4, 6), "Annandag påsk"),
        (dt.date(2026, 5, 14), "Kristi himmelsfärdsdag"),
        (dt.date(2027, 1, 6), "Trettondedag jul"),
    ],
)
def test_swedish_holidays_and_eves_are_not_working_days(day: dt.date, name: str) -> None:
    assert holiday_name(day) == name
    assert DEFAULT.is_working_day(day) is False


def test_ordinary_sundays_are_not_holidays_but_not_working_days_either() -> None:
    sunday = dt.date(2026, 3, 8)
    assert holiday_name(sunday) is None
    assert DEFAULT.is_working_day(sunday) is False
    assert ROUND_THE_CLOCK.is_working_day(sunday) is True


def test_next_working_day_over_midsummer_and_christmas() -> None:
    assert DEFAULT.next_working_day(dt.date(2026, 6, 18)) == dt.date(2026, 6, 22)
    # 24, 25 (Friday), 26, 27 December; Monday 28 is a working day.
    assert DEFAULT.next_working_day(dt.date(2026, 12, 23)) == dt.date(2026, 12, 28)
    # 31 December and 1 January are closed.
    assert DEFAULT.next_working_day(dt.date(2026, 12, 30)) == dt.date(2027, 1, 4)


def test_add_working_days_counts_only_working_days() -> None:
    assert DEFAULT.add_working_days(dt.date(2026, 6, 17), 2) == dt.date(2026, 6, 22)
    assert DEFAULT.add_working_days(dt.date(2026, 6, 22), -2) == dt.date(2026, 6, 17)
    assert DEFAULT.add_working_days(dt.date(2026, 6, 20), 0) == dt.date(2026, 6, 22)
    assert DEFAULT.add_working_days(dt.date(2026, 6, 22), 0) == dt.date(2026, 6, 22)
    # The bridge day after Kristi himmelsfärd is closed for the office only.
    assert DEFAULT.add_working_days(dt.date(2026, 5, 13), 1) == dt.date(2026, 5, 15)
    assert OFFICE.add_working_days(dt.date(2026, 5, 13), 1) == dt.date(2026, 5, 18)


def test_service_hours_and_special_days() -> None:
    friday = sthlm(2026, 3, 6, 7, 30)
    assert OFFICE.is_working_time(friday) is True
    assert DEFAULT.is_working_time(friday) is False
    assert OFFICE.is_working_time(sthlm(2026, 3, 6, 16, 0)) is False
    assert OFFICE.is_working_time(sthlm(2026, 3, 5, 16, 30)) is True
    # Skärtorsdag is a half day at the office.
    assert OFFICE.is_working_time(sthlm(2026, 4, 2, 11, 59)) is True
    assert OFFICE.is_working_time(sthlm(2026, 4, 2, 12, 0)) is False
    assert LUNCH.is_working_time(sthlm(2026, 3, 5, 12, 30)) is False


def test_add_working_hours_exact() -> None:
    # Monday 08:00 + 8 h is Monday 16:00; + 9 h ends exactly at closing time.
    assert DEFAULT.add_working_hours(sthlm(2026, 3, 2, 8), 8) == sthlm(2026, 3, 2, 16)
    assert DEFAULT.add_working_hours(sthlm(2026, 3, 2, 8), 9) == sthlm(2026, 3, 2, 17)
    # Thursday before midsummer 16:00 + 2 h: one hour on Thursday, the next on Monday.
    assert DEFAULT.add_working_hours(sthlm(2026, 6, 18, 16), 2) == sthlm(2026, 6, 22, 9)
    # From a Saturday: the clock starts Monday 08:00.
    assert DEFAULT.add_working_hours(sthlm(2026, 3, 7, 12), 1) == sthlm(2026, 3, 9, 9)
    # Lunch is skipped.
    assert LUNCH.add_working_hours(sthlm(2026, 3, 2, 11), 2) == sthlm(2026, 3, 2, 14)
    # The office's Friday closes at 16.
    assert OFFICE.add_working_hours(sthlm(2026, 3, 6, 15), 2) == sthlm(2026, 3, 9, 9)
    assert DEFAULT.next_working_time(sthlm(2026, 12, 23, 18)) == sthlm(2026, 12, 28, 8)


def test_dst_changes_in_a_round_the_clock_service() -> None:
    # 29 March 2026: clocks go forward at 02:00, the day has 23 hours.
    spring = dt.date(2026, 3, 29)
    assert (
        ROUND_THE_CLOCK.working_time_between(sthlm(2026, 3, 29, 0), sthlm(2026, 3, 30, 0)) == 23 * H
    )
    assert (
        sum((stop - start for start, stop in ROUND_THE_CLOCK.intervals_on(spring)), dt.timedelta())
        == 23 * H
    )
    # 25 October 2026: clocks go back at 03:00, the day has 25 hours.
    assert (
        ROUND_THE_CLOCK.working_time_between(sthlm(2026, 10, 25, 0), sthlm(2026, 10, 26, 0))
        == 25 * H
    )
    # 24 working hours from Saturday 12:00 before the October change end at Sunday 11:00.
    assert ROUND_THE_CLOCK.add_working_hours(sthlm(2026, 10, 24, 12), 24) == sthlm(2026, 10, 25, 11)
    # An office day is nine real hours on either side of a change.
    assert DEFAULT.working_time_between(sthlm(2026, 3, 30, 0), sthlm(2026, 3, 31, 0)) == 9 * H


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.is_working_time(dt.datetime(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="positive"):
        DEFAULT.add_working_time(sthlm(2026, 3, 2, 9), -H)


def test_a_calendar_without_working_time_fails_loudly() -> None:
    never = WorkingCalendar(hours={})
    with pytest.raises(NoWorkingTimeError):
        never.add_working_hours(sthlm(2026, 3, 2, 9), 1)
    with pytest.raises(NoWorkingTimeError):
        never.next_working_day(dt.date(2026, 3, 2))


def test_the_default_applies_without_stored_hours() -> None:
    assert calendar_from_rows([], []) == WorkingCalendar()


# --- properties over years, DST changes and year ends -------------------------------------
CALENDARS = st.sampled_from([DEFAULT, OFFICE, ROUND_THE_CLOCK, LUNCH])
# Instants from 2025 to 2028: every DST change and year end in between.
MOMENTS = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(dt.UTC),
)
DURATIONS = st.integers(min_value=0, max_value=300 * 60).map(lambda m: dt.timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, duration=DURATIONS)
def test_adding_working_time_is_measured_back_exactly(
    cal: WorkingCalendar, start: dt.datetime, duration: dt.timedelta
) -> None:
    end = cal.add_working_time(start, duration)
    assert end >= start
    assert cal.working_time_between(start, end) == duration
    if duration:
        # The deadline is reached inside working time or exactly at a period's end.
        just_before = end - dt.timedelta(microseconds=1)
        assert cal.is_working_time(just_before)


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, first=DURATIONS, second=DURATIONS)
def test_adding_working_time_is_additive(
    cal: WorkingCalendar, start: dt.datetime, first: dt.timedelta, second: dt.timedelta
) -> None:
    assert cal.add_working_time(cal.add_working_time(start, first), second) == (
        cal.add_working_time(start, first + second)
    )


@settings(max_examples=200, deadline=None)
@given(
    cal=CALENDARS,
    day=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31)),
    count=st.integers(min_value=1, max_value=40),
)
def test_adding_working_days_lands_on_a_working_day(
    cal: WorkingCalendar, day: dt.date, count: int
) -> None:
    later = cal.add_working_days(day, count)
    assert cal.is_working_day(later)
    assert cal.working_days_between(day, later) == count
    assert cal.add_working_days(later, -count) <= day


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, moment=MOMENTS)
def test_next_working_time_is_working_time_and_nothing_is_skipped(
    cal: WorkingCalendar, moment: dt.datetime
) -> None:
    following = cal.next_working_time(moment)
    assert following >= moment
    assert cal.is_working_time(following)
    assert cal.working_time_between(moment, following) == dt.timedelta(0)
    assert cal.is_working_time(moment) == (following == moment)
