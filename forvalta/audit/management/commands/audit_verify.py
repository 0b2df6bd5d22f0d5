"""Verify the audit trail: exit 0 and "intact: N events", or exit 1 and the first break."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forvalta.audit.services import record
from forvalta.audit.verify import load_checkpoints, verify_trail


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain against its anchor and checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="Also compare with checkpoints exported earlier (audit_checkpoint --export json).",
        )
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="Do not record the verification as an audit event (read-only copies).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = []
        if options["checkpoints"]:
            try:
                data = json.loads(options["checkpoints"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {options['checkpoints']}: {exc}") from exc
            rows = data.get("checkpoints", []) if isinstance(data, dict) else data
            extra = load_checkpoints(rows, source=options["checkpoints"].name)
        result = verify_trail(extra_checkpoints=extra)
        if not options["no_record"]:
            record(
                actor=None,
                action="audit.verified",
                object_type="audit.auditevent",
                object_repr=str(result)[:300],
                changes=result_changes(result),
            )
        self.stdout.write(str(result))
        if not result.intact:
            raise SystemExit(1)


def result_changes(result: Any) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {
        "result": [None, "intact" if result.intact else "broken"],
        "count": [None, result.count],
        "head_seq": [None, result.head.seq],
    }
    if result.broken is not None:
        changes["broken_seq"] = [None, result.broken.seq]
        changes["reason"] = [None, result.broken.code]
    return changes
