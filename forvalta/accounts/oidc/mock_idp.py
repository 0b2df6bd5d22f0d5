"""An OpenID Connect provider on the loopback interface: for the tests (without the
internet) and for trying a login through an organisation's IdP locally
(`manage.py mock_oidc_idp`). Never for production: it logs in whoever asks as `user`.

Serves discovery, JWKS (an RSA key made with `cryptography`), authorisation (answers at
once with a code for `user`, as if the person had logged in), token (checks the client
secret, redirect URI and PKCE verifier; a code works once) and userinfo. A test changes
what the next ID token looks like with `tamper(claims) -> token or None` (None: signed
normally with the changed claims).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "forvalta-test-client"
CLIENT_SECRET = "s3cret-of-the-client"  # noqa: S105  (the mock's own, public)


class MockOIDCProvider:
    def __init__(self, port: int = 0) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.user: dict[str, Any] = {}
        self.tamper: Callable[[dict[str, Any]], str | None] | None = None
        self.userinfo_override: dict[str, Any] | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.issued: list[str] = []  # every ID token handed out
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/realm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> MockOIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- tokens -------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def id_token_claims(self, nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            **self.user,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, data: Any, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = url.path.removeprefix("/realm")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if path == "/.well-known/openid-configuration":
                    return self._json(mock.discovery())
                if path == "/jwks":
                    return self._json(mock.jwks())
                if path == "/authorize":
                    if query.get("client_id") != mock.client_id:
                        return self._json({"error": "unauthorized_client"}, 400)
                    code = secrets.token_urlsafe(16)
                    mock.codes[code] = query
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                if path == "/userinfo":
                    if not self.headers.get("Authorization", "").startswith("Bearer "):
                        return self._json({"error": "invalid_token"}, 401)
                    return self._json(mock.userinfo_override or dict(mock.user))
                return self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                if url.path.removeprefix("/realm") != "/token":
                    return self._json({"error": "not_found"}, 404)
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                mock.token_requests += 1
                if (
                    form.get("client_id") != mock.client_id
                    or form.get("client_secret") != mock.client_secret
                ):
                    return self._json({"error": "invalid_client"}, 401)
                request = mock.codes.pop(form.get("code", ""), None)
                if request is None or form.get("redirect_uri") != request["redirect_uri"]:
                    return self._json({"error": "invalid_grant"}, 400)
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if request.get("code_challenge") != challenge:
                    return self._json({"error": "invalid_grant", "detail": "pkce"}, 400)
                claims = mock.id_token_claims(request.get("nonce"))
                token = mock.tamper(claims) if mock.tamper else None
                id_token = token or mock.sign(claims)
                mock.issued.append(id_token)
                return self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": id_token,
                    }
                )

        return Handler
