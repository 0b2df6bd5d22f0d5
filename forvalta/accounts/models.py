"""Failed logins, kept for the throttling window only (see login_throttle)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One failed login: the user name tried (known or not) and the client's address.

    Rows older than the window are deleted as new failures come in; a successful login
    deletes its user name's rows.
    """

    username = models.CharField(_("user name"), max_length=150)
    address = models.CharField(_("address"), max_length=64, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "at"], name="loginfailure_username_at"),
            models.Index(fields=["address", "at"], name="loginfailure_address_at"),
            models.Index(fields=["at"], name="loginfailure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M:%S}"
