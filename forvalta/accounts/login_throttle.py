"""Failed-login throttling per account and per address, for every login path.

After `FORVALTA_LOGIN_FAILURES_PER_ACCOUNT` failures for one user name, or
`FORVALTA_LOGIN_FAILURES_PER_ADDRESS` from one address, within
`FORVALTA_LOGIN_FAILURE_WINDOW_MINUTES`, further attempts are refused until enough of
those failures have left the window. Refused attempts are not failures themselves (so
the refusal ends), are not checked against the password, and each is recorded in the
audit trail as `auth.login_throttled`.

The counts live in the database, so every server process sees the same ones. A user
name counts whether or not such a user exists: the answer never tells them apart.

A login path calls `check_login_allowed(request, username)` before it authenticates
and turns `LoginThrottled` into its own answer (the login form does so in
`forvalta.accounts.forms`). The callback from an organisation's identity provider
passes no user name (it is known only once the callback succeeds): its failures and
checks count per address (`forvalta.accounts.sso`, `forvalta.accounts.oidc.views`).
Failures are counted from Django's `user_login_failed` signal, which `authenticate()`
sends for every backend, and a successful login clears its user name's failures (`user_logged_in`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import ngettext

from forvalta.accounts.models import LoginFailure
from forvalta.audit.services import record


class LoginThrottled(Exception):
    """Too many failed logins: `message` says, in the user's language, when to retry."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after  # seconds
        minutes = max(1, math.ceil(retry_after / 60))
        self.message = ngettext(
            "Too many failed logins. Try again in %(minutes)d minute.",
            "Too many failed logins. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(self.message)


def client_address(request: Any) -> str:
    """The client's address: the connection's, or the one the trusted proxies forwarded."""
    if request is None:
        return ""
    meta = getattr(request, "META", {})
    proxies = int(getattr(settings, "FORVALTA_NUM_PROXIES", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))][:64]
    return str(meta.get("REMOTE_ADDR", ""))[:64]


def normalise_username(username: Any) -> str:
    return str(username or "").strip().casefold()[:150]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.FORVALTA_LOGIN_FAILURE_WINDOW_MINUTES)


def _retry_after(times: list[dt.datetime], limit: int, now: dt.datetime) -> int:
    """Seconds until fewer than `limit` of these failure times lie within the window."""
    if limit <= 0 or len(times) < limit:
        return 0
    times = sorted(times)
    # The failure whose leaving brings the count below the limit.
    leaving = times[len(times) - limit]
    return max(1, math.ceil((leaving + _window() - now).total_seconds()))


def retry_after(request: Any, username: Any) -> tuple[int, str]:
    """(seconds to wait, which limit: "account" or "address"); (0, "") when allowed."""
    now = timezone.now()
    since = now - _window()
    name, address = normalise_username(username), client_address(request)
    waits: list[tuple[int, str]] = [(0, "")]
    if name:  # "": an SSO callback, whose account is not known before it succeeds
        account = list(
            LoginFailure.objects.filter(username=name, at__gt=since).values_list("at", flat=True)
        )
        per_account = settings.FORVALTA_LOGIN_FAILURES_PER_ACCOUNT
        waits.append((_retry_after(account, per_account, now), "account"))
    if address:
        by_address = list(
            LoginFailure.objects.filter(address=address, at__gt=since).values_list("at", flat=True)
        )
        waits.append(
            (_retry_after(by_address, settings.FORVALTA_LOGIN_FAILURES_PER_ADDRESS, now), "address")
        )
    wait, limit = max(waits)
    return (wait, limit) if wait else (0, "")


def check_login_allowed(request: Any, username: Any) -> None:
    """Raise LoginThrottled (and record `auth.login_throttled`) if this attempt is refused."""
    wait, limit = retry_after(request, username)
    if not wait:
        return
    record(
        actor=None,
        action="auth.login_throttled",
        object_type="core.user",
        object_repr=str(username or "")[:150],
        changes={"limit": [None, limit], "retry_after_seconds": [None, wait]},
    )
    raise LoginThrottled(wait)


def note_failure(request: Any, username: Any) -> None:
    now = timezone.now()
    LoginFailure.objects.filter(at__lte=now - _window()).delete()
    LoginFailure.objects.create(
        username=normalise_username(username), address=client_address(request), at=now
    )


def clear_failures(username: Any) -> None:
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


@receiver(user_login_failed, dispatch_uid="forvalta_login_throttle_failed")
def _failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    note_failure(request, credentials.get("username", ""))


@receiver(user_logged_in, dispatch_uid="forvalta_login_throttle_succeeded")
def _succeeded(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    clear_failures(user.get_username())
