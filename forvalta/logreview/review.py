"""The review of a fulfilled extract order (seed 004 section 6.4): per drawn employee and
drawn day every access of the employee's account in the order's extract, with the
explanations the reference data gives and the flags that call for attention.

Set-based: a fixed number of queries whatever the number of accesses (the drawn
employees and days, the accesses, the distinct clients per account and day, every
reference row of the accesses' clients in one query, the judgments, the outcome).

- Explanations: the client was placed in the employee's unit that day (the unit logged
  on the access or the drawn unit); otherwise, the client was in the unit's caseload
  during the period (a placement in that unit at any time in the sampled month); the
  employee was the client's case officer that day.
- Flags: protected identity; the client is a co-worker (their hash equals an employee's
  own number's hash) or the employee's own record; outside the unit's hours (the
  access's unit's or the drawn unit's own, else the source's: `forvalta.logreview.hours`,
  public holidays included); many more distinct clients than the
  peers that day (more than twice the median of the accounts active in the extract that
  day); the same surname as the employee, when the source maps a client name column
  (only a keyed hash of the client's surname is stored).
- An access is explained automatically when it has an explanation and no flag; the
  others each need a judgment.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.logreview.hours import SourceHours
from forvalta.logreview.identity import surname_hash
from forvalta.logreview.models import (
    DrawnDay,
    DrawnEmployee,
    ExtractOrder,
    Judgment,
    LoadKind,
    LogEntry,
    LogLoad,
    ReferenceRow,
    ReviewOutcome,
)

PEER_FACTOR = 2


@dataclass
class Access:
    entry: LogEntry
    explanations: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    judgment: Judgment | None = None
    revealed: str = ""  # the full number, only in the response to the recipient's reveal

    @property
    def explained(self) -> bool:
        return bool(self.explanations) and not self.flags


@dataclass
class EmployeeDay:
    employee: DrawnEmployee
    day: dt.date
    accesses: list[Access] = field(default_factory=list)
    clients: int = 0
    peer_median: float = 0.0

    @property
    def explained(self) -> list[Access]:
        return [a for a in self.accesses if a.explained]

    @property
    def unexplained(self) -> list[Access]:
        return [a for a in self.accesses if not a.explained]

    @property
    def revealed(self) -> bool:
        return any(a.revealed for a in self.accesses)


@dataclass
class Review:
    order: ExtractOrder
    days: list[EmployeeDay]
    outcome: ReviewOutcome | None

    @property
    def accesses(self) -> list[Access]:
        return [a for d in self.days for a in d.accesses]

    @property
    def total(self) -> int:
        return len(self.accesses)

    @property
    def explained_count(self) -> int:
        return sum(1 for a in self.accesses if a.explained)

    @property
    def explained_percent(self) -> int:
        return round(100 * self.explained_count / self.total) if self.total else 0

    @property
    def waiting(self) -> int:
        """Unexplained accesses without a judgment."""
        return sum(1 for a in self.accesses if not a.explained and a.judgment is None)

    @property
    def persons(self) -> int:
        return len({d.employee.pk for d in self.days})

    def access(self, entry_id: int) -> Access | None:
        return next((a for a in self.accesses if a.entry.pk == entry_id), None)


def coworker_flag(accounts: set[str] | None, account: str) -> str | None:
    """The flag of an access to an employee's identity number (`accounts`: that
    employee's accounts in the employees' reference file, one person may have several):
    the employee's own record, or a co-worker's; None for anyone else."""
    if not accounts:
        return None
    if account in accounts:
        return _("The employee's own record")
    return _("The client is a co-worker")


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _overlaps(period: tuple[dt.date, dt.date], start: dt.date | None, end: dt.date | None) -> bool:
    """A placement from `start` to `end` (inclusive, None open) meets the period."""
    return (start is None or start <= period[1]) and (end is None or period[0] <= end)


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as [start, end) aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def sampled_period(order: ExtractOrder) -> tuple[dt.date, dt.date]:
    """The order's sampled month, first and last day."""
    first = order.month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def build(order: ExtractOrder, user: Any) -> Review:
    source = order.round.schedule.source
    drawn: dict[tuple[str, dt.date], EmployeeDay] = {}
    # A drawn day is seen through its employee (scoping.py): one query for both.
    for day in (
        DrawnDay.objects.visible_to(user)
        .filter(employee__drawn_unit=order.drawn_unit)
        .select_related("employee")
    ):
        drawn[(day.employee.account, day.day)] = EmployeeDay(day.employee, day.day)
    outcome = ReviewOutcome.objects.visible_to(user).filter(order=order).first()
    if not drawn:
        return Review(order, [], outcome)
    dates = sorted({d for _a, d in drawn})
    # The order's loads by id (a literal list: the planner then reads the extract's rows
    # by the (load_id, time) index of the month's partition, whatever else is stored).
    # scoping: allowed the ids of the order's own loads; the rows are read through visible_to
    loads = list(LogLoad.objects.filter(order=order).values_list("pk", flat=True))
    extract = LogEntry.objects.visible_to(user).filter(load__order=order, load_id__in=loads)
    # The drawn days as time ranges (not `time__date`): the month's partition and the
    # (account, time) index are used (forvalta/logreview/store.py), for exactly the drawn
    # employees' days (each a short range of that index, whatever else the month holds).
    on_days, drawn_ranges = Q(), Q()
    for day in dates:
        start, end = _day_range(day)
        on_days |= Q(time__gte=start, time__lt=end)
    for account, day in sorted(drawn):
        start, end = _day_range(day)
        drawn_ranges |= Q(account=account, time__gte=start, time__lt=end)
    entries = extract.filter(drawn_ranges).order_by("time", "pk")
    for entry in entries:
        slot = drawn.get((entry.account, timezone.localtime(entry.time).date()))
        if slot is not None:
            slot.accesses.append(Access(entry))
    # Distinct clients per account and day among everyone active in the extract.
    per_day: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in (
        extract.filter(on_days)
        .annotate(day=TruncDate("time"))
        .values("account", "day")
        .annotate(clients=Count("client_hash", distinct=True))
        .order_by()
    ):
        per_day[row["day"]][row["account"]] = row["clients"]
    accesses = [a for slot in drawn.values() for a in slot.accesses]
    hashes = sorted({a.entry.client_hash for a in accesses})
    placements: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
    officers: dict[tuple[str, str], list[tuple[Any, Any]]] = defaultdict(list)
    protected: set[str] = set()
    coworkers: dict[str, set[str]] = defaultdict(set)
    # Derived server-side: the reviewer sees the explanations, never the reference rows.
    # As tuples: the fields read, no model object per row.
    for kind, client_hash, unit, account, valid_from, valid_to in (
        # scoping: allowed the rows of the order's own source (the order is read through visible_to)
        ReferenceRow.objects.filter(source=source, client_hash__in=hashes)
        .order_by()
        .values_list("kind", "client_hash", "unit", "account", "valid_from", "valid_to")
    ):
        if kind == LoadKind.PLACEMENTS:
            placements[client_hash].append((unit.casefold(), valid_from, valid_to))
        elif kind == LoadKind.ASSIGNMENTS:
            officers[(client_hash, account)].append((valid_from, valid_to))
        elif kind == LoadKind.PROTECTED:
            protected.add(client_hash)
        elif kind == LoadKind.EMPLOYEES:
            coworkers[client_hash].add(account)
    judgments = {
        j.entry_id: j
        for j in Judgment.objects.visible_to(user).filter(order=order).select_related("judged_by")
    }
    drawn_unit = order.drawn_unit.unit_name
    period = sampled_period(order)
    hours = SourceHours(source)
    for slot in drawn.values():
        counts = per_day.get(slot.day, {})
        slot.clients = counts.get(slot.employee.account, 0)
        slot.peer_median = statistics.median(counts.values()) if counts else 0.0
        outlier = len(counts) > 1 and slot.clients > PEER_FACTOR * slot.peer_median
        for access in slot.accesses:
            entry = access.entry
            day = slot.day
            local = timezone.localtime(entry.time)
            # The unit the employee was drawn under (in a manager's operation: its own).
            own = (slot.employee.unit_name or drawn_unit).casefold()
            units = {own, entry.unit.casefold()} - {""}
            if any(
                unit in units and _within(day, start, end)
                for unit, start, end in placements.get(entry.client_hash, [])
            ):
                access.explanations.append(_("The client was placed in the employee's unit"))
            elif any(
                unit in units and _overlaps(period, start, end)
                for unit, start, end in placements.get(entry.client_hash, [])
            ):
                access.explanations.append(
                    _("The client was in the unit's caseload during the period")
                )
            if any(
                _within(day, start, end)
                for start, end in officers.get((entry.client_hash, entry.account), [])
            ):
                access.explanations.append(_("The employee was the client's case officer"))
            if entry.client_hash in protected:
                access.flags.append(_("Protected identity"))
            flag = coworker_flag(coworkers.get(entry.client_hash), entry.account)
            if flag:
                access.flags.append(flag)
            if entry.client_surname and entry.client_surname == surname_hash(
                order.organisation_id, entry.employee_name
            ):
                access.flags.append(_("Same surname as the employee"))
            closed = hours.flag(local, (entry.unit, own))
            if closed:
                access.flags.append(closed)
            if outlier:
                access.flags.append(
                    _("Many more clients than the peers that day (%(count)s, median %(median)s)")
                    % {"count": slot.clients, "median": f"{slot.peer_median:g}"}
                )
            access.judgment = judgments.get(entry.pk)
    days = sorted(drawn.values(), key=lambda d: (d.employee.position, d.employee.account, d.day))
    return Review(order, days, outcome)
