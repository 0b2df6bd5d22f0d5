"""The draw of a sampling round: reproducible from the round's seed and fair.

Candidates are read from the stored log of the round's source in the sampled month:
each account with activity, under the unit it logged most in that month, with its days
of activity. What one order covers is an *operation*:

- provider schedules (seed 004 section 6.2: "tre enhetschefers verksamheter"): a unit
  manager's operation, every logged unit whose core `Unit` (matched by case-insensitive
  name) has that person as manager (`forvalta.access.services.unit_managers`); a logged
  unit without a matched unit or without a manager is an operation of its own, so every
  account with activity can be drawn (`manager_operations`); the manager's own
  accounts (matched to the manager in the system's latest done access snapshot) are
  never drawn in their own operation (`without_managers`);
- authority schedules: each logged unit (`unit_operations`).

`draw_operations` is a pure function of (candidates, operations, parameters, seed): the
same seed and the same data give the same draw. The operations are drawn, then the
employees of each among the accounts of all its units (`random.Random(seed).sample`
over sorted lists: the managers' operations by manager id, then the single units by
name; the accounts by id), so every operation and every account in it has the same
chance.

A drawn employee is linked to the system's access account list (`forvalta.access`):
the person of the account in the latest imported (done) snapshot of the organisation
and system is stored on `DrawnEmployee.person`; `drawn_employee_account` gives that
`Account` (for a later removal request).

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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from forvalta.logreview.models import (
    DayMode,
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    LogEntry,
    OperationKind,
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


@dataclass(frozen=True)
class Operation:
    """The logged units one order covers (sorted), with their unit manager (a manager's
    operation) or none (a single unit); `unit_id` the matched core unit of a single unit."""

    units: tuple[str, ...]
    manager_id: int | None = None
    unit_id: int | None = None
    # Accounts never drawn in this operation: the manager's own (they would review
    # themselves).
    excluded: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return ", ".join(self.units)


@dataclass
class Drawn:
    unit: str  # the operation's name: its logged units, joined
    employees: list[Candidate]
    units: tuple[str, ...] = ()
    manager_id: int | None = None
    unit_id: int | None = None
    # Account -> the logged unit it was drawn under.
    employee_units: dict[str, str] = field(default_factory=dict)


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


def unit_operations(
    pool: dict[str, dict[str, Candidate]], unit_ids: dict[str, int] | None = None
) -> list[Operation]:
    """Each logged unit with activity an operation of its own, sorted by name."""
    unit_ids = unit_ids or {}
    return [
        Operation((unit,), None, unit_ids.get(unit))
        for unit in sorted(u for u, people in pool.items() if people)
    ]


def manager_operations(
    pool: dict[str, dict[str, Candidate]], unit_ids: dict[str, int], managers: dict[int, int]
) -> list[Operation]:
    """The unit managers' operations, sorted by the manager's id: every logged unit with
    activity whose matched core unit (`unit_ids`: logged name -> unit id) has that
    manager (`managers`: unit id -> user id); then each logged unit without a matched
    unit or a manager as an operation of its own, sorted by name."""
    grouped: dict[int, list[str]] = defaultdict(list)
    single = []
    for unit in sorted(u for u, people in pool.items() if people):
        unit_id = unit_ids.get(unit)
        manager = managers.get(unit_id) if unit_id is not None else None
        if manager is None:
            single.append(Operation((unit,), None, unit_id))
        else:
            grouped[manager].append(unit)
    operations = [
        Operation(
            tuple(units),
            manager,
            # The matched unit of a one-unit operation (several logged names may match it).
            unit_ids[units[0]] if len({unit_ids[u] for u in units}) == 1 else None,
        )
        for manager, units in sorted(grouped.items())
    ]
    return operations + single


def draw_operations(
    pool: dict[str, dict[str, Candidate]],
    operations: list[Operation],
    parameters: Parameters,
    seed: int,
) -> list[Drawn]:
    """Pure: `unit_count` of the operations, then `employees_per_unit` of the accounts of
    each drawn operation's units (every operation, and every account of it, equally)."""
    rng = random.Random(seed)  # noqa: S311  reproducible by design: the seed is recorded
    # An operation with no account but its manager's own has nobody to review: it never
    # takes a place of the round (the sequence is unchanged when every operation has one).
    operations = [
        operation
        for operation in operations
        if any(
            account not in operation.excluded
            for unit in operation.units
            for account in pool.get(unit, {})
        )
    ]
    chosen = rng.sample(operations, min(parameters.unit_count, len(operations)))
    result = []
    for operation in chosen:
        members = {account: unit for unit in operation.units for account in pool.get(unit, {})}
        accounts = sorted(a for a in members if a not in operation.excluded)
        picked = rng.sample(accounts, min(parameters.employees_per_unit, len(accounts)))
        result.append(
            Drawn(
                operation.name,
                [pool[members[account]][account] for account in picked],
                operation.units,
                operation.manager_id,
                operation.unit_id,
                {account: members[account] for account in picked},
            )
        )
    return result


def draw_from(
    pool: dict[str, dict[str, Candidate]], parameters: Parameters, seed: int, month: dt.date
) -> list[Drawn]:
    """Pure: the draw over units (each logged unit an operation of its own)."""
    return draw_operations(pool, unit_operations(pool), parameters, seed)


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


def unit_ids_by_name(organisation_id: int, names: Iterable[str]) -> dict[str, int]:
    """Logged unit name -> the organisation's core unit of that name, case-insensitive
    (an active unit first, then the lowest id, when several have the name)."""
    from forvalta.core.models import Unit

    known: dict[str, int] = {}
    for pk, name in (
        Unit.objects.filter(organisation_id=organisation_id)
        .order_by("-is_active", "pk")
        .values_list("pk", "name")
    ):
        known.setdefault(name.casefold(), pk)
    return {name: known[name.casefold()] for name in names if name.casefold() in known}


def latest_accounts(
    organisation_id: int, system_id: int, accounts: Iterable[str]
) -> dict[str, Any]:
    """Account id -> its `forvalta.access` Account in the latest done snapshot of the
    organisation and system (exact id first, else case-insensitive; of several rows the
    one with a matched person, then the lowest id). Two queries; unscoped: the caller
    checks who may see it."""
    from forvalta.access.models import Account, Snapshot, SnapshotStatus

    wanted = sorted(set(accounts))
    snapshot = (
        Snapshot.objects.filter(
            organisation_id=organisation_id, system_id=system_id, status=SnapshotStatus.DONE
        )
        .order_by("-taken_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if snapshot is None or not wanted:
        return {}
    rows = (
        Account.objects.filter(snapshot_id=snapshot)
        .annotate(folded=Lower("account_id"))
        .filter(Q(account_id__in=wanted) | Q(folded__in=[a.lower() for a in wanted]))
        .select_related("person")
        .order_by("pk")
    )
    exact: dict[str, Any] = {}
    folded: dict[str, Any] = {}
    for row in rows:
        for index, key in ((exact, row.account_id), (folded, row.account_id.lower())):
            if key not in index or (index[key].person_id is None and row.person_id is not None):
                index[key] = row
    result = {}
    for account in wanted:
        found = exact.get(account) or folded.get(account.lower())
        if found is not None:
            result[account] = found
    return result


def drawn_employee_account(drawn_employee: DrawnEmployee) -> Any:
    """The drawn employee's `forvalta.access` Account in the latest done snapshot of the
    round's organisation and the source's system, or None (no snapshot, or the account
    is not in it). Unscoped: the caller checks who may see it."""
    round_ = drawn_employee.drawn_unit.round
    return latest_accounts(
        round_.organisation_id, round_.schedule.source.system_id, [drawn_employee.account]
    ).get(drawn_employee.account)


def person_accounts(
    organisation_id: int, system_id: int, person_ids: Iterable[int]
) -> dict[int, set[str]]:
    """Person id -> the account ids (casefolded) matched to that person in the latest
    done snapshot of the organisation and system (as `latest_accounts` reads it). One
    or two queries; unscoped."""
    from forvalta.access.models import Account, Snapshot, SnapshotStatus

    wanted = sorted(set(person_ids))
    snapshot = (
        Snapshot.objects.filter(
            organisation_id=organisation_id, system_id=system_id, status=SnapshotStatus.DONE
        )
        .order_by("-taken_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    result: dict[int, set[str]] = {}
    if snapshot is None or not wanted:
        return result
    for person_id, account_id in Account.objects.filter(
        snapshot_id=snapshot, person_id__in=wanted
    ).values_list("person_id", "account_id"):
        result.setdefault(person_id, set()).add(account_id.casefold())
    return result


def without_managers(
    pool: dict[str, dict[str, Candidate]],
    operations: list[Operation],
    accounts_of: dict[int, set[str]],
) -> list[Operation]:
    """Each manager's operation with the manager's own accounts (`accounts_of`: person
    id -> casefolded account ids) excluded from its candidates: a unit manager is never
    drawn for review in their own operation."""
    result = []
    for operation in operations:
        own = accounts_of.get(operation.manager_id or 0, set())
        excluded = frozenset(
            account
            for unit in operation.units
            for account in pool.get(unit, {})
            if account.casefold() in own
        )
        result.append(replace(operation, excluded=excluded) if excluded else operation)
    return result


def schedule_operations(schedule: Any, pool: dict[str, dict[str, Candidate]]) -> list[Operation]:
    """What a schedule draws over: unit managers' operations (provider), without each
    manager's own accounts (those matched to the manager in the system's latest done
    access snapshot), or units (authority), from the candidates of a month."""
    from forvalta.access.services import unit_managers

    unit_ids = unit_ids_by_name(schedule.organisation_id, pool)
    if schedule.kind == OperationKind.PROVIDER:
        operations = manager_operations(pool, unit_ids, unit_managers(schedule.organisation_id))
        accounts_of = person_accounts(
            schedule.organisation_id,
            schedule.source.system_id,
            [o.manager_id for o in operations if o.manager_id is not None],
        )
        return without_managers(pool, operations, accounts_of)
    return unit_operations(pool, unit_ids)


def draw_round(round_: SamplingRound) -> list[DrawnUnit]:
    """Draw the round's operations and employees from its recorded seed and store them
    (replacing an earlier draw of it); the days are drawn at fulfilment. A provider
    schedule draws unit managers' operations, an authority schedule units. The caller
    holds the transaction."""
    schedule = round_.schedule
    parameters = Parameters(
        schedule.unit_count, schedule.employees_per_unit, schedule.day_count, schedule.day_mode
    )
    pool = candidates(schedule.source_id, round_.month)
    drawn = draw_operations(pool, schedule_operations(schedule, pool), parameters, round_.seed)
    DrawnUnit.objects.filter(round=round_).delete()
    people = latest_accounts(
        round_.organisation_id,
        schedule.source.system_id,
        [person.account for item in drawn for person in item.employees],
    )
    units = []
    for position, item in enumerate(drawn, start=1):
        unit = DrawnUnit.objects.create(
            round=round_,
            position=position,
            unit_name=_shorten(item.unit),
            unit_id=item.unit_id,
            manager_id=item.manager_id,
            unit_names=list(item.units),
        )
        units.append(unit)
        DrawnEmployee.objects.bulk_create(
            [
                DrawnEmployee(
                    drawn_unit=unit,
                    position=number,
                    account=person.account,
                    employee_name=person.name,
                    unit_name=item.employee_units.get(person.account, ""),
                    person_id=getattr(people.get(person.account), "person_id", None),
                )
                for number, person in enumerate(item.employees, start=1)
            ]
        )
    return units


def _shorten(name: str, length: int = 200) -> str:
    return name if len(name) <= length else name[: length - 1] + "…"
