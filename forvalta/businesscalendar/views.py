"""Pages of the business calendar: an organisation's service hours and exceptions
(generic views, scoped by `visible_to`) and the resulting calendar for the coming weeks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.businesscalendar import forms, services, tables
from forvalta.businesscalendar.calendar import holiday_name
from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.businesscalendar.selectors import calendar_for
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)
from forvalta.core.models import Organisation, today
from forvalta.core.tenancy import scope_for

WEEKS_SHOWN = 6


class ServiceHoursListView(ObjectListView):
    model = ServiceHours
    table_class = tables.ServiceHoursTable
    empty_text = gettext_lazy("No service hours are set: Monday to Friday 08:00–17:00 applies.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation")


class ServiceHoursDetailView(ObjectDetailView):
    model = ServiceHours
    fields = ("organisation", "weekday", "opens", "closes")


class ServiceHoursEditView(ObjectEditView):
    model = ServiceHours
    form_class = forms.ServiceHoursForm
    create_service = staticmethod(services.service_hours_create)
    update_service = staticmethod(services.service_hours_update)


class ServiceHoursDeleteView(ObjectDeleteView):
    model = ServiceHours
    delete_service = staticmethod(services.service_hours_delete)


class CalendarExceptionListView(ObjectListView):
    model = CalendarException
    table_class = tables.CalendarExceptionTable

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation")


class CalendarExceptionDetailView(ObjectDetailView):
    model = CalendarException
    fields = ("organisation", "date", "is_closed", "opens", "closes", "reason")


class CalendarExceptionEditView(ObjectEditView):
    model = CalendarException
    form_class = forms.CalendarExceptionForm
    create_service = staticmethod(services.exception_create)
    update_service = staticmethod(services.exception_update)


class CalendarExceptionDeleteView(ObjectDeleteView):
    model = CalendarException
    delete_service = staticmethod(services.exception_delete)


def _hours(periods: tuple[tuple[dt.time, dt.time], ...]) -> str:
    return ", ".join(
        f"{opens:%H:%M}–{'24:00' if closes == dt.time(0) else f'{closes:%H:%M}'}"
        for opens, closes in periods
    )


@login_required
def calendar_overview(request: HttpRequest) -> HttpResponse:
    """The coming weeks for one of the user's organisations: working days, holidays by
    name, the hours and the organisation's own exceptions."""
    organisations = list(
        Organisation.objects.visible_to(request.user)
        .filter(id__in=sorted(scope_for(request.user).org_ids))
        .order_by("name")
    )
    chosen = organisations[0] if organisations else None
    wanted = request.GET.get("organisation", "")
    for org in organisations:
        if str(org.pk) == wanted:
            chosen = org
    days: list[dict[str, Any]] = []
    if chosen is not None:
        calendar = calendar_for(chosen.pk)
        reasons = dict(
            CalendarException.objects.visible_to(request.user)
            .filter(organisation=chosen)
            .values_list("date", "reason")
        )
        start = today()
        for offset in range(WEEKS_SHOWN * 7):
            day = start + dt.timedelta(days=offset)
            periods = calendar.periods_on(day)
            days.append(
                {
                    "date": day,
                    "working": bool(periods),
                    "hours": _hours(periods),
                    "holiday": holiday_name(day) or "",
                    "exception": reasons.get(day, "") if day in reasons else None,
                }
            )
    context = {
        "title": _("Business calendar"),
        "organisations": organisations,
        "chosen": chosen,
        "days": days,
        "hours_url": reverse("businesscalendar:servicehours_list"),
        "exceptions_url": reverse("businesscalendar:calendarexception_list"),
    }
    return render(request, "businesscalendar/calendar.html", context)
