"""Chain the staged audit events (the sequencer's periodic path).

Requests start the sequencer themselves after they commit; this command chains what
a process that died (or a read that only staged its event) left behind. Run it every
minute (cron, systemd timer), or with --every SECONDS as a long-running worker, so no
event stays staged longer than the bound verify checks
(FORVALTA_AUDIT_STAGING_BOUND_SECONDS, default 900).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from forvalta.audit.services import chain_pending


class Command(BaseCommand):
    help = "Chain the staged audit events (run every minute, or with --every)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="Keep running; chain every SECONDS."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Wait for a sequencer that is running instead of leaving the work to it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        while True:
            chained = chain_pending(wait=options["wait"])
            if options["verbosity"] > 1 or not every:
                self.stdout.write(f"chained {chained} staged events")
            if not every:
                return
            connections.close_all()
            time.sleep(every)
