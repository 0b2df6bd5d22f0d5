"""Run a mock SAML 2.0 IdP on 127.0.0.1 and connect an organisation to it, to try a SAML
login through an organisation's IdP locally (README, "Try it"). The IdP is pysaml2's own
(`forvalta.accounts.saml.mock_idp`, as in the tests). Not for production: it vouches for
the person given here to whoever asks."""

from __future__ import annotations

import html
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from forvalta.accounts.models import EmailDomain, IdentityProvider
from forvalta.accounts.saml import mock_idp as m
from forvalta.accounts.saml.mock_idp import MockSamlIdP
from forvalta.accounts.saml.sp import generate_key_pair, sp_metadata
from forvalta.audit.services import record
from forvalta.core.models import Organisation


class Command(BaseCommand):
    help = (
        "Run a mock SAML 2.0 IdP on 127.0.0.1 (for trying it locally only) and make it "
        "the IdP of an organisation, with a verified e-mail domain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", default="Alingsås kommun")
        parser.add_argument("--domain", default="alingsas.se")
        parser.add_argument("--port", type=int, default=8082)
        parser.add_argument("--email", default="erik.lund@alingsas.se")
        parser.add_argument("--first-name", default="Erik")
        parser.add_argument("--last-name", default="Lund")
        parser.add_argument("--name-id", default="demo-erik-lund")
        parser.add_argument("--personal-number", default="198112189876")  # a test number

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        mock = MockSamlIdP(entity_id=f"http://127.0.0.1:{options['port']}/saml")
        mock.name_id = options["name_id"]
        mock.user = {
            m.MAIL: options["email"],
            m.GIVEN_NAME: options["first_name"],
            m.SURNAME: options["last_name"],
            m.EMPLOYEE_NUMBER: "D-0002",
            m.PERSONAL_NUMBER: options["personal_number"],
        }
        idp = self._connect(organisation, mock, options["domain"])
        mock.sp_metadata = [sp_metadata(idp)]
        server = ThreadingHTTPServer(("127.0.0.1", options["port"]), _handler(mock))
        self.stdout.write(
            f"Mock SAML IdP at {mock.entity_id} for {organisation}. On the login page, "
            f"enter {options['email']} under “Logga in via din organisation” and press "
            f"“Fortsätt” twice; the mock logs in {options['first_name']} "
            f"{options['last_name']}. Ctrl+C stops it."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            mock.close()

    @transaction.atomic
    def _connect(self, organisation: Any, mock: MockSamlIdP, domain: str) -> Any:
        # scoping: allowed a command run by the operator, no request
        idp = IdentityProvider.objects.filter(organisation=organisation).first()
        if idp is not None and not idp.is_saml:
            raise CommandError(f"{organisation} already has an OpenID Connect IdP.")
        created = idp is None
        if idp is None:
            idp = IdentityProvider(organisation=organisation, protocol="saml")
        idp.name = organisation.short_name or organisation.name[:40]
        idp.saml_entity_id = mock.entity_id
        idp.saml_metadata_xml = mock.metadata()
        idp.email_claim, idp.first_name_claim, idp.last_name_claim = (
            m.MAIL,
            m.GIVEN_NAME,
            m.SURNAME,
        )
        idp.employee_id_claim = m.EMPLOYEE_NUMBER
        idp.personal_number_claim = m.PERSONAL_NUMBER
        idp.unit_claim = m.UNIT
        idp.is_enabled = True
        if not idp.sp_certificate:
            idp.sp_private_key, idp.sp_certificate = generate_key_pair(f"Forvalta {organisation}")
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
            changes={"saml_entity_id": [None, idp.saml_entity_id]},
            reason="manage.py mock_saml_idp (local trial)",
        )
        return idp


def _handler(mock: MockSamlIdP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/saml/metadata":
                self._send(200, mock.metadata(), "application/samlmetadata+xml")
                return
            if path != "/saml/sso":
                self._send(404, "Not found", "text/plain")
                return
            try:
                request = mock.read_request(mock.sso_url + "?" + urlsplit(self.path).query)
                saml_response = mock.response(request)
            except Exception as exc:  # a local trial: say what went wrong
                self._send(400, f"Not a usable AuthnRequest: {exc}", "text/plain")
                return
            name = html.escape(f"{mock.user[m.GIVEN_NAME]} {mock.user[m.SURNAME]}")
            relay_state = html.escape(request["relay_state"])
            page = (
                '<!doctype html><html lang="sv"><meta charset="utf-8">'
                "<title>Mock SAML IdP</title><h1>Mock SAML IdP</h1>"
                f"<p>Loggar in {name} (endast för lokal provning).</p>"
                f'<form method="post" action="{html.escape(request["acs"])}">'
                f'<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response)}">'
                f'<input type="hidden" name="RelayState" value="{relay_state}">'
                '<button type="submit">Fortsätt</button></form></html>'
            )
            self._send(200, page, "text/html; charset=utf-8")

    return Handler
