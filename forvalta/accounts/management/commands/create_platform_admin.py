"""Create a platform administrator: the person who creates organisations and their
first administrators (and sees no tenant data).

    manage.py create_platform_admin --username plattform --email it@example.se
    manage.py create_platform_admin --username plattform --email it@example.se \
        --no-input --password-file /run/secrets/forvalta_admin_password

Interactively the password is asked for twice. With --no-input it is read from
--password-file or from the environment variable FORVALTA_ADMIN_PASSWORD; without
either the person gets no usable password and sets one through "forgot password".
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from forvalta.audit.services import record
from forvalta.core.models import User
from forvalta.core.validators import validate_no_control_characters

PASSWORD_ENV = "FORVALTA_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a secret


class Command(BaseCommand):
    help = (
        "Creates a platform administrator, who creates organisations and their "
        "administrators. The password is asked for, or read from --password-file or "
        f"${PASSWORD_ENV} with --no-input."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-file",
            help="A file whose first line is the password (e.g. a container secret).",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Ask nothing: the password comes from --password-file or "
            f"${PASSWORD_ENV}, or the person gets no usable password.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        email = options["email"].strip().lower()
        first, last = options["first_name"].strip(), options["last_name"].strip()
        try:
            for value in (username, email, first, last):
                validate_no_control_characters(value)
            User._meta.get_field("username").run_validators(username)
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not username:
            raise CommandError("Ange ett användarnamn (--username).")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"Användarnamnet “{username}” är redan upptaget. Inget ändrades.")
        user = User(
            username=username,
            email=email,
            first_name=first,
            last_name=last,
            is_platform_admin=True,
        )
        password = self._password(options)
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            user.set_password(password)
        else:
            user.set_unusable_password()
        with transaction.atomic():
            user.save()
            record(
                actor=None,
                action="core.user.created",
                obj=user,
                changes={
                    "username": [None, username],
                    "email": [None, email],
                    "is_platform_admin": [None, True],
                },
                reason="manage.py create_platform_admin",
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Plattformsadministratören “{username}” skapades. Logga in och skapa "
                "organisationerna och deras administratörer."
            )
        )
        if not password:
            self.stdout.write(
                "Inget lösenord angavs: sätt ett med “glömt lösenord” eller "
                "manage.py changepassword."
            )

    def _password(self, options: dict[str, Any]) -> str:
        if options.get("password_file"):
            try:
                text = Path(options["password_file"]).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Lösenordsfilen kunde inte läsas: {exc}") from exc
            lines = text.splitlines()
            return lines[0] if lines else ""
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not options["interactive"]:
            return ""
        for _attempt in range(3):
            first = getpass.getpass("Lösenord: ")
            second = getpass.getpass("Lösenord (igen): ")
            if first and first == second:
                return first
            self.stderr.write("Lösenorden är tomma eller olika. Försök igen.")
        raise CommandError("Inget lösenord angavs. Inget ändrades.")
