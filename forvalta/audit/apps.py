from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "forvalta.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Login, logout and failed logins are only reachable through Django's auth signals.
        from forvalta.audit import auth_events  # noqa: F401
        from forvalta.audit.scoping import declare_audit_models

        declare_audit_models()
