"""The register's entries in the calendar feed: the date by which renewal of an
agreement the person manages must be decided."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from forvalta.calendarfeed.registry import FeedItem, register
from forvalta.register.selectors import agreements_due

HORIZON_DAYS = 3 * 366  # renewal dates this far ahead are in the feed


@register
def renewal_decisions(user: Any) -> Iterator[FeedItem]:
    agreements = agreements_due(user, within_days=HORIZON_DAYS).prefetch_related(
        "management_objects", "services", "systems"
    )
    for agreement in agreements:
        if not user.has_perm("register.change_agreement", agreement):
            continue
        assert agreement.renewal_decision_by is not None
        yield FeedItem(
            kind="agreement-renewal",
            pk=agreement.pk,
            summary=_("Decide renewal: %(agreement)s") % {"agreement": agreement.title},
            start=agreement.renewal_decision_by,
            url=agreement.get_absolute_url(),
        )
