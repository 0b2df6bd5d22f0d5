"""Login and callback for an organisation's OpenID Connect IdP (allauth's views with
Forvalta's adapter, and the failed-login throttling before the callback's work)."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

import requests
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from forvalta.accounts.login_throttle import LoginThrottled, check_login_allowed
from forvalta.accounts.oidc.provider import ForvaltaOIDCAdapter


class CallbackView(OAuth2CallbackView):
    adapter: ForvaltaOIDCAdapter

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            # Failed SSO callbacks count per client address (forvalta.accounts.sso).
            check_login_allowed(request, "")
        except LoginThrottled as exc:
            return render(
                request,
                "socialaccount/authentication_error.html",
                {"throttled": exc.message},
                status=429,
            )
        try:
            return super().dispatch(request, *args, **kwargs)
        except (OAuth2Error, requests.RequestException) as exc:
            # The IdP's discovery document or keys could not be read, or name another
            # issuer (before allauth's own error handling starts).
            provider = self.adapter.get_provider()
            return render_authentication_error(request, provider, exception=exc)

    def _get_state(self, request: HttpRequest, provider: Any) -> tuple[Any, Any]:
        state, response = super()._get_state(request, provider)
        self.adapter.state = state  # its nonce is checked against the ID token's
        return state, response


def _origin(url: Any) -> str:
    parts = urlsplit(str(url or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""


def idp_origins(adapter: ForvaltaOIDCAdapter) -> list[str]:
    """Where the login page's form may lead: the IdP's issuer and its authorisation
    endpoint (browsers apply the page's CSP form-action to the redirects after a form
    is sent)."""
    origins = {_origin(adapter.get_provider().app.settings.get("issuer"))}
    # An IdP that cannot be read now: the button's POST reports it.
    with contextlib.suppress(OAuth2Error, requests.RequestException, ValueError, KeyError):
        origins.add(_origin(adapter.authorize_url))
    return sorted(o for o in origins if o)


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """GET: the page with the button that starts the login (allauth's, with the IdP
    allowed as the form's destination); POST: to the IdP."""
    try:
        adapter = ForvaltaOIDCAdapter(request, provider_id)
        response = OAuth2LoginView.adapter_view(adapter)(request)
        if request.method == "GET" and response.status_code == 200:
            response._csp_update = {"form-action": idp_origins(adapter)}  # type: ignore[attr-defined]
        return response
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = CallbackView.adapter_view(ForvaltaOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc
