"""Enqueue the due scheduled jobs: once, or every --every seconds.

Workers started with `run_worker` already tick; this command is for deployments whose
workers are RQ workers (FORVALTA_TASKS_BACKEND=rq) or that want the scheduler apart.
Several may run at once: each due job is still enqueued once.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from forvalta.background.scheduler import sync_jobs, tick


class Command(BaseCommand):
    help = "Enqueue the due scheduled jobs (once, or every --every seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="Keep running; tick every SECONDS."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sync_jobs()
        every = options["every"]
        while True:
            claimed = tick()
            if claimed or not every or options["verbosity"] > 1:
                self.stdout.write(f"enqueued {len(claimed)} due jobs: {', '.join(claimed)}")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
