"""Run (or run again, after a killed worker) the loading of one queued log file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load a queued log file now (all or nothing; a load not queued is skipped)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("load_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        from forvalta.logreview.services import run_load

        self.stdout.write(run_load(options["load_id"]))
