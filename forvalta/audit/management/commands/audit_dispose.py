"""Dispose of the oldest whole years of the audit trail that every retention allows.

Dry run by default: prints what would go. --commit removes it, after verifying the
chain, records the disposal and the anchor the remaining chain starts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forvalta.audit.services import disposal_plan, dispose


class Command(BaseCommand):
    help = "Dispose of audit events older than their retention (whole years, oldest first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="Remove; without it, a dry run.")
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, help=argparse_help_today(), default=None
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = disposal_plan(today=options["today"])
        if plan is None:
            self.stdout.write("nothing to dispose of")
            return
        per_org = ", ".join(f"{k}: {v}" for k, v in sorted(plan.per_organisation.items()))
        self.stdout.write(
            f"events {plan.from_seq}–{plan.up_to_seq} before {plan.before:%Y-%m-%d} "
            f"({plan.removed} events; {per_org})"
        )
        if not options["commit"]:
            self.stdout.write("dry run: nothing removed (use --commit)")
            return
        try:
            disposal = dispose(today=options["today"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if disposal is None:
            self.stdout.write("nothing to dispose of")
            return
        self.stdout.write(
            f"removed {disposal.removed} events; the chain now starts after seq "
            f"{disposal.up_to_seq} ({disposal.anchor_hash})"
        )


def argparse_help_today() -> str:
    return "Pretend today is this date (YYYY-MM-DD); for rehearsals on a copy."
