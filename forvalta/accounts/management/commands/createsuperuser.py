"""`createsuperuser` is replaced by `create_platform_admin`.

A Django superuser passes every permission check and so would bypass the tenancy
rules; Forvalta's first administrator is a platform administrator instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Not used in Forvalta: use create_platform_admin."

    def add_arguments(self, parser: Any) -> None:
        # Accept (and ignore) createsuperuser's usual options so scripts get the message.
        parser.add_argument("args", nargs="*")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--database")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(
            "createsuperuser används inte i Forvalta: en superanvändare skulle gå förbi "
            "organisationernas behörighetsregler. Skapa den första administratören med\n"
            "  manage.py create_platform_admin --username NAMN --email ADRESS\n"
            "(se README, “Running it for real”). Inget skapades."
        )
