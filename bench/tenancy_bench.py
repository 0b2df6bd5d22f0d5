"""Tenancy benchmark: what reading through the scope costs, before and after (by hand).

    .venv/bin/python bench/tenancy_bench.py [--baseline f6108fd] [--systems 3000]

Runs the same measurement twice on PostgreSQL, side by side: on the code of a
baseline commit (exported with `git archive` into a temporary folder) and on this
working tree. Each run creates its own database (`forvalta_bench_tenancy_<label>`,
dropped at the end), loads the demo data plus `--systems` systems in Sambruk's shared
object (seen by the participating municipalities), and asks as a participant
(`kommun2`) and as the management lead (`forvaltningsledare`):

- the systems list page, the home page and the API systems list: queries per
  request, bytes of SQL per request, the longest literal list (`IN (1, 2, ...)`)
  in any statement, and the median and spread of the wall time over `--repeat`
  requests through the Django test client (same middleware as production);
- `System.objects.visible_to(user).count()` alone.

Prints one line per measurement with the baseline, this tree and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LITERALS = re.compile(r"IN \(((?:\s*(?:'[^']*'|-?\d+)\s*,?)+)\)", re.IGNORECASE)


def longest_literal_list(sql: str) -> int:
    return max((m.group(1).count(",") + 1 for m in LITERALS.finditer(sql)), default=0)


# --- the measurement, run inside one code tree -------------------------------------------
def measure(label: str, systems: int, repeat: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    import forvalta

    print(f"{label}: {forvalta.__file__}", file=sys.stderr)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forvalta.core.models import User
    from forvalta.register.models import Lifecycle, ManagementObject, Service, System

    call_command("migrate", verbosity=0)
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    obj = ManagementObject.objects.get(name="Digitala tjänster för invånare")
    service = Service.objects.filter(management_object=obj).order_by("pk").first()
    assert service is not None
    made = System.objects.bulk_create(
        System(
            owner_organisation_id=obj.owner_organisation_id,
            management_object=obj,
            name=f"Benchsystem {n:05d}",
            lifecycle=Lifecycle.OPERATION,
        )
        for n in range(systems)
    )
    service.systems.add(*made)

    results: dict[str, Any] = {}
    for username in ("kommun2", "forvaltningsledare"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for name, url in (
            ("systems list", "/register/systems/"),
            ("home page", "/"),
            ("API systems", "/api/systems/"),
        ):
            client.get(url)  # warm up
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            sql = [q["sql"] for q in ctx.captured_queries]
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            results[f"{username} {name}"] = {
                "queries": len(sql),
                "sql_bytes": sum(len(s) for s in sql),
                "longest_in_list": max((longest_literal_list(s) for s in sql), default=0),
                "ms_median": statistics.median(times),
                "ms_spread": (min(times), max(times)),
            }
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as ctx:
            count = System.objects.visible_to(fresh).count()
        results[f"{username} visible_to count"] = {
            "queries": len(ctx),
            "sql_bytes": sum(len(q["sql"]) for q in ctx.captured_queries),
            "longest_in_list": max(
                (longest_literal_list(q["sql"]) for q in ctx.captured_queries), default=0
            ),
            "rows": count,
        }
    return results


# --- the driver ----------------------------------------------------------------------------
def run_in(tree: Path, label: str, args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    db = f"forvalta_bench_tenancy_{label}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{db}",
        "FORVALTA_TESTING": "1",
        "PYTHONPATH": str(tree),
    }
    try:
        out = subprocess.run(  # noqa: S603 - this script, in another code tree
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--inner",
                label,
                "--systems",
                str(args.systems),
                "--repeat",
                str(args.repeat),
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        print(exc.stdout, exc.stderr, file=sys.stderr)
        raise
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="f6108fd")
    parser.add_argument("--systems", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(measure(args.inner, args.systems, args.repeat)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)
        archive = subprocess.run(  # noqa: S603 - git archive of a commit of this repository
            ["git", "archive", args.baseline],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)  # noqa: S603,S607
        before = run_in(old, "baseline", args)
    after = run_in(ROOT, "tree", args)
    print(
        f"Tenancy: demo data + {args.systems} shared systems, PostgreSQL, "
        f"{args.repeat} requests each; baseline {args.baseline} vs this tree"
    )
    header = f"{'measurement':<44} {'baseline':>22} {'this tree':>22} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for key, b in before.items():
        a = after[key]
        for metric in ("queries", "sql_bytes", "longest_in_list", "ms_median", "rows"):
            if metric not in b:
                continue
            bv, av = b[metric], a[metric]
            ratio = f"{av / bv:.2f}x" if bv else "-"
            if metric == "ms_median":
                bs = f"{bv:.1f} ({b['ms_spread'][0]:.1f}-{b['ms_spread'][1]:.1f})"
                as_ = f"{av:.1f} ({a['ms_spread'][0]:.1f}-{a['ms_spread'][1]:.1f})"
                print(f"{key + ' ms (min-max)':<44} {bs:>22} {as_:>22} {ratio:>7}")
            else:
                print(f"{key + ' ' + metric:<44} {bv:>22} {av:>22} {ratio:>7}")


if __name__ == "__main__":
    main()
