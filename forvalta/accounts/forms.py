"""The login form, with failed-login throttling."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from forvalta.accounts.login_throttle import LoginThrottled, check_login_allowed


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing attempts while the user name or address is throttled.

    The refusal comes before the password is checked and reads the same whether or not
    the user name exists.
    """

    def clean(self) -> dict[str, Any]:
        try:
            check_login_allowed(self.request, self.cleaned_data.get("username"))
        except LoginThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean()
