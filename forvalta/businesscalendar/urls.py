from django.urls import path

from forvalta.businesscalendar import views as v
from forvalta.core.urlpatterns import crud

app_name = "businesscalendar"

urlpatterns = [
    path("", v.calendar_overview, name="calendar"),
    *crud(
        "hours",
        "servicehours",
        v.ServiceHoursListView,
        v.ServiceHoursDetailView,
        v.ServiceHoursEditView,
        v.ServiceHoursDeleteView,
    ),
    *crud(
        "exceptions",
        "calendarexception",
        v.CalendarExceptionListView,
        v.CalendarExceptionDetailView,
        v.CalendarExceptionEditView,
        v.CalendarExceptionDeleteView,
    ),
]
