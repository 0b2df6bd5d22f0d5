from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "forvalta.workflow"
    label = "workflow"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from forvalta.workflow.scoping import declare_workflow_models

        declare_workflow_models()
