"""A SAML 2.0 IdP built from pysaml2's own IdP classes (`saml2.server.Server`), in
process: for the tests (without the internet) and for trying a SAML login locally
(`manage.py mock_saml_idp`). Never for production: it vouches for whoever it is told.

It reads an AuthnRequest from the redirect URL Forvalta sends the browser to and answers
with a signed assertion (HTTP-POST form fields), as if the person had logged in. A test
changes the answer with the arguments of `response()`.
"""

from __future__ import annotations

import base64
import os
import tempfile
from typing import Any
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from forvalta.accounts.saml.sp import XMLSEC_BINARY, generate_key_pair

# Attribute names as Swedish IdPs send them (eduPerson/inetOrgPerson OIDs, the personal
# identity number's OID, and an employee number).
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
EMPLOYEE_NUMBER = "urn:oid:2.16.840.1.113730.3.1.3"
PERSONAL_NUMBER = "urn:oid:1.2.752.29.4.13"
UNIT = "urn:oid:2.5.4.11"  # organizationalUnitName


class MockSamlIdP:
    def __init__(self, entity_id: str = "https://idp.example.test/saml", sp_metadata: str = ""):
        self.entity_id = entity_id
        self.directory = tempfile.TemporaryDirectory(prefix="forvalta-mock-saml-")
        key_pem, cert_pem = generate_key_pair("Mock SAML IdP")
        self.key_path = os.path.join(self.directory.name, "idp.key")
        self.cert_path = os.path.join(self.directory.name, "idp.crt")
        with open(self.key_path, "w") as handle:
            handle.write(key_pem)
        with open(self.cert_path, "w") as handle:
            handle.write(cert_pem)
        self.sso_url = entity_id.rstrip("/") + "/sso"
        self.sp_metadata: list[str] = [sp_metadata] if sp_metadata else []
        self.user: dict[str, Any] = {}
        self.name_id = ""

    def close(self) -> None:
        self.directory.cleanup()

    def __enter__(self) -> MockSamlIdP:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def config(self) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC_BINARY,
                "key_file": self.key_path,
                "cert_file": self.cert_path,
                "metadata": {"inline": self.sp_metadata} if self.sp_metadata else {},
                "allow_unknown_attributes": True,
                "service": {
                    "idp": {
                        "name": "Mock SAML IdP",
                        "endpoints": {
                            "single_sign_on_service": [
                                (self.sso_url, BINDING_HTTP_REDIRECT),
                                (self.sso_url + "/post", BINDING_HTTP_POST),
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {
                            "default": {
                                "lifetime": {"hours": 1},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
            }
        )
        return config

    def metadata(self) -> str:
        text: str = entity_descriptor(self.config()).to_string().decode()
        return text

    def server(self) -> Server:
        return Server(config=self.config())

    def read_request(self, redirect_url: str) -> dict[str, str]:
        """The AuthnRequest in Forvalta's redirect: its id, issuer and ACS address."""
        query = parse_qs(urlsplit(redirect_url).query)
        parsed = self.server().parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = parsed.message
        return {
            "id": str(message.id),
            "issuer": str(message.issuer.text),
            "acs": str(message.assertion_consumer_service_url or ""),
            "relay_state": query.get("RelayState", [""])[0],
        }

    def response(
        self,
        request: dict[str, str],
        *,
        user: dict[str, Any] | None = None,
        name_id: str | None = None,
        audience: str | None = None,
        in_response_to: str | None = None,
        sign_assertion: bool = True,
        sign_response: bool = False,
    ) -> str:
        """A (base64) SAMLResponse to the request, for `user` ({attribute: value})."""
        identity = {
            name: value if isinstance(value, list) else [value]
            for name, value in (user if user is not None else self.user).items()
        }
        server = self.server()
        xml = server.create_authn_response(
            identity=identity,
            in_response_to=in_response_to if in_response_to is not None else request["id"],
            destination=request["acs"],
            sp_entity_id=audience or request["issuer"],
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id or self.name_id),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
        )
        return base64.b64encode(str(xml).encode()).decode()
