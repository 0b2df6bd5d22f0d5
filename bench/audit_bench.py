"""Audit trail benchmark on PostgreSQL (not part of the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/audit_bench.py

Creates a throwaway database `forvalta_bench_audit` on the same server (dropped at the end)
and prints:

1. append throughput of `record()` with 1, 4 and 16 concurrent writers (events/s);
2. a bulk load of 1,000,000 chained events with COPY (events/s);
3. `verify` over those 1,000,000 events (events/s; target >= 100,000);
4. search latency on the million events (the page's queries, ms);
5. the cost of the audit write in a register edit request: the same POST with the real
   recorder and with a no-op recorder, as a ratio (target: under 10% added).

Options: --events N (default 1000000), --requests N (default 200), --keep (leave the db).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "forvalta_bench_audit"

from forvalta.audit import chain  # noqa: E402 - pure Python, no Django needed


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database")
    return parser.parse_args()


def admin_url(url: str, dbname: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{dbname}"))


def recreate_database(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = admin_url(url, BENCH_DB)
    os.environ["FORVALTA_TESTING"] = "1"  # throwaway key, plain static storage; DEBUG off
    os.environ.setdefault("FORVALTA_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def line(label: str, value: str) -> None:
    print(f"{label:<58} {value}", flush=True)


# --- 1. concurrent appends -----------------------------------------------------------------
def bench_appends() -> None:
    from django.db import connections

    from forvalta.audit.services import record

    for writers, each in ((1, 600), (4, 250), (16, 80)):
        barrier = threading.Barrier(writers + 1)
        errors: list[BaseException] = []

        def work(
            n: int,
            each: int = each,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                record(actor=None, action="bench.warmup", object_repr=f"w{n}")
                barrier.wait()
                for i in range(each):
                    record(
                        actor=None,
                        action="bench.append",
                        object_repr=f"{n}-{i}",
                        changes={"n": [None, i]},
                    )
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise errors[0]
        line(
            f"append, {writers:>2} concurrent writer(s), {writers * each} events",
            f"{writers * each / elapsed:>10,.0f} events/s",
        )


# --- 2. bulk load ------------------------------------------------------------------------------
ACTIONS = [
    "register.system.updated",
    "register.system.viewed",
    "register.roleassignment.created",
    "core.membership.updated",
    "auth.login",
    "auth.logout",
    "access.denied",
    "register.system.exported",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "system: manage.py import_log",
]

COLUMNS = ("seq", "prev_hash", "hash", *chain.HASHED_FIELDS)


def bulk_load(n: int) -> None:
    """COPY n chained events after the current head, in batches of 50,000 (each batch
    takes the chain lock and reads the head once: DESIGN.md, Known traps)."""
    from django.db import connection, transaction

    from forvalta.audit import db
    from forvalta.audit.services import head

    start = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(seconds=(10 * 365 * 86400) / n)
    batch = 50_000
    copy_sql = f"COPY audit_auditevent ({', '.join(COLUMNS)}) FROM STDIN"
    started = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        with transaction.atomic():
            db.lock_chain(connection)
            builder = chain.ChainBuilder(head())
            raw = connection.connection  # the psycopg 3 connection
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for k in range(done, done + size):
                    org = k % 50 + 1
                    actor = k % 5000 + 1
                    fields = {
                        "occurred_at": start + step * k,
                        "actor_id": actor,
                        "actor_name": f"Användare {actor}",
                        "actor_organisation_id": None,
                        "actor_organisation_name": "",
                        "organisation_id": org,
                        "organisation_name": f"Kommun {org}",
                        "client_address": f"10.{org}.{actor % 250}.{k % 250 + 1}",
                        "user_agent": AGENTS[k % 3],
                        "api_token_id": "",
                        "request_id": f"{k:032x}",
                        "action": ACTIONS[k % len(ACTIONS)],
                        "object_type": "register.system",
                        "object_id": str(k % 20000),
                        "object_repr": f"System {k % 20000}",
                        "changes": {"description": [f"före {k}", f"efter {k}"]} if k % 2 else {},
                        "reason": "",
                    }
                    seq, prev, digest = builder.append(
                        {**fields, "occurred_at": chain.timestamp(fields["occurred_at"])}
                    )
                    copy.write_row(
                        (
                            seq,
                            prev,
                            digest,
                            *(
                                chain.canonical_json_fast(fields[c])
                                if c == "changes"
                                else fields[c]
                                for c in chain.HASHED_FIELDS
                            ),
                        )
                    )
        done += size
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    line(
        f"bulk load with COPY, chained in batches, {n:,} events", f"{n / elapsed:>10,.0f} events/s"
    )


# --- 3. verify ---------------------------------------------------------------------------------
def bench_verify(reference: bool = False, split: bool = True) -> None:
    from forvalta.audit import verify
    from forvalta.audit.verify import verify_trail

    default = verify.PARALLEL_SCAN_FROM
    verify.PARALLEL_SCAN_FROM = default if split else 10**15
    started = time.perf_counter()
    try:
        result = verify_trail(chunk_size=50_000, reference=reference)
    finally:
        verify.PARALLEL_SCAN_FROM = default
    elapsed = time.perf_counter() - started
    how = (
        "reference (Python renders)"
        if reference
        else "server scan, split by seq range"
        if split
        else "server scan, one range"
    )
    line(
        f"verify, {how}: {result}",
        f"{result.count / elapsed:>10,.0f} events/s ({elapsed:.1f} s)",
    )
    if not result.intact:
        raise SystemExit("the benchmark chain does not verify")


# --- 4. search ---------------------------------------------------------------------------------
def bench_search() -> None:
    from django.db import reset_queries

    from forvalta.audit.models import AuditEvent
    from forvalta.audit.views import capped_count

    base = AuditEvent.objects.order_by("-seq")
    t0 = dt.datetime(2019, 3, 1, tzinfo=dt.UTC)
    queries = {
        "newest page, one organisation": base.filter(organisation_id=7),
        "one organisation, one week in 2019": base.filter(
            organisation_id=7, occurred_at__gte=t0, occurred_at__lt=t0 + dt.timedelta(days=7)
        ),
        "one user (all time)": base.filter(organisation_id=7, actor_id=1207),
        "one client address": base.filter(client_address="10.7.207.8"),
        "one activity, one organisation": base.filter(organisation_id=7, action="access.denied"),
        "one object": base.filter(object_type="register.system", object_id="1234"),
    }
    for label, qs in queries.items():
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            list(qs[:51])
            capped_count(qs)
            timings.append((time.perf_counter() - started) * 1000)
        reset_queries()
        line(f"search: {label} (page + capped count)", f"{statistics.median(timings):>10.1f} ms")


# --- 5. overhead on a register edit ------------------------------------------------------------
def bench_edit_overhead(requests: int) -> None:
    from django.test import Client
    from django.urls import reverse

    import forvalta.core.services as core_services
    from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
    from forvalta.register.forms import SystemForm
    from forvalta.register.tests.factories import SystemFactory

    org = OrganisationFactory(name="Benchkommun")
    admin = UserFactory(username="bench-admin")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    system = SystemFactory(owner_organisation=org, management_object__owner_organisation=org)
    form = SystemForm(instance=system, user=admin)
    data: dict[str, Any] = {}
    for name, bound in ((n, form[n]) for n in form.fields):
        value = bound.value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    client = Client()
    client.force_login(admin)
    url = reverse("register:system_edit", args=[system.pk])
    real = core_services.record

    def noop(**kwargs: Any) -> None:
        return None

    counter = 0

    def post() -> float:
        nonlocal counter
        counter += 1
        started = time.perf_counter()
        response = client.post(url, {**data, "description": f"Beskrivning {counter}"})
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(f"edit failed: {response.status_code} {response.content[:500]!r}")
        return elapsed

    for _ in range(20):  # warm up
        post()
    with_audit: list[float] = []
    without: list[float] = []
    for i in range(requests):
        # Interleave, so drift (autovacuum, caches) hits both sides alike.
        order = (True, False) if i % 2 else (False, True)
        for audited in order:
            core_services.record = real if audited else noop  # type: ignore[assignment]
            (with_audit if audited else without).append(post())
    core_services.record = real  # type: ignore[assignment]
    a, b = statistics.median(with_audit), statistics.median(without)
    line("register edit (POST system), with the audit write", f"{a * 1000:>10.2f} ms median")
    line("register edit (POST system), no-op recorder", f"{b * 1000:>10.2f} ms median")
    line("audit write overhead on the edit request", f"{(a / b - 1) * 100:>10.1f} %")


def main() -> None:
    args = parse()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the bench creates its own db).")
    recreate_database(url)
    try:
        setup_django(url)
        from django.db import connection

        line("PostgreSQL", connection.cursor().connection.info.parameter_status("server_version"))
        bench_appends()
        bulk_load(args.events)
        bench_verify()
        bench_verify(split=False)
        bench_search()
        bench_verify(reference=True)
        bench_edit_overhead(args.requests)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
