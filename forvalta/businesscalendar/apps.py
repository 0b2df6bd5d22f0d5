from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessCalendarConfig(AppConfig):
    name = "forvalta.businesscalendar"
    label = "businesscalendar"
    verbose_name = _("Business calendar")

    def ready(self) -> None:
        from forvalta.businesscalendar import rules  # noqa: F401  (registers the permissions)
        from forvalta.businesscalendar.scoping import declare_calendar_models

        declare_calendar_models()
