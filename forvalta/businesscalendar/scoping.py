"""An organisation's service hours and calendar exceptions are its own."""

from __future__ import annotations

from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.core.scoping import OrganisationPrivate, declare


def declare_calendar_models() -> None:
    declare(ServiceHours, OrganisationPrivate("organisation"))
    declare(CalendarException, OrganisationPrivate("organisation"))
