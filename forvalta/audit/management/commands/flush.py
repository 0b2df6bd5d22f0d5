"""`flush`, which test runs use between transactional tests, also on the audit tables.

The audit tables refuse DELETE and TRUNCATE (triggers). Under test settings this
command lifts the guards around Django's flush and puts them back; anywhere else it
is Django's flush, and the guards refuse to empty the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from forvalta.audit import db


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not getattr(settings, "TESTING", False):
            return super().handle(**options)
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        db.remove_guards(connection)
        try:
            return super().handle(**options)
        finally:
            db.install_guards(connection)
