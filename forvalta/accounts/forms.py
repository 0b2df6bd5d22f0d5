"""The login forms (password, second factor), with failed-login throttling."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base.forms import AuthenticateForm
from django import forms

from forvalta.accounts.login_throttle import LoginThrottled, check_login_allowed


class LoginForm(AllauthLoginForm):
    """allauth's login form, refusing attempts while the user name or address is
    throttled. The refusal comes before the password is checked and reads the same
    whether or not the user name exists; a wrong user name or password reads the same
    too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data", args[0] if args else None)
        if data is not None and "login" not in data and "username" in data:
            # The field's name before allauth: older scripts and saved forms post it.
            data = data.copy()
            data["login"] = data["username"]
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        try:
            check_login_allowed(self.request, (self.data.get("login") or "").strip())
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean()


class MFAAuthenticateForm(AuthenticateForm):
    """The second step of a login: the same throttling as the password (a wrong code
    counts as a failed login, `forvalta.accounts.security`)."""

    def clean_code(self) -> str:
        try:
            check_login_allowed(getattr(self, "request", None) or _request(), self.user.username)
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean_code()


def _request() -> Any:
    from allauth.core import context

    return context.request
