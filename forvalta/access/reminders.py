"""Deadlines of access reviews for the daily reminders (forvalta.notifications): each
list sent and not yet reported back, for its reviewer, before and after the campaign's
due date; read through the reviewer's own scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from forvalta.access.models import CampaignStatus, ListStatus, ReviewList
from forvalta.core.models import User
from forvalta.notifications.registry import Deadline, deadline_source


@deadline_source
def review_lists(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    waiting = ReviewList.objects.filter(
        status=ListStatus.SENT,
        campaign__status=CampaignStatus.OPEN,
        campaign__due_on__lte=horizon,
        reviewer__isnull=False,
    )
    people = User.objects.filter(is_active=True, pk__in=waiting.values("reviewer_id")).order_by(
        "pk"
    )
    for person in people:
        mine = (
            ReviewList.objects.visible_to(person)
            .filter(pk__in=waiting.filter(reviewer=person).values("pk"))
            .select_related("campaign")
            .order_by("campaign__due_on", "pk")
        )
        for review_list in mine:
            yield Deadline(person=person, obj=review_list, due_on=review_list.campaign.due_on)
