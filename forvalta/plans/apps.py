from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "forvalta.plans"
    label = "plans"
    verbose_name = _("Management plans")

    def ready(self) -> None:
        from forvalta.plans import reminders, rules, workflows  # noqa: F401  (registers them)
        from forvalta.plans.scoping import declare_plan_models

        declare_plan_models()
