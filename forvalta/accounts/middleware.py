"""Session security on every request: timeouts, ended sessions, required second factor.

A session ends at its next request (logged out, with an audit event and a message on
the login page) when

- it has been idle for FORVALTA_SESSION_IDLE_MINUTES,
- it logged in more than FORVALTA_SESSION_MAX_HOURS ago,
- an administrator ended the user's sessions after it logged in
  (`User.sessions_valid_after`),
- the user no longer has an active membership (and is not the platform administrator).

A deactivated user is already anonymous (the authentication backend refuses inactive
users). Someone who must use a second factor (administrators, when
FORVALTA_REQUIRE_MFA_FOR_ADMINS; members of an organisation that requires it) and has
none is sent to the login security page until they add one.

The checks read what the request loads anyway (the user row and the tenancy scope's one
membership query); the session is written only when the last-seen minute changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from forvalta.audit.services import record
from forvalta.core.tenancy import scope_for

LOGIN_AT = "forvalta_login_at"
SEEN_AT = "forvalta_seen_at"
MFA_OK = "forvalta_mfa_ok"
# The session's last-seen time is written at most once per this many seconds. (The
# test suite makes it longer than a test, so that a request's queries do not depend on
# whether a minute turned since the last one.)
SEEN_AT_EVERY = 60
SSO_LOGIN = "forvalta_sso_provider"  # the IdP of an SSO login (forvalta.accounts.sso)
# Pages a person who must add a second factor can still reach.
_MFA_SETUP_PREFIXES = ("/accounts/", "/logout/", "/login/", "/i18n/", "/static/")


def start_session(request: Any) -> None:
    """At login (forvalta.accounts.security): the session's clock starts."""
    now = time.time()  # to the microsecond: compared with User.sessions_valid_after
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = int(now)
    request.session.pop(MFA_OK, None)
    # Set again by forvalta.accounts.sso when this login came through an IdP (allauth's
    # own signal, sent after Django's).
    request.session.pop(SSO_LOGIN, None)


def ended_reason(request: HttpRequest, user: Any, now: int) -> str:
    """Why this session must end now, or ""."""
    session = request.session
    login_at = session.get(LOGIN_AT)
    if login_at is None:  # a session older than these checks: its clock starts now
        session[LOGIN_AT] = session[SEEN_AT] = login_at = now
    idle = settings.FORVALTA_SESSION_IDLE_MINUTES * 60
    if idle and now - int(session.get(SEEN_AT, login_at)) > idle:
        return "idle"
    longest = settings.FORVALTA_SESSION_MAX_HOURS * 3600
    if longest and now - float(login_at) > longest:
        return "expired"
    valid_after = getattr(user, "sessions_valid_after", None)
    if valid_after is not None and float(login_at) < valid_after.timestamp():
        return "ended_by_administrator"
    scope = scope_for(user)
    if not scope.is_platform_admin and not scope.membership_organisations:
        return "no_membership"
    return ""


_MESSAGES = {
    "idle": _lazy("You were logged out after a while without activity. Log in again."),
    "expired": _lazy("Your session has ended. Log in again."),
    "ended_by_administrator": _lazy("Your session was ended by an administrator. Log in again."),
    "no_membership": _lazy("You are no longer a member of any organisation in Forvalta."),
}


def must_add_second_factor(request: HttpRequest, user: Any) -> bool:
    if request.session.get(MFA_OK):
        return False
    if request.session.get(SSO_LOGIN):
        # Logged in through the organisation's IdP, which does its own strong
        # authentication: the requirement is for password logins.
        return False
    scope = scope_for(user)
    required = scope.requires_mfa or (
        settings.FORVALTA_REQUIRE_MFA_FOR_ADMINS
        and (scope.is_platform_admin or bool(scope.admin_org_ids))
    )
    if not required:
        return False
    from allauth.mfa.utils import is_mfa_enabled

    if is_mfa_enabled(user):
        request.session[MFA_OK] = True
        return False
    return True


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            reason = ended_reason(request, user, now)
            if reason:
                return self._end(request, user, reason)
            every = SEEN_AT_EVERY
            if now // every != int(request.session.get(SEEN_AT, 0)) // every:
                request.session[SEEN_AT] = now  # at most one session write a minute
            if must_add_second_factor(request, user) and not request.path.startswith(
                _MFA_SETUP_PREFIXES
            ):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Add a second factor for your login first.")}, status=403
                    )
                messages.warning(
                    request,
                    _("Your organisation requires a second factor at login. Add one to go on."),
                )
                return HttpResponseRedirect(reverse("mfa_index"))
        return self.get_response(request)

    def _end(self, request: HttpRequest, user: Any, reason: str) -> HttpResponse:
        record(
            actor=user, action="auth.session_ended", obj=user, changes={"reason": [None, reason]}
        )
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(_MESSAGES[reason])}, status=401)
        messages.info(request, _MESSAGES[reason])
        return redirect_to_login(request.get_full_path())
