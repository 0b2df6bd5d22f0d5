"""Log review demo: Kungälv's Treserva with a month of synthetic event log.

Run by `manage.py load_demo_data` after the access part's demo (forvalta/access/demo.py:
the same units and accounts `kv<unit><nnn>` with the same names), inside the demo's one
transaction, so the demo stays idempotent (the loader does nothing when the demo is there).

- A log source "Treserva händelselogg" (the default column mapping), a provider schedule
  (3 units x 4 employees x 3 days) and an authority schedule (2 units).
- Reference data loaded through the services as files (placements of every client in
  their unit, the case officers' caseloads, protected identities, the employees' own
  numbers), so most accesses are explained.
- The previous calendar month of log, generated with a fixed `random.Random` seed and
  written through `ingest.store` (COPY on PostgreSQL, bulk inserts elsewhere; never one
  query per row). Planted among the routine accesses: a client of another unit (nothing
  explains it), evening and weekend accesses (outside the unit's hours), protected
  identities, co-workers who are also clients, an employee's own record, and one
  employee-day with many more clients than the peers (in the open round).
- A finished provider round: drawn, every order attested by the unit's manager,
  fulfilled by the log administrator with the drawn employees' extract, every
  unexplained access judged and the review documented (the round becomes done).
- An open authority round: Biståndsenheten's order attested, fulfilled, two judgments
  made, not documented (the outlier waits); Socialpsykiatri's order waits for the
  controller's attestation.

The rounds' seeds are the first seeds (from a fixed sequence) whose draw shows the
planted cases; the seed is recorded on the round as for any round.

Personal identity numbers are synthetic: samordningsnummer form (day of birth + 60),
born 1925-2004, serial and Luhn check digit from the fixed seed. They are not taken from
any register; only their organisation-keyed hashes and masked forms are stored.

Size: `FORVALTA_DEMO_LOG_ROWS` rows (about; default 300,000 on PostgreSQL, 40,000 on
SQLite, 8,000 under tests). Fewer rows mean fewer active employees per unit; each
employee's day looks the same.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.access.demo import FIRST, LAST
from forvalta.audit.services import record
from forvalta.core.models import User, today
from forvalta.logreview import draw, ingest, services
from forvalta.logreview.identity import hash_and_mask
from forvalta.logreview.models import (
    DayMode,
    DrawnDay,
    ExtractOrder,
    LoadStatus,
    LogEntry,
    LogLoad,
    LogSource,
    OperationKind,
    SamplingRound,
    SamplingSchedule,
    Verdict,
    default_mapping,
)

SEED = 14_2026  # the generator's fixed seed
SOURCE_NAME = "Treserva händelselogg"
PROVIDER = ("Hemtjänst Ytterby", "Hemtjänst Kareby", "Hemtjänst Centrum", "Vårdboende Ekliden")
BISTAND = "Biståndsenheten"
PSYKIATRI = "Socialpsykiatri"
# Unit -> (index in the access demo's account ids, accounts, clients placed in the unit)
UNITS: dict[str, tuple[int, int, int]] = {
    "Hemtjänst Ytterby": (0, 60, 110),
    "Hemtjänst Kareby": (1, 60, 110),
    "Hemtjänst Centrum": (2, 60, 110),
    "Vårdboende Ekliden": (3, 60, 60),
    BISTAND: (4, 60, 150),  # applicants without a placement; caseloads also cover the others
    PSYKIATRI: (5, 20, 70),  # not in the access demo's review; its own accounts kv5nnn
}
REMOVED = {"kv0017"}  # left in March (the access demo's spring review removed it)
HEADER = "Tidpunkt;Användar-id;Namn;Enhet;Personnummer;Klientens enhet;Händelse;Journaldel\n"
REF_HEADER = "Personnummer;Användar-id;Enhet;Från;Till\n"
ACTIONS = ("Läsa", "Läsa", "Läsa", "Läsa", "Ändra", "Registrera", "Skriva ut")
PARTS = {
    "provider": ("Social dokumentation", "Genomförandeplan", "Journal", "Insatser"),
    BISTAND: ("Utredning", "Beslut", "Journal", "Ansökan"),
    PSYKIATRI: ("Journal", "Genomförandeplan", "Social dokumentation"),
}
# Per employee and day with activity: the chance of each planted case.
P_OTHER_UNIT = 0.035  # a client of another unit: nothing explains it
P_EVENING = 0.04  # one access after hours
P_COWORKER = 0.006  # a look at a co-worker's record
P_OWN = 0.002  # the employee's own record
P_WEEKEND = 0.04  # working a weekend day (all of it outside the unit's hours)
DEFAULT_ROWS = {"postgresql": 300_000, "other": 40_000, "testing": 8_000}
MAX_TO_JUDGE = 6  # per order of the finished round


def target_rows() -> int:
    raw = os.environ.get("FORVALTA_DEMO_LOG_ROWS", "").strip()
    if raw:
        return max(2_000, int(raw))
    if "pytest" in sys.modules:
        return DEFAULT_ROWS["testing"]
    return DEFAULT_ROWS["postgresql" if connection.vendor == "postgresql" else "other"]


# --- synthetic numbers --------------------------------------------------------------------
def luhn_digit(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def synthetic_number(rng: random.Random) -> str:
    """A samordningsnummer-form number (day + 60) with a valid check digit: 12 digits."""
    year = rng.randint(1925, 2004)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28) + 60
    serial = rng.randint(1, 999)  # 000 is never issued (and refused)
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year}{month:02d}{day:02d}-{serial:03d}{luhn_digit(nine)}"


# --- the generated world ------------------------------------------------------------------
@dataclass
class Person:
    account: str
    name: str
    unit: str
    number: str


@dataclass
class World:
    month: dt.date
    people: dict[str, Person] = field(default_factory=dict)
    active: dict[str, list[str]] = field(default_factory=dict)  # unit -> active accounts
    clients: list[str] = field(default_factory=list)  # numbers
    client_unit: list[str] = field(default_factory=list)
    placed: dict[str, list[int]] = field(default_factory=dict)  # unit -> client indexes
    caseload: dict[str, list[int]] = field(default_factory=dict)  # account -> clients
    protected: set[int] = field(default_factory=set)
    coworker_clients: dict[int, str] = field(default_factory=dict)  # client -> account
    # (local time, account, client index, action, record part)
    rows: list[tuple[dt.datetime, str, int, str, str]] = field(default_factory=list)
    # (account, day) -> planted cases that need a judgment
    planted: dict[tuple[str, dt.date], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )


def _name(u: int, i: int) -> str:
    return f"{FIRST[(i + u) % 10]} {LAST[(i * 3 + u) % 10]}"


def _days(month: dt.date) -> list[dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def build_world(month: dt.date, rows: int) -> World:
    rng = random.Random(SEED)  # noqa: S311  a reproducible demo, not a secret
    world = World(month=month)
    per_unit = max(5, min(45, round(rows / 6500)))
    numbers: set[str] = set()

    def fresh_number() -> str:
        while True:
            number = synthetic_number(rng)
            if number not in numbers:
                numbers.add(number)
                return number

    for unit, (u, count, client_count) in UNITS.items():
        accounts = [f"kv{u}{i:03d}" for i in range(count)]
        for i, account in enumerate(accounts):
            world.people[account] = Person(account, _name(u, i), unit, fresh_number())
        candidates = [a for a in accounts if a not in REMOVED]
        world.active[unit] = sorted(rng.sample(candidates, min(per_unit, len(candidates))))
        world.placed[unit] = []
        for _i in range(client_count):
            world.placed[unit].append(len(world.clients))
            world.clients.append(fresh_number())
            world.client_unit.append("" if unit == BISTAND else unit)
    everyone = list(range(len(world.clients)))
    world.protected = set(rng.sample(everyone, max(3, len(everyone) // 70)))
    # Co-workers in the care units who are also clients (of another unit).
    coworkers = rng.sample(sorted(p for p, v in world.people.items() if v.unit in PROVIDER), 4)
    for n, account in enumerate(coworkers):
        unit = ("Hemtjänst Centrum", BISTAND, BISTAND, PSYKIATRI)[n]
        if world.people[account].unit == unit:
            unit = BISTAND
        index = len(world.clients)
        world.clients.append(world.people[account].number)
        world.client_unit.append("" if unit == BISTAND else unit)
        world.placed[unit].append(index)
        world.coworker_clients[index] = account
    # Case officers' caseloads: every client has one officer among the unit's accounts.
    officers = world.active[BISTAND]
    for index in range(len(world.clients)):
        if world.client_unit[index] == PSYKIATRI:
            continue
        world.caseload.setdefault(officers[index % len(officers)], []).append(index)
    _generate(world, rng, rows)
    return world


def _generate(world: World, rng: random.Random, target: int) -> None:
    days = _days(world.month)
    weekdays = [d for d in days if d.weekday() < 5]
    weekends = [d for d in days if d.weekday() >= 5]
    accounts = [a for unit in UNITS for a in world.active[unit]]
    schedule: dict[str, list[dt.date]] = {}
    for account in accounts:
        worked = [d for d in weekdays if rng.random() < 0.8]
        unit = world.people[account].unit
        if unit in PROVIDER:
            worked += [d for d in weekends if rng.random() < P_WEEKEND]
        schedule[account] = sorted(worked)
    account_days = sum(len(v) for v in schedule.values())
    mean = max(4.0, target / max(1, account_days))
    distinct = max(3, min(14, round(mean / 4)))
    all_placed = [c for unit in PROVIDER for c in world.placed[unit]]
    for account in accounts:
        person = world.people[account]
        unit = person.unit
        own = world.caseload.get(account, []) if unit == BISTAND else world.placed[unit]
        parts = PARTS.get(unit, PARTS["provider"])
        mine = set(own)
        others = [c for c in all_placed if c not in mine] if unit == BISTAND else None
        for day in schedule[account]:
            weekend = day.weekday() >= 5
            n = max(distinct, round(rng.gauss(mean, mean / 5)) // (3 if weekend else 1))
            k = min(len(own), distinct if not weekend else max(2, distinct // 3))
            seen = rng.sample(own, k)
            for _i in range(n):
                client = seen[rng.randrange(k)]
                minute = rng.randrange(7 * 60, 18 * 60)
                _add(world, day, minute, account, client, rng, parts, weekend=weekend)
            if weekend:
                continue
            if rng.random() < P_OTHER_UNIT:
                pool = others if others is not None else _other_clients(world, unit)
                client = rng.choice(pool)
                _add(world, day, rng.randrange(8 * 60, 17 * 60), account, client, rng, parts)
                world.planted[(account, day)]["other_unit"] += 1
            if rng.random() < P_EVENING:
                minute = rng.choice(
                    (rng.randrange(18 * 60, 22 * 60), rng.randrange(5 * 60, 7 * 60))
                )
                _add(world, day, minute, account, rng.choice(seen), rng, parts, evening=True)
            if rng.random() < P_COWORKER:
                client = rng.choice(sorted(world.coworker_clients))
                if world.coworker_clients[client] != account:
                    _add(world, day, rng.randrange(8 * 60, 17 * 60), account, client, rng, parts)
            if rng.random() < P_OWN:
                records = [c for c, a in world.coworker_clients.items() if a == account]
                if records:
                    minute = rng.randrange(8 * 60, 17 * 60)
                    _add(world, day, minute, account, records[0], rng, parts)


def _other_clients(world: World, unit: str) -> list[int]:
    return [c for other in PROVIDER if other != unit for c in world.placed[other]]


def _add(
    world: World,
    day: dt.date,
    minute: int,
    account: str,
    client: int,
    rng: random.Random,
    parts: tuple[str, ...],
    *,
    weekend: bool = False,
    evening: bool = False,
) -> None:
    when = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)))
    world.rows.append((when, account, client, rng.choice(ACTIONS), rng.choice(parts)))
    planted = world.planted[(account, day)]
    if weekend or evening:
        planted["hours"] += 1
    if client in world.protected:
        planted["protected"] += 1
    if client in world.coworker_clients:
        planted["own" if world.coworker_clients[client] == account else "coworker"] += 1


# --- writing ------------------------------------------------------------------------------
def _store_tuples(
    world: World, organisation_id: int, source_id: int, load_id: int, rows: Any
) -> list:
    tz = timezone.get_current_timezone()
    hashed = [hash_and_mask(organisation_id, number) for number in world.clients]
    result = []
    for when, account, client, action, part in rows:
        person = world.people[account]
        digest, mask = hashed[client]
        result.append(
            (
                organisation_id,
                source_id,
                load_id,
                when.replace(tzinfo=tz),
                account,
                person.name,
                person.unit,
                digest,
                mask,
                world.client_unit[client],
                action,
                part,
                "",
            )
        )
    return result


def store_log(world: World, load: LogLoad, rows: Any) -> int:
    """The month's rows through the ingest's one store path (COPY / bulk)."""
    tuples = _store_tuples(world, load.organisation_id, load.source_id, load.pk, rows)
    ingest.store(tuples)
    return len(tuples)


def analyze() -> None:
    """Fresh planner statistics after the bulk load (as autovacuum would give later):
    without them SQLite reads a review's extract through the organisation index."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE logreview_logentry")
        else:
            cursor.execute("ANALYZE")


def extract_csv(world: World, accounts: set[str]) -> bytes:
    """The log administrator's extract: the accounts' every access in the month."""
    lines = [HEADER]
    for when, account, client, action, part in sorted(
        (r for r in world.rows if r[1] in accounts), key=lambda r: (r[0], r[1])
    ):
        person = world.people[account]
        lines.append(
            f"{when:%Y-%m-%d %H:%M:%S};{account};{person.name};{person.unit};"
            f"{world.clients[client]};{world.client_unit[client]};{action};{part}\n"
        )
    return "".join(lines).encode("utf-8")


def reference_files(world: World) -> dict[str, bytes]:
    rng = random.Random(SEED + 1)  # noqa: S311  reproducible
    start = world.month - dt.timedelta(days=3 * 365)
    placements, assignments = [], []
    for unit, clients in world.placed.items():
        if unit == BISTAND:
            continue
        for c in clients:
            since = start + dt.timedelta(days=rng.randrange(3 * 365 - 40))
            placements.append(f"{world.clients[c]};;{unit};{since:%Y-%m-%d};\n")
    for account, clients in sorted(world.caseload.items()):
        for c in clients:
            since = start + dt.timedelta(days=rng.randrange(3 * 365 - 40))
            assignments.append(f"{world.clients[c]};{account};;{since:%Y-%m-%d};\n")
    protected = [f"{world.clients[c]};;;;\n" for c in sorted(world.protected)]
    employees = [f"{p.number};{p.account};;;\n" for _a, p in sorted(world.people.items())]
    return {
        kind: (REF_HEADER + "".join(lines)).encode("utf-8")
        for kind, lines in (
            ("placements", placements),
            ("assignments", assignments),
            ("protected", protected),
            ("employees", employees),
        )
    }


# --- the rounds ---------------------------------------------------------------------------
def _candidate_seeds() -> Any:
    rng = random.Random(SEED + 2)  # noqa: S311  reproducible
    for _i in range(5000):
        yield rng.getrandbits(62)


class _Retry(Exception):
    """The drawn days of a tried seed show too little or too much: roll it back."""


def _needs_of_order(world: World, order: ExtractOrder) -> Counter[str]:
    """What the order's drawn employees' drawn days hold of the planted cases."""
    total: Counter[str] = Counter()
    for account, day in DrawnDay.objects.filter(
        employee__drawn_unit_id=order.drawn_unit_id
    ).values_list("employee__account", "day"):
        total.update(world.planted.get((account, day), Counter()))
    return total


def _may_show(world: World, drawn: draw.Drawn) -> bool:
    """Some planted case on some active day of each drawn employee (before the days)."""
    return any(
        world.planted.get((person.account, day))
        for person in drawn.employees
        for day in person.days
    )


def provider_round(
    world: World, pool: Any, schedule: SamplingSchedule, controller: Any, admin: Any
) -> SamplingRound:
    """The first seed drawing three care units whose orders, attested and with their
    days drawn by the log administrator (as the routine runs), each have something to
    judge (at most MAX_TO_JUDGE) and together show an unexplained access, an access
    after hours and a protected identity or a co-worker. Tried seeds are rolled back."""
    parameters = _parameters(schedule)
    operations = draw.schedule_operations(schedule, pool)
    last: int | None = None
    for attempt, seed in enumerate(_candidate_seeds()):
        result = draw.draw_operations(pool, operations, parameters, seed)
        if not result or any(d.unit not in PROVIDER for d in result):
            continue
        if not all(_may_show(world, d) for d in result) and attempt < 4000:
            continue
        last = seed
        try:
            with transaction.atomic():
                round_ = _drawn_and_attested(world, schedule, controller, admin, seed, check=True)
                return round_
        except _Retry:
            continue
    return _drawn_and_attested(world, schedule, controller, admin, last or SEED, check=False)


def _drawn_and_attested(
    world: World, schedule: SamplingSchedule, controller: Any, admin: Any, seed: int, check: bool
) -> SamplingRound:
    round_ = services.round_draw(actor=controller, schedule=schedule, month=world.month, seed=seed)
    needs = []
    for order in ExtractOrder.objects.filter(round=round_).select_related(
        "attestant", "drawn_unit", "round__schedule"
    ):
        order = services.order_attest(actor=order.attestant, order=order)
        order = services.order_draw_days(actor=admin, order=order)
        needs.append(_needs_of_order(world, order))
    if check:
        if not all(0 < sum(n.values()) <= MAX_TO_JUDGE for n in needs):
            raise _Retry
        kinds = sum(needs, Counter())
        if not (
            kinds["other_unit"] and kinds["hours"] and (kinds["protected"] or kinds["coworker"])
        ):
            raise _Retry
    return round_


def authority_seed(world: World, pool: Any, schedule: SamplingSchedule) -> int:
    """The first seed drawing Biståndsenheten and Socialpsykiatri, Biståndsenheten first."""
    parameters = _parameters(schedule)
    operations = draw.schedule_operations(schedule, pool)
    for seed in _candidate_seeds():
        result = draw.draw_operations(pool, operations, parameters, seed)
        if [d.unit for d in result] == [BISTAND, PSYKIATRI]:
            return seed
    return SEED


def _parameters(schedule: SamplingSchedule) -> draw.Parameters:
    return draw.Parameters(
        schedule.unit_count, schedule.employees_per_unit, schedule.day_count, schedule.day_mode
    )


def _fulfil(world: World, order: ExtractOrder, admin: Any) -> None:
    accounts = set(order.drawn_unit.employees.values_list("account", flat=True))
    load = services.order_fulfil(
        actor=admin,
        order=order,
        filename=f"Loggutdrag {order.drawn_unit.unit_name} {order.month:%Y-%m}.csv",
        data=extract_csv(world, accounts),
    )
    # The task's body now (the queued task finds the load done and skips it).
    assert services.run_load(load.pk) == "loaded", LogLoad.objects.get(pk=load.pk).error


def _verdict(access: Any, state: dict[str, bool]) -> tuple[str, str]:
    flags = set(access.flags)
    if _("The employee's own record") in flags:
        return Verdict.FOLLOW_UP, "Läste sin egen akt. Påmind om reglerna; ingen tjänsteuppgift."
    if _("The client is a co-worker") in flags:
        if access.explanations:
            return Verdict.REASONABLE, "Kollegan har insats i gruppen; besöket var planerat."
        state["incident"] = True
        return (
            Verdict.FOLLOW_UP,
            "Ingen tjänstgöring hos kollegan. Samtal hållet; incident rapporterad.",
        )
    if _("Protected identity") in flags:
        return Verdict.REASONABLE, "Brukaren har insats i gruppen; åtkomsten gällde planerat besök."
    if not access.explanations:
        if not state.get("follow_up"):
            state["follow_up"] = True
            return (
                Verdict.FOLLOW_UP,
                "Ingen koppling till brukaren hittad. Samtal med medarbetaren bokat.",
            )
        return Verdict.REASONABLE, "Vikarierade i en annan grupp den dagen enligt schemat."
    return Verdict.REASONABLE, "Kvälls- eller helgpass enligt schemat; dokumenterade besöket."


def _review_and_document(order: ExtractOrder, on: dt.date) -> None:
    from forvalta.logreview.review import build

    reviewer = order.recipient
    review = build(order, reviewer)
    state: dict[str, bool] = {}
    follow_ups = 0
    for access in review.accesses:
        if access.explained:
            continue
        verdict, comment = _verdict(access, state)
        follow_ups += verdict == Verdict.FOLLOW_UP
        services.judge(
            actor=reviewer,
            order=order,
            entry_id=access.entry.pk,
            verdict=verdict,
            comment=comment,
        )
    services.document(
        actor=reviewer,
        order=order,
        completed_on=on,
        persons_reviewed=review.persons,
        logs_reviewed=review.total,
        with_remark=bool(follow_ups),
        incident_reported=bool(state.get("incident")),
        incident_persons=1 if state.get("incident") else None,
    )


def _plant_outlier(world: World, order: ExtractOrder, load: LogLoad) -> int:
    """One drawn case officer's day with far more clients than the peers that day (an
    unexplained look through other officers' caseloads): added to the stored log."""
    rng = random.Random(SEED + 3)  # noqa: S311  reproducible
    employees = list(order.drawn_unit.employees.prefetch_related("days"))
    drawn_accounts = {e.account for e in employees}
    clients: dict[tuple[str, dt.date], set[int]] = defaultdict(set)
    for when, account, client, _a, _p in world.rows:
        if account in drawn_accounts:
            clients[(account, when.date())].add(client)
    for employee in employees:
        for day in employee.days.all():
            peers = [
                len(clients[(a, day.day)])
                for a in drawn_accounts
                if a != employee.account and clients.get((a, day.day))
            ]
            if day.day.weekday() >= 5 or len(peers) < 2:
                continue  # the median of three or more is the peers' own
            seen = clients[(employee.account, day.day)]
            strangers = [
                c
                for c in range(len(world.clients))
                if c not in seen and c not in set(world.caseload.get(employee.account, []))
            ]
            extra = rng.sample(strangers, min(len(strangers), 2 * max(peers) + 4 - len(seen)))
            rows = []
            for c in extra:
                minute = rng.randrange(9 * 60, 16 * 60)
                at = dt.time(minute // 60, minute % 60, rng.randrange(60))
                rows.append(
                    (dt.datetime.combine(day.day, at), employee.account, c, "Läsa", "Utredning")
                )
            world.rows.extend(rows)
            return store_log(world, load, rows)
    return 0


def load(builder: Any) -> None:
    org = builder.orgs["kungalv"]
    treserva = builder.systems["treserva"]
    controller = builder.users["kristoffer.lindgren"]
    admin = builder.users["jenny.olofsson"]
    on = today()
    month = (on.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    world = build_world(month, target_rows())

    source = services.source_create(
        actor=controller,
        organisation=org,
        system=treserva,
        name=SOURCE_NAME,
        mapping=default_mapping(),
    )
    for kind, data in reference_files(world).items():
        reference = services.reference_upload(
            actor=admin, source=source, kind=kind, filename=f"Treserva {kind}.csv", data=data
        )
        assert services.run_load(reference.pk) == "loaded", LogLoad.objects.get(
            pk=reference.pk
        ).error

    # The month's full log: queued as an upload would be, stored through ingest's path.
    log = services.log_upload(
        actor=admin, source=source, filename=f"Treserva händelselogg {month:%Y-%m}.csv", data=b""
    )
    count = store_log(world, log, world.rows)
    _mark_loaded(log, admin, count)
    analyze()

    provider = services.schedule_create(
        actor=controller, source=source, kind=OperationKind.PROVIDER
    )
    authority = services.schedule_create(
        actor=controller, source=source, kind=OperationKind.AUTHORITY, day_mode=DayMode.ACTIVE
    )
    pool = draw.candidates(source.pk, month)

    # The finished provider round.
    finished = provider_round(world, pool, provider, controller, admin)
    for order in ExtractOrder.objects.filter(round=finished).select_related("drawn_unit"):
        _fulfil(world, order, admin)
    for order in ExtractOrder.objects.filter(round=finished).select_related(
        "recipient", "drawn_unit", "round__schedule__source"
    ):
        _review_and_document(order, on)

    # The open authority round.
    open_round = services.round_draw(
        actor=controller,
        schedule=authority,
        month=month,
        seed=authority_seed(world, pool, authority),
    )
    first = ExtractOrder.objects.filter(round=open_round).select_related("drawn_unit").first()
    if first is not None:
        first = services.order_attest(actor=controller, order=first)
        first = services.order_draw_days(actor=admin, order=first)
        first = ExtractOrder.objects.select_related("drawn_unit").get(pk=first.pk)
        added = _plant_outlier(world, first, log)
        if added:
            LogLoad.objects.filter(pk=log.pk).update(row_count=count + added)
            count += added
        _fulfil(world, first, admin)
        _judge_some(first, controller)

    _suspicion_case(builder, source, month)

    builder.counts["logreview.logentry"] += LogEntry.objects.filter(source=source).count()
    builder.counts["logreview.samplinground"] += SamplingRound.objects.filter(
        schedule__source=source
    ).count()
    builder.counts["logreview.logsource"] += LogSource.objects.filter(pk=source.pk).count()


def _mark_loaded(log: LogLoad, admin: Any, count: int) -> None:
    LogLoad.objects.filter(pk=log.pk).update(
        status=LoadStatus.LOADED, row_count=count, finished_at=timezone.now(), data=b""
    )
    record(
        actor=admin,
        action="logreview.logload.loaded",
        obj=log,
        organisation=log.organisation,
        changes={"status": [LoadStatus.QUEUED, LoadStatus.LOADED], "rows": [0, count]},
        reason="manage.py load_demo_data",
    )


def _judge_some(order: ExtractOrder, reviewer: Any) -> None:
    """The review in progress: two of the unexplained accesses judged, the rest waiting."""
    from forvalta.logreview.review import build

    order = ExtractOrder.objects.select_related("round__schedule__source", "drawn_unit").get(
        pk=order.pk
    )
    review = build(order, reviewer)
    waiting = [a for a in review.accesses if not a.explained]
    for access in waiting[:2]:
        services.judge(
            actor=reviewer,
            order=order,
            entry_id=access.entry.pk,
            verdict=Verdict.REASONABLE,
            comment="Handläggaren täckte för en kollega enligt beslut om fördelning.",
        )


def _suspicion_case(builder: Any, source: LogSource, month: dt.date) -> None:
    """One open review on suspicion (seed 004 section 7): the controller requests it
    naming only the attestant (the sector head), the recipient (the unit manager) and
    the manager's manager (the head of home care), who enters the person and the period;
    it waits for the attestation. Only the people named on it see it."""
    from forvalta.logreview import suspicion

    users = builder.users
    person = User.objects.get(username="demo.kv0001")  # placed under Emelie Carlsson
    case = suspicion.case_request(
        actor=users["kristoffer.lindgren"],
        source=source,
        attestant=users["systemagare"],
        recipient=users["emelie.carlsson"],
        senior_manager=users["malin.grahn"],
        reason="Uppgift från en brukares anhörig om att journalen lästs utan anledning.",
    )
    last = calendar.monthrange(month.year, month.month)[1]
    suspicion.subject_enter(
        actor=users["malin.grahn"],
        case=case,
        subject=person,
        account="kv0001",
        period_from=month,
        period_to=month.replace(day=last),
    )
    builder.counts["logreview.suspicioncase"] += 1
