"""Record today's checkpoint (the head of the chain) and export the checkpoints.

Run it daily (cron, systemd timer); it is idempotent per day. Keep the exports
somewhere the database's administrators cannot write: they are what shows that
the tail of the trail was cut off or the chain rewritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from forvalta.audit.services import checkpoint_create, checkpoints_as_rows, record


class Command(BaseCommand):
    help = "Record today's audit checkpoint; --export json|csv writes all checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)")
        parser.add_argument("--export", choices=["json", "csv"], help="Write all checkpoints.")
        parser.add_argument(
            "--no-create", action="store_true", help="Only export; record no checkpoint."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_create"]:
            checkpoint, created = checkpoint_create(day=options["day"])
            verb = "recorded" if created else "already recorded"
            self.stderr.write(
                f"checkpoint {checkpoint.day} {verb}: seq {checkpoint.seq} {checkpoint.hash}"
            )
        fmt = options["export"]
        if not fmt:
            return
        rows = checkpoints_as_rows()
        record(
            actor=None,
            action="audit.checkpoints_exported",
            object_type="audit.auditcheckpoint",
            object_repr=f"{len(rows)} checkpoints",
            changes={"format": [None, fmt]},
        )
        if fmt == "json":
            self.stdout.write(json.dumps({"checkpoints": rows}, indent=1))
        else:
            writer = csv.DictWriter(
                self.stdout, fieldnames=["day", "seq", "hash", "count", "created_at"]
            )
            writer.writeheader()
            writer.writerows(rows)
