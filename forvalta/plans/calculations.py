"""The plan's sums and the members' cost split, as pure functions (no database).

Money is Decimal; the split works in whole rounding units (öre or kronor) with exact
fractions and hands out the units left after rounding down by the largest-remainder
method (Hare), so the shares always sum exactly to the budget and none is negative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ZERO = Decimal("0")


# --- participation ------------------------------------------------------------------------
def days_between(start: dt.date, end: dt.date) -> int:
    """Days from start to end, both inclusive (0 when end is before start)."""
    return max((end - start).days + 1, 0)


def participation_days(
    periods: Iterable[tuple[dt.date, dt.date | None]], start: dt.date, end: dt.date
) -> int:
    """Days within [start, end] covered by the periods (each inclusive; no end = open).
    Overlapping periods are counted once."""
    total = 0
    spans = sorted(
        (max(s, start), min(e or end, end)) for s, e in periods if s <= end and (e or end) >= start
    )
    last_end: dt.date | None = None
    for s, e in spans:
        if last_end is not None and s <= last_end:
            s = last_end + dt.timedelta(days=1)
        if e < s:
            continue
        total += days_between(s, e)
        last_end = e if last_end is None else max(last_end, e)
    return total


# --- largest remainder --------------------------------------------------------------------
def largest_remainder(total: int, weights: Sequence[Fraction | int | Decimal]) -> list[int]:
    """Split `total` whole units in proportion to `weights` (non-negative, not all
    zero): each gets the whole part of its quota, and the units left go one each to the
    largest remainders (ties to the earlier position). The parts sum to `total`."""
    if total < 0:
        raise ValueError("total must not be negative")
    exact = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact):
        raise ValueError("weights must not be negative")
    whole = sum(exact)
    if whole == 0:
        raise ValueError("at least one weight must be positive")
    quotas = [total * w / whole for w in exact]
    parts = [q.numerator // q.denominator for q in quotas]
    left = total - sum(parts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Member:
    key: Hashable
    days: int
    value: Decimal | None = None  # the key value (amount, inhabitants, users, weight)


@dataclass
class SplitResult:
    shares: dict[Hashable, Decimal] = field(default_factory=dict)


def split_budget(
    budget: Decimal,
    members: Sequence[Member],
    *,
    key: str,
    period_days: int,
    unit: Decimal = Decimal("0.01"),
    base_percent: Decimal = ZERO,
) -> dict[Hashable, Decimal]:
    """Each member's share of `budget`, pro rata by days of participation.

    - equal: in proportion to the days of participation;
    - fixed, inhabitants, users, weight: in proportion to value x days (a fixed amount
      is paid exactly when every member takes part the whole period and the amounts
      sum to the budget);
    - base_variable: `base_percent` of the budget by days, the rest by value x days.

    Raises ValidationError (with a message in the user's language) when nothing can carry
    the budget (no member took part, or every value is zero)."""
    if budget < 0:
        raise ValidationError(_("The budget cannot be negative."))
    units = budget / unit
    if units != units.to_integral_value():
        raise ValidationError(_("The budget must be a whole number of the rounding unit."))
    total_units = int(units)
    if period_days <= 0:
        raise ValidationError(_("The period has no days."))
    days = [Fraction(min(m.days, period_days)) for m in members]
    values = [Fraction(m.value or 0) for m in members]
    if any(v < 0 for v in values):
        raise ValidationError(_("A key value cannot be negative."))
    if total_units == 0:
        return {m.key: ZERO for m in members}
    if not members or sum(days) == 0:
        raise ValidationError(_("No member takes part in the service during the period."))
    if key == "equal":
        weights = days
    elif key == "base_variable":
        base = Fraction(base_percent) / 100
        by_value = [v * d for v, d in zip(values, days, strict=True)]
        if sum(by_value) == 0:
            if base < 1:
                raise ValidationError(
                    _("Every member's key value is zero: the budget cannot be split.")
                )
            by_value = list(days)
        weights = [
            base * d / sum(days) + (1 - base) * bv / sum(by_value)
            for d, bv in zip(days, by_value, strict=True)
        ]
    else:
        weights = [v * d for v, d in zip(values, days, strict=True)]
        if sum(weights) == 0:
            raise ValidationError(
                _("Every member's key value is zero: the budget cannot be split.")
            )
    parts = largest_remainder(total_units, weights)
    return {m.key: (unit * p).quantize(unit) for m, p in zip(members, parts, strict=True)}


# --- plan sums ----------------------------------------------------------------------------
@dataclass
class Cell:
    days: Decimal = ZERO
    amount: Decimal = ZERO

    def add(self, days: Decimal, amount: Decimal) -> None:
        self.days += days
        self.amount += amount

    def fte(self, working_days: int) -> Decimal:
        return (self.days / Decimal(working_days)).quantize(Decimal("0.01"))


@dataclass
class PlanSums:
    """Sums of a plan in kronor and person-days, by activity x kind x resource group,
    and the full-time equivalents (person-days / working days per year)."""

    working_days: int
    cells: dict[tuple[Any, str, Any], Cell] = field(default_factory=dict)

    def add(self, activity: Any, kind: str, group: Any, days: Decimal, amount: Decimal) -> None:
        self.cells.setdefault((activity, kind, group), Cell()).add(days, amount)

    def total(self, activity: Any = None, kind: str | None = None, group: Any = None) -> Cell:
        result = Cell()
        for (a, k, g), cell in self.cells.items():
            if activity is not None and a != activity:
                continue
            if kind is not None and k != kind:
                continue
            if group is not None and g != group:
                continue
            result.add(cell.days, cell.amount)
        return result

    def fte(self, activity: Any = None, kind: str | None = None, group: Any = None) -> Decimal:
        return self.total(activity, kind, group).fte(self.working_days)
