"""Load the demo data (forvalta/register/demo.py) in one transaction and list the personas."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from forvalta.audit import context
from forvalta.register import demo


class Command(BaseCommand):
    help = (
        "Creates demo data drawn from the seeds (Sambruk, Region Stockholm with WebCare, "
        "Kungälvs kommun) and one user per persona with the password "
        f"“{demo.PASSWORD}”. Does nothing if the demo data is already there."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.is_loaded():
            self.stdout.write(
                self.style.WARNING(
                    f"Demodata finns redan (organisationen “{demo.SENTINEL}” finns). "
                    "Inget ändrades."
                )
            )
            self._personas()
            return
        clashes = demo.conflicts()
        if clashes:
            raise CommandError(
                "Demodata kan inte läsas in: följande finns redan och skulle krocka: "
                + ", ".join(sorted(clashes))
                + ". Inget ändrades."
            )
        token = context.activate(context.AuditContext(user_agent="manage.py load_demo_data"))
        try:
            counts = demo.load()
        except ValidationError as exc:
            raise CommandError(f"Demodata kunde inte läsas in, inget ändrades: {exc}") from exc
        finally:
            context.deactivate(token)
        self.stdout.write(self.style.SUCCESS("Demodata inläst:"))
        for label, n in counts.items():
            self.stdout.write(f"  {label:<26} {n:>4}")
        self._personas()

    def _personas(self) -> None:
        rows = [(username, demo.PASSWORD, text) for username, text in demo.PERSONAS.items()]
        widths = [max(len(r[i]) for r in [*rows, ("Användarnamn", "Lösenord", "")]) for i in (0, 1)]
        self.stdout.write("")
        self.stdout.write(f"{'Användarnamn':<{widths[0]}}  {'Lösenord':<{widths[1]}}  Vem")
        self.stdout.write(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 40}")
        for username, password, text in rows:
            self.stdout.write(f"{username:<{widths[0]}}  {password:<{widths[1]}}  {text}")
        self.stdout.write("")
        self.stdout.write(f"Logga in på {demo.LOGIN_URL}")
