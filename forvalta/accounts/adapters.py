"""Forvalta's choices in django-allauth: nobody signs up, MFA as Forvalta names it."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        """People are added by their organisation's administrator (or invited), never
        by signing up themselves."""
        return False


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return "Forvalta"

    def _get_site_name(self) -> str:
        return "Forvalta"
