"""The OpenID Connect provider as Forvalta uses it.

allauth's stock adapter skips the ID token's signature when the token came straight
from the token endpoint (OIDC Core 3.1.3.7 allows it over TLS), takes the algorithm
from the token's own header, and sends no nonce. Forvalta always verifies the
signature against the IdP's published keys with an asymmetric algorithm, requires
`iss` (equal to the configured issuer, which the discovery document must repeat),
`aud` (the client id; `azp` when there are several), `exp`, `iat` and `sub`, binds the
token to this browser's login attempt with a `nonce` kept in the (single-use) state,
uses PKCE, and requires the userinfo's `sub` to be the ID token's. Parameters a link
could add to the authorisation request (`scope`, `auth_params`, `process`) are ignored.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

import jwt
import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

# Asymmetric algorithms only: never "none", never a shared-secret HMAC.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]


class ForvaltaOIDCAdapter(OpenIDConnectOAuth2Adapter):
    # The state of this login attempt (set by the callback view before the token is
    # fetched): holds the nonce sent to the IdP.
    state: dict[str, Any] | None = None

    @property
    def openid_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().openid_config
        issuer = self.get_provider().app.settings.get("issuer", "")
        if config.get("issuer") != issuer:
            # OIDC Discovery 4.3: the document must name the issuer it was fetched for.
            raise OAuth2Error("The discovery document names another issuer")
        return config

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("No ID token in the token response")
        claims = self.verify_id_token(app, id_token)
        data: dict[str, Any] = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                # OIDC Core 5.3.2: otherwise the userinfo must not be used.
                raise OAuth2Error("The userinfo belongs to another subject")
            data["userinfo"] = userinfo
        from forvalta.accounts.sso import accept_claims

        # Before allauth looks the person up (and updates a linked account): an address
        # outside the organisation's verified domains changes nothing.
        accept_claims(request, self.get_provider(), data)
        return self.get_provider().sociallogin_from_response(request, data)

    def _decode_id_token(self, app: Any, id_token: str) -> dict:
        return self.verify_id_token(app, id_token)

    def verify_id_token(self, app: Any, id_token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OAuth2Error("Malformed ID token") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OAuth2Error(f"ID token algorithm not accepted: {alg!r}")
        key = self._signing_key(header.get("kid"), alg)
        issuer = app.settings.get("issuer", "")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                audience=app.client_id,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise OAuth2Error(f"ID token refused: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != app.client_id:
            raise OAuth2Error("ID token for several audiences without this client as azp")
        expected = str((self.state or {}).get("nonce") or "")
        if not expected or not hmac.compare_digest(str(claims.get("nonce") or ""), expected):
            raise OAuth2Error("ID token nonce does not match this login")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OAuth2Error("ID token without a subject")
        return claims

    def _signing_key(self, kid: Any, alg: str) -> Any:
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = response.json().get("keys", [])
        candidates = [
            k
            for k in keys
            if isinstance(k, dict)
            and k.get("use", "sig") == "sig"
            and (kid is None or k.get("kid") == kid)
            and k.get("alg", alg) == alg
        ]
        if len(candidates) != 1:
            raise OAuth2Error("No single signing key for the ID token")
        try:
            return jwt.PyJWK(json.loads(json.dumps(candidates[0])), algorithm=alg).key
        except jwt.PyJWTError as exc:
            raise OAuth2Error("Unusable signing key") from exc


class ForvaltaOIDCProvider(OpenIDConnectProvider):
    """Registered in place of allauth's (SOCIALACCOUNT_PROVIDERS' `provider_class`),
    with its URLs from this package."""

    package = "forvalta.accounts.oidc"
    oauth2_adapter_class = ForvaltaOIDCAdapter

    def get_auth_params_from_request(self, request: HttpRequest, action: Any) -> dict:
        return self.get_auth_params()

    def get_scope_from_request(self, request: HttpRequest) -> list[str]:
        return self.get_scope()

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """To the IdP's authorisation endpoint, with state, nonce and PKCE. Only logins:
        connecting an IdP account to a logged-in user is not offered."""
        oauth2_adapter = self.get_oauth2_adapter(request)
        kwargs.pop("auth_params", None)
        kwargs.pop("scope", None)
        auth_params = self.get_auth_params()
        pkce_params = self.get_pkce_params()
        code_verifier = pkce_params.pop("code_verifier", None)
        auth_params.update(pkce_params)
        nonce = secrets.token_urlsafe(32)
        auth_params["nonce"] = nonce
        state_id = self.stash_redirect_state(
            request,
            AuthProcess.LOGIN,
            next_url,
            data,
            pkce_code_verifier=code_verifier,
            nonce=nonce,
        )
        try:
            client = oauth2_adapter.get_client(request, self.app)
            client.state = state_id
            url = client.get_redirect_url(
                oauth2_adapter.authorize_url, self.get_scope(), auth_params
            )
        except (OAuth2Error, requests.RequestException, ValueError) as exc:
            return render_authentication_error(
                request, self, extra_context={"state_id": state_id}, exception=exc
            )
        return HttpResponseRedirect(url)


provider_classes = [ForvaltaOIDCProvider]
