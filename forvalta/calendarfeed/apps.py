from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CalendarFeedConfig(AppConfig):
    name = "forvalta.calendarfeed"
    label = "calendarfeed"
    verbose_name = _("Calendar feed")

    def ready(self) -> None:
        from forvalta.calendarfeed.scoping import declare_feed_models

        declare_feed_models()
        # Each app contributes its feed items in its own `calendar_feed.py`.
        autodiscover_modules("calendar_feed")
