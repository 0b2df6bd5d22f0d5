from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "forvalta.register"
    label = "register"
    verbose_name = _("System register")

    def ready(self) -> None:
        from forvalta.register.scoping import declare_register_models

        declare_register_models()
