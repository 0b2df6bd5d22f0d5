"""The draw of a sampling round: reproducible from the round's seed and fair.

Candidates are read from the stored log of the round's source in the sampled month:
each account with activity, under the unit it logged most in that month, with its days
of activity. `draw_from` is a pure function of (candidates, parameters, seed): the same
seed and the same data give the same draw. Units, employees and days are drawn with
`random.Random(seed).sample` over sorted lists, so every candidate has the same chance.
"""

from __future__ import annotations

import calendar
import datetime as dt
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
    employees: list[tuple[Candidate, list[dt.date]]]


def month_days(month: dt.date) -> list[dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def candidates(source_id: int, month: dt.date) -> dict[str, dict[str, Candidate]]:
    """Unit name -> account -> candidate, from the stored log of the month."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min), tz)
    end_day = month_days(month)[-1] + dt.timedelta(days=1)
    end = timezone.make_aware(dt.datetime.combine(end_day, dt.time.min), tz)
    rows = (
        # The source's own log, not the extracts loaded for orders (the same accesses
        # again): a round's seed draws the same after its orders are fulfilled.
        LogEntry.objects.filter(
            source_id=source_id, time__gte=start, time__lt=end, load__order__isnull=True
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
        employees = []
        for account in picked:
            person = pool[unit][account]
            days = (
                month_days(month)
                if parameters.day_mode == DayMode.ANY
                else sorted(
                    d for d in person.days if d.year == month.year and d.month == month.month
                )
            )
            employees.append(
                (person, sorted(rng.sample(days, min(parameters.day_count, len(days)))))
            )
        result.append(Drawn(unit, employees))
    return result


def draw_round(round_: SamplingRound) -> list[DrawnUnit]:
    """Draw the round from its recorded seed and store what was drawn (replacing an
    earlier draw of it). The caller holds the transaction."""
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
        for number, (person, days) in enumerate(item.employees, start=1):
            employee = DrawnEmployee.objects.create(
                drawn_unit=unit, position=number, account=person.account, employee_name=person.name
            )
            DrawnDay.objects.bulk_create([DrawnDay(employee=employee, day=d) for d in days])
    return units
