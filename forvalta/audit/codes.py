"""Stable action codes: what the search's activity filter offers.

Codes are `<app>.<model>.<verb>` for governed data (created, updated, deleted,
exported, viewed) and fixed codes for everything else. A code, once written, is
never renamed: old events keep it (compare Zulip's AuditLogEventType).
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

FIXED = {
    "auth.login": _("Login"),
    "auth.logout": _("Logout"),
    "auth.login_failed": _("Failed login"),
    "auth.login_throttled": _("Login refused after too many failures"),
    "auth.mfa_failed": _("Wrong second-factor code"),
    "auth.mfa_added": _("Second factor added"),
    "auth.mfa_removed": _("Second factor removed"),
    "auth.mfa_reset": _("Recovery codes renewed"),
    "auth.session_ended": _("Session ended"),
    "auth.sessions_ended": _("User's sessions ended by an administrator"),
    "auth.sso_login": _("Login through the organisation's identity provider"),
    "auth.sso_failed": _("Failed login through an identity provider"),
    "accounts.identityprovider.created": _("Identity provider configured"),
    "accounts.identityprovider.updated": _("Identity provider changed"),
    "accounts.emaildomain.created": _("E-mail domain added"),
    "accounts.emaildomain.deleted": _("E-mail domain removed"),
    "accounts.emaildomain.verified": _("E-mail domain verified"),
    "access.denied": _("Permission refused"),
    "audit.searched": _("Audit trail searched"),
    "audit.extracted": _("Audit trail extracted"),
    "audit.verified": _("Audit trail verified"),
    "audit.checkpoint_recorded": _("Audit checkpoint recorded"),
    "audit.checkpoints_exported": _("Audit checkpoints exported"),
    "audit.disposed": _("Audit events disposed of"),
    "audit.retention_changed": _("Audit retention changed"),
}
VERBS = ("created", "updated", "deleted", "exported", "viewed")
GOVERNED_APPS = ("core", "register")


@functools.cache
def action_codes_datalist() -> SafeString:
    """The codes as the <option>s of the search's datalist (the same on every page)."""
    return format_html_join("", '<option value="{}">', ((code,) for code in action_codes()))


def action_codes() -> list[str]:
    """Every code the application writes, fixed codes first."""
    codes = list(FIXED)
    for label in GOVERNED_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            codes += [f"{label}.{model._meta.model_name}.{verb}" for verb in VERBS]
    codes.append("register.agreement.document_read")
    return codes
