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
    """An organisation's own identity provider (OpenID Connect), through which its staff
    log in. allauth sees it as the app `oidc-<pk>` (`forvalta.accounts.sso`); people it
    logs in are linked to it by that id and the IdP's subject (`sub`), never by e-mail."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")

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
        help_text=_(
            "The IdP's issuer URL (its discovery document is read from "
            "<issuer>/.well-known/openid-configuration). It cannot be changed later: "
            "people are linked to this issuer's subjects."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=191)
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
        return f"oidc-{self.pk}"

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
