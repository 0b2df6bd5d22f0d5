"""Reads of an organisation's calendar."""

from __future__ import annotations

from forvalta.businesscalendar.calendar import WorkingCalendar, calendar_from_rows
from forvalta.businesscalendar.models import CalendarException, ServiceHours


def calendar_for(organisation_id: int | None) -> WorkingCalendar:
    """The organisation's working calendar (two small queries); the default (Monday to
    Friday 08:00-17:00, Swedish holidays) for no organisation."""
    if organisation_id is None:
        return WorkingCalendar()
    return calendar_from_rows(
        ServiceHours.objects.filter(organisation_id=organisation_id).values_list(
            "weekday", "opens", "closes"
        ),
        CalendarException.objects.filter(organisation_id=organisation_id).values_list(
            "date", "is_closed", "opens", "closes"
        ),
    )
