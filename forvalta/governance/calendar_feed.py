"""Governance's entries in the calendar feed: the meetings of the bodies a person is
called to (representative or substitute of a member, chair, convener, secretary,
adjoined person) and of the meeting forums whose responsible role they hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.calendarfeed.registry import FeedItem, register
from forvalta.governance.models import BodyAdjoined, BodyMember, Meeting, MeetingStatus
from forvalta.register.models import RoleAssignment

PAST_DAYS = 60  # held meetings this far back stay in the feed


@register
def meetings(user: Any) -> Iterator[FeedItem]:
    members = (
        BodyMember.objects.visible_to(user)
        .current()
        .filter(Q(representative_id=user.pk) | Q(substitute_id=user.pk))
    )
    adjoined = BodyAdjoined.objects.visible_to(user).filter(person_id=user.pk)
    roles = RoleAssignment.objects.visible_to(user).active().filter(person_id=user.pk)
    since = timezone.now() - dt.timedelta(days=PAST_DAYS)
    rows = (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=since)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(
            Q(body_id__in=members.values("body_id"))
            | Q(body_id__in=adjoined.values("body_id"))
            | Q(body__chair_id=user.pk)
            | Q(body__convener_id=user.pk)
            | Q(body__secretary_id=user.pk)
            | Exists(
                # The forum's responsible role, held on its service or object.
                roles.filter(role_type_id=OuterRef("body__responsible_role_id")).filter(
                    Q(service_id=OuterRef("body__service_id"))
                    | Q(management_object_id=OuterRef("body__management_object_id"))
                    | Q(management_object_id=OuterRef("body__service__management_object_id"))
                )
            )
        )
        .select_related("body")
        .order_by("starts_at", "pk")
    )
    for meeting in rows:
        where = meeting.place or meeting.video_link
        yield FeedItem(
            kind="meeting",
            pk=meeting.pk,
            summary=_("Meeting: %(body)s") % {"body": meeting.body.name},
            start=meeting.starts_at,
            end=meeting.ends_at,
            description=(meeting.title + ("\n" + where if where else "")).strip(),
            url=meeting.get_absolute_url(),
        )
