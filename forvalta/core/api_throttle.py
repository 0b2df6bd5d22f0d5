"""API rate limits: per user (whatever token or session they come with) and per address.

Rates are `settings.FORVALTA_API_RATES` ("600/minute"), read on every request so that
tests and deployments can change them. Counters live in Django's default cache, which
must be shared by all server processes (Redis or the database table; see settings).

DRF checks throttles after authentication and permissions, so a flood of bad tokens or
anonymous requests would never reach them: the per-address limit is therefore checked
first thing in `ApiTokenAuthentication.authenticate` (the first authenticator, run for
every API request), the per-user limit as a DRF throttle class.

Like DRF's own throttles these read and then write a counter, so concurrent requests
may each slip one or two past the limit; the limit is for abuse, not for billing.
Refusals are answered 429 with `Retry-After` and the JSON error body.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rates = getattr(settings, "FORVALTA_API_RATES", {}) or {}
        return rates.get(self.scope) or None


class UserRateThrottle(_SettingsRateThrottle):
    """Requests per authenticated user (all their tokens and their session together)."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # the per-address limit covers anonymous requests
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class AddressRateThrottle(_SettingsRateThrottle):
    """Requests per client address, authenticated or not, good token or bad."""

    scope = "address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def check_address_rate(request: Any) -> None:
    """Raise Throttled (429) when the request's address is over its rate."""
    throttle = AddressRateThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(wait=throttle.wait())
