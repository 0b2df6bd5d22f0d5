"""The meeting's workflow: planned -> notice sent -> held -> minutes drafted -> minutes
approved -> published (see forvalta.workflow.engine).

The governance services take these transitions (they also notify, number and record);
the checks here hold whoever takes them, so a late notice without a reason, or approval
before every adjuster has approved, is refused on every path.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forvalta.governance.models import Meeting, MeetingStatus
from forvalta.workflow.engine import COMMENT, Transition, Workflow, register


def notice_is_late(meeting: Meeting, at: Any = None) -> bool:
    """Sent later than the body's notice period (in days before the meeting's day)."""
    now = timezone.localtime(at or timezone.now())
    day = timezone.localtime(meeting.starts_at).date()
    return (day - now.date()).days < meeting.body.notice_days


def _notice_check(meeting: Meeting) -> str | None:
    if notice_is_late(meeting) and not meeting.late_notice_reason.strip():
        return gettext(
            "The notice is later than the body's notice period of %(days)s days: give the reason."
        ) % {"days": meeting.body.notice_days}
    return None


def _notice_sent(meeting: Any, actor: Any) -> None:
    from forvalta.governance.services import notify_notice

    meeting.notice_sent_at = timezone.now()
    meeting.notice_sent_by = actor
    notify_notice(meeting, actor)


def _held(meeting: Any, actor: Any) -> None:
    from forvalta.governance.services import on_held

    meeting.held_on = timezone.localtime(meeting.starts_at).date()
    on_held(meeting, actor)


def _submitted(meeting: Any, actor: Any) -> None:
    from forvalta.governance.services import notify_adjusters

    notify_adjusters(meeting, actor)


def _has_adjusters(meeting: Meeting) -> str | None:
    if not meeting.adjusters.exists():
        return gettext("Appoint the adjusters of the minutes first.")
    if not meeting.paragraphs.exists():  # type: ignore[attr-defined]  # reverse relation
        return gettext("The minutes have no paragraphs yet.")
    return None


def _all_approved(meeting: Meeting) -> str | None:
    adjusters = set(meeting.adjusters.values_list("pk", flat=True))
    approved = set(
        meeting.approvals.filter(version=meeting.minutes_version).values_list(  # type: ignore[attr-defined]  # reverse relation
            "person_id", flat=True
        )
    )
    if not adjusters or adjusters - approved:
        return gettext("Every adjuster must approve the minutes first.")
    return None


def _approved(meeting: Any, actor: Any) -> None:
    meeting.minutes_approved_at = timezone.now()


def _published(meeting: Any, actor: Any) -> None:
    from forvalta.governance.services import notify_published

    meeting.published_at = timezone.now()
    notify_published(meeting, actor)


def _new_version(meeting: Any, actor: Any) -> None:
    from forvalta.governance.services import keep_version

    keep_version(meeting, actor)
    meeting.minutes_version += 1
    meeting.minutes_approved_at = None
    meeting.published_at = None


MEETING = register(
    Workflow(
        Meeting,
        field="status",
        transitions=[
            Transition(
                "send_notice",
                _("Send the notice"),
                source=(MeetingStatus.PLANNED,),
                target=MeetingStatus.NOTICE_SENT,
                permission="governance.change_meeting",
                check=_notice_check,
                effect=_notice_sent,
                primary=True,
            ),
            Transition(
                "hold",
                _("Mark as held"),
                source=(MeetingStatus.PLANNED, MeetingStatus.NOTICE_SENT),
                target=MeetingStatus.HELD,
                permission="governance.change_meeting",
                effect=_held,
                primary=True,
            ),
            Transition(
                "draft_minutes",
                _("Send the minutes for approval"),
                source=(MeetingStatus.HELD,),
                target=MeetingStatus.MINUTES_DRAFTED,
                permission="governance.change_meeting",
                check=_has_adjusters,
                effect=_submitted,
                primary=True,
            ),
            Transition(
                "approve",
                _("Minutes approved"),
                source=(MeetingStatus.MINUTES_DRAFTED,),
                target=MeetingStatus.MINUTES_APPROVED,
                permission="governance.approve_meeting",
                check=_all_approved,
                effect=_approved,
            ),
            Transition(
                "publish",
                _("Publish the minutes"),
                source=(MeetingStatus.MINUTES_APPROVED,),
                target=MeetingStatus.PUBLISHED,
                permission="governance.change_meeting",
                effect=_published,
                primary=True,
            ),
            Transition(
                "new_version",
                _("Open a new version of the minutes"),
                source=(MeetingStatus.MINUTES_APPROVED, MeetingStatus.PUBLISHED),
                target=MeetingStatus.MINUTES_DRAFTED,
                permission="governance.change_meeting",
                requires=(COMMENT,),
                effect=_new_version,
            ),
            Transition(
                "cancel",
                _("Cancel the meeting"),
                source=(MeetingStatus.PLANNED, MeetingStatus.NOTICE_SENT),
                target=MeetingStatus.CANCELLED,
                permission="governance.change_meeting",
                requires=(COMMENT,),
            ),
        ],
    )
)
