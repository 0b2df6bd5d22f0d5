from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "forvalta.governance"
    label = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from forvalta.governance import kinds, rules, signals, workflows  # noqa: F401  (registers them)
        from forvalta.governance.scoping import declare_governance_models

        declare_governance_models()
