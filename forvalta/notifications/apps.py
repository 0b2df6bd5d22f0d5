from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "forvalta.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from forvalta.notifications import (
            kinds,  # noqa: F401  (declares the shared kinds)
            receivers,  # noqa: F401  (workflow hook)
        )
        from forvalta.notifications.scoping import declare_notification_models

        declare_notification_models()
        # Each app contributes its deadlines to the reminder job in its own `reminders.py`.
        autodiscover_modules("reminders")
