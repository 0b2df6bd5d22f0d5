from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "forvalta.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from forvalta.compliance import (  # noqa: F401  (rules, kinds, receivers)
            kinds,
            receivers,
            rules,
        )
        from forvalta.compliance.scoping import declare_compliance_models

        declare_compliance_models()
        from forvalta.compliance.services import decommissioning_run_completion
        from forvalta.processes.workflows import on_completion

        # The platform's "Avveckling" checklist run completes with the system's
        # decommissioning checklist: it retires the system, or the run waits.
        on_completion("decommissioning", decommissioning_run_completion())
