"""The feed as RFC 5545 text, with the icalendar library.

Deadlines are all-day VEVENTs (DTSTART;VALUE=DATE and DTEND the day after), not
VTODOs: subscribed calendars in Outlook, Google Calendar and most phones show events
but ignore or hide VTODO, and a deadline nobody sees is no reminder. Timed entries
(meetings, when a part registers them) carry TZID=Europe/Stockholm, defined by the
calendar's VTIMEZONE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from forvalta.calendarfeed.registry import FeedItem
from forvalta.calendarfeed.services import sequences_for

STOCKHOLM = "Europe/Stockholm"


def uid_of(item: FeedItem) -> str:
    return f"{item.kind}-{item.pk}@{settings.FORVALTA_CALENDAR_UID_HOST}"


def build_calendar(items: Iterable[FeedItem], base_url: str) -> bytes:
    items = list(items)
    full = [(item, item if not item.url else _absolute(item, base_url)) for item in items]
    # The fingerprint is of the item as providers give it (relative URL), so a client
    # polling under another host name does not bump SEQUENCE.
    sequences = sequences_for({uid_of(item): item.fingerprint() for item, _shown in full})
    cal = Calendar()
    cal.add("prodid", "-//Forvalta//Kalenderflöde//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Forvalta – my deadlines"))
    cal.add("x-wr-timezone", STOCKHOLM)
    cal.add_component(Timezone.from_tzid(STOCKHOLM))
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    tz = ZoneInfo(STOCKHOLM)
    for _item, item in full:
        uid = uid_of(item)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("sequence", sequences.get(uid, 0))
        event.add("summary", item.summary)
        if isinstance(item.start, dt.datetime):
            event.add("dtstart", item.start.astimezone(tz))
            end = item.end or item.start + dt.timedelta(hours=1)
            assert isinstance(end, dt.datetime)
            event.add("dtend", end.astimezone(tz))
        else:
            event.add("dtstart", item.start)
            event.add("dtend", item.end or item.start + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        cal.add_component(event)
    return cal.to_ical()


def _absolute(item: FeedItem, base_url: str) -> FeedItem:
    if item.url.startswith("/"):
        return FeedItem(
            kind=item.kind,
            pk=item.pk,
            summary=item.summary,
            start=item.start,
            end=item.end,
            description=item.description,
            url=base_url.rstrip("/") + item.url,
        )
    return item
