# ruff: noqa: S603, S607, S608  # a benchmark: psql from PATH, fixed table names
"""Log store benchmark (issue 14 build 9; not part of the test suite), PostgreSQL only:
loading a log extract end to end beside a raw `psql \\copy` of the same file, with
little and with much already stored, and the review query, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/logreview_load_bench.py --rows 2000000 --stored 20000000

A throwaway database `forvalta_bench_logreview` is created on the same server and dropped
at the end (--keep leaves it). Everything printed says what was run.

- G1: `run_load` of a generated extract of --rows rows (the task body: read the stored
  file, parse, hash the clients, map, COPY into a fresh table, build the indexes,
  attach it as the month's partition, ANALYZE: reviewable) against `psql \\copy` of the
  same file into an unindexed table of eight text columns. Repeated in turns, median
  of each, the ratio of each repeat (target >= 0.50, floor 0.35) and its spread.
- G2: G1 again with --stored rows already in the log (other months and the review's
  month); the ratio should drop by at most 10 %.
- G3: the review (`review.build`: 4 employees x 3 days with every explanation and flag,
  reference rows for every client) of --orders orders, each with its own extract of
  --extract-rows rows in the review's month, at --stored/10 and at --stored rows
  stored: p95 first-touch ("cold": after the stored rows were written, with the OS
  page cache dropped before each order when /proc/sys/vm/drop_caches is writable;
  PostgreSQL's shared buffers cannot be emptied without a restart; half the orders on a
  new connection each, half on a kept one as a server process has) and p95 warm
  (--queries repeats). Targets: p95 at the large store <= 2 x at the small; cold p95
  <= 50 ms.

Stored rows are written by SQL (generate_series) into month partitions made as the
loads make them (store._attach: a fresh table, indexes after, attach), 5,000 accounts,
200,000 clients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "forvalta_bench_logreview"
HEADER = "Tidpunkt;Användar-id;Namn;Enhet;Personnummer;Klientens enhet;Händelse;Journaldel\n"
LOAD_MONTH = "2027-09"  # G1's extract: a month nothing else is stored in
REVIEW_MONTH = "2026-11"
STORED_MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, i) for i in range(1, 12)]]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="G1 extract rows")
    parser.add_argument("--stored", type=int, default=20_000_000, help="rows stored for G2/G3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--orders", type=int, default=20, help="G3 orders")
    parser.add_argument("--extract-rows", type=int, default=20_000, help="G3 rows per order")
    parser.add_argument("--queries", type=int, default=20, help="G3 warm repeats")
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database")
    return parser.parse_args()


def db_url(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def setup(url: str) -> None:
    import psycopg

    with psycopg.connect(db_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = db_url(url, BENCH_DB)
    os.environ["FORVALTA_TESTING"] = "1"
    os.environ["FORVALTA_MEDIA_ROOT"] = str(Path(tempfile.gettempdir()) / "bench_lr" / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def teardown(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(db_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def world() -> dict[str, Any]:
    from forvalta.core.models import Membership, Organisation, OrganisationKind, User
    from forvalta.logreview.models import LogSource, default_mapping
    from forvalta.register.models import RoleAssignment, RoleType, System

    org = Organisation.objects.create(
        name="Bänkby kommun", org_number="212000-0001", kind=OrganisationKind.MUNICIPALITY
    )
    admin = User.objects.create(username="bench.admin", first_name="Loggadmin")
    Membership.objects.create(user=admin, organisation=org)
    system = System.objects.create(owner_organisation=org, name="Treserva")
    for code in ("access_controller", "system_administrator"):
        RoleAssignment.objects.create(
            person=admin,
            role_type=RoleType.objects.get(code=code),
            organisation=org,
            system=system,
            valid_from=dt.date(2020, 1, 1),
        )
    source = LogSource.objects.create(
        organisation=org, system=system, name="Treserva-logg", mapping=default_mapping()
    )
    return {"org": org, "admin": admin, "system": system, "source": source}


def number(i: int) -> str:
    """A valid personal identity number (Luhn), distinct for i < 1,650,000."""
    date = f"{1940 + i % 60}01{1 + (i // 60) % 28:02d}"
    serial = f"{1 + (i // 1680) % 999:03d}"
    body = date[2:] + serial
    total = 0
    for k, ch in enumerate(body):
        product = int(ch) * (2 if k % 2 == 0 else 1)
        total += product // 10 + product % 10
    return f"{date}-{serial}{(10 - total % 10) % 10}"


def write_extract(path: Path, rows: int, month: str, accounts: int = 2000, unit: str = "") -> None:
    clients = [number(i) for i in range(min(200_000, max(rows // 10, 100)))]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        batch = []
        for i in range(rows):
            a = i % accounts
            day = 1 + (i // accounts) % 28
            batch.append(
                f"{month}-{day:02d} {7 + i % 12:02d}:{i % 60:02d}:{(i * 7) % 60:02d};u-{a};"
                f"Anställd {a};{unit or f'Enhet {a % 40}'};{clients[(i * 7919) % len(clients)]};"
                f"Enhet {i % 40};Läsa;Journal\n"
            )
            if len(batch) >= 100_000:
                out.write("".join(batch))
                batch = []
        out.write("".join(batch))


def queue(w: dict[str, Any], path: Path, order: Any = None) -> Any:
    from unittest import mock

    from forvalta.logreview import services, tasks

    with mock.patch.object(tasks, "load_log", mock.Mock()), path.open("rb") as handle:
        if order is None:
            return services.log_upload(
                actor=w["admin"], source=w["source"], filename=path.name, data=handle
            )
        from django.db import transaction

        with transaction.atomic():
            return services._queue_load(w["admin"], w["source"], path.name, handle, order, "sv")


def raw_copy(url: str, path: Path) -> float:
    """`psql \\copy` of the file into a fresh unindexed table of text columns."""
    target = db_url(url, BENCH_DB)
    subprocess.run(
        [
            "psql",
            target,
            "-qc",
            "DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (t text, account text, "
            "name text, unit text, client text, client_unit text, action text, part text)",
        ],
        check=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [
            "psql",
            target,
            "-qc",
            f"\\copy bench_raw FROM '{path}' WITH (FORMAT csv, DELIMITER ';', HEADER)",
        ],
        check=True,
    )
    elapsed = time.perf_counter() - start
    subprocess.run(["psql", target, "-qc", "DROP TABLE bench_raw"], check=True)
    return elapsed


def app_load(w: dict[str, Any], path: Path) -> float:
    from django.db import connection

    from forvalta.logreview import services, store
    from forvalta.logreview.models import LogLoad

    load = queue(w, path)
    start = time.perf_counter()
    assert services.run_load(load.pk) == "loaded", LogLoad.objects.get(pk=load.pk).error
    elapsed = time.perf_counter() - start
    from forvalta.logreview.ingest import TIMINGS

    PHASES.append(dict(TIMINGS))
    # Outside the timing: the month's partition and the load go again.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {store.partition_name(LOAD_MONTH)}")
    LogLoad.objects.filter(pk=load.pk).delete()
    return elapsed


PHASES: list[dict[str, float]] = []


def g1(url: str, w: dict[str, Any], path: Path, rows: int, repeat: int, label: str) -> float:
    raws, apps, ratios = [], [], []
    PHASES.clear()
    for _ in range(repeat):
        raw = raw_copy(url, path)
        app = app_load(w, path)
        raws.append(rows / raw)
        apps.append(rows / app)
        ratios.append(raw / app)
        phases = PHASES[-1]
        print(
            f"    raw \\copy {raw:6.2f} s   load {app:6.2f} s (read, parse and COPY "
            f"{phases.get('read', 0):.2f} s; indexes, attach, ANALYZE "
            f"{phases.get('store', 0):.2f} s; new clients' numbers kept "
            f"{phases.get('clients', 0):.2f} s)"
            f"   ratio {raw / app:.2f}",
            flush=True,
        )
    ratio = statistics.median(ratios)
    print(
        f"  {label}: raw psql \\copy {statistics.median(raws):,.0f} rows/s, load end to end "
        f"{statistics.median(apps):,.0f} rows/s; ratio median {ratio:.2f} "
        f"(spread {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.50, floor 0.35)",
        flush=True,
    )
    return ratio


def stored_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM logreview_logentry")
        return int(cursor.fetchone()[0])


def fill(w: dict[str, Any], total: int) -> None:
    """Store rows (SQL) until `total` are stored, spread over the stored months."""
    from django.db import connection, transaction

    from forvalta.logreview import store
    from forvalta.logreview.models import LoadStatus, LogLoad

    missing = total - stored_count()
    if missing <= 0:
        return
    per_month = missing // len(STORED_MONTHS)
    started = time.perf_counter()
    for key in STORED_MONTHS:
        start, end = store.month_bounds(key)
        load = LogLoad.objects.create(
            organisation=w["org"],
            source=w["source"],
            filename=f"stored-{key}",
            uploaded_by=w["admin"],
            status=LoadStatus.LOADED,
            row_count=per_month,
            first_time=start,
            last_time=end,
        )
        seconds = int(end.timestamp() - start.timestamp())
        with transaction.atomic(), connection.cursor() as cursor:
            name = store.partition_name(key)
            exists = name in store.partitions()
            # A fresh table of the month (its rows so far and the new ones), indexed after
            # and attached in place of the old partition: bulk, as a load writes a month.
            target = f"{name}_new"
            cursor.execute(f"CREATE TABLE {target} (LIKE {store.TABLE} INCLUDING DEFAULTS)")
            if exists:
                cursor.execute(f"INSERT INTO {target} SELECT * FROM {name}")
                cursor.execute(f"ALTER TABLE {store.TABLE} DETACH PARTITION {name}")
                cursor.execute(f"DROP TABLE {name}")
            cursor.execute(
                f"""
                INSERT INTO {target} (organisation_id, source_id, load_id, "time", account,
                    employee_name, unit, client_hash, client_masked, client_unit, action,
                    record_part, client_surname)
                SELECT %s, %s, %s, %s::timestamptz + make_interval(secs => (g * 7919) %% %s),
                    'u-' || (g %% 5000), 'Anställd ' || (g %% 5000), 'Enhet ' || (g %% 200),
                    md5((g %% 200000)::text) || md5((g %% 200000)::text || 'x'),
                    '19' || lpad(((g %% 200000) %% 1000000)::text, 6, '0') || '-****',
                    'Enhet ' || (g %% 200), 'Läsa', 'Journal', ''
                FROM generate_series(1::bigint, %s) g
                """,
                [w["org"].pk, w["source"].pk, load.pk, start, seconds, per_month],
            )
            store._attach(cursor, target, key)
    print(
        f"  stored {stored_count():,} rows in {len(STORED_MONTHS)} months "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )


def orders(w: dict[str, Any], count: int, rows: int, tmp: Path) -> list[Any]:
    """`count` fulfilled orders in the review month, each with its own extract (a unit of
    40 accounts) and 4 drawn employees x 3 drawn days; reference rows for the source."""
    from forvalta.logreview import services
    from forvalta.logreview.models import (
        DrawnDay,
        DrawnEmployee,
        DrawnUnit,
        ExtractOrder,
        SamplingRound,
        SamplingSchedule,
    )

    schedule = SamplingSchedule.objects.create(
        organisation=w["org"], source=w["source"], kind="authority"
    )
    round_ = SamplingRound.objects.create(
        organisation=w["org"],
        schedule=schedule,
        year=2026,
        quarter=4,
        month=dt.date(2026, 11, 1),
        seed=1,
        drawn_by=w["admin"],
    )
    result = []
    refs = tmp / "placements.csv"
    with refs.open("w") as out:
        out.write("Personnummer;Användar-id;Enhet;Från;Till\n")
        for i in range(0, 20_000):
            out.write(f"{number(i)};;Enhet {i % 40};2026-01-01;\n")
    with refs.open("rb") as handle:
        from unittest import mock

        from forvalta.logreview import tasks

        with mock.patch.object(tasks, "load_log", mock.Mock()):
            ref = services.reference_upload(
                actor=w["admin"],
                source=w["source"],
                kind="placements",
                filename="placements.csv",
                data=handle,
            )
    assert services.run_load(ref.pk) == "loaded"
    for n in range(count):
        unit = DrawnUnit.objects.create(round=round_, position=n, unit_name=f"Enhet {n}")
        order = ExtractOrder.objects.create(
            organisation=w["org"],
            round=round_,
            drawn_unit=unit,
            month=dt.date(2026, 11, 1),
            recipient=w["admin"],
            attestant=w["admin"],
            status="attested",
            requested_by=w["admin"],
        )
        for e in range(4):
            employee = DrawnEmployee.objects.create(
                drawn_unit=unit, position=e, account=f"u-{e}", employee_name=f"Anställd {e}"
            )
            for d in (3, 10, 17):
                DrawnDay.objects.create(employee=employee, day=dt.date(2026, 11, d + n % 7))
        path = tmp / f"order{n}.csv"
        write_extract(path, rows, REVIEW_MONTH, accounts=40, unit=f"Enhet {n}")
        load = queue(w, path, order)
        assert services.run_load(load.pk) == "loaded"
        path.unlink()
        result.append(order)
    return result


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def g3(w: dict[str, Any], review_orders: list[Any], queries: int, label: str) -> float:
    from django.db import connections

    from forvalta.logreview.review import build

    cold, kept, warm = [], [], []
    dropped = False
    accesses = 0
    # Every order is touched first here, half of them on a new connection each and half on
    # the connection a server process keeps (settings: conn_max_age=60), with the OS page
    # cache dropped before each.
    for n, order in enumerate(review_orders):
        if n % 2 == 0:
            connections.close_all()
        dropped = drop_caches()
        start = time.perf_counter()
        review = build(order, w["admin"])
        (cold if n % 2 == 0 else kept).append(time.perf_counter() - start)
        accesses += review.total
    for _ in range(queries):
        for order in review_orders[:5]:
            start = time.perf_counter()
            build(order, w["admin"])
            warm.append(time.perf_counter() - start)
    print(
        f"  {label}: review of 4 employees x 3 days ({accesses / len(review_orders):.0f} "
        f"accesses per order): first-touch p95 {1000 * p95(cold):.1f} ms "
        f"on a new connection, {1000 * p95(kept):.1f} ms on a kept one (OS cache dropped: "
        f"{'yes' if dropped else 'no'}; {len(cold)} + {len(kept)} orders), "
        f"warm p95 {1000 * p95(warm):.1f} ms ({len(warm)} runs)",
        flush=True,
    )
    return p95(cold)


def main() -> None:
    args = parse()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL")
    setup(url)
    tmp = Path(tempfile.mkdtemp(prefix="bench_lr_"))
    try:
        w = world()
        path = tmp / "extract.csv"
        write_extract(path, args.rows, LOAD_MONTH)
        size = path.stat().st_size
        print(
            f"Log store benchmark (PostgreSQL): extract {args.rows:,} rows ({size / 1e6:.0f} MB) "
            f"x {args.repeat} repeats; stored up to {args.stored:,} rows; G3 {args.orders} "
            f"orders x {args.extract_rows:,} rows",
            flush=True,
        )
        print(f"G1 (stored {stored_count():,} rows)", flush=True)
        ratio1 = g1(url, w, path, args.rows, args.repeat, "G1")
        small = args.stored // 10
        fill(w, small)
        review_orders = orders(w, args.orders, args.extract_rows, tmp)
        print(f"G3 at {stored_count():,} stored rows", flush=True)
        cold_small = g3(w, review_orders, args.queries, "G3 small")
        fill(w, args.stored)
        print(f"G2/G3 at {stored_count():,} stored rows", flush=True)
        cold_large = g3(w, review_orders, args.queries, "G3 large")
        ratio2 = g1(url, w, path, args.rows, args.repeat, "G2")
        print("Summary")
        print(
            f"  G1 ratio {ratio1:.2f} (target >= 0.50, floor 0.35); G2 ratio {ratio2:.2f} with "
            f"{stored_count():,} stored: drop {100 * (1 - ratio2 / ratio1):.1f} % (target <= 10 %)"
        )
        print(
            f"  G3 first-touch p95 {1000 * cold_small:.1f} ms -> {1000 * cold_large:.1f} ms "
            f"(x{cold_large / cold_small:.2f}; target <= 2, and <= 50 ms)"
        )
    finally:
        for p in tmp.glob("*"):
            p.unlink()
        tmp.rmdir()
        if not args.keep:
            teardown(url)


if __name__ == "__main__":
    main()
