"""Login through an organisation's SAML 2.0 IdP: the start (a signed AuthnRequest by
HTTP-Redirect), the assertion consumer service (HTTP-POST) and the SP metadata.

The AuthnRequest's id travels in a signed, short-lived cookie of its own (SameSite=None:
the IdP's POST back to the ACS is a cross-site request, which does not carry the
session cookie); the ACS accepts only a response to that request (InResponseTo). The
rules after the signature checks are OpenID Connect's (forvalta.accounts.sso): the
e-mail address in a verified domain of the organisation, linking by IdP and NameID only
(`SocialAccount` with provider `saml-<pk>`), the first login creating the person and a
membership in that organisation only. Every refusal is recorded (`auth.sso_failed`) and
counts as a failed login from the client's address.
"""

from __future__ import annotations

import types
from typing import Any
from urllib.parse import urlsplit

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import login as django_login
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from forvalta.accounts.login_throttle import LoginThrottled, check_login_allowed, note_failure
from forvalta.accounts.middleware import SSO_LOGIN
from forvalta.accounts.models import IdentityProvider
from forvalta.accounts.saml import sp
from forvalta.accounts.sso import SsoRefused, accept_mapped, stored_claims
from forvalta.audit.services import record

COOKIE = "forvalta_saml_request"
COOKIE_SALT = "forvalta.accounts.saml.request"
COOKIE_SECONDS = 600
BACKEND = "forvalta.accounts.backends.PasswordBackend"


def saml_identity_provider(organisation_id: int) -> IdentityProvider:
    idp = (
        IdentityProvider.objects.enabled()  # scoping: allowed the public login endpoints
        .filter(organisation_id=organisation_id, protocol=IdentityProvider.Protocol.SAML)
        .select_related("organisation")
        .first()
    )
    if idp is None or not idp.sp_certificate:
        raise Http404
    return idp


def _next_url(request: HttpRequest, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""


@login_not_required
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """GET: the page with the button; POST: to the IdP with a signed AuthnRequest."""
    idp = saml_identity_provider(organisation_id)
    if request.method == "GET":
        response = render(request, "socialaccount/login.html", {"provider": idp})
        origins = sorted({o for o in map(_origin, sp.sso_locations(idp)) if o})
        response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response
    next_url = _next_url(request, request.POST.get("next", "")) or ""
    try:
        request_id, location = sp.authn_request(idp)
    except Exception as exc:  # the metadata names no usable single sign-on service
        return _refused(request, idp, f"authn_request: {type(exc).__name__}: {exc}", {})
    response = HttpResponseRedirect(location)
    value = signing.dumps({"id": request_id, "idp": idp.pk, "next": next_url}, salt=COOKIE_SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=COOKIE_SECONDS,
        path=f"/login/saml/{organisation_id}/",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="None" if (settings.SESSION_COOKIE_SECURE or request.is_secure()) else "Lax",
    )
    return response


def _outstanding(request: HttpRequest, idp: IdentityProvider) -> tuple[dict[str, str], str]:
    try:
        data = signing.loads(
            request.COOKIES.get(COOKIE, ""), salt=COOKIE_SALT, max_age=COOKIE_SECONDS
        )
    except signing.BadSignature:
        return {}, ""
    if not isinstance(data, dict) or data.get("idp") != idp.pk or not data.get("id"):
        return {}, ""
    return {str(data["id"]): str(data.get("next") or "")}, str(data.get("next") or "")


@csrf_exempt  # the IdP's form post; the response itself is signed and bound to the request
@login_not_required
@require_POST
def acs(request: HttpRequest, organisation_id: int) -> HttpResponse:
    idp = saml_identity_provider(organisation_id)
    try:
        check_login_allowed(request, "")
    except LoginThrottled as exc:
        return render(
            request,
            "socialaccount/authentication_error.html",
            {"throttled": exc.message},
            status=429,
        )
    outstanding, next_url = _outstanding(request, idp)
    claims: dict[str, str] = {}
    try:
        assertion = sp.verified_assertion(idp, request.POST.get("SAMLResponse", ""), outstanding)
        claims = {
            "email": assertion.first(idp.email_claim).casefold()[:254],
            "first_name": assertion.first(idp.first_name_claim)[:150],
            "last_name": assertion.first(idp.last_name_claim)[:150],
            "employee_id": assertion.first(idp.employee_id_claim)[:100],
            "unit": assertion.first(idp.unit_claim)[:200],
            "personal_number": assertion.first(idp.personal_number_claim)[:20],
        }
        accept_mapped(request, idp, claims)
        person = _person(idp, assertion.name_id, claims)
    except (sp.SamlRefused, SsoRefused) as exc:
        return _refused(request, idp, exc.reason, claims)
    django_login(request, person, backend=BACKEND)
    record(
        actor=person,
        action="auth.sso_login",
        obj=person,
        organisation=idp.organisation,
        changes={"identity_provider": [None, str(idp)], "subject": [None, assertion.name_id]},
    )
    request.session[SSO_LOGIN] = idp.provider_id
    response = HttpResponseRedirect(
        _next_url(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
    )
    response.delete_cookie(COOKIE, path=f"/login/saml/{organisation_id}/")
    return response


def _person(idp: IdentityProvider, name_id: str, claims: dict[str, str]) -> Any:
    """The person linked to (IdP, NameID), or a new one with a membership in the IdP's
    organisation only. Never found by e-mail address."""
    from forvalta.accounts.services import personal_number_store, sso_user_create
    from forvalta.core.models import Membership

    extra = {"forvalta": stored_claims(claims)}
    account = (
        SocialAccount.objects.select_related("user")
        .filter(provider=idp.provider_id, uid=name_id[:191])
        .first()
    )
    if account is not None:
        person = account.user
        if not person.is_active:
            raise SsoRefused("inactive")
        member = (
            Membership.objects.active()  # scoping: allowed the login's own person
            .filter(user_id=person.pk, organisation_id=idp.organisation_id)
            .exists()
        )
        if not member:
            raise SsoRefused("no_membership")
        account.extra_data = extra
        account.save(update_fields=["extra_data", "last_login"])
        personal_number_store(
            organisation=idp.organisation, user=person, value=claims.get("personal_number", "")
        )
        return person
    login = types.SimpleNamespace(
        account=SocialAccount(provider=idp.provider_id, uid=name_id[:191], extra_data=extra),
        user=None,
    )
    try:
        with transaction.atomic():
            return sso_user_create(idp=idp, sociallogin=login, claims=claims)
    except IntegrityError as exc:  # the same NameID's first login, twice at once
        raise SsoRefused("concurrent_first_login") from exc


def _refused(
    request: HttpRequest, idp: IdentityProvider, reason: str, claims: dict[str, str]
) -> HttpResponse:
    record(
        actor=None,
        action="auth.sso_failed",
        object_type="core.user",
        object_repr=str(claims.get("email") or "")[:150],
        organisation=idp.organisation,
        changes={"identity_provider": [None, idp.provider_id], "reason": [None, reason[:300]]},
    )
    note_failure(request, "")
    return render(request, "socialaccount/authentication_error.html", {}, status=401)


@login_not_required
def metadata(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The SP metadata for the organisation's IdP administrator (public, like the IdP's
    own: entity id, ACS address and Forvalta's certificate for this organisation)."""
    idp = saml_identity_provider(organisation_id)
    return HttpResponse(sp.sp_metadata(idp), content_type="application/samlmetadata+xml")
