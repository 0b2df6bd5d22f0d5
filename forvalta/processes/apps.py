from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "forvalta.processes"
    label = "processes"
    verbose_name = _("Processes")

    def ready(self) -> None:
        from forvalta.processes import workflows  # noqa: F401  (registers the workflows)
        from forvalta.processes.scoping import declare_process_models

        declare_process_models()
