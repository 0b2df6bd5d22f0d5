"""Writes about logins: ending a person's sessions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import record


def end_user_sessions(*, actor: Any, person: Any) -> None:
    """End every session of `person` at its next request (SessionSecurityMiddleware):
    by the administrators of the person's home organisation (`core.change_user`)."""
    if not actor.has_perm("core.change_user", person):
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        now = timezone.now()
        type(person).objects.filter(pk=person.pk).update(sessions_valid_after=now)
        person.sessions_valid_after = now
        record(
            actor=actor,
            action="auth.sessions_ended",
            obj=person,
            changes={"sessions_valid_after": [None, now.isoformat()]},
        )
