from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "forvalta.access"
    label = "access"
    verbose_name = _("Access management")

    def ready(self) -> None:
        from forvalta.access import (  # noqa: F401  (registers the kinds and workflows)
            notifications,
            rules,
            workflows,
        )
        from forvalta.access.scoping import declare_access_models

        declare_access_models()
