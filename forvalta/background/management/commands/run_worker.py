"""Run a database task worker, supervised (see forvalta/background/workers.py).

Like django-tasks-db's `db_worker`, plus a heartbeat, the requeueing of tasks left running
by a worker that died, and the scheduler's ticks (unless --no-scheduler). Use it rather
than `db_worker`: a plain db_worker writes no heartbeat, so its long tasks would be taken
for orphans.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from forvalta.background.scheduler import sync_jobs
from forvalta.background.workers import Supervisor


class Command(DbWorkerCommand):
    help = "Run a supervised database task worker (and the scheduler's ticks)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Do not enqueue the scheduled jobs from this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_scheduler = options.pop("scheduler")
        # The autoreloader would run the worker in a child process with another worker id.
        options["reload"] = False
        if run_scheduler:
            sync_jobs()
        supervisor = Supervisor(options["worker_id"], run_scheduler=run_scheduler)
        supervisor.step()  # heartbeat and orphan check before the first task is claimed
        supervisor.start()
        try:
            super().handle(*args, **options)
        finally:
            supervisor.stop()
