"""Personal API tokens: `Authorization: Bearer fv_<prefix>_<secret>`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from forvalta.core.models import ApiToken

TOKEN_PREFIX = "fv"  # noqa: S105 - a public marker in every token, not a secret


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_token_key() -> tuple[str, str]:
    """(prefix, full key). The full key is shown to the user once and never stored."""
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def parse_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        key = header[1]
        prefix = parse_key(key)
        token = (
            ApiToken.objects.usable().select_related("user").filter(prefix=prefix).first()
            if prefix
            else None
        )
        if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        from forvalta.audit import context

        context.attach_api_token(token.pk)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
