"""The notification kinds of log review (neutral titles: never which unit, person or
client)."""

from django.utils.translation import gettext_lazy as _

from forvalta.notifications.registry import Channel, Kind, declare_kind

EXTRACT_TO_ATTEST = declare_kind(
    Kind(
        "log_extract_to_attest",
        _("A log extract order is waiting for your attestation"),
        title=_("A log extract order is waiting for your attestation"),
        subject=_("Forvalta: a log extract order is waiting for your attestation"),
        default_channel=Channel.EMAIL,
    )
)
EXTRACT_ATTESTED = declare_kind(
    Kind(
        "log_extract_attested",
        _("An attested log extract order is waiting for its extract"),
        title=_("An attested log extract order is waiting for its extract"),
        subject=_("Forvalta: a log extract order is waiting for its extract"),
        default_channel=Channel.EMAIL,
    )
)
EXTRACT_FULFILLED = declare_kind(
    Kind(
        "log_extract_fulfilled",
        _("A log extract is ready for your review"),
        title=_("A log extract is ready for your review"),
        subject=_("Forvalta: a log extract is ready for your review"),
        default_channel=Channel.EMAIL,
    )
)
