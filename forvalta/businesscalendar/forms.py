from __future__ import annotations

from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.core.forms import ScopedModelForm, administered_organisations


class _OwnOrganisationForm(ScopedModelForm):
    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = administered_organisations(self.user)
        if self.instance.pk:
            self.fields["organisation"].disabled = True


class ServiceHoursForm(_OwnOrganisationForm):
    class Meta:
        model = ServiceHours
        fields = ["organisation", "weekday", "opens", "closes"]


class CalendarExceptionForm(_OwnOrganisationForm):
    class Meta:
        model = CalendarException
        fields = ["organisation", "date", "is_closed", "opens", "closes", "reason"]
