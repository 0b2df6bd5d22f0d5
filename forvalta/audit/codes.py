"""Stable action codes: what the search's activity filter offers.

Codes are `<app>.<model>.<verb>` for governed data (created, updated, deleted,
exported, viewed) and fixed codes for everything else. A code, once written, is
never renamed: old events keep it (compare Zulip's AuditLogEventType).
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
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
    "accounts.personalnumber.created": _("Personal identity number stored (hashed)"),
    "accounts.personalnumber.updated": _("Personal identity number changed (hashed)"),
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

# The names the search shows for codes that are not `<app>.<model>.<verb>` of a model
# (or that say more than the verb would). An app adds its own with `name_event`.
EVENT_NAMES: dict[str, Any] = {
    **FIXED,
    "register.agreement.document_read": _("Agreement document read"),
    "governance.meetingdocument.document_read": _("Meeting document read"),
    "register.documentation_gaps.exported": _("Documentation gaps exported"),
    "register.import.previewed": _("Import checked"),
    "register.import.committed": _("Import saved"),
    "register.import.rejected": _("Import refused"),
    "calendarfeed.token.created": _("Calendar feed address created"),
    "calendarfeed.token.regenerated": _("Calendar feed address replaced"),
    "calendarfeed.token.revoked": _("Calendar feed address revoked"),
    "core.membershipinvitation.accepted": _("Invitation accepted"),
    "core.user.invited": _("Person invited to choose a password"),
    "core.user.invitation_resent": _("Person's invitation sent again"),
    "core.user.password_set": _("Password chosen through an invitation"),
    "core.membershipinvitation.declined": _("Invitation declined"),
    "core.membershipinvitation.withdrawn": _("Invitation withdrawn"),
    "core.listpreference.changed": _("List columns chosen"),
    "demo.loaded": _("Demo data loaded"),
    "notifications.preferences.changed": _("Notification choices changed"),
    "notifications.emaildelivery.retried": _("Failed e-mail sent again"),
}
# `<app>.<model>.<verb>`: the model's name with the verb's sentence.
VERB_NAMES: dict[str, Any] = {
    "created": _("%(thing)s created"),
    "updated": _("%(thing)s changed"),
    "deleted": _("%(thing)s deleted"),
    "exported": _("%(things)s exported"),
    "viewed": _("%(thing)s viewed"),
    "transition": _("%(thing)s: status changed"),
    "copied": _("%(thing)s copied"),
    "revoked": _("%(thing)s revoked"),
    "archived": _("%(thing)s archived"),
    "restored": _("%(thing)s restored"),
}


def name_event(code: str, name: Any) -> None:
    """Give an app's own event code its name in the search (call from `ready()`)."""
    EVENT_NAMES[code] = name


def model_of(object_type: str) -> Any:
    """The model of an event's `object_type` ("register.system"), or None."""
    label, _dot, model_name = (object_type or "").partition(".")
    if not label or not model_name:
        return None
    try:
        return apps.get_model(label, model_name)
    except (LookupError, ValueError):
        return None


def event_name(code: str) -> str:
    """The event's name in the reader's language ("System ändrades"); the code itself
    for an unknown one (old events keep their codes)."""
    if code in EVENT_NAMES:
        return str(EVENT_NAMES[code])
    object_type, _dot, verb = code.rpartition(".")
    model = model_of(object_type)
    if model is None or verb not in VERB_NAMES:
        return code
    return str(VERB_NAMES[verb]) % {
        "thing": capfirst(model._meta.verbose_name),
        "things": capfirst(model._meta.verbose_name_plural),
    }


@functools.cache
def _datalist(language: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}" label="{}">',
        ((code, event_name(code)) for code in action_codes()),
    )


def action_codes_datalist() -> SafeString:
    """The codes as the <option>s of the search's datalist, each labelled with its name
    (the same on every page, per language)."""
    from django.utils.translation import get_language

    return _datalist(get_language() or "")


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
    # Register items are archived and restored instead of deleted.
    for model_name in ("managementobject", "service", "system"):
        codes += [f"register.{model_name}.archived", f"register.{model_name}.restored"]
    codes += ["notifications.preferences.changed", "notifications.emaildelivery.retried"]
    codes += ["core.user.invited", "core.user.invitation_resent", "core.user.password_set"]
    return codes
