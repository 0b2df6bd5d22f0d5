"""Personal API tokens: `Authorization: Bearer fv_<prefix>_<secret>`.

A token acts as its user under the same rules as the web interface. Only a hash of
the secret is stored; the full key is shown once, when the token is created. The
services at the end create and revoke tokens and record both in the audit trail;
each request made with a token marks its audit events with the token's id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from forvalta.audit.services import record
from forvalta.core.models import ApiToken

_PREFIX = re.compile(r"[0-9a-f]{8}")
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
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not _PREFIX.fullmatch(parts[1]):
        return None  # (a NUL byte in the prefix would make PostgreSQL refuse the query)
    return parts[1]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        # The per-address rate limit, before anything else (see api_throttle).
        from forvalta.core.api_throttle import check_address_rate

        check_address_rate(request)
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
        # A token ends with its user's last membership, like their sessions (the scope's
        # one query, which every API request makes anyway).
        from forvalta.core.tenancy import scope_for

        scope = scope_for(token.user)
        if not scope.is_platform_admin and not scope.membership_organisations:
            raise exceptions.AuthenticationFailed(_("The token's user is no longer a member."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        from forvalta.audit import context

        context.attach_api_token(token.pk)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


# --- services: creating and revoking tokens --------------------------------------------------
def api_token_create(
    *, actor: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the actor themself: (token, full key). The key is not kept."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("You do not have permission to do this."))
    for _attempt in range(3):
        prefix, key = new_token_key()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=actor,
                    name=name,
                    prefix=prefix,
                    key_hash=hash_key(key),
                    expires_at=expires_at,
                )
                record(
                    actor=actor,
                    action="core.apitoken.created",
                    obj=token,
                    changes={
                        "name": [None, name],
                        "prefix": [None, prefix],
                        "expires_at": [None, expires_at.isoformat() if expires_at else None],
                    },
                )
            return token, key
        except IntegrityError:  # pragma: no cover - a prefix drawn twice (1 in 4 billion)
            continue
    raise RuntimeError("Could not draw a unique token prefix.")  # pragma: no cover


def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    if token.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        fresh = ApiToken.objects.select_for_update().get(pk=token.pk)
        if fresh.revoked_at is not None:
            return fresh
        fresh.revoked_at = timezone.now()
        fresh.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="core.apitoken.revoked",
            obj=fresh,
            changes={"revoked_at": [None, fresh.revoked_at.isoformat()]},
        )
    return fresh
