"""The annual cycle in the calendar feed: the open controls of the reader's
organisations, due from a month back to a year ahead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from forvalta.calendarfeed.registry import FeedItem, register
from forvalta.compliance.models import ControlOccurrence, OccurrenceStatus
from forvalta.core.models import today


@register
def control_occurrences(user: Any) -> Iterator[FeedItem]:
    day = today()
    occurrences = (
        ControlOccurrence.objects.visible_to(user)
        .filter(
            status=OccurrenceStatus.OPEN,
            definition__active=True,
            due_on__gte=day - dt.timedelta(days=31),
            due_on__lte=day + dt.timedelta(days=366),
        )
        .select_related("definition")
        .order_by("due_on", "pk")
    )
    for occurrence in occurrences:
        yield FeedItem(
            kind="control",
            pk=occurrence.pk,
            summary=_("Control due: %(name)s") % {"name": occurrence.definition.name},
            start=occurrence.due_on,
            description=occurrence.definition.evidence_kind,
            url=occurrence.get_absolute_url(),
        )
