"""Audit append benchmark on PostgreSQL: `record` beside plain INSERTs of the same row.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/audit_append_bench.py [--rounds 5] [--events 3000]

Creates a throwaway database `forvalta_bench_audit_append` (dropped at the end). For 1
and 4 concurrent writers, each round runs, interleaved:

- baseline: each writer INSERTs the same event row into a plain table with the event
  table's columns and indexes (no triggers, no chain), one transaction per row, as a
  request would;
- result: each writer calls `record` in its own transaction per event (staging; the
  commit wakes the background sequencer, which chains in batches), and the time runs
  until every event is chained (a final `chain_pending(wait=True)` after the writers).

Prints events/s for both, the ratio (result / baseline; target >= 0.80) and the spread
(min-max of the per-round ratios) over the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "forvalta_bench_audit_append"
TARGET = 0.80


def admin_url(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


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
    # As in production: commits wake the per-process background sequencer.
    os.environ.setdefault("FORVALTA_AUDIT_CHAIN_IN_BACKGROUND", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def line(label: str, value: str) -> None:
    print(f"{label:<44} {value}", flush=True)


# The same event row for both sides.
ROW = {
    "actor_id": 7,
    "actor_name": "Anna Berg",
    "organisation_id": 3,
    "organisation_name": "Kungälvs kommun",
    "client_address": "192.0.2.7",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
    "api_token_id": "",
    "request_id": "0123456789abcdef0123456789abcdef",
    "action": "register.system.updated",
    "object_type": "register.system",
    "object_id": "1234",
    "object_repr": "Omsorgssystemet",
    "reason": "",
}


def create_plain_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_plain_event "
            "(LIKE audit_auditevent INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        cursor.execute("CREATE SEQUENCE bench_plain_seq")
        cursor.execute(
            "ALTER TABLE bench_plain_event ALTER COLUMN id SET DEFAULT nextval('bench_plain_seq')"
        )


def plain_insert(n: int, i: int) -> None:
    """One request's worth: the row INSERTed in its own transaction (Django cursor)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from forvalta.audit import chain

    changes = chain.canonical_json_fast({"description": [f"före {i}", f"efter {i}"]})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_plain_event (seq, prev_hash, hash, occurred_at, actor_id, "
            "actor_name, organisation_id, organisation_name, client_address, user_agent, "
            "api_token_id, request_id, action, object_type, object_id, object_repr, changes, "
            "reason, actor_organisation_id, actor_organisation_name) VALUES "
            "(nextval('bench_plain_seq'), %s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                "0" * 64,
                "0" * 64,
                timezone.now(),
                ROW["actor_id"],
                ROW["actor_name"],
                ROW["organisation_id"],
                ROW["organisation_name"],
                ROW["client_address"],
                ROW["user_agent"],
                ROW["api_token_id"],
                ROW["request_id"],
                ROW["action"],
                ROW["object_type"],
                f"{n}-{i}",
                ROW["object_repr"],
                changes,
                ROW["reason"],
                ROW["organisation_id"],
                ROW["organisation_name"],
            ],
        )


class _Org:
    pk = 3

    def __str__(self) -> str:
        return "Kungälvs kommun"


class _Actor:
    """The request's user (ROW's actor), a fresh object per request as the auth
    middleware loads it, after the view has read through the tenancy scope (as every
    view does before it writes): the scope's one query, which also gives the actor's
    organisation to the audit trail, is the view's cost, not the trail's. With --cold
    the user object knows nothing and record looks the organisation up in its INSERT."""

    pk = ROW["actor_id"]
    is_authenticated = True
    is_active = True
    cold = False

    def __init__(self) -> None:
        if not self.cold:
            from forvalta.core.tenancy import Scope

            self._forvalta_scope = Scope(
                user=self,
                org_ids=frozenset({3}),
                membership_organisations=((3, str(ROW["organisation_name"])),),
            )

    def __str__(self) -> str:
        return str(ROW["actor_name"])


def audited_insert(n: int, i: int) -> None:
    """One request's worth through the recorder: record() in its own transaction, with
    the same actor, organisation, client and request as the baseline's row."""
    from django.db import transaction

    from forvalta.audit import context
    from forvalta.audit.services import record

    token = context.activate(
        context.AuditContext(
            client_address=ROW["client_address"],
            user_agent=ROW["user_agent"],
            request_id=ROW["request_id"],
        )
    )
    try:
        with transaction.atomic():
            record(
                actor=_Actor(),
                action=ROW["action"],
                organisation=_Org(),
                object_type=ROW["object_type"],
                object_id=f"{n}-{i}",
                object_repr=ROW["object_repr"],
                changes={"description": [f"före {i}", f"efter {i}"]},
            )
    finally:
        context.deactivate(token)


def run(writers: int, each: int, work: Callable[[int, int], None]) -> float:
    from django.db import connections

    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            work(n, -1)  # connect and warm up outside the timing
            barrier.wait()
            for i in range(each):
                work(n, i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    if work is audited_insert:
        from forvalta.audit.services import chain_pending

        chain_pending(wait=True)  # until every event is chained
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return writers * each / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=3000, help="events per round")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="the user object knows no memberships: record looks them up in its INSERT",
    )
    args = parser.parse_args()
    _Actor.cold = args.cold
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the bench creates its own db).")
    recreate_database(url)
    try:
        setup_django(url)
        from django.db import connection

        from forvalta.audit.models import AuditEvent, AuditPending
        from forvalta.audit.verify import verify_trail

        create_plain_table()
        version = connection.cursor().connection.info.parameter_status("server_version")
        line("PostgreSQL", f"{version}, {os.cpu_count()} cores")
        print(
            f"{'writers':<8} {'baseline ev/s':>14} {'record ev/s':>12} {'ratio':>7} "
            f"{'spread':>13} {'target':>7}",
            flush=True,
        )
        for writers in (1, 4):
            each = max(1, args.events // writers)
            ratios, base, result = [], [], []
            for r in range(args.rounds):
                # Alternate which side goes first, so drift hits both alike.
                if r % 2:
                    a = run(writers, each, audited_insert)
                    b = run(writers, each, plain_insert)
                else:
                    b = run(writers, each, plain_insert)
                    a = run(writers, each, audited_insert)
                base.append(b)
                result.append(a)
                ratios.append(a / b)
            ratio = statistics.median(ratios)
            b_med, r_med = statistics.median(base), statistics.median(result)
            print(
                f"{writers:<8} {b_med:>14,.0f} {r_med:>12,.0f}"
                f" {ratio:>6.2f}x {min(ratios):>5.2f}-{max(ratios):.2f}x"
                f" {'met' if ratio >= TARGET else 'MISSED':>7}",
                flush=True,
            )
        assert not AuditPending.objects.exists(), "events left staged"
        result_v = verify_trail()
        line("verify after the runs", str(result_v))
        line("events chained", f"{AuditEvent.objects.count():,}")
        if not result_v.intact:
            raise SystemExit("the chain does not verify")
    finally:
        from django.db import connections

        from forvalta.audit.services import stop_sequencers

        stop_sequencers()  # before the database goes, so no thread chains into nothing
        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
