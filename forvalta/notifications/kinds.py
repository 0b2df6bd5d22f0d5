"""The shared kinds: work given to a person, deadlines, decisions and reviews waiting."""

from django.utils.translation import gettext_lazy as _

from forvalta.notifications.registry import Channel, Kind, declare_kind

STEP_ASSIGNED = declare_kind(
    Kind(
        "step_assigned",
        _("A step or task is given to you"),
        title=_("You have been given a step or task"),
        subject=_("Forvalta: you have a new task"),
        default_channel=Channel.EMAIL,
    )
)
DEADLINE_APPROACHING = declare_kind(
    Kind(
        "deadline_approaching",
        _("A deadline of yours is approaching"),
        title=_("A deadline is approaching"),
        subject=_("Forvalta: a deadline is approaching"),
        default_channel=Channel.DIGEST,
    )
)
DEADLINE_PASSED = declare_kind(
    Kind(
        "deadline_passed",
        _("A deadline of yours has passed"),
        title=_("A deadline has passed"),
        subject=_("Forvalta: a deadline has passed"),
        default_channel=Channel.EMAIL,
    )
)
DECISION_WAITING = declare_kind(
    Kind(
        "decision_waiting",
        _("A decision is waiting for you"),
        title=_("A decision is waiting for you"),
        subject=_("Forvalta: a decision is waiting for you"),
        default_channel=Channel.EMAIL,
    )
)
REVIEW_WAITING = declare_kind(
    Kind(
        "review_waiting",
        _("A review is waiting for you"),
        title=_("A review is waiting for you"),
        subject=_("Forvalta: a review is waiting for you"),
        default_channel=Channel.EMAIL,
    )
)
