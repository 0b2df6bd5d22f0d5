"""The e-mails: a neutral subject, the kind and a link into Forvalta; nothing else.

An e-mail leaves the platform (OSL, public access to official documents): it never
names the object, its organisation, a person or any content. The link opens the
notification in Forvalta, which requires logging in and applies the scope rules.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from forvalta.notifications.models import EmailDelivery
from forvalta.notifications.registry import kind


def absolute(path: str) -> str:
    return settings.FORVALTA_BASE_URL.rstrip("/") + path


def build_message(delivery: EmailDelivery) -> EmailMessage:
    from forvalta.notifications.services import digest_counts

    with translation.override(settings.LANGUAGE_CODE):
        preferences = absolute(reverse("notifications:preferences"))
        if delivery.is_digest:
            counts = digest_counts(delivery)
            subject = _("Forvalta: your daily summary")
            lines = [_("You have new notifications in Forvalta:"), ""]
            lines += [f"- {kind(name).title}: {count}" for name, count in counts]
            lines += [
                "",
                _("Open your inbox: %(url)s") % {"url": absolute(reverse("notifications:inbox"))},
            ]
        else:
            spec = kind(delivery.kind)
            subject = str(spec.subject)
            notification = delivery.notifications.order_by("pk").first()  # type: ignore[attr-defined]  # reverse relation
            target = (
                reverse("notifications:open", args=[notification.pk])
                if notification is not None
                else reverse("notifications:inbox")
            )
            lines = [
                f"{spec.title}.",
                "",
                _("Open it in Forvalta: %(url)s") % {"url": absolute(target)},
            ]
        lines += [
            "",
            _("You can choose which notifications you get by e-mail: %(url)s")
            % {"url": preferences},
        ]
        return EmailMessage(
            subject=str(subject),
            body="\n".join(str(line) for line in lines) + "\n",
            to=[delivery.to_address],
        )
