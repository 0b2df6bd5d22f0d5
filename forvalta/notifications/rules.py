"""Who may do what with notifications. Reading is scoped (scoping.py); these decide the
actions: an inbox is its own person's, failed e-mails are retried by the administrators
of the recipient's organisation."""

from __future__ import annotations

from typing import Any

import rules

from forvalta.core.tenancy import scope_for


@rules.predicate
def is_recipient(user: Any, notification: Any) -> bool:
    """One's own notifications (without one: whether the user has an inbox at all)."""
    if notification is None:
        return bool(user.is_authenticated and user.is_active)
    return bool(notification.recipient_id == user.pk)


@rules.predicate
def administers_recipient_organisation(user: Any, delivery: Any) -> bool:
    scope = scope_for(user)
    if delivery is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(delivery.organisation_id)


rules.add_perm("notifications.view_notification", is_recipient)
rules.add_perm("notifications.change_notification", is_recipient)
rules.add_perm("notifications.view_emaildelivery", administers_recipient_organisation)
rules.add_perm("notifications.retry_emaildelivery", administers_recipient_organisation)
