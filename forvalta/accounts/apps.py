from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "forvalta.accounts"
    label = "accounts"
    verbose_name = _("Accounts and login")

    def ready(self) -> None:
        # Counts failed logins from every login path (Django's authenticate() signals).
        from forvalta.accounts import login_throttle, security, sso  # noqa: F401
        from forvalta.accounts.scoping import declare_accounts_models

        declare_accounts_models()
