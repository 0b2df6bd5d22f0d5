"""The login forms (password, second factor), with failed-login throttling, and the
forms for an organisation's identity provider."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.accounts.login_throttle import LoginThrottled, check_login_allowed


class LoginForm(AllauthLoginForm):
    """allauth's login form, refusing attempts while the user name or address is
    throttled. The refusal comes before the password is checked and reads the same
    whether or not the user name exists; a wrong user name or password reads the same
    too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data", args[0] if args else None)
        if data is not None and "login" not in data and "username" in data:
            # The field's name before allauth: older scripts and saved forms post it.
            data = data.copy()
            data["login"] = data["username"]
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        try:
            check_login_allowed(self.request, (self.data.get("login") or "").strip())
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean()


class MFAAuthenticateForm(AuthenticateForm):
    """The second step of a login: the same throttling as the password (a wrong code
    counts as a failed login, `forvalta.accounts.security`)."""

    def clean_code(self) -> str:
        try:
            check_login_allowed(getattr(self, "request", None) or _request(), self.user.username)
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean_code()


def _request() -> Any:
    from allauth.core import context

    return context.request


class IdentityProviderForm(forms.Form):
    """An organisation's OpenID Connect IdP (the issuer is fixed once saved)."""

    name = forms.CharField(
        label=_("Name"), max_length=40, help_text=_("Shown on the login button.")
    )
    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=300,
        assume_scheme="https",
        help_text=_("E.g. https://login.microsoftonline.com/<tenant>/v2.0. Cannot be changed."),
    )
    client_id = forms.CharField(label=_("Client id"), max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the stored one."),
    )
    email_claim = forms.CharField(label=_("E-mail claim"), max_length=100, initial="email")
    first_name_claim = forms.CharField(
        label=_("First name claim"), max_length=100, initial="given_name"
    )
    last_name_claim = forms.CharField(
        label=_("Last name claim"), max_length=100, initial="family_name"
    )
    employee_id_claim = forms.CharField(
        label=_("Employee id claim"), max_length=100, required=False
    )
    personal_number_claim = forms.CharField(
        label=_("Personal identity number claim"),
        max_length=100,
        required=False,
        help_text=_("Optional. Stored only as a keyed hash and a masked form (19811218-XXXX)."),
    )
    unit_claim = forms.CharField(
        label=_("Unit claim"),
        max_length=100,
        required=False,
        help_text=_(
            "Optional. At the first login the person is placed in the unit of this "
            "organisation whose code or name it holds."
        ),
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(instance, name)
                    for name in (
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
                    )
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["issuer"].disabled = True
        else:
            self.fields["client_secret"].required = True
            self.fields["client_secret"].help_text = _("Stored encrypted and never shown.")


# Attribute names most Swedish SAML IdPs send (the OIDs of eduPerson/inetOrgPerson).
SAML_MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
SAML_GIVEN_NAME = "urn:oid:2.5.4.42"
SAML_SURNAME = "urn:oid:2.5.4.4"
SAML_PERSONAL_NUMBER = "urn:oid:1.2.752.29.4.13"
SAML_METADATA_MAX_BYTES = 1_000_000


class SamlIdentityProviderForm(forms.Form):
    """An organisation's SAML 2.0 IdP: its metadata (pasted or uploaded), entity id and
    the attributes to read (the entity id is fixed once saved)."""

    name = forms.CharField(
        label=_("Name"), max_length=40, help_text=_("Shown on the login button.")
    )
    saml_entity_id = forms.CharField(
        label=_("IdP entity id"),
        max_length=300,
        help_text=_("The entityID in the IdP's metadata. Cannot be changed."),
    )
    saml_metadata_xml = forms.CharField(
        label=_("IdP metadata (XML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Paste the metadata, or upload it below. Leave empty to keep the stored one."),
    )
    saml_metadata_file = forms.FileField(label=_("IdP metadata file"), required=False)
    saml_metadata_url = forms.URLField(
        label=_("IdP metadata URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_(
            "An https address. Forvalta fetches the metadata from it when you tick the box "
            "below and save (pasted or uploaded metadata comes first)."
        ),
    )
    saml_fetch_metadata = forms.BooleanField(
        label=_("Fetch the metadata from the address now"), required=False
    )
    email_claim = forms.CharField(label=_("E-mail attribute"), max_length=100, initial=SAML_MAIL)
    first_name_claim = forms.CharField(
        label=_("First name attribute"), max_length=100, initial=SAML_GIVEN_NAME
    )
    last_name_claim = forms.CharField(
        label=_("Last name attribute"), max_length=100, initial=SAML_SURNAME
    )
    employee_id_claim = forms.CharField(
        label=_("Employee id attribute"), max_length=100, required=False
    )
    personal_number_claim = forms.CharField(
        label=_("Personal identity number attribute"),
        max_length=100,
        required=False,
        help_text=_(
            "Optional, usually urn:oid:1.2.752.29.4.13. Stored only as a keyed hash and "
            "a masked form (19811218-XXXX)."
        ),
    )
    unit_claim = forms.CharField(
        label=_("Unit attribute"),
        max_length=100,
        required=False,
        help_text=_(
            "Optional. At the first login the person is placed in the unit of this "
            "organisation whose code or name it holds."
        ),
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    FIELDS = (
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
    )

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["saml_entity_id"].disabled = True

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        upload = data.pop("saml_metadata_file", None)
        if upload:
            if upload.size > SAML_METADATA_MAX_BYTES:
                raise forms.ValidationError(_("The metadata file is too large."))
            try:
                data["saml_metadata_xml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The metadata is not valid XML.")) from exc
        fetch = data.get("saml_fetch_metadata")
        if fetch and not data.get("saml_metadata_url"):
            self.add_error("saml_metadata_url", _("Give the address to fetch the metadata from."))
        if (
            self.instance is None
            and not fetch
            and not (data.get("saml_metadata_xml") or "").strip()
        ):
            self.add_error("saml_metadata_xml", _("Paste the IdP's metadata."))
        return data


class EmailDomainForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), max_length=253, help_text=_("E.g. sundsvall.se."))


class SsoStartForm(forms.Form):
    """The login page's other way in: an address or domain, sent to its organisation's
    IdP."""

    sso = forms.CharField(
        label=_("E-mail address or domain for login through your organisation"),
        max_length=254,
    )
