"""Failed logins (kept for the throttling window only, see login_throttle) and the
identity providers and e-mail domains of organisations."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.scoping import ScopedQuerySet


class LoginFailure(models.Model):
    """One failed login: the user name tried (known or not) and the client's address.

    Rows older than the window are deleted as new failures come in; a successful login
    deletes its user name's rows.
    """

    username = models.CharField(_("user name"), max_length=150)
    address = models.CharField(_("address"), max_length=64, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "at"], name="loginfailure_username_at"),
            models.Index(fields=["address", "at"], name="loginfailure_address_at"),
            models.Index(fields=["at"], name="loginfailure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M:%S}"


# --- login through an organisation's own identity provider (docs/login.md) -------------------


class IdentityProviderQuerySet(ScopedQuerySet):
    def enabled(self) -> IdentityProviderQuerySet:
        return self.filter(is_enabled=True, organisation__is_active=True)


class IdentityProvider(models.Model):
    """An organisation's own identity provider (OpenID Connect or SAML 2.0; one per
    organisation), through which its staff log in. allauth sees an OIDC one as the app
    `oidc-<pk>` (`forvalta.accounts.sso`); a SAML one is Forvalta's own SP
    (`forvalta.accounts.saml`), `saml-<pk>`. People it logs in are linked to it by that
    id and the IdP's subject (`sub`) or NameID, never by e-mail."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        related_name="identity_providers",
        verbose_name=_("organisation"),
    )
    protocol = models.CharField(
        _("protocol"), max_length=10, choices=Protocol.choices, default=Protocol.OIDC
    )
    name = models.CharField(
        _("name"), max_length=40, help_text=_("Shown on the login button, e.g. “Sundsvall”.")
    )
    issuer = models.URLField(
        _("issuer"),
        max_length=300,
        blank=True,
        help_text=_(
            "The IdP's issuer URL (its discovery document is read from "
            "<issuer>/.well-known/openid-configuration). It cannot be changed later: "
            "people are linked to this issuer's subjects."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=191, blank=True)
    # Fernet token of the client secret (forvalta.accounts.crypto); never shown again.
    client_secret_encrypted = models.TextField(_("client secret (encrypted)"), editable=False)
    email_claim = models.CharField(_("e-mail claim"), max_length=100, default="email")
    first_name_claim = models.CharField(_("first name claim"), max_length=100, default="given_name")
    last_name_claim = models.CharField(_("last name claim"), max_length=100, default="family_name")
    employee_id_claim = models.CharField(
        _("employee id claim"),
        max_length=100,
        blank=True,
        help_text=_("The claim holding the employee id, if the IdP sends one."),
    )
    personal_number_claim = models.CharField(
        _("personal identity number claim"),
        max_length=100,
        blank=True,
        help_text=_(
            "The claim or attribute holding the personal identity number (SAML: "
            "urn:oid:1.2.752.29.4.13), if it is to be used. Stored only as a keyed hash "
            "and a masked form."
        ),
    )
    unit_claim = models.CharField(
        _("unit claim"),
        max_length=100,
        blank=True,
        help_text=_(
            "The claim or attribute naming the person's unit (its name or code in this "
            "organisation), used at the first login."
        ),
    )
    # SAML 2.0 (protocol "saml"): the IdP's metadata and entity id, and Forvalta's own
    # key pair for this organisation (its certificate is in the SP metadata).
    saml_entity_id = models.CharField(
        _("IdP entity id"),
        max_length=300,
        blank=True,
        help_text=_("The entityID of the IdP in its metadata. Cannot be changed later."),
    )
    saml_metadata_xml = models.TextField(_("IdP metadata (XML)"), blank=True)
    saml_metadata_url = models.URLField(
        _("IdP metadata URL"),
        max_length=500,
        blank=True,
        help_text=_("Where the IdP publishes its metadata (for reference; not fetched)."),
    )
    sp_private_key_encrypted = models.TextField(
        _("SP private key (encrypted)"), blank=True, editable=False
    )
    sp_certificate = models.TextField(_("SP certificate"), blank=True, editable=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "protocol"],
                name="identityprovider_one_per_protocol",
                violation_error_message=_(
                    "The organisation already has an identity provider of this kind."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_protocol_display()})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:sso_settings")

    @property
    def provider_id(self) -> str:
        return f"{self.protocol}-{self.pk}"

    @property
    def is_saml(self) -> bool:
        return self.protocol == self.Protocol.SAML

    @property
    def sp_private_key(self) -> str:
        from forvalta.accounts.crypto import decrypt

        return decrypt(self.sp_private_key_encrypted) if self.sp_private_key_encrypted else ""

    @sp_private_key.setter
    def sp_private_key(self, value: str) -> None:
        from forvalta.accounts.crypto import encrypt

        self.sp_private_key_encrypted = encrypt(value) if value else ""

    @property
    def client_secret(self) -> str:
        from forvalta.accounts.crypto import decrypt

        return decrypt(self.client_secret_encrypted) if self.client_secret_encrypted else ""

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        from forvalta.accounts.crypto import encrypt

        self.client_secret_encrypted = encrypt(value) if value else ""


def validate_domain(value: str) -> None:
    if not _DOMAIN.fullmatch(value or ""):
        raise ValidationError(_("Enter a domain name such as kommun.se."), code="invalid")


_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class EmailDomainQuerySet(ScopedQuerySet):
    def verified(self) -> EmailDomainQuerySet:
        return self.filter(verified_at__isnull=False)


class EmailDomain(models.Model):
    """An e-mail domain an organisation says it owns. Once the platform administrator has
    verified it, its IdP may log in people with addresses in it, and the login page sends
    addresses in it to that IdP. A domain belongs to one organisation only."""

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        related_name="email_domains",
        verbose_name=_("organisation"),
    )
    domain = models.CharField(
        _("domain"), max_length=253, unique=True, validators=[validate_domain]
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EmailDomainQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")

    def __str__(self) -> str:
        return self.domain

    def get_absolute_url(self) -> str:
        return reverse("accounts:sso_settings")

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def clean(self) -> None:
        super().clean()
        self.domain = normalise_domain(self.domain)


def normalise_domain(value: Any) -> str:
    """`Kommun.SE.` → `kommun.se`; an address gives its domain."""
    text = str(value or "").strip().casefold()
    if "@" in text:
        text = text.rpartition("@")[2]
    return text.rstrip(".")


# --- SAML: assertions already used, and personal identity numbers ---------------------------


class SamlAssertionUse(models.Model):
    """An assertion an IdP has logged someone in with, kept until it expires so that it
    cannot be used again (replay)."""

    identity_provider = models.ForeignKey(
        IdentityProvider,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("identity provider"),
    )
    assertion_id = models.CharField(_("assertion id"), max_length=255)
    not_on_or_after = models.DateTimeField(_("valid until"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("used SAML assertion")
        verbose_name_plural = _("used SAML assertions")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_provider", "assertion_id"], name="samlassertionuse_once"
            )
        ]
        indexes = [models.Index(fields=["not_on_or_after"], name="samlassertionuse_expiry")]

    def __str__(self) -> str:
        return self.assertion_id


class PersonalNumberQuerySet(ScopedQuerySet):
    pass


class PersonalNumber(models.Model):
    """A person's personal identity number as their organisation's IdP sent it: never in
    clear, only a keyed hash (HMAC-SHA256, key derived from SECRET_KEY and the
    organisation) and a masked form (YYYYMMDD-XXXX). One per person and organisation;
    readable by that organisation only."""

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    number_hash = models.CharField(_("keyed hash"), max_length=64)
    masked = models.CharField(_("masked number"), max_length=20)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PersonalNumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal identity number")
        verbose_name_plural = _("personal identity numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="personalnumber_one_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.masked
