"""Import speed benchmark (not part of the test suite): the Excel import of systems beside
plain ORM `full_clean()` + `save()` of the same rows, in the same run.

    .venv/bin/python bench/import_bench.py                       # SQLite (a file in /tmp)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_bench.py

On PostgreSQL a throwaway database `forvalta_bench_imports` is created on the same
server and dropped at the end; on SQLite a throwaway file. Each repeat starts from the
same database state (no systems) and measures:

- baseline: for every row, `System(...).full_clean()` and `save()` (references already
  resolved, nothing else), in one transaction;
- import: the rows as an .xlsx file through the import as the view runs it: parse the
  upload once, preview (validate, no writes), then commit (one transaction, audit events
  through `record`).

It prints rows/s of both (medians), the ratio import/baseline of each repeat and their
median (target >= 0.5) with the spread over the repeats, and the queries per imported
row. Baseline and import run in turns, so that a busy machine slows both alike.

Options: --rows N (default 2000), --repeat N (default 7), --keep (leave the database).
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
BENCH_DB = "forvalta_bench_imports"
SQLITE_PATH = Path(tempfile.gettempdir()) / "forvalta_bench_imports.sqlite3"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
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
    os.environ["FORVALTA_TESTING"] = "1"  # throwaway key, plain static storage; DEBUG off
    os.environ["FORVALTA_IMPORT_MAX_ROWS"] = str(rows)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world() -> dict[str, Any]:
    from forvalta.core.models import Membership, Organisation, OrganisationKind, User
    from forvalta.register.models import ManagementObject

    org = Organisation.objects.create(
        name="Bänkby kommun", org_number="212000-0001", kind=OrganisationKind.MUNICIPALITY
    )
    supplier = Organisation.objects.create(
        name="Leverantören AB", org_number="556000-0001", kind=OrganisationKind.SUPPLIER
    )
    admin = User.objects.create(username="bench.admin", first_name="Bänk", last_name="Admin")
    Membership.objects.create(user=admin, organisation=org, is_org_admin=True)
    objects = [
        ManagementObject.objects.create(owner_organisation=org, name=f"Objekt {i}")
        for i in range(5)
    ]
    return {"org": org, "supplier": supplier, "admin": admin, "objects": objects}


LIFECYCLES = ["Behov", "Upphandling", "Införande", "Drift", "Avveckling"]
CRITICALITIES = ["Låg", "Medel", "Hög", "Kritisk"]


def rows(w: dict[str, Any], n: int) -> list[list[Any]]:
    from forvalta.register.imports import KINDS

    headings = [c.heading for c in KINDS["systems"].columns]
    out: list[list[Any]] = [headings]
    for i in range(n):
        out.append(
            [
                w["org"].org_number,
                f"System {i:05d} – åäö",
                w["objects"][i % 5].name,
                f"Beskrivning av system {i}\nmed två rader",
                w["supplier"].org_number if i % 2 else "",
                f"Produkt {i}",
                LIFECYCLES[i % 5],
                CRITICALITIES[i % 4],
                "Ja" if i % 3 else "Nej",
                "Nej",
                "Nej",
            ]
        )
    return out


def xlsx(table: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "System"
    for row in table:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def reset() -> None:
    from forvalta.register.models import System

    System.objects.all().delete()


def baseline(w: dict[str, Any], n: int) -> float:
    """Plain ORM: full_clean() + save() of the same rows, references resolved."""
    from django.db import transaction

    from forvalta.register.models import Criticality, Lifecycle, System

    lifecycles = list(Lifecycle.values)[:5]
    criticalities = list(Criticality.values)
    reset()
    start = time.perf_counter()
    with transaction.atomic():
        for i in range(n):
            system = System(
                owner_organisation=w["org"],
                name=f"System {i:05d} – åäö",
                management_object=w["objects"][i % 5],
                description=f"Beskrivning av system {i}\nmed två rader",
                vendor=w["supplier"] if i % 2 else None,
                product=f"Produkt {i}",
                lifecycle=lifecycles[i % 5],
                criticality=criticalities[i % 4],
                processes_personal_data=bool(i % 3),
            )
            system.full_clean()
            system.save()
    return time.perf_counter() - start


def run_import(w: dict[str, Any], data: bytes, n: int) -> tuple[float, int]:
    """Upload (parse once), preview, commit: the calls the import views make."""
    from django.db import connection

    from forvalta.register.imports import KINDS, Table, read_table, run_import
    from forvalta.register.models import System

    reset()
    admin = type(w["admin"]).objects.get(pk=w["admin"].pk)  # a fresh user: no cached scope
    kind = KINDS["systems"]
    count = [0]

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        start = time.perf_counter()
        # The upload parses once and keeps the rows as JSON; preview and commit load them.
        stored = read_table(kind, "system.xlsx", data).to_json()
        table = Table.from_json(stored)
        preview = run_import(actor=admin, kind=kind, table=table, commit=False)
        report = run_import(actor=admin, kind=kind, table=Table.from_json(stored), commit=True)
        elapsed = time.perf_counter() - start
    assert not preview.has_errors, [r.errors for r in preview.error_rows[:3]]
    assert report.committed and report.counts["create"] == n, report.counts
    assert System.objects.count() == n
    return elapsed, count[0]


def main() -> None:
    args = parse()
    url = os.environ.get("DATABASE_URL", "").strip()
    create_database(url)
    setup_django(url, args.rows)
    from django.db import connection

    try:
        w = world()
        data = xlsx(rows(w, args.rows))
        print(
            f"Import benchmark on {connection.vendor}: {args.rows} system rows "
            f"({len(data) // 1024} KB .xlsx), {args.repeat} repeats"
        )
        base_rates, import_rates, ratios, query_counts = [], [], [], []
        for repeat in range(args.repeat):
            # Side by side, in turns: the machine's load falls on both alike.
            if repeat % 2:
                imported, queries = run_import(w, data, args.rows)
                base = baseline(w, args.rows)
            else:
                base = baseline(w, args.rows)
                imported, queries = run_import(w, data, args.rows)
            base_rates.append(args.rows / base)
            import_rates.append(args.rows / imported)
            ratios.append(base / imported)
            query_counts.append(queries)
            print(
                f"  repeat {repeat + 1}: baseline {args.rows / base:8.0f} rows/s   "
                f"import {args.rows / imported:8.0f} rows/s   ratio {base / imported:.2f}x   "
                f"({queries / args.rows:.2f} queries/row)"
            )

        def spread(values: list[float]) -> str:
            return (
                f"min {min(values):.2f}, max {max(values):.2f}, sd {statistics.pstdev(values):.2f}"
            )

        print(f"{'baseline full_clean()+save()':<34} {statistics.median(base_rates):8.0f} rows/s")
        print(
            f"{'import (parse+preview+commit)':<34} {statistics.median(import_rates):8.0f} rows/s"
        )
        ratio = statistics.median(ratios)
        verdict = "met" if ratio >= 0.5 else "NOT met"
        print(f"{'ratio import/baseline (median)':<34} {ratio:8.2f}x  ({spread(ratios)})")
        print(f"{'target >= 0.50x':<34} {verdict}")
        print(
            f"{'queries per imported row':<34} {statistics.median(query_counts) / args.rows:8.2f}"
        )
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
