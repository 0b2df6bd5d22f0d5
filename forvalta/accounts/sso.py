"""Login through an organisation's own identity provider (allauth's socialaccount).

The identity providers are Forvalta's own rows (`IdentityProvider`), served to allauth
by this adapter as apps `oidc-<pk>`; allauth's database apps and settings apps are not
used. The rules (docs/login.md, "Login through your organisation"):

- A login is accepted only with an e-mail address in one of the IdP's organisation's
  verified domains (`EmailDomain`).
- A person is linked to the IdP by its app id and the IdP's subject (`sub`) only, never
  by e-mail address: a person arriving from organisation A's IdP is never logged in as
  an existing account, whatever its address, unless that account was created by (or
  earlier linked to) the same IdP.
- The first login creates the person and a membership in the IdP's organisation, and
  nowhere else (`services.sso_user_create`). A later login needs that membership still
  in force.
- Every refusal and failed callback is recorded (`auth.sso_failed`) and counts as a
  failed login from the client's address for the throttling.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.base.constants import AuthError
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.dispatch import receiver
from django.http import HttpRequest

from forvalta.accounts.login_throttle import note_failure
from forvalta.accounts.middleware import SSO_LOGIN
from forvalta.accounts.models import EmailDomain, IdentityProvider, normalise_domain
from forvalta.audit.services import record


class SsoRefused(PermissionDenied):
    """A login the IdP vouched for but Forvalta does not accept (`reason` is recorded).
    A PermissionDenied, so allauth's callback turns it into its error page."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def app_for(idp: IdentityProvider) -> SocialApp:
    return SocialApp(
        provider="openid_connect",
        provider_id=idp.provider_id,
        name=idp.name[:40],
        client_id=idp.client_id,
        secret=idp.client_secret,
        settings={
            "server_url": idp.issuer,
            "issuer": idp.issuer,
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            "token_auth_method": "client_secret_post",
            "scope": ["openid", "profile", "email"],
            "forvalta_idp": idp.pk,
        },
    )


def identity_provider_of(provider: Any) -> IdentityProvider | None:
    app = getattr(provider, "app", None)
    pk = app.settings.get("forvalta_idp") if app is not None else None
    if pk is None:
        return None
    return IdentityProvider.objects.select_related("organisation").filter(pk=pk).first()


def claim(data: dict[str, Any], name: str) -> str:
    """A claim from the userinfo, else from the ID token ("" when neither has it)."""
    for part in ("userinfo", "id_token"):
        value = (data.get(part) or {}).get(name) if name else None
        if value not in (None, ""):
            return str(value).strip()
    return ""


def mapped_claims(idp: IdentityProvider, data: dict[str, Any]) -> dict[str, str]:
    return {
        "email": claim(data, idp.email_claim).casefold(),
        "first_name": claim(data, idp.first_name_claim)[:150],
        "last_name": claim(data, idp.last_name_claim)[:150],
        "employee_id": claim(data, idp.employee_id_claim)[:100],
        "unit": claim(data, idp.unit_claim)[:200],
        "personal_number": claim(data, idp.personal_number_claim)[:20],
    }


def without_personal_number(idp: IdentityProvider, data: dict[str, Any]) -> dict[str, Any]:
    """The IdP's data as stored with the link: the personal identity number left out
    (only its keyed hash and masked form are kept, `PersonalNumber`)."""
    if not idp.personal_number_claim:
        return data
    return {
        key: (
            {k: v for k, v in value.items() if k != idp.personal_number_claim}
            if isinstance(value, dict)
            else value
        )
        for key, value in data.items()
    }


def stored_claims(claims: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in claims.items() if k != "personal_number"}


def accept_claims(
    request: HttpRequest, provider: Any, data: dict[str, Any]
) -> tuple[IdentityProvider, dict[str, str]]:
    """The IdP and its mapped claims, if Forvalta accepts this (verified) login from it;
    otherwise SsoRefused. Called as soon as the ID token is verified, before allauth
    looks the person up (and again before the login is completed)."""
    idp = identity_provider_of(provider)
    if idp is None or not idp.is_enabled or not idp.organisation.is_active:
        raise SsoRefused("identity_provider_disabled")
    claims = mapped_claims(idp, data)
    accept_mapped(request, idp, claims)
    return idp, claims


def accept_mapped(request: HttpRequest, idp: IdentityProvider, claims: dict[str, str]) -> None:
    """SsoRefused unless the mapped e-mail address is in one of the IdP's organisation's
    verified domains (OpenID Connect and SAML alike)."""
    request._forvalta_sso_claims = claims  # type: ignore[attr-defined]  # for the record
    email = claims["email"]
    if "@" not in email:
        raise SsoRefused("no_email")
    verified = EmailDomain.objects.verified().filter(
        organisation_id=idp.organisation_id, domain=normalise_domain(email)
    )
    if not verified.exists():
        raise SsoRefused("email_domain_not_verified")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    # --- the apps: Forvalta's identity providers, nothing else -------------------------
    def list_apps(
        self, request: HttpRequest | None, provider: Any = None, client_id: Any = None
    ) -> list[SocialApp]:
        idps = (
            IdentityProvider.objects.enabled()
            .filter(protocol=IdentityProvider.Protocol.OIDC)
            .select_related("organisation")
        )
        if provider and provider != "openid_connect":
            pk = str(provider).removeprefix("oidc-")
            if not pk.isdigit() or not str(provider).startswith("oidc-"):
                return []
            idps = idps.filter(pk=int(pk))
        apps = [app_for(idp) for idp in idps]
        if client_id:
            apps = [a for a in apps if a.client_id == client_id]
        return apps

    # --- linking: never by e-mail ------------------------------------------------------
    def can_authenticate_by_email(self, login: Any, email: str) -> bool:
        return False

    def authenticate_by_email(self, sociallogin: Any) -> None:
        return None

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # People are created in pre_social_login, with their membership; allauth's
        # signup (with its e-mail matching) is never reached.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        from forvalta.accounts.services import sso_user_create

        provider = sociallogin.provider
        claims: dict[str, str] = {}
        try:
            if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
                raise SsoRefused("not_a_login")
            data = sociallogin.account.extra_data
            idp, claims = accept_claims(request, provider, data)
            sociallogin.account.extra_data = {
                **without_personal_number(idp, data),
                "forvalta": stored_claims(claims),
            }
            if sociallogin.is_existing:
                from forvalta.core.models import Membership

                member = (
                    Membership.objects.active()
                    .filter(user_id=sociallogin.user.pk, organisation_id=idp.organisation_id)
                    .exists()
                )
                if not member:
                    raise SsoRefused("no_membership")
                sociallogin.account.save(update_fields=["extra_data"])
                from forvalta.accounts.services import personal_number_store

                personal_number_store(
                    organisation=idp.organisation,
                    user=sociallogin.user,
                    value=claims.get("personal_number", ""),
                )
            else:
                try:
                    sso_user_create(idp=idp, sociallogin=sociallogin, claims=claims)
                except IntegrityError as exc:  # the same subject's first login, twice at once
                    raise SsoRefused("concurrent_first_login") from exc
        except SsoRefused as exc:
            raise ImmediateHttpResponse(
                render_authentication_error(
                    request, provider, error=AuthError.DENIED, exception=exc
                )
            ) from exc

    # --- failures: recorded, and counted for the throttling ---------------------------
    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        if isinstance(exception, SsoRefused):
            reason = exception.reason
        elif exception is not None:
            reason = f"{type(exception).__name__}: {exception}"[:300]
        else:
            reason = str(error or "unknown")
        claims = getattr(request, "_forvalta_sso_claims", None) or {}
        idp = identity_provider_of(provider)
        record(
            actor=None,
            action="auth.sso_failed",
            object_type="core.user",
            object_repr=str(claims.get("email") or "")[:150],
            organisation=idp.organisation if idp else None,
            changes={
                "identity_provider": [None, str(getattr(provider, "sub_id", ""))],
                "reason": [None, reason],
            },
        )
        if error != AuthError.CANCELLED:
            note_failure(request, "")


@receiver(user_logged_in, dispatch_uid="forvalta_sso_login")
def _sso_login(sender: Any, request: Any, user: Any, sociallogin: Any = None, **kw: Any) -> None:
    if sociallogin is None:
        return
    idp = identity_provider_of(sociallogin.provider)
    record(
        actor=user,
        action="auth.sso_login",
        obj=user,
        organisation=idp.organisation if idp else None,
        changes={
            "identity_provider": [None, str(idp) if idp else sociallogin.account.provider],
            "subject": [None, sociallogin.account.uid],
        },
    )
    if request is not None and hasattr(request, "session"):
        request.session[SSO_LOGIN] = sociallogin.account.provider
