"""Where a log review's time goes (issue 14's G3; not part of the test suite), PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/profile_review.py --stored 2000000 --orders 5

Builds the same data as `logreview_load_bench.py` (its throwaway database
`forvalta_bench_logreview`; --reuse keeps what a previous --keep left), then times
`review.build` per order: first touch on a new connection and warm, with the queries'
own time beside it, and prints a cProfile of the warm builds (--profile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import logreview_load_bench as lb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, default=2_000_000)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--extract-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL")
    if args.reuse:
        os.environ["DATABASE_URL"] = lb.db_url(url, lb.BENCH_DB)
        os.environ["FORVALTA_TESTING"] = "1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forvalta.settings")
        import django

        django.setup()
    else:
        lb.setup(url)
    from django.db import connection, connections, reset_queries
    from django.test.utils import CaptureQueriesContext

    from forvalta.core.models import User
    from forvalta.logreview.models import ExtractOrder
    from forvalta.logreview.review import build

    tmp = Path(tempfile.mkdtemp(prefix="bench_lr_"))
    try:
        if args.reuse:
            admin = User.objects.get(username="bench.admin")
            orders = list(ExtractOrder.objects.order_by("pk")[: args.orders])
        else:
            w = lb.world()
            lb.fill(w, args.stored)
            orders = lb.orders(w, args.orders, args.extract_rows, tmp)
            admin = w["admin"]
        print(f"{lb.stored_count():,} rows stored; {len(orders)} orders", flush=True)
        first, warm, sql = [], [], []
        for order in orders:
            connections.close_all()
            start = time.perf_counter()
            build(order, admin)
            first.append(1000 * (time.perf_counter() - start))
        for _ in range(args.repeat):
            for order in orders:
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    review = build(order, admin)
                    warm.append(1000 * (time.perf_counter() - start))
                sql.append(1000 * sum(float(q["time"]) for q in queries.captured_queries))
        print(
            f"accesses in the last review: {review.total}; queries per build: "
            f"{len(queries.captured_queries)}\n"
            f"first touch (new connection) median {statistics.median(first):.1f} ms, "
            f"max {max(first):.1f} ms\n"
            f"warm median {statistics.median(warm):.1f} ms (p95 "
            f"{sorted(warm)[round(0.95 * len(warm)) - 1]:.1f}), of which SQL median "
            f"{statistics.median(sql):.1f} ms"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                for order in orders:
                    build(order, admin)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    finally:
        for p in tmp.glob("*"):
            p.unlink()
        tmp.rmdir()
        if not args.keep:
            lb.teardown(url)


if __name__ == "__main__":
    main()
