"""Writes about logins: ending a person's sessions, organisations' identity providers
and e-mail domains, and people created at their first login through one."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import MASK, diff, record, snapshot


def end_user_sessions(*, actor: Any, person: Any) -> None:
    """End every session of `person` at its next request (SessionSecurityMiddleware):
    by the administrators of the person's home organisation (`core.change_user`)."""
    if not actor.has_perm("core.change_user", person):
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        now = timezone.now()
        type(person).objects.filter(pk=person.pk).update(sessions_valid_after=now)
        person.sessions_valid_after = now
        record(
            actor=actor,
            action="auth.sessions_ended",
            obj=person,
            changes={"sessions_valid_after": [None, now.isoformat()]},
        )


# --- identity providers and e-mail domains (docs/login.md) -----------------------------------


def _refuse(actor: Any, action: str, obj: Any = None, object_type: str = "") -> None:
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and obj.pk else None,
        object_type=object_type,
        object_repr=str(obj or "")[:300],
        changes={"attempted": [None, action]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


_IDP_FIELDS = [
    "name",
    "issuer",
    "client_id",
    "email_claim",
    "first_name_claim",
    "last_name_claim",
    "employee_id_claim",
    "personal_number_claim",
    "unit_claim",
    "is_enabled",
]


def identity_provider_save(
    *, actor: Any, organisation: Any, data: dict[str, Any], instance: Any = None
) -> Any:
    """Create or change an organisation's OpenID Connect IdP: its administrators only.
    The issuer of an existing IdP stays (people are linked to its subjects); an empty
    `client_secret` keeps the stored one."""
    from forvalta.accounts.models import IdentityProvider

    if not actor.has_perm("accounts.change_identityprovider", organisation):
        _refuse(actor, "change", instance, "accounts.identityprovider")
    data = dict(data)
    secret = data.pop("client_secret", "") or ""
    with transaction.atomic():
        if instance is None:
            if IdentityProvider.objects.filter(  # scoping: allowed checked permission above
                organisation=organisation
            ).exists():
                raise ValidationError(
                    _("The organisation already has an identity provider of another kind.")
                )
            idp = IdentityProvider(organisation=organisation)
            before: dict[str, Any] = {}
            if not secret:
                raise ValidationError({"client_secret": _("Enter the client secret.")})
        else:
            idp = IdentityProvider.objects.select_for_update().get(
                pk=instance.pk, organisation=organisation, protocol="oidc"
            )
            before = snapshot(idp, _IDP_FIELDS)
            data.pop("issuer", None)
        for name in _IDP_FIELDS:
            if name in data:
                setattr(idp, name, data[name])
        validate_issuer(idp.issuer)
        if secret:
            idp.client_secret = secret
        idp.full_clean(exclude=["client_secret_encrypted"])
        idp.save()
        changes = diff(before, snapshot(idp, _IDP_FIELDS))
        if secret:
            changes["secret"] = [MASK if instance else None, MASK]
        if changes:
            record(
                actor=actor,
                action="accounts.identityprovider." + ("updated" if instance else "created"),
                obj=idp,
                organisation=organisation,
                changes=changes,
            )
    return idp


_SAML_FIELDS = [
    "name",
    "saml_entity_id",
    "saml_metadata_url",
    "email_claim",
    "first_name_claim",
    "last_name_claim",
    "employee_id_claim",
    "personal_number_claim",
    "unit_claim",
    "is_enabled",
]


def saml_identity_provider_save(
    *, actor: Any, organisation: Any, data: dict[str, Any], instance: Any = None
) -> Any:
    """Create or change an organisation's SAML 2.0 IdP: its administrators only. The
    IdP entity id of an existing IdP stays (people are linked to its NameIDs). A new
    one gets Forvalta's own key pair for the organisation (the SP metadata's
    certificate; the private key stored encrypted). An organisation has one IdP:
    OpenID Connect or SAML."""
    from forvalta.accounts.models import IdentityProvider
    from forvalta.accounts.saml.sp import generate_key_pair

    if not actor.has_perm("accounts.change_identityprovider", organisation):
        _refuse(actor, "change", instance, "accounts.identityprovider")
    data = dict(data)
    metadata_xml = (data.pop("saml_metadata_xml", "") or "").strip()
    if data.pop("saml_fetch_metadata", False) and not metadata_xml:
        # Fetched before the transaction: no lock is held while a remote server answers.
        metadata_xml = fetch_saml_metadata(data.get("saml_metadata_url") or "").strip()
    with transaction.atomic():
        if instance is None:
            if IdentityProvider.objects.filter(  # scoping: allowed checked permission above
                organisation=organisation
            ).exists():
                raise ValidationError(
                    _("The organisation already has an identity provider of another kind.")
                )
            idp = IdentityProvider(organisation=organisation, protocol="saml")
            before: dict[str, Any] = {}
            if not metadata_xml:
                raise ValidationError({"saml_metadata_xml": _("Paste the IdP's metadata.")})
        else:
            idp = IdentityProvider.objects.select_for_update().get(
                pk=instance.pk, organisation=organisation, protocol="saml"
            )
            before = snapshot(idp, _SAML_FIELDS)
            data.pop("saml_entity_id", None)
        for name in _SAML_FIELDS:
            if name in data:
                setattr(idp, name, "" if data[name] is None else data[name])
        if metadata_xml:
            validate_saml_metadata(metadata_xml, idp.saml_entity_id)
            changed_metadata = metadata_xml != idp.saml_metadata_xml
            idp.saml_metadata_xml = metadata_xml
        else:
            changed_metadata = False
        if not idp.sp_certificate:
            key_pem, cert_pem = generate_key_pair(f"Forvalta {organisation.name}")
            idp.sp_private_key = key_pem
            idp.sp_certificate = cert_pem
        idp.full_clean(exclude=["client_secret_encrypted", "sp_private_key_encrypted"])
        idp.save()
        changes = diff(before, snapshot(idp, _SAML_FIELDS))
        if changed_metadata:
            changes["saml_metadata_xml"] = [None, f"{len(metadata_xml)} characters"]
        if changes:
            record(
                actor=actor,
                action="accounts.identityprovider." + ("updated" if instance else "created"),
                obj=idp,
                organisation=organisation,
                changes=changes,
            )
    return idp


SAML_METADATA_FETCH_SECONDS = 10


def fetch_saml_metadata(url: str) -> str:
    """The IdP's metadata from its https address (plain http only to the loopback
    interface under FORVALTA_DEBUG, as for an OIDC issuer): no redirects, at most
    `SAML_METADATA_MAX_BYTES`, answered within `SAML_METADATA_FETCH_SECONDS`."""
    import requests

    from forvalta.accounts.forms import SAML_METADATA_MAX_BYTES

    failed = ValidationError(
        {"saml_metadata_url": _("The metadata could not be fetched from the address.")}
    )
    parsed = urlsplit(url)
    loopback = parsed.hostname in {"127.0.0.1", "localhost", "::1"}
    if parsed.scheme != "https" and not (settings.DEBUG and parsed.scheme == "http" and loopback):
        raise ValidationError({"saml_metadata_url": _("The address must be an https address.")})
    try:
        with requests.get(
            url, timeout=SAML_METADATA_FETCH_SECONDS, stream=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise failed
            body = b""
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > SAML_METADATA_MAX_BYTES:
                    raise ValidationError(
                        {"saml_metadata_url": _("The metadata file is too large.")}
                    )
    except requests.RequestException as exc:
        raise failed from exc
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError({"saml_metadata_xml": _("The metadata is not valid XML.")}) from exc


def validate_saml_metadata(xml: str, entity_id: str) -> None:
    """The metadata must describe the IdP `entity_id` with a signing certificate."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    md = "{urn:oasis:names:tc:SAML:2.0:metadata}"
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    try:
        root = ElementTree.fromstring(xml.encode())
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise ValidationError({"saml_metadata_xml": _("The metadata is not valid XML.")}) from exc
    entities = (
        [root] if root.tag == f"{md}EntityDescriptor" else list(root.iter(f"{md}EntityDescriptor"))
    )
    entity = next((e for e in entities if e.get("entityID") == entity_id), None)
    descriptor = entity.find(f"{md}IDPSSODescriptor") if entity is not None else None
    if descriptor is None:
        raise ValidationError(
            {"saml_entity_id": _("The metadata describes no IdP with this entity id.")}
        )
    if descriptor.find(f".//{ds}X509Certificate") is None:
        raise ValidationError(
            {"saml_metadata_xml": _("The IdP's metadata holds no signing certificate.")}
        )


def validate_issuer(issuer: str) -> None:
    """https; plain http only to the loopback interface (a local mock IdP) under
    FORVALTA_DEBUG. The server fetches the issuer's documents, so an organisation's
    administrator must not point it at the server's own plain-http services."""
    parsed = urlsplit(issuer or "")
    loopback = parsed.hostname in {"127.0.0.1", "localhost", "::1"}
    local_trial = settings.DEBUG and parsed.scheme == "http" and loopback
    if parsed.scheme != "https" and not local_trial:
        raise ValidationError({"issuer": _("The issuer must be an https address.")})
    if parsed.query or parsed.fragment:
        raise ValidationError({"issuer": _("The issuer must not have a query or fragment.")})


def email_domain_add(*, actor: Any, organisation: Any, domain: str) -> Any:
    """An organisation's administrator says the organisation owns a domain; it counts
    once the platform administrator has verified it."""
    from forvalta.accounts.models import EmailDomain, normalise_domain

    if not actor.has_perm("accounts.add_emaildomain", organisation):
        _refuse(actor, "create", None, "accounts.emaildomain")
    row = EmailDomain(organisation=organisation, domain=normalise_domain(domain))
    with transaction.atomic():
        row.full_clean()
        row.save()
        record(
            actor=actor,
            action="accounts.emaildomain.created",
            obj=row,
            organisation=organisation,
            changes={"domain": [None, row.domain]},
        )
    return row


def email_domain_delete(*, actor: Any, instance: Any) -> None:
    if not actor.has_perm("accounts.delete_emaildomain", instance):
        _refuse(actor, "delete", instance, "accounts.emaildomain")
    with transaction.atomic():
        pk, text, organisation = instance.pk, instance.domain, instance.organisation
        instance.delete()
        record(
            actor=actor,
            action="accounts.emaildomain.deleted",
            object_type="accounts.emaildomain",
            object_id=str(pk),
            object_repr=text,
            organisation=organisation,
            changes={"domain": [text, None]},
        )


def email_domain_verify(*, actor: Any, instance: Any) -> Any:
    """The platform administrator confirms the organisation owns the domain."""
    from forvalta.accounts.models import EmailDomain

    if not actor.has_perm("accounts.verify_emaildomain", instance):
        _refuse(actor, "verify", instance, "accounts.emaildomain")
    with transaction.atomic():
        row = EmailDomain.objects.select_for_update().get(pk=instance.pk)
        if row.verified_at is None:
            row.verified_at = timezone.now()
            row.verified_by = actor
            row.save(update_fields=["verified_at", "verified_by"])
            record(
                actor=actor,
                action="accounts.emaildomain.verified",
                obj=row,
                organisation=row.organisation,
                changes={"verified_at": [None, row.verified_at.isoformat()]},
            )
    return row


def _free_username(email: str) -> str:
    from forvalta.core.models import User

    base = re.sub(r"[^\w.@+-]", "", email)[:140] or "sso"
    name, n = base, 1
    while User.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def sso_user_create(*, idp: Any, sociallogin: Any, claims: dict[str, str]) -> Any:
    """First login through an organisation's IdP: the person, their membership in that
    organisation (and no other), and the link to the IdP's subject, in one transaction.
    The actor is the IdP's organisation's login, not a person."""
    from forvalta.core.models import Membership, User

    organisation = idp.organisation
    with transaction.atomic():
        person = User(
            username=_free_username(claims["email"]),
            email=claims["email"],
            first_name=claims["first_name"],
            last_name=claims["last_name"],
        )
        person.set_unusable_password()
        person.full_clean(exclude=["password"])
        person.save()
        membership = Membership(
            user=person, organisation=organisation, unit=unit_for(idp, claims.get("unit", ""))
        )
        membership.full_clean()
        membership.save()
        account = sociallogin.account
        account.user = person
        account.save()
        sociallogin.user = person
        reason = f"just-in-time via {idp}"[:300]
        record(
            actor=None,
            action="core.membership.created",
            obj=membership,
            organisation=organisation,
            changes=diff({}, snapshot(membership, ["user", "organisation"])),
            reason=reason,
        )
        record(
            actor=None,
            action="core.user.created",
            obj=person,
            organisation=organisation,
            changes={
                **diff({}, snapshot(person, ["username", "first_name", "last_name", "email"])),
                "employee_id": [None, claims.get("employee_id", "")],
                "identity_provider": [None, idp.provider_id],
            },
            reason=reason,
        )
        personal_number_store(
            organisation=organisation, user=person, value=claims.get("personal_number", "")
        )
    return person


def unit_for(idp: Any, value: str) -> Any:
    """The active unit of the IdP's own organisation whose code (else name) is `value`,
    if exactly one; a unit of another organisation is never used."""
    from forvalta.core.models import Unit

    value = (value or "").strip()
    if not value:
        return None
    units = Unit.objects.filter(  # scoping: allowed the IdP's own organisation only
        organisation_id=idp.organisation_id, is_active=True
    )
    for match in (units.filter(code=value), units.filter(name__iexact=value)):
        found = list(match[:2])
        if len(found) == 1:
            return found[0]
        if found:
            return None  # ambiguous: no unit rather than a guess
    return None


# --- personal identity numbers: a keyed hash and a masked form, never in clear -------------

_PNR_INFO = b"forvalta.accounts personal identity number v1 organisation "


def canonical_personal_number(value: str) -> str:
    """YYYYMMDDNNNN, or "" when `value` is not a valid personal (or coordination)
    number."""
    from personnummer import personnummer

    try:
        return str(personnummer.Personnummer(str(value or "").strip()).format(True))
    except (personnummer.PersonnummerException, ValueError, TypeError):
        return ""


def personal_number_hash(organisation_id: int, canonical: str) -> str:
    """HMAC-SHA256 of the number, keyed per organisation with a key derived from
    SECRET_KEY (HKDF): equal numbers match within one organisation and nowhere else."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_PNR_INFO + str(organisation_id).encode(),
    ).derive(settings.SECRET_KEY.encode())
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def mask_personal_number(canonical: str) -> str:
    """19811218-XXXX: the date of birth part, the last four digits hidden."""
    return f"{canonical[:8]}-XXXX"


def personal_number_store(*, organisation: Any, user: Any, value: str) -> Any:
    """Keep (or update) the person's number as their organisation's IdP sent it: hash
    and mask only. An empty or invalid value changes nothing."""
    from forvalta.accounts.models import PersonalNumber

    canonical = canonical_personal_number(value)
    if not canonical:
        return None
    digest = personal_number_hash(organisation.pk, canonical)
    masked = mask_personal_number(canonical)
    with transaction.atomic():
        row = (
            PersonalNumber.objects.select_for_update()  # scoping: allowed the login's own person
            .filter(organisation=organisation, user=user)
            .first()
        )
        if row is not None and row.number_hash == digest:
            return row
        before = row.masked if row is not None else None
        if row is None:
            row = PersonalNumber(organisation=organisation, user=user)
        row.number_hash, row.masked = digest, masked
        row.save()
        record(
            actor=None,
            action="accounts.personalnumber." + ("updated" if before else "created"),
            obj=row,
            organisation=organisation,
            changes={"masked": [before, masked]},
            reason="from the identity provider",
        )
    return row
