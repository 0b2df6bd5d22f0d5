"""Audit verify benchmark on PostgreSQL: `verify_trail` beside reading the rows once with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/audit_verify_bench.py [--events 1000000] [--rounds 5]

Creates a throwaway database `forvalta_bench_audit_verify` (dropped at the end unless
--keep; --reuse skips the load when it is there), appends N chained events with
`append_many`, then, interleaved over the rounds:

- baseline: `COPY (SELECT <the columns verify reads> FROM audit_auditevent ORDER BY seq)
  TO STDOUT`,
  read to the end by the client (the rows read once);
- result: `verify_trail()` (what `manage.py audit_verify` runs).

Prints events/s for both, the ratio (verify / COPY throughput; target >= 0.80) and the
spread (min-max of the per-round ratios).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "forvalta_bench_audit_verify"
TARGET = 0.80


def admin_url(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
        return found.fetchone() is not None


def recreate_database(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = admin_url(url, BENCH_DB)
    os.environ["FORVALTA_TESTING"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def line(label: str, value: str) -> None:
    print(f"{label:<52} {value}", flush=True)


ACTIONS = [
    "register.system.updated",
    "register.system.viewed",
    "register.roleassignment.created",
    "core.membership.updated",
    "auth.login",
    "access.denied",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "system: manage.py import_log",
]


def rows(n: int) -> Iterator[dict[str, Any]]:
    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(seconds=(10 * 365 * 86400) / n)
    for k in range(n):
        org = k % 50 + 1
        actor = k % 5000 + 1
        yield {
            "occurred_at": start + step * k,
            "actor_id": actor,
            "actor_name": f"Användare {actor}",
            "actor_organisation_id": org if k % 3 else None,
            "actor_organisation_name": f"Kommun {org}" if k % 3 else "",
            "organisation_id": org,
            "organisation_name": f"Kommun {org}",
            "client_address": f"10.{org}.{actor % 250}.{k % 250 + 1}",
            "user_agent": AGENTS[k % 3],
            "request_id": f"{k:032x}",
            "action": ACTIONS[k % len(ACTIONS)],
            "object_type": "register.system",
            "object_id": str(k % 20000),
            "object_repr": f"System {k % 20000} – ”citat” \\ å",
            "changes": {"description": [f"före {k}", f"efter {k}"]} if k % 2 else {},
        }


# Exactly the columns verify reads (every column but the surrogate id).
COLUMNS = (
    "seq, prev_hash, hash, occurred_at, actor_id, actor_name, actor_organisation_id, "
    "actor_organisation_name, organisation_id, organisation_name, client_address, user_agent, "
    "api_token_id, request_id, action, object_type, object_id, object_repr, changes, reason"
)


def copy_all() -> tuple[int, float]:
    """Read every event once with COPY (the client reads each block to the end)."""
    from django.db import connection

    started = time.perf_counter()
    raw = connection.connection
    total = 0
    with raw.cursor() as cursor:
        sql = f"COPY (SELECT {COLUMNS} FROM audit_auditevent ORDER BY seq) TO STDOUT"  # noqa: S608
        with cursor.copy(sql) as copy:
            for block in copy:
                total += len(block)
    raw.commit()
    return total, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept bench database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the bench creates its own db).")
    reuse = args.reuse and database_exists(url)
    if not reuse:
        recreate_database(url)
    try:
        setup_django(url)
        from django.db import connection

        from forvalta.audit.models import AuditEvent
        from forvalta.audit.services import append_many
        from forvalta.audit.verify import verify_trail

        version = connection.cursor().connection.info.parameter_status("server_version")
        line("PostgreSQL", f"{version}, {os.cpu_count()} cores")
        if not reuse:
            started = time.perf_counter()
            append_many(rows(args.events), batch_size=10_000)
            elapsed = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE audit_auditevent")
            line(f"append_many, {args.events:,} events", f"{args.events / elapsed:,.0f} events/s")
        n = AuditEvent.objects.count()
        copy_all()  # warm the cache for both sides
        copies, verifies, ratios = [], [], []
        result = None
        for r in range(args.rounds):
            # Alternate which side goes first, so drift hits both alike.
            c = v = 0.0
            for side in ("verify", "copy") if r % 2 else ("copy", "verify"):
                if side == "copy":
                    _, c = copy_all()
                else:
                    started = time.perf_counter()
                    result = verify_trail()
                    v = time.perf_counter() - started
                    if not result.intact or result.count != n:
                        raise SystemExit(f"the benchmark chain does not verify: {result}")
            copies.append(n / c)
            verifies.append(n / v)
            ratios.append(c / v)
        print(
            f"{'events':<10} {'COPY ev/s':>12} {'verify ev/s':>12} {'ratio':>7} "
            f"{'spread':>13} {'target':>7}",
            flush=True,
        )
        ratio = statistics.median(ratios)
        print(
            f"{n:<10,} {statistics.median(copies):>12,.0f} {statistics.median(verifies):>12,.0f}"
            f" {ratio:>6.2f}x {min(ratios):>5.2f}-{max(ratios):.2f}x"
            f" {'met' if ratio >= TARGET else 'MISSED':>7}",
            flush=True,
        )
        line("verify", str(result))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
