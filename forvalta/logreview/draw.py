"""The draw of a sampling round: reproducible from the round's seed and fair.

Candidates are read from the stored log of the round's source in the sampled month:
each account with activity, under the unit it logged most in that month, with its days
of activity. `draw_from` is a pure function of (candidates, parameters, seed): the same
seed and the same data give the same draw. Units and employees are drawn with the round
(`random.Random(seed).sample` over sorted lists, so every candidate has the same chance).

The days are drawn when the log administrator fulfils an order (seed 004 section 6.3:
"TID ... slumpar fram 3 dagar"): `draw_days`, pure, with `order_seed(round seed, order
id)`, among each employee's days with activity in the stored log (or any day of the
month, as the schedule says), recorded by `draw_order_days`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from forvalta.logreview.models import (
    DayMode,
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    LogEntry,
    SamplingRound,
)


@dataclass
class Candidate:
    account: str
    name: str = ""
    days: set[dt.date] = field(default_factory=set)


@dataclass(frozen=True)
class Parameters:
    unit_count: int
    employees_per_unit: int
    day_count: int
    day_mode: str


@dataclass
class Drawn:
    unit: str
    employees: list[Candidate]


def month_days(month: dt.date) -> list[dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def candidates(source_id: int, month: dt.date) -> dict[str, dict[str, Candidate]]:
    """Unit name -> account -> candidate, from the stored log of the month."""
    tz = timezone.get_current_timezone()
    start, end = _bounds(month)
    rows = (
        # The source's own log, not the extracts loaded for orders or cases (the same accesses
        # again): a round's seed draws the same after its orders are fulfilled.
        LogEntry.objects.filter(
            source_id=source_id,
            time__gte=start,
            time__lt=end,
            load__order__isnull=True,
            load__case__isnull=True,
        )
        .annotate(day=TruncDate("time", tzinfo=tz))
        .values("account", "employee_name", "unit", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    units: dict[str, Counter[str]] = defaultdict(Counter)
    people: dict[str, Candidate] = {}
    for row in rows:
        person = people.setdefault(row["account"], Candidate(row["account"]))
        # The name is the least of those logged (rows come in no order): the same each time.
        if row["employee_name"] and (not person.name or row["employee_name"] < person.name):
            person.name = row["employee_name"]
        person.days.add(row["day"])
        units[row["account"]][row["unit"]] += row["n"]
    result: dict[str, dict[str, Candidate]] = defaultdict(dict)
    for account, counts in units.items():
        unit = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
        result[unit][account] = people[account]
    return dict(result)


def draw_from(
    pool: dict[str, dict[str, Candidate]], parameters: Parameters, seed: int, month: dt.date
) -> list[Drawn]:
    rng = random.Random(seed)  # noqa: S311  reproducible by design: the seed is recorded
    units = sorted(u for u, people in pool.items() if people)
    chosen = rng.sample(units, min(parameters.unit_count, len(units)))
    result = []
    for unit in chosen:
        accounts = sorted(pool[unit])
        picked = rng.sample(accounts, min(parameters.employees_per_unit, len(accounts)))
        result.append(Drawn(unit, [pool[unit][account] for account in picked]))
    return result


def order_seed(round_seed: int, order_id: int) -> int:
    """The seed of an order's days: derived from the round's recorded seed and the
    order's id (62 bits), so the days are reproducible from what is recorded."""
    digest = hashlib.sha256(f"forvalta.logreview.days:{round_seed}:{order_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2


def draw_days(
    employees: list[tuple[str, set[dt.date]]], parameters: Parameters, seed: int, month: dt.date
) -> dict[str, list[dt.date]]:
    """Pure: account -> its drawn days (sorted), for the employees in their drawn
    order, each among its days with activity in `month` (or every day of the month)."""
    rng = random.Random(seed)  # noqa: S311  reproducible by design: the seed is derived
    result = {}
    for account, active in employees:
        days = (
            month_days(month)
            if parameters.day_mode == DayMode.ANY
            else sorted(d for d in active if d.year == month.year and d.month == month.month)
        )
        result[account] = sorted(rng.sample(days, min(parameters.day_count, len(days))))
    return result


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min), tz)
    end_day = month_days(month)[-1] + dt.timedelta(days=1)
    return start, timezone.make_aware(dt.datetime.combine(end_day, dt.time.min), tz)


def active_days(source_id: int, month: dt.date, accounts: list[str]) -> dict[str, set[dt.date]]:
    """Account -> its days with activity in the source's stored log of the month (the
    log itself, not the extracts loaded for orders), in one query."""
    tz = timezone.get_current_timezone()
    start, end = _bounds(month)
    result: dict[str, set[dt.date]] = {account: set() for account in accounts}
    rows = (
        LogEntry.objects.filter(
            source_id=source_id,
            account__in=accounts,
            time__gte=start,
            time__lt=end,
            load__order__isnull=True,
            load__case__isnull=True,
        )
        .annotate(day=TruncDate("time", tzinfo=tz))
        .values_list("account", "day")
        .distinct()
        .order_by()
    )
    for account, day in rows:
        result[account].add(day)
    return result


def draw_order_days(order: ExtractOrder) -> dict[str, list[dt.date]] | None:
    """Draw and store the days of an order's drawn employees, unless drawn already
    (then None). The caller holds the transaction and the order's lock."""
    employees = list(DrawnEmployee.objects.filter(drawn_unit_id=order.drawn_unit_id))
    if DrawnDay.objects.filter(employee__in=employees).exists():
        return None
    round_ = order.round
    schedule = round_.schedule
    parameters = Parameters(
        schedule.unit_count, schedule.employees_per_unit, schedule.day_count, schedule.day_mode
    )
    accounts = [e.account for e in employees]
    active = (
        {a: set() for a in accounts}
        if schedule.day_mode == DayMode.ANY
        else active_days(schedule.source_id, round_.month, accounts)
    )
    drawn = draw_days(
        [(a, active[a]) for a in accounts],
        parameters,
        order_seed(round_.seed, order.pk),
        round_.month,
    )
    DrawnDay.objects.bulk_create(
        [DrawnDay(employee=e, day=d) for e in employees for d in drawn[e.account]]
    )
    return drawn


def draw_round(round_: SamplingRound) -> list[DrawnUnit]:
    """Draw the round's units and employees from its recorded seed and store them
    (replacing an earlier draw of it); the days are drawn at fulfilment. The caller
    holds the transaction."""
    from forvalta.core.models import Unit

    schedule = round_.schedule
    parameters = Parameters(
        schedule.unit_count, schedule.employees_per_unit, schedule.day_count, schedule.day_mode
    )
    drawn = draw_from(
        candidates(schedule.source_id, round_.month), parameters, round_.seed, round_.month
    )
    DrawnUnit.objects.filter(round=round_).delete()
    known = {
        name.casefold(): pk
        for pk, name in Unit.objects.filter(organisation_id=round_.organisation_id).values_list(
            "pk", "name"
        )
    }
    units = []
    for position, item in enumerate(drawn, start=1):
        unit = DrawnUnit.objects.create(
            round=round_,
            position=position,
            unit_name=item.unit,
            unit_id=known.get(item.unit.casefold()),
        )
        units.append(unit)
        DrawnEmployee.objects.bulk_create(
            [
                DrawnEmployee(
                    drawn_unit=unit,
                    position=number,
                    account=person.account,
                    employee_name=person.name,
                )
                for number, person in enumerate(item.employees, start=1)
            ]
        )
    return units
