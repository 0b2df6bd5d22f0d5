"""The units' hours: when an access counts as outside them (seed 004 sections 6.4, 7.4).

A log source has default hours (`hours_from`-`hours_to`, Monday to Friday) and, for the
units that keep other hours, its own rows (`LogSource.unit_hours`): a residential care
home open around the clock, a home care unit open 07-22 every day, a unit closed on
public holidays or not. Public holidays are the business calendar's (the Swedish public
holidays and midsommarafton, julafton, nyårsafton: `forvalta.businesscalendar`); a unit
without its own row is closed on them.

An access takes the hours of the first unit named that has a row (the unit logged on the
access, then the unit the employee was drawn under), otherwise the source's default.
Unit names match as the log writes them, ignoring case and surrounding spaces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from forvalta.businesscalendar.calendar import holiday_name
from forvalta.businesscalendar.models import Weekday
from forvalta.core.concurrency import etag_of
from forvalta.core.validators import validate_no_control_characters

WEEKDAYS = range(7)
DEFAULT_DAYS = (0, 1, 2, 3, 4)
MAX_UNIT_ROWS = 500
MAX_UNIT_NAME = 200


def unit_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Hours:
    """Open on `days` (0 = Monday) from hour `start` to hour `end` (24 = midnight)."""

    days: tuple[int, ...]
    start: int
    end: int
    holidays: bool

    def closed_reason(self, local: dt.datetime) -> str | None:
        """Why a local time lies outside these hours (the flag's text), or None."""
        holiday = holiday_name(local.date())
        if holiday is not None and not self.holidays:
            return _("Outside the unit's hours (public holiday: %(holiday)s)") % {
                "holiday": holiday
            }
        if local.weekday() not in self.days or not self.start <= local.hour < self.end:
            return _("Outside the unit's hours")
        return None

    def describe(self) -> str:
        """The days and the hours in words ("måndag, tisdag 07–18"), for the source's page."""
        if tuple(self.days) == tuple(WEEKDAYS):
            days = _("every day")
        else:
            days = ", ".join(str(Weekday(d).label).lower() for d in self.days)
        text = f"{days} {self.start:02d}–{self.end:02d}"
        if self.holidays:
            text += " " + _("(also public holidays)")
        return text


class SourceHours:
    """The default hours of a log source and its units' own."""

    def __init__(self, source: Any) -> None:
        self.default = Hours(DEFAULT_DAYS, source.hours_from, source.hours_to, False)
        self.units: dict[str, Hours] = {}
        self.named: list[tuple[str, Hours]] = []  # as entered, for the source's page
        for row in source.unit_hours or []:
            hours = Hours(tuple(row["days"]), row["from"], row["to"], bool(row.get("holidays")))
            self.units[unit_key(row["unit"])] = hours
            self.named.append((row["unit"], hours))

    def for_units(self, units: Iterable[str]) -> Hours:
        for unit in units:
            hours = self.units.get(unit_key(unit or ""))
            if hours is not None:
                return hours
        return self.default

    def flag(self, local: dt.datetime, units: Iterable[str]) -> str | None:
        return self.for_units(units).closed_reason(local)


def hours_version(rows: Any) -> str:
    """The version the units' hours page was opened on: the stored rows' digest."""
    return etag_of(rows or [])


def clean_unit_hours(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows as stored, in unit order, or a ValidationError naming what is wrong.

    Each row: a unit name (unique ignoring case), at least one day, hours within 0-24
    ending after they start, and whether the unit is open on public holidays.
    """
    cleaned: dict[str, dict[str, Any]] = {}
    errors: list[ValidationError] = []
    if not isinstance(rows, list | tuple) or not all(isinstance(r, Mapping) for r in rows):
        raise ValidationError(_("The units' hours must be a list of rows."))
    rows = list(rows)
    if len(rows) > MAX_UNIT_ROWS:
        raise ValidationError(
            _("At most %(count)s units can have their own hours.") % {"count": MAX_UNIT_ROWS}
        )
    for row in rows:
        raw = row.get("unit")
        unit = " ".join(raw.split()) if isinstance(raw, str) else ""
        if not unit:
            errors.append(ValidationError(_("Every row needs the unit's name.")))
            continue
        label = {"unit": unit}
        try:
            validate_no_control_characters(unit)
        except ValidationError as exc:
            errors.append(exc)
            continue
        if len(unit) > MAX_UNIT_NAME:
            errors.append(
                ValidationError(
                    _("The unit name “%(unit)s…” is longer than %(count)s characters.")
                    % {"unit": unit[:40], "count": MAX_UNIT_NAME}
                )
            )
            continue
        days = row.get("days")
        start, end = row.get("from"), row.get("to")
        if (
            not isinstance(days, list | tuple)
            or not days
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
            or not set(days) <= set(WEEKDAYS)
        ):
            errors.append(ValidationError(_("Choose at least one day for “%(unit)s”.") % label))
            continue
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and not isinstance(end, bool)
            and 0 <= start < end <= 24
        ):
            errors.append(
                ValidationError(
                    _("The hours of “%(unit)s” must lie between 0 and 24 and end after they start.")
                    % label
                )
            )
            continue
        holidays = row.get("holidays", False)
        if not isinstance(holidays, bool):
            errors.append(
                ValidationError(
                    _("Say whether “%(unit)s” is open on public holidays (yes or no).") % label
                )
            )
            continue
        key = unit_key(unit)
        if key in cleaned:
            errors.append(ValidationError(_("“%(unit)s” is named more than once.") % label))
            continue
        cleaned[key] = {
            "unit": unit,
            "days": sorted(set(days)),
            "from": start,
            "to": end,
            "holidays": holidays,
        }
    if errors:
        raise ValidationError(errors)
    return [cleaned[key] for key in sorted(cleaned)]
