"""Who sees calendar feed addresses: their own person only (nobody else, not even an
organisation administrator). The feed itself resolves its key in services.feed_user,
without a session; what it lists is read through each model's own `visible_to`."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.calendarfeed.models import FeedToken
from forvalta.core.scoping import NOTHING, Custom, declare


def own_tokens(user: Any, scope: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    return Q(user_id=user.pk)


def declare_feed_models() -> None:
    declare(FeedToken, Custom(own_tokens))
