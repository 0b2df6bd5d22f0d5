"""Profile one page of the list-page benchmark's data with cProfile (not in the suite).

    .venv/bin/python bench/list_pages_bench.py --keep          # builds forvalta_bench_lists
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/forvalta_bench_lists \\
        .venv/bin/python bench/profile_page.py /register/systems/ --user kommun2

Requests the page through the test client (warm-up first), then N more under cProfile,
and prints the top functions by cumulative and by own time, and the queries of one
request with their time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--user", default="orgadmin")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ.setdefault("FORVALTA_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forvalta.accounts.middleware import MFA_OK
    from forvalta.core.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=args.user), backend="forvalta.accounts.backends.PasswordBackend"
    )
    # As after the second factor (an administrator must have one in production).
    session = client.session
    session[MFA_OK] = True
    session.save()
    for _ in range(3):
        assert client.get(args.path).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        client.get(args.path)
        elapsed = time.perf_counter() - started
    print(f"one request: {elapsed * 1000:.1f} ms, {len(ctx.captured_queries)} queries")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms {len(q['sql']):6d} B  {q['sql'][:110]}")
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.n):
        client.get(args.path)
    profile.disable()
    each = (time.perf_counter() - started) / args.n * 1000
    print(f"\n{args.n} requests under cProfile: {each:.1f} ms each")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
