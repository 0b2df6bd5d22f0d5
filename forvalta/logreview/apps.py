from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogReviewConfig(AppConfig):
    name = "forvalta.logreview"
    label = "logreview"
    verbose_name = _("Log review")

    def ready(self) -> None:
        from forvalta.logreview import rules  # noqa: F401  (registers the permissions)
        from forvalta.logreview.scoping import declare_logreview_models

        declare_logreview_models()
