"""The workflows of campaigns, review lists and access requests (forvalta.workflow.engine).

Campaign:      open -> signed (the controller; every list reported back and every
               decided removal or change done; sends control_fulfilled)
ReviewList:    draft -> sent (the controller; the reviewer is told)
               sent -> submitted (the reviewer; every account has a verdict)
               submitted -> sent (the controller reopens it, with a comment)
AccessRequest: requested -> approved | rejected (the object owner)
               approved -> done (the system administrator; the person is told)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forvalta.access.models import (
    AccessRequest,
    Campaign,
    CampaignStatus,
    ListStatus,
    RequestStatus,
    ReviewItem,
    ReviewList,
    Verdict,
)
from forvalta.core.controls import control_fulfilled
from forvalta.core.models import today
from forvalta.workflow.engine import COMMENT, Transition, Waiting, Workflow, register


def open_removals(campaign: Campaign) -> Any:
    """Remove and change verdicts of the campaign whose request is neither done nor
    rejected by the owner (a rejected request is settled: the access stays)."""
    return (
        ReviewItem.objects.filter(
            review_list__campaign=campaign, verdict__in=(Verdict.REMOVE, Verdict.CHANGE)
        )
        .exclude(requests__status__in=(RequestStatus.DONE, RequestStatus.REJECTED))
        .distinct()
    )


def incomplete_reason(campaign: Campaign) -> str | None:
    waiting = list(
        ReviewList.objects.filter(campaign=campaign)
        .exclude(status=ListStatus.SUBMITTED)
        .order_by("unit_name", "kind")
        .values_list("unit_name", flat=True)[:20]
    )
    if waiting:
        return gettext(
            "The review cannot be signed: these lists have not been reported back: %(lists)s."
        ) % {"lists": ", ".join(name or "–" for name in waiting)}
    removals = open_removals(campaign).count()
    if removals:
        return gettext(
            "The review cannot be signed: %(count)d decided removals or changes are not done."
        ) % {"count": removals}
    return None


def _signed(campaign: Campaign, actor: Any) -> None:
    campaign.signed_by = actor
    campaign.signed_at = timezone.now()
    control_fulfilled.send(
        sender=Campaign,
        kind="access_review",
        organisation=campaign.organisation,
        target=campaign.system,
        on=today(),
        evidence=campaign,
    )


CAMPAIGN = register(
    Workflow(
        Campaign,
        field="status",
        transitions=[
            Transition(
                "sign",
                _("Sign the review"),
                source=(CampaignStatus.OPEN,),
                target=CampaignStatus.SIGNED,
                permission="access.sign_campaign",
                check=incomplete_reason,
                effect=_signed,
                primary=True,
            ),
        ],
    )
)


def _has_reviewer(review_list: ReviewList) -> str | None:
    if review_list.reviewer_id is None:
        return gettext("Choose who reviews the list first.")
    return None


def _all_decided(review_list: ReviewList) -> str | None:
    undecided = review_list.items.filter(verdict="").count()  # type: ignore[attr-defined]  # reverse relation
    if undecided:
        return gettext(
            "%(count)d accounts have no verdict yet. Give each one a verdict, or report the "
            "list without remark."
        ) % {"count": undecided}
    return None


def _sent(review_list: ReviewList, actor: Any) -> None:
    review_list.sent_at = timezone.now()


def _submitted(review_list: ReviewList, actor: Any) -> None:
    review_list.submitted_by = actor
    review_list.submitted_at = timezone.now()


def _reopened(review_list: ReviewList, actor: Any) -> None:
    review_list.submitted_by = None
    review_list.submitted_at = None
    review_list.without_remark = False


def _reviewer_told(review_list: ReviewList) -> Iterator[Waiting]:
    if review_list.reviewer is not None:
        yield Waiting(review_list.reviewer, "access_review_waiting", review_list)


def _campaign_open(review_list: ReviewList) -> str | None:
    if review_list.campaign.status != CampaignStatus.OPEN:
        return gettext("The review is signed and can no longer change.")
    return None


def _send_check(review_list: ReviewList) -> str | None:
    return _campaign_open(review_list) or _has_reviewer(review_list)


def _submit_check(review_list: ReviewList) -> str | None:
    return _campaign_open(review_list) or _all_decided(review_list)


REVIEW_LIST = register(
    Workflow(
        ReviewList,
        field="status",
        lock_first="campaign",
        transitions=[
            Transition(
                "send",
                _("Send to the reviewer"),
                source=(ListStatus.DRAFT,),
                target=ListStatus.SENT,
                permission="access.change_reviewlist",
                check=_send_check,
                effect=_sent,
                primary=True,
                waiting=_reviewer_told,
            ),
            Transition(
                "submit",
                _("Report back to the controller"),
                source=(ListStatus.SENT,),
                target=ListStatus.SUBMITTED,
                permission="access.review_reviewlist",
                check=_submit_check,
                effect=_submitted,
                primary=True,
            ),
            Transition(
                "reopen",
                _("Reopen the list"),
                source=(ListStatus.SUBMITTED,),
                target=ListStatus.SENT,
                permission="access.change_reviewlist",
                requires=(COMMENT,),
                check=_campaign_open,
                effect=_reopened,
                waiting=_reviewer_told,
            ),
        ],
    )
)


def _decided(request: AccessRequest, actor: Any) -> None:
    request.decided_by = actor
    request.decided_at = timezone.now()


def _done(request: AccessRequest, actor: Any) -> None:
    request.done_by = actor
    request.done_at = timezone.now()


def _person_told(request: AccessRequest) -> Iterator[Waiting]:
    if request.person is not None:
        yield Waiting(request.person, "access_request_done", request)


REQUEST = register(
    Workflow(
        AccessRequest,
        field="status",
        transitions=[
            Transition(
                "approve",
                _("Approve"),
                source=(RequestStatus.REQUESTED,),
                target=RequestStatus.APPROVED,
                permission="access.decide_accessrequest",
                effect=_decided,
                primary=True,
            ),
            Transition(
                "reject",
                _("Reject"),
                source=(RequestStatus.REQUESTED,),
                target=RequestStatus.REJECTED,
                permission="access.decide_accessrequest",
                requires=(COMMENT,),
                effect=_decided,
            ),
            Transition(
                "done",
                _("Mark as done in the system"),
                source=(RequestStatus.APPROVED,),
                target=RequestStatus.DONE,
                permission="access.execute_accessrequest",
                effect=_done,
                primary=True,
                waiting=_person_told,
            ),
        ],
    )
)
