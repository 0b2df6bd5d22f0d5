"""Login events beyond Django's own signals: the session clock, the second factor."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from forvalta.accounts.login_throttle import note_failure
from forvalta.accounts.middleware import start_session
from forvalta.audit.services import record


@receiver(user_logged_in, dispatch_uid="forvalta_session_start")
def _session_start(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_session(request)


def _authenticator_changes(authenticator: Any) -> dict[str, Any]:
    return {"type": [None, str(getattr(authenticator, "type", ""))]}


@receiver(mfa_signals.authenticator_added, dispatch_uid="forvalta_mfa_added")
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    record(
        actor=user, action="auth.mfa_added", obj=user, changes=_authenticator_changes(authenticator)
    )


@receiver(mfa_signals.authenticator_removed, dispatch_uid="forvalta_mfa_removed")
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    record(
        actor=user,
        action="auth.mfa_removed",
        obj=user,
        changes=_authenticator_changes(authenticator),
    )
    if request is not None and hasattr(request, "session"):
        from forvalta.accounts.middleware import MFA_OK

        request.session.pop(MFA_OK, None)  # checked again: is a second factor left?


@receiver(mfa_signals.authenticator_reset, dispatch_uid="forvalta_mfa_reset")
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    record(
        actor=user, action="auth.mfa_reset", obj=user, changes=_authenticator_changes(authenticator)
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="forvalta_mfa_failed")
def _mfa_failed(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    """A wrong code is a failed login: it counts towards the same throttling."""
    record(actor=None, action="auth.mfa_failed", object_type="core.user", object_repr=user.username)
    note_failure(request, user.username)
