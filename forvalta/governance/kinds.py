"""The notification kinds of governance (neutral titles: never which body or meeting)."""

from django.utils.translation import gettext_lazy as _

from forvalta.notifications.registry import Channel, Kind, declare_kind

MEETING_NOTICE = declare_kind(
    Kind(
        "meeting_notice",
        _("A notice of a meeting"),
        title=_("You are called to a meeting"),
        subject=_("Forvalta: notice of a meeting"),
        default_channel=Channel.EMAIL,
    )
)
MINUTES_TO_APPROVE = declare_kind(
    Kind(
        "minutes_to_approve",
        _("Minutes waiting for your approval"),
        title=_("Minutes are waiting for your approval"),
        subject=_("Forvalta: minutes to approve"),
        default_channel=Channel.EMAIL,
    )
)
MINUTES_PUBLISHED = declare_kind(
    Kind(
        "minutes_published",
        _("Minutes published"),
        title=_("Minutes have been published"),
        subject=_("Forvalta: minutes published"),
        default_channel=Channel.DIGEST,
    )
)
VOTE_WAITING = declare_kind(
    Kind(
        "vote_waiting",
        _("A decision by circulation is waiting for your vote"),
        title=_("A decision by circulation is waiting for your vote"),
        subject=_("Forvalta: a vote is waiting for you"),
        default_channel=Channel.EMAIL,
    )
)
VOTE_REMINDER = declare_kind(
    Kind(
        "vote_reminder",
        _("Reminder: a vote closes soon"),
        title=_("A vote you have not cast closes soon"),
        subject=_("Forvalta: a vote closes soon"),
        default_channel=Channel.EMAIL,
    )
)
CIRCULATION_CLOSED = declare_kind(
    Kind(
        "circulation_closed",
        _("A decision by circulation has closed"),
        title=_("A decision by circulation has closed"),
        subject=_("Forvalta: a decision by circulation has closed"),
        default_channel=Channel.DIGEST,
    )
)
