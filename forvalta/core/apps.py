from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "forvalta.core"
    label = "core"
    verbose_name = _("Organisations and users")

    def ready(self) -> None:
        from forvalta.core.tenancy import declare_core_models

        declare_core_models()
