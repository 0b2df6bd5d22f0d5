"""Access snapshot benchmark (not part of the test suite): a system's account export of
50,000 accounts in 800 units, imported and split into a review campaign, beside a plain
bulk insert of the same account rows, in the same run.

    .venv/bin/python bench/access_snapshot_bench.py        # SQLite (a file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/access_snapshot_bench.py

On PostgreSQL a throwaway database `forvalta_bench_access` is created on the same
server and dropped at the end; on SQLite a throwaway file. The organisation has 800
units with a manager each and people for a third of the accounts (matched by e-mail);
a previous snapshot of the same accounts is imported once before the repeats, so each
measured import also computes the difference to it. Each repeat measures:

- baseline: the account rows, already parsed and resolved (unit and person ids, as
  the import writes them), written by a plain bulk insert (COPY on PostgreSQL,
  `bulk_create` in batches of 5,000 on SQLite) into a snapshot, in one transaction;
- import + split: the CSV file as the import page reads it (the register's reader),
  parsed, matched to people and units, compared with the previous snapshot and written
  (`snapshot_from_rows`), then split into a campaign (`campaign_create`: one list per
  unit and one per unit with access to protected identities, items with hints).

It prints rows/s of both (medians), the ratio import/baseline of each repeat and their
median (target >= 0.30) with the spread, and the queries of one import + split.
Baseline and import run in turns, so that a busy machine slows both alike.

Options: --rows N (default 50000), --units N (default 800), --repeat N (default 5),
--keep (leave the database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "forvalta_bench_access"
SQLITE_PATH = Path(tempfile.gettempdir()) / "forvalta_bench_access.sqlite3"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database")
    return parser.parse_args()


def admin_url(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def create_database(url: str) -> None:
    if url:
        import psycopg

        with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    if url:
        import psycopg

        with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def setup_django(url: str, rows: int) -> None:
    if url:
        os.environ["DATABASE_URL"] = admin_url(url, BENCH_DB)
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["FORVALTA_SQLITE_PATH"] = str(SQLITE_PATH)
    os.environ["FORVALTA_TESTING"] = "1"
    os.environ["FORVALTA_IMPORT_MAX_ROWS"] = str(rows)
    os.environ["FORVALTA_IMPORT_MAX_CELLS"] = str(rows * 12)
    os.environ["FORVALTA_IMPORT_MAX_BYTES"] = str(200 * 1024 * 1024)
    os.environ["FORVALTA_IMPORT_TASK_THRESHOLD"] = str(rows + 1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(n_units: int, n_rows: int) -> dict[str, Any]:
    import datetime as dt

    from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
    from forvalta.register.models import RoleAssignment, RoleType, System

    org = Organisation.objects.create(
        name="Bänkby kommun", org_number="212000-0001", kind=OrganisationKind.MUNICIPALITY
    )
    controller = User.objects.create(username="bench.controller", first_name="Vera")
    Membership.objects.create(user=controller, organisation=org)
    system = System.objects.create(owner_organisation=org, name="Treserva")
    RoleAssignment.objects.create(
        person=controller,
        role_type=RoleType.objects.get(code="access_controller"),
        organisation=org,
        system=system,
        valid_from=dt.date(2020, 1, 1),
    )
    units = Unit.objects.bulk_create(
        [Unit(organisation=org, name=f"Enhet {i:04d}") for i in range(n_units)]
    )
    managers = User.objects.bulk_create(
        [User(username=f"chef{i}", first_name="Chef", last_name=str(i)) for i in range(n_units)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=m, organisation=org, unit=u, valid_from=dt.date(2020, 1, 1))
            for m, u in zip(managers, units, strict=True)
        ]
    )
    staff_count = n_rows // 3
    staff = User.objects.bulk_create(
        [
            User(
                username=f"anst{i}", email=f"anst{i}@bankby.se", first_name="Anst", last_name=str(i)
            )
            for i in range(staff_count)
        ],
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=s,
                organisation=org,
                unit=units[i % n_units],
                manager=managers[i % n_units],
                valid_from=dt.date(2020, 1, 1),
            )
            for i, s in enumerate(staff)
        ],
        batch_size=5000,
    )
    return {"org": org, "system": system, "controller": controller, "units": n_units}


ROLES = ["Handläggare", "Utförare", "Läsbehörighet", "Administratör", "Ekonomi"]


def csv_bytes(n: int, n_units: int) -> bytes:
    lines = [
        "Användar-id;Namn;E-post;Personnummer;Enhet;Roller;Skyddade personuppgifter;"
        "Senaste inloggning;Giltig till\n"
    ]
    for i in range(n):
        roles = ROLES[i % 3] + ("," + ROLES[3 + i % 2] if i % 17 == 0 else "")
        lines.append(
            f"u{i:06d};Anst {i};anst{i}@bankby.se;;Enhet {i % n_units:04d};{roles};"
            f"{'ja' if i % 41 == 0 else 'nej'};2026-{1 + i % 12:02d}-{1 + i % 28:02d};\n"
        )
    return "".join(lines).encode("utf-8")


def clear(keep_first: bool = True) -> None:
    """Remove the measured snapshots and campaigns (outside the timing)."""
    from forvalta.access.models import Account, Campaign, ReviewItem, ReviewList, Snapshot

    first = Snapshot.objects.order_by("pk").values_list("pk", flat=True).first()
    ReviewItem.objects.all()._raw_delete(ReviewItem.objects.db)
    ReviewList.objects.all()._raw_delete(ReviewList.objects.db)
    Campaign.objects.all()._raw_delete(Campaign.objects.db)
    others = Snapshot.objects.exclude(pk=first) if keep_first else Snapshot.objects.all()
    Account.objects.filter(snapshot__in=others)._raw_delete(Account.objects.db)
    others._raw_delete(Snapshot.objects.db)


def baseline(w: dict[str, Any], prepared: list[tuple[Any, ...]]) -> float:
    """The same account rows, parsed and resolved, by a plain bulk insert."""
    from django.db import transaction

    from forvalta.access.models import Account, Snapshot
    from forvalta.access.snapshots import INSERT_COLUMNS, bulk_insert

    clear()
    start = time.perf_counter()
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            organisation=w["org"],
            system=w["system"],
            taken_on="2026-10-01",
            imported_by=w["controller"],
            status="done",
        )
        rows = [(snapshot.pk, *row) for row in prepared]
        bulk_insert(Account, INSERT_COLUMNS, rows)
    return time.perf_counter() - start


def prepared_rows(w: dict[str, Any], data: bytes) -> list[tuple[Any, ...]]:
    """What the import computes per row, computed once here for the baseline: the
    parsed values and the resolved unit and person (so the baseline writes the same
    references, and the database checks the same foreign keys, as the import)."""
    from forvalta.access.models import default_mapping
    from forvalta.access.snapshots import Matcher, parse_rows, read_file

    parsed = parse_rows(read_file(default_mapping(), "treserva.csv", data).rows)
    matcher = Matcher.for_organisation(w["org"].pk)
    return [
        (
            r["account_id"],
            r["name"],
            r["email"],
            r["employee_id"],
            r["personal_number"],
            r["unit_name"],
            matcher.unit(r["unit_name"]),
            r["roles"],
            r["protected_access"],
            r["last_login"],
            r["valid_until"],
            matcher.person(r),
            "same",
            "",
        )
        for r in parsed
    ]


def import_and_split(w: dict[str, Any], data: bytes) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forvalta.access.models import default_mapping
    from forvalta.access.services import campaign_create, snapshot_from_rows
    from forvalta.access.snapshots import read_file

    clear()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        table = read_file(default_mapping(), "treserva.csv", data)
        snapshot = snapshot_from_rows(
            actor=w["controller"],
            organisation=w["org"],
            system=w["system"],
            rows=table.rows,
            taken_on=None,
            filename="treserva.csv",
        )
        campaign = campaign_create(
            actor=w["controller"], snapshot=snapshot, season="autumn", year=2026, send=False
        )
        elapsed = time.perf_counter() - start
    return elapsed, len(queries.captured_queries), campaign.lists.count()


def main() -> None:
    args = parse()
    url = os.environ.get("DATABASE_URL", "")
    create_database(url)
    setup_django(url, args.rows)
    try:
        from forvalta.access.models import default_mapping
        from forvalta.access.services import snapshot_from_rows
        from forvalta.access.snapshots import read_file

        w = world(args.units, args.rows)
        data = csv_bytes(args.rows, args.units)
        # The previous snapshot each measured import is compared with.
        snapshot_from_rows(
            actor=w["controller"],
            organisation=w["org"],
            system=w["system"],
            rows=read_file(default_mapping(), "treserva.csv", data).rows,
        )
        prepared = prepared_rows(w, data)
        base_times, import_times, ratios = [], [], []
        queries = lists = 0
        for _ in range(args.repeat):
            b = baseline(w, prepared)
            i, queries, lists = import_and_split(w, data)
            base_times.append(b)
            import_times.append(i)
            ratios.append(b / i)
        n = args.rows
        print(f"database: {'PostgreSQL' if url else 'SQLite'}; {n} accounts, {args.units} units")
        print(f"baseline bulk insert: {n / statistics.median(base_times):,.0f} rows/s (median)")
        print(f"import + split:       {n / statistics.median(import_times):,.0f} rows/s (median)")
        print("ratio per repeat:     " + ", ".join(f"{r:.2f}" for r in ratios))
        spread = max(ratios) - min(ratios)
        print(
            f"ratio median:         {statistics.median(ratios):.2f} (target >= 0.30), "
            f"spread {spread:.2f}"
        )
        print(f"one import + split:   {queries} queries, {lists} lists")
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
