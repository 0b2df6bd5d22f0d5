"""Forvalta as a SAML 2.0 service provider, one per organisation (pysaml2).

Each organisation with a SAML IdP (`IdentityProvider` with protocol "saml") has its own
SP: entity id `<FORVALTA_BASE_URL>/login/saml/<organisation id>/metadata/` (where its
metadata is published), its assertion consumer service (ACS) at `.../acs/`, and its own
self-signed key pair (the private key stored encrypted, `forvalta.accounts.crypto`).

A response is accepted only when pysaml2 has verified it against the configured IdP's
metadata: the assertion signed with the IdP's certificate, the audience this SP's
entity id, within NotBefore/NotOnOrAfter (60 seconds' leeway), InResponseTo one of the
requests this browser started, sent to this ACS. Forvalta checks in addition that the
issuer is the configured IdP entity id (a federation's metadata names many IdPs), that
the audience names this SP, and that the assertion was not used before
(`SamlAssertionUse`, kept until it expires).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.time_util import str_to_time

XMLSEC_BINARY = "/usr/bin/xmlsec1"
LEEWAY_SECONDS = 60
KEY_BITS = 2048
CERT_YEARS = 10


class SamlRefused(Exception):
    """A response Forvalta does not accept; `reason` is recorded."""

    def __init__(self, reason: str) -> None:
        self.reason = reason[:300]
        super().__init__(self.reason)


def base_url() -> str:
    return settings.FORVALTA_BASE_URL.rstrip("/")


def sp_entity_id(organisation_id: int) -> str:
    return base_url() + reverse("saml_metadata", args=[organisation_id])


def acs_url(organisation_id: int) -> str:
    return base_url() + reverse("saml_acs", args=[organisation_id])


def generate_key_pair(common_name: str) -> tuple[str, str]:
    """A new RSA key and a self-signed certificate for it (PEM): the SP's own."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "Forvalta")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CERT_YEARS))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@contextlib.contextmanager
def _key_files(idp: Any) -> Iterator[tuple[str, str]]:
    """pysaml2 and xmlsec1 read keys from files: the SP's key pair in a private
    temporary directory for as long as one operation takes."""
    with tempfile.TemporaryDirectory(prefix="forvalta-saml-") as directory:
        key_path = os.path.join(directory, "sp.key")
        cert_path = os.path.join(directory, "sp.crt")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(idp.sp_private_key)
        with open(cert_path, "w") as handle:
            handle.write(idp.sp_certificate)
        yield key_path, cert_path


def _config(idp: Any, key_path: str, cert_path: str, with_idp: bool = True) -> SPConfig:
    organisation_id = idp.organisation_id
    conf: dict[str, Any] = {
        "entityid": sp_entity_id(organisation_id),
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": key_path,
        "cert_file": cert_path,
        "encryption_keypairs": [{"key_file": key_path, "cert_file": cert_path}],
        "accepted_time_diff": LEEWAY_SECONDS,
        "allow_unknown_attributes": True,
        "metadata": {"inline": [idp.saml_metadata_xml]} if with_idp else {},
        "service": {
            "sp": {
                "name": f"Forvalta – {idp.organisation.name}"[:200],
                "endpoints": {
                    "assertion_consumer_service": [(acs_url(organisation_id), BINDING_HTTP_POST)]
                },
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "only_use_keys_in_metadata": True,
                "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            }
        },
    }
    config = SPConfig()
    config.load(conf)
    return config


def sp_metadata(idp: Any) -> str:
    """The SP metadata Forvalta publishes for the organisation (unsigned XML)."""
    with _key_files(idp) as (key_path, cert_path):
        descriptor = entity_descriptor(_config(idp, key_path, cert_path, with_idp=False))
    text: str = descriptor.to_string().decode()
    return text


def authn_request(idp: Any, relay_state: str = "") -> tuple[str, str]:
    """A signed AuthnRequest to the IdP (HTTP-Redirect binding): its id and the URL."""
    with _key_files(idp) as (key_path, cert_path):
        client = Saml2Client(config=_config(idp, key_path, cert_path))
        request_id, info = client.prepare_for_authenticate(
            entityid=idp.saml_entity_id,
            relay_state=relay_state,
            binding=BINDING_HTTP_REDIRECT,
            sign=True,
        )
    location = dict(info["headers"])["Location"]
    return str(request_id), str(location)


@dataclass
class Assertion:
    name_id: str
    assertion_id: str
    not_on_or_after: datetime.datetime
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str:
        for value in self.attributes.get(name, []) if name else []:
            if value.strip():
                return value.strip()
        return ""


def _expiry(assertion: Any) -> datetime.datetime:
    """When the assertion stops being valid: its conditions' NotOnOrAfter, else its
    subject confirmation's (one of them is required)."""
    candidates = []
    conditions = assertion.conditions
    if conditions is not None and conditions.not_on_or_after:
        candidates.append(conditions.not_on_or_after)
    for confirmation in assertion.subject.subject_confirmation or []:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            candidates.append(data.not_on_or_after)
    if not candidates:
        raise SamlRefused("no_not_on_or_after")
    stamps = [
        datetime.datetime.fromtimestamp(calendar.timegm(str_to_time(c)), tz=datetime.UTC)
        for c in candidates
    ]
    return min(stamps)


def _attributes(assertion: Any) -> dict[str, list[str]]:
    """The assertion's attributes by Name and by FriendlyName, values as text."""
    found: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [str(v.text or "").strip() for v in attribute.attribute_value or []]
            for key in {attribute.name, attribute.friendly_name} - {None, ""}:
                found.setdefault(str(key), []).extend(values)
    return found


def verified_assertion(idp: Any, saml_response: str, outstanding: dict[str, str]) -> Assertion:
    """The assertion of a (base64) SAMLResponse sent to the organisation's ACS, if it
    passes every check; otherwise SamlRefused. Remembers the assertion's id."""
    if not saml_response:
        raise SamlRefused("no_response")
    with _key_files(idp) as (key_path, cert_path):
        client = Saml2Client(config=_config(idp, key_path, cert_path))
        try:
            response = client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding=outstanding
            )
        except Exception as exc:  # pysaml2 raises many kinds; every one is a refusal
            raise SamlRefused(f"{type(exc).__name__}: {exc}") from exc
    if response is None or response.assertion is None:
        raise SamlRefused("no_assertion")
    assertion = response.assertion
    if response.in_response_to not in outstanding:
        raise SamlRefused("in_response_to")
    issuer = assertion.issuer.text.strip() if assertion.issuer is not None else ""
    if issuer != idp.saml_entity_id or (response.issuer() or issuer) != idp.saml_entity_id:
        raise SamlRefused("issuer")
    if not getattr(assertion, "signature", None):
        raise SamlRefused("assertion_not_signed")
    audiences = (
        {
            (audience.text or "").strip()
            for restriction in (assertion.conditions.audience_restriction or [])
            for audience in restriction.audience or []
        }
        if assertion.conditions is not None
        else set()
    )
    if sp_entity_id(idp.organisation_id) not in audiences:
        raise SamlRefused("audience")
    name_id = assertion.subject.name_id if assertion.subject is not None else None
    if name_id is None or not (name_id.text or "").strip():
        raise SamlRefused("no_name_id")
    if name_id.format == NAMEID_FORMAT_TRANSIENT:
        raise SamlRefused("transient_name_id")
    expiry = _expiry(assertion)
    if expiry + datetime.timedelta(seconds=LEEWAY_SECONDS) < timezone.now():
        raise SamlRefused("expired")
    remember_assertion(idp, str(assertion.id), expiry)
    return Assertion(
        name_id=name_id.text.strip(),
        assertion_id=str(assertion.id),
        not_on_or_after=expiry,
        attributes=_attributes(assertion),
    )


def remember_assertion(idp: Any, assertion_id: str, expiry: datetime.datetime) -> None:
    """Refuse an assertion used before (until its expiry; expired ones are dropped)."""
    from forvalta.accounts.models import SamlAssertionUse

    SamlAssertionUse.objects.filter(  # scoping: allowed replay store, no person's data
        not_on_or_after__lt=timezone.now() - datetime.timedelta(seconds=LEEWAY_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            SamlAssertionUse.objects.create(  # scoping: allowed the replay store
                identity_provider=idp,
                assertion_id=assertion_id[:255],
                not_on_or_after=expiry + datetime.timedelta(seconds=LEEWAY_SECONDS),
            )
    except IntegrityError as exc:
        raise SamlRefused("replayed") from exc


def sso_locations(idp: Any) -> list[str]:
    """The IdP's single sign-on addresses (HTTP-Redirect) in its metadata."""
    with _key_files(idp) as (key_path, cert_path):
        try:
            config = _config(idp, key_path, cert_path)
            services = config.metadata.single_sign_on_service(
                idp.saml_entity_id, BINDING_HTTP_REDIRECT
            )
        except Exception:  # no such entity, or no redirect binding: the login reports it
            return []
    return [str(s.get("location", "")) for s in services if s.get("location")]
