"""List pages against a bare view, served by gunicorn and loaded by wrk (not in the suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/list_pages_bench.py

Creates the PostgreSQL database `forvalta_bench_lists` on the same server (dropped at
the end unless --keep), migrates, loads the demo data plus 3,000 systems (most of them
attached to a shared service that the persona `kommun2` takes part in), role assignments
and agreements in realistic proportions and 1,000,000 audit events, then starts gunicorn
on the loopback (2 sync workers) and runs wrk with a logged-in session against

- a bare view (`/bench/bare/`, bench urlconf only: same middleware, same session),
- the systems list, the audit search, the API systems list and the home page,

alternating, in several rounds. It prints per page and persona the requests/s, p50 and
p95 latency, the ratio to the bare view's requests/s (target >= 0.20) and p95 ratio
(target <= 10x), with the spread over the rounds (min-max). Pages answer 200 or the
run stops.

Runs with production settings (FORVALTA_TESTING is ignored), the rate-limit counters in
Redis (--cache-url, default redis://127.0.0.1:6379/15) and rate limits high enough never
to refuse; the sessions are logged in with their second factor done.

Options: --systems N (3000), --events N (1000000), --rounds N (3), --duration S (10),
--workers N (2), --connections N (2), --personas a,b (orgadmin,kommun2), --keep,
--reuse (use a bench database kept with --keep: migrate, no new data), --db NAME
(forvalta_bench_lists), --build-only (build the data and stop; use with --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))
BENCH_DB = "forvalta_bench_lists"
LUA = BENCH_DIR / "list_pages.lua"

# (label, path, who may open it): the audit search is for audit readers only.
PAGES = (
    ("bare view", "/bench/bare/", "all"),
    ("systems list", "/register/systems/", "all"),
    ("audit search", "/audit/", "auditor"),
    ("API systems list", "/api/systems/", "all"),
    ("home page", "/", "all"),
)
AUDITORS = {"orgadmin", "kungalvadmin"}
AREAS = ["Ärende", "Diarium", "Skola", "Omsorg", "Ekonomi", "GIS"]
TARGET_RPS_RATIO = 0.20
TARGET_P95_RATIO = 10.0


def parse() -> argparse.Namespace:
    global BENCH_DB
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=3000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--personas", default="orgadmin,kommun2")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/15",
        help="the cache for the rate-limit counters ('' = the PostgreSQL table)",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept bench database")
    parser.add_argument("--db", default=BENCH_DB, help=f"bench database name ({BENCH_DB})")
    parser.add_argument(
        "--build-only", action="store_true", help="build the data and stop (with --keep)"
    )
    args = parser.parse_args()
    BENCH_DB = args.db
    return args


def db_url(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def psql_admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(db_url(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]  # fixed statements only


def production_like(cache_url: str) -> None:
    """The settings a deployment runs with (README, "Production"), for Django here and
    for gunicorn: not the test settings (which drop the API's rate limits and the second
    factor), the recommended Redis cache for the rate-limit counters (or, with an empty
    --cache-url, the PostgreSQL cache table), and rate limits far above what the load
    sends, so every request pays for the throttle's counters but none is refused."""
    if os.environ.pop("FORVALTA_TESTING", None):
        print("FORVALTA_TESTING is ignored: the bench measures production settings", flush=True)
    if cache_url:
        os.environ["FORVALTA_CACHE_URL"] = cache_url
    else:
        os.environ.pop("FORVALTA_CACHE_URL", None)
    os.environ["FORVALTA_API_RATE_USER"] = "1000000/minute"
    os.environ["FORVALTA_API_RATE_ADDRESS"] = "1000000/minute"


def setup_django(url: str, migrate: bool) -> None:
    os.environ["DATABASE_URL"] = db_url(url, BENCH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ.setdefault("FORVALTA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def line(label: str, value: str) -> None:
    print(f"{label:<52} {value}", flush=True)


# --- data ------------------------------------------------------------------------------------
def build_data(n_systems: int, n_events: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from forvalta.core.models import Membership, Organisation
    from forvalta.register.models import (
        Agreement,
        AgreementKind,
        Criticality,
        Lifecycle,
        ManagementObject,
        RoleAssignment,
        RoleType,
        Service,
        System,
    )

    started = time.perf_counter()
    call_command("load_demo_data", verbosity=0, stdout=io.StringIO())
    rng = random.Random(7)  # noqa: S311 - repeatable test data, not secrets
    org = {o.name: o for o in Organisation.objects.all()}
    sambruk, region = org["Sambruk"], org["Region Stockholm"]
    kungalv, ale = org["Kungälvs kommun"], org["Ale kommun"]
    suppliers = list(Organisation.objects.filter(kind="supplier"))
    objects = {
        o.owner_organisation_id: o for o in ManagementObject.objects.order_by("-name")
    }  # one object per owner (any)
    sambruk_objects = list(ManagementObject.objects.filter(owner_organisation=sambruk))
    services = {s.name: s for s in Service.objects.all()}
    # Owners: 70 % Sambruk (on the e-service platform, which Ale and ten others take part
    # in), 10 % each Kungälv's own, Region Stockholm's (on WebCare) and Ale's own.
    plan = [(sambruk, "E-tjänsteplattform")] * 7 + [
        (kungalv, None),
        (region, "WebCare"),
        (ale, None),
    ]
    lifecycles = [Lifecycle.OPERATION] * 8 + [Lifecycle.INTRODUCTION, Lifecycle.RETIRED]
    criticalities = list(Criticality.values)
    new_systems = []
    for i in range(n_systems):
        owner, _service = plan[i % len(plan)]
        mo = (
            sambruk_objects[i % len(sambruk_objects)] if owner == sambruk else objects.get(owner.pk)
        )
        personal = rng.random() < 0.5
        new_systems.append(
            System(
                owner_organisation=owner,
                management_object=mo,
                name=f"Benchsystem {i:05d} {rng.choice(AREAS)}",
                description="Del av lastprovet för listsidorna.",
                vendor=rng.choice(suppliers) if rng.random() < 0.8 else None,
                product=f"Produkt {i % 97}.{i % 7}",
                lifecycle=rng.choice(lifecycles),
                criticality=rng.choice(criticalities),
                processes_personal_data=personal,
                holds_protected_identities=personal and rng.random() < 0.1,
            )
        )
    with transaction.atomic():
        created = System.objects.bulk_create(new_systems, batch_size=1000)
        through = Service.systems.through
        links = []
        for i, system in enumerate(created):
            _owner, service_name = plan[i % len(plan)]
            if service_name:
                links.append(through(service_id=services[service_name].pk, system_id=system.pk))
        through.objects.bulk_create(links, batch_size=2000)
        # Roles: a system owner on 60 % and a system manager on 45 % of the systems,
        # held by staff of the owner organisation.
        staff: dict[int, list[int]] = {}
        for m in Membership.objects.all():
            staff.setdefault(m.organisation_id, []).append(m.user_id)
        codes = {
            rt.code: rt
            for rt in RoleType.objects.filter(code__in=["system_owner", "system_manager"])
        }
        roles = []
        for system in created:
            people = staff.get(system.owner_organisation_id) or []
            for code, share in (("system_owner", 0.6), ("system_manager", 0.45)):
                if people and rng.random() < share:
                    roles.append(
                        RoleAssignment(
                            person_id=rng.choice(people),
                            role_type=codes[code],
                            organisation_id=system.owner_organisation_id,
                            system=system,
                            valid_from=dt.date(2023, 1, 1),
                        )
                    )
        RoleAssignment.objects.bulk_create(roles, batch_size=2000)
        # Agreements: one per ten systems of an owner, kinds in turn, a fifth of them up
        # for renewal within the warning window.
        kinds = [
            AgreementKind.FRAMEWORK,
            AgreementKind.SLA,
            AgreementKind.DPA,
            AgreementKind.SUPPORT,
            AgreementKind.LICENCE,
        ]
        agreements = []
        groups: list[list[System]] = []
        by_owner: dict[int, list[System]] = {}
        for system in created:
            by_owner.setdefault(system.owner_organisation_id, []).append(system)
        today = dt.date.today()
        for owner_id, systems in by_owner.items():
            for k in range(0, len(systems), 10):
                n = len(agreements)
                agreements.append(
                    Agreement(
                        kind=kinds[n % len(kinds)],
                        title=f"Benchavtal {n:04d}",
                        owner_organisation_id=owner_id,
                        supplier=suppliers[n % len(suppliers)],
                        valid_from=dt.date(2022, 1, 1),
                        renewal_decision_by=today + dt.timedelta(days=(n % 5) * 60 + 10),
                    )
                )
                groups.append(systems[k : k + 10])
        agreements = Agreement.objects.bulk_create(agreements, batch_size=1000)
        covers = Agreement.systems.through
        covers.objects.bulk_create(
            [
                covers(agreement_id=a.pk, system_id=s.pk)
                for a, group in zip(agreements, groups, strict=True)
                for s in group
            ],
            batch_size=5000,
        )
    line(
        "data: demo + systems, roles, agreements",
        f"{len(created):,} systems, {len(roles):,} roles, {len(agreements):,} agreements "
        f"({time.perf_counter() - started:.0f} s)",
    )
    load_events(n_events, [sambruk, kungalv, region, ale, *suppliers[:2]])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def load_events(n: int, orgs: list) -> None:
    from forvalta.audit.services import append_many

    started = time.perf_counter()
    # Sambruk 40 %, Kungälv 20 %, the platform 10 %, the rest spread.
    weights = [(orgs[0], 40), (orgs[1], 20), (None, 10), *((o, 6) for o in orgs[2:])]
    pool = [o for o, w in weights for _ in range(w)]
    first = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(seconds=(5 * 365 * 86400) / max(n, 1))
    actions = [
        "register.system.updated",
        "register.system.viewed",
        "register.roleassignment.created",
        "auth.login",
        "register.agreement.updated",
        "register.system.exported",
    ]

    def rows():
        for k in range(n):
            o = pool[k % len(pool)]
            yield {
                "occurred_at": first + step * k,
                "actor_id": k % 400 + 1,
                "actor_name": f"Användare {k % 400 + 1}",
                "organisation_id": o.pk if o else None,
                "organisation_name": o.name if o else "",
                "client_address": f"10.{k % 200}.{k % 250}.{k % 251 + 1}",
                "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
                "action": actions[k % len(actions)],
                "object_type": "register.system",
                "object_id": str(k % 3000),
                "object_repr": f"Benchsystem {k % 3000:05d}",
                "changes": {"description": [f"före {k}", f"efter {k}"]} if k % 2 else {},
            }

    total = append_many(rows(), batch_size=20_000)
    elapsed = time.perf_counter() - started
    line("data: audit events (append_many)", f"{total:,} events ({elapsed:.0f} s)")


# --- serving and loading -----------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url(url, BENCH_DB),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "forvalta.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 30 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.test import Client

    from forvalta.accounts.middleware import MFA_OK
    from forvalta.core.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="forvalta.accounts.backends.PasswordBackend"
    )
    # As after the second factor (an administrator must have one in production).
    session = client.session
    session[MFA_OK] = True
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def check_page(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "sv"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}, not 200: {body[:300]!r}")
    return len(body)


def run_wrk(port: int, path: str, cookie: str, seconds: int, connections: int) -> dict[str, int]:
    out = subprocess.run(  # noqa: S603 - /usr/bin/wrk, fixed arguments
        [
            "/usr/bin/wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_COOKIE": cookie},
        check=True,
    ).stdout
    match = re.search(r"^BENCH (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"wrk printed no result for {path}:\n{out}")
    result = {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    if result["status_errors"]:
        raise SystemExit(f"{path}: {result['status_errors']} responses were not 2xx/3xx")
    return result


def spread(values: list[float], fmt: str) -> str:
    if len(values) == 1:
        return format(values[0], fmt)
    low, mid, high = (format(v, fmt) for v in (min(values), statistics.median(values), max(values)))
    return f"{mid} ({low}-{high})"


def measure(port: int, personas: list[str], rounds: int, seconds: int, connections: int) -> None:
    cookies = {p: session_cookie(p) for p in personas}
    plan = [
        (persona, label, path)
        for persona in personas
        for label, path, who in PAGES
        if who == "all" or persona in AUDITORS
    ]
    for persona, label, path in plan:  # warm every worker and cache; sizes for the table
        size = check_page(port, path, cookies[persona])
        run_wrk(port, path, cookies[persona], 2, connections)
        line(f"warm-up {persona} {label} {path}", f"{size:,} bytes")
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for r in range(rounds):
        for persona, label, path in plan:
            res = run_wrk(port, path, cookies[persona], seconds, connections)
            rps = res["requests"] / (res["duration"] / 1e6)
            results.setdefault((persona, label), []).append(
                {"rps": rps, "p50": res["p50"] / 1000, "p95": res["p95"] / 1000}
            )
        print(f"round {r + 1}/{rounds} done", flush=True)

    print()
    print(
        f"{'persona':<10} {'page':<18} {'req/s':>22} {'p50 ms':>20} {'p95 ms':>20} "
        f"{'req/s vs bare':>22} {'p95 vs bare':>22}  target"
    )
    for persona, label, _path in plan:
        runs = results[(persona, label)]
        bare = results[(persona, "bare view")]
        rps = [x["rps"] for x in runs]
        rps_ratio = [x["rps"] / b["rps"] for x, b in zip(runs, bare, strict=True)]
        p95_ratio = [x["p95"] / b["p95"] for x, b in zip(runs, bare, strict=True)]
        if label == "bare view":
            verdict = "(reference)"
        else:
            ok = (
                statistics.median(rps_ratio) >= TARGET_RPS_RATIO
                and statistics.median(p95_ratio) <= TARGET_P95_RATIO
            )
            verdict = "met" if ok else "NOT met"
        print(
            f"{persona:<10} {label:<18} {spread(rps, '.1f'):>22} "
            f"{spread([x['p50'] for x in runs], '.1f'):>20} "
            f"{spread([x['p95'] for x in runs], '.1f'):>20} "
            f"{spread(rps_ratio, '.3f'):>22} {spread(p95_ratio, '.1f'):>22}  {verdict}"
        )
    print(
        f"\nmedian over {rounds} rounds of {seconds} s (min-max); targets: req/s >= "
        f"{TARGET_RPS_RATIO:.2f}x and p95 <= {TARGET_P95_RATIO:.0f}x the bare view's, "
        f"same persona, same round"
    )


def main() -> None:
    args = parse()
    production_like(args.cache_url)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (the bench makes its own db).")
    if not args.reuse:
        psql_admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        psql_admin(url, f'CREATE DATABASE "{BENCH_DB}"')
    proc = None
    try:
        setup_django(url, migrate=True)
        if not args.reuse:
            build_data(args.systems, args.events)
        if args.build_only:
            return
        from django.db import connections

        connections.close_all()
        proc, port = start_gunicorn(url, args.workers)
        line(
            "serving",
            f"gunicorn, {args.workers} sync workers, 127.0.0.1:{port}; "
            f"wrk -t1 -c{args.connections}",
        )
        measure(
            port,
            [p.strip() for p in args.personas.split(",") if p.strip()],
            args.rounds,
            args.duration,
            args.connections,
        )
    finally:
        if proc is not None:
            stop_gunicorn(proc)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql_admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
