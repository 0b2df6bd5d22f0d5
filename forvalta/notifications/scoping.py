"""Who sees notifications: the recipient only (not colleagues, not administrators).
Preferences: their own person only. E-mail deliveries: the administrators of the
recipient's organisation (to see and retry failed sends); nobody else, not even the
platform administrator."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.core.scoping import NOTHING, Custom, NeedToKnow, declare
from forvalta.notifications.models import EmailDelivery, Notification, NotificationPreference


def administered_deliveries(user: Any, scope: Any) -> Q:
    if not scope.admin_org_ids:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.admin_org_ids))


def declare_notification_models() -> None:
    declare(Notification, NeedToKnow("recipient"))
    declare(NotificationPreference, NeedToKnow("user"))
    declare(EmailDelivery, Custom(administered_deliveries))
