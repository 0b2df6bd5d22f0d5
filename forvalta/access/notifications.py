"""The notification kinds of access management (neutral titles: never which system,
unit or person)."""

from django.utils.translation import gettext_lazy as _

from forvalta.notifications.registry import Channel, Kind, declare_kind

ACCESS_REVIEW_WAITING = declare_kind(
    Kind(
        "access_review_waiting",
        _("An access list is waiting for your review"),
        title=_("An access list is waiting for your review"),
        subject=_("Forvalta: an access list is waiting for your review"),
        default_channel=Channel.EMAIL,
    )
)
ACCESS_REVIEW_ESCALATED = declare_kind(
    Kind(
        "access_review_escalated",
        _("An overdue access list of your staff"),
        title=_("An access list of your staff is overdue"),
        subject=_("Forvalta: an access list of your staff is overdue"),
        default_channel=Channel.EMAIL,
    )
)
ACCESS_REQUEST_DONE = declare_kind(
    Kind(
        "access_request_done",
        _("Your access has been changed"),
        title=_("Your access has been changed"),
        subject=_("Forvalta: your access has been changed"),
        default_channel=Channel.EMAIL,
    )
)
