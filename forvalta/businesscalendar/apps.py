from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessCalendarConfig(AppConfig):
    name = "forvalta.businesscalendar"
    label = "businesscalendar"
    verbose_name = _("Business calendar")
