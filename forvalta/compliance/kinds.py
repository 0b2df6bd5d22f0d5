"""Notification kinds of compliance (neutral titles: never which incident or control)."""

from django.utils.translation import gettext_lazy as _

from forvalta.notifications.registry import Channel, Kind, declare_kind

INCIDENT_REPORTED = declare_kind(
    Kind(
        "incident_reported",
        _("A personal-data incident was reported"),
        title=_("A personal-data incident was reported to you"),
        subject=_("Personal-data incident reported"),
        default_channel=Channel.EMAIL,
    )
)
CONTROL_ESCALATED = declare_kind(
    Kind(
        "control_escalated",
        _("A control of the annual cycle is overdue"),
        title=_("A control of the annual cycle is overdue"),
        subject=_("Overdue control"),
        default_channel=Channel.EMAIL,
    )
)
ANALYSIS_FORWARDED = declare_kind(
    Kind(
        "analysis_forwarded",
        _("A risk and vulnerability analysis was forwarded to you"),
        title=_("A risk and vulnerability analysis was forwarded to you"),
        subject=_("Risk and vulnerability analysis forwarded"),
        default_channel=Channel.EMAIL,
    )
)
