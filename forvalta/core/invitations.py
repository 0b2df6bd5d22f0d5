"""The invitation e-mail of a new person: a link to choose their own password.

An organisation administrator adds a person (`services.user_create`); the person gets no
usable password, and an e-mail with a link to `core:invitation_set_password`. The link's
token is Django's password-reset token under its own salt, so it is valid only:

- for FORVALTA_INVITATION_DAYS days (default 7) after it was sent;
- until a password is set (the token covers the stored password and the last login);
- for an active person whose password has not been set yet.

The e-mail is neutral (no organisation, no register content): the username and the link.
It is sent by the task queue (`core.tasks.send_invitation_email`), which gets only the
person's id: the link is made when the e-mail is sent and is stored nowhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _


def invitation_days() -> int:
    return int(getattr(settings, "FORVALTA_INVITATION_DAYS", 7))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset tokens of their own kind (a reset token is no invitation token and
    the other way round), valid for FORVALTA_INVITATION_DAYS days."""

    key_salt = "forvalta.core.invitations.InvitationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= invitation_days() * 24 * 3600


invitation_token_generator = InvitationTokenGenerator()


def may_be_invited(person: Any) -> bool:
    """Only an active person with an e-mail address who has not chosen a password yet."""
    return bool(person.is_active and person.email and not person.has_usable_password())


def invitation_url(person: Any) -> str:
    path = reverse(
        "core:invitation_set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": invitation_token_generator.make_token(person),
        },
    )
    return str(settings.FORVALTA_BASE_URL).rstrip("/") + path


def send_invitation(person: Any) -> None:
    """Queue the invitation e-mail. The database backend writes the task in the current
    transaction (it commits or rolls back with the person); other backends are given it
    after the commit (as `notifications.services.enqueue_delivery`)."""
    from django_tasks_db import DatabaseBackend

    from forvalta.core.tasks import send_invitation_email

    if isinstance(send_invitation_email.get_backend(), DatabaseBackend):
        send_invitation_email.enqueue(person.pk)
    else:
        person_id = person.pk
        transaction.on_commit(lambda: send_invitation_email.enqueue(person_id))


def deliver_invitation(person_id: int) -> str:
    """Send the invitation e-mail (in Swedish) with a fresh link, if the person may still
    be invited (not deactivated, no password chosen meanwhile). A failure fails the task
    (the administrator sends the invitation again from the person's page)."""
    from forvalta.core.models import User

    person = User.objects.filter(pk=person_id).first()
    if person is None or not may_be_invited(person):
        return "skipped"
    url = invitation_url(person)
    with translation.override("sv"):
        subject = _("Your account in Forvalta")
        body = _(
            "Hello,\n\n"
            "An account in Forvalta has been created for you. Your username is: "
            "%(username)s\n\n"
            "Choose your password by opening this link. The link can be used once and is "
            "valid for %(days)s days:\n\n"
            "%(url)s\n\n"
            "If the link has expired, ask your organisation's administrator to send the "
            "invitation again.\n"
        ) % {"username": person.username, "days": invitation_days(), "url": url}
    send_mail(subject, body, None, [person.email], fail_silently=False)
    return "sent"
