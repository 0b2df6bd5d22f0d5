"""Run a mock OpenID Connect IdP on 127.0.0.1 and connect an organisation to it, to try a
login through an organisation's IdP locally (README, "Try it"). Not for production: the
mock logs in whoever asks as the person given here."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from forvalta.accounts.models import EmailDomain, IdentityProvider
from forvalta.accounts.oidc.mock_idp import MockOIDCProvider
from forvalta.audit.services import record
from forvalta.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Run a mock OpenID Connect IdP on 127.0.0.1 (for trying it locally only) and "
        "make it the IdP of an organisation, with a verified e-mail domain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", default="Kungälvs kommun")
        parser.add_argument("--domain", default="kungalv.se")
        parser.add_argument("--port", type=int, default=8081)
        parser.add_argument("--email", default="anna.berg@kungalv.se")
        parser.add_argument("--first-name", default="Anna")
        parser.add_argument("--last-name", default="Berg")
        parser.add_argument("--subject", default="demo-anna-berg")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        mock = MockOIDCProvider(port=options["port"])
        mock.user = {
            "sub": options["subject"],
            "email": options["email"],
            "given_name": options["first_name"],
            "family_name": options["last_name"],
            "employee_number": "D-0001",
        }
        self._connect(organisation, mock, options["domain"])
        self.stdout.write(
            f"Mock IdP at {mock.issuer} for {organisation}. On the login page, enter "
            f"{options['email']} under “Logga in via din organisation” and press "
            f"“Fortsätt”; the mock logs in {options['first_name']} {options['last_name']} "
            "at once. Ctrl+C stops it."
        )
        with mock:
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass

    @transaction.atomic
    def _connect(self, organisation: Any, mock: MockOIDCProvider, domain: str) -> None:
        # scoping: allowed a command run by the operator, no request
        idp = IdentityProvider.objects.filter(organisation=organisation).first()
        created = idp is None
        if idp is None:
            idp = IdentityProvider(organisation=organisation)
        idp.name = organisation.short_name or organisation.name[:40]
        idp.issuer = mock.issuer
        idp.client_id = mock.client_id
        idp.client_secret = mock.client_secret
        idp.employee_id_claim = "employee_number"
        idp.is_enabled = True
        idp.save()
        row, _ = EmailDomain.objects.get_or_create(  # scoping: allowed operator command
            domain=domain, defaults={"organisation": organisation}
        )
        if row.organisation_id != organisation.pk:
            raise CommandError(f"{domain} belongs to {row.organisation}.")
        if row.verified_at is None:
            row.verified_at = timezone.now()
            row.save(update_fields=["verified_at"])
        record(
            actor=None,
            action="accounts.identityprovider." + ("created" if created else "updated"),
            obj=idp,
            organisation=organisation,
            changes={"issuer": [None, idp.issuer]},
            reason="manage.py mock_oidc_idp (local trial)",
        )
