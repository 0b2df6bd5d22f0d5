"""Who sees log review: organisation-private.

- Log sources, schedules, rounds and the drawn units (their headings) are seen by the
  members of the organisation.
- Who was drawn (employees, days) and the extract orders only by the organisation's
  access staff of the source's system and the attestant and recipient named on the
  unit's order: being drawn for a review is not every colleague's business.
- Stored log rows and uploaded extract files hold clients' data (a masked number and a
  keyed hash): only the organisation's access staff of the source's system (controller,
  system administrator, object and system owner, process owner: `forvalta/access/scoping.py`)
  see them. The reviewers' own view of their extract is the next session's work
  (docs/logreview.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.db.models.lookups import In

from forvalta.access.scoping import staff_exists
from forvalta.core.scoping import NOTHING, Custom, OrganisationPrivate, ThroughParent, declare
from forvalta.logreview.models import (
    ClientIdentity,
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    Judgment,
    LogEntry,
    LogLoad,
    LogSource,
    ReferenceRow,
    ReviewOutcome,
    SamplingRound,
    SamplingSchedule,
)


def staff_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & staff_exists(
        user, "organisation_id", "source__system_id"
    )


def named_condition(unit_path: str) -> Any:
    """The access staff of the source's system, and the attestant and recipient named
    on the order of the drawn unit (`unit_path` leads to the `DrawnUnit`)."""

    def condition(user: Any, scope: Any) -> Q:
        if not scope.org_ids or user is None or not user.is_authenticated:
            return NOTHING
        prefix = f"{unit_path}__" if unit_path else ""
        org = f"{prefix}round__organisation_id"
        named = Q(**{f"{prefix}order__attestant_id": user.pk}) | Q(
            **{f"{prefix}order__recipient_id": user.pk}
        )
        return Q(**{f"{org}__in": sorted(scope.org_ids)}) & (
            staff_exists(user, org, f"{prefix}round__schedule__source__system_id") | named
        )

    return condition


def order_condition(user: Any, scope: Any, prefix: str = "") -> Q:
    """An order (or, with `prefix` "order__", a row of an order's review)."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & (
        staff_exists(user, "organisation_id", f"{prefix}round__schedule__source__system_id")
        | Q(**{f"{prefix}attestant_id": user.pk})
        | Q(**{f"{prefix}recipient_id": user.pk})
    )


def review_condition(user: Any, scope: Any) -> Q:
    return order_condition(user, scope, "order__")


def entry_condition(user: Any, scope: Any) -> Q:
    """The stored log: the access staff of the source's system; the recipient of an
    order the rows of its extract (to review them).

    Written as uncorrelated subqueries (the sources whose system the user is staff of,
    the loads of the orders the user receives), which PostgreSQL runs once per query and
    hashes, not once per row as `staff_condition`'s correlated EXISTS under the OR: an
    extract's per-day peer counts read thousands of rows. A row's organisation is its
    source's (a load writes both from the source); the comparison keeps that exact."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    orgs = sorted(scope.org_ids)
    # scoping: allowed the subqueries are the visibility condition itself
    staff_sources = (
        LogSource._base_manager.filter(
            Q(organisation_id__in=orgs) & staff_exists(user, "organisation_id", "system_id")
        )
        .order_by()
        .values("pk")
    )
    # scoping: allowed the subqueries are the visibility condition itself
    received = (
        LogLoad._base_manager.filter(organisation_id__in=orgs, order__recipient_id=user.pk)
        .order_by()
        .values("pk")
    )
    # As lookup expressions, the condition stays inline (`core.scoping` turns a condition
    # with `field__in=<queryset>` into `pk IN (...)`, a semi-join over the whole
    # partitioned log).
    return Q(organisation_id__in=orgs) & (
        Q(In(F("source_id"), staff_sources), organisation_id=F("source__organisation_id"))
        | Q(In(F("load_id"), received))
    )


def no_one(user: Any, scope: Any) -> Q:
    """The encrypted full numbers are never listed: only `services.reveal_client` reads
    one, for an order's recipient, recording the audit event."""
    return NOTHING


def declare_logreview_models() -> None:
    declare(LogSource, OrganisationPrivate("organisation"))
    declare(SamplingSchedule, OrganisationPrivate("organisation"))
    declare(SamplingRound, OrganisationPrivate("organisation"))
    declare(DrawnUnit, ThroughParent("round"))
    declare(DrawnEmployee, Custom(named_condition("drawn_unit")))
    declare(DrawnDay, ThroughParent("employee"))
    declare(ExtractOrder, Custom(order_condition))
    declare(LogLoad, Custom(load_condition))
    declare(LogEntry, Custom(entry_condition_with_cases))
    declare(Judgment, Custom(review_condition))
    declare(ReviewOutcome, Custom(review_condition))
    declare(ReferenceRow, Custom(staff_condition))
    declare(ClientIdentity, Custom(no_one))
    declare_suspicion_models()


# --- review on suspicion (seed 004 section 7): need to know -------------------------------
# A case is seen only by the people named on it (requested by, attestant, recipient,
# the reviewed person's manager's manager) and, once attested, by the log administrators
# of the source's system (to fulfil it; the page shows them only what that needs), never
# by the person reviewed. Not by the organisation's administrators, not by a controller
# unless named. Its extract (the load and its rows) is hidden from the other access staff.
CASE_ATTESTED = ("attested", "fulfilled", "documented")


def _case_admin(user: Any, prefix: str = "") -> Q:
    from forvalta.access.rules import ADMINISTRATOR

    return (
        Q(**{f"{prefix}status__in": CASE_ATTESTED})
        & staff_exists(
            user, f"{prefix}organisation_id", f"{prefix}source__system_id", ADMINISTRATOR
        )
        & ~Q(**{f"{prefix}subject_user_id": user.pk})
        # The administrator named on the case (seed 004 section 7.3), or any on a case
        # entered before one was named.
        & (
            Q(**{f"{prefix}administrator__isnull": True})
            | Q(**{f"{prefix}administrator_id": user.pk})
        )
    )


def _case_named(user: Any, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}requested_by_id": user.pk})
        | Q(**{f"{prefix}attestant_id": user.pk})
        | Q(**{f"{prefix}recipient_id": user.pk})
        | Q(**{f"{prefix}senior_manager_id": user.pk})
    )


def case_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & (_case_named(user) | _case_admin(user))


def case_review_condition(user: Any, scope: Any) -> Q:
    """A case's judgments: its recipient; those an unauthorised-access follow-up holds
    also to whoever sees that follow-up (to decide on it), never the person reviewed."""
    if not scope.org_ids or user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    from forvalta.logreview.models import UnauthorisedAccess

    held = UnauthorisedAccess.suspicion_judgments.through.objects.filter(
        unauthorisedaccess__in=UnauthorisedAccess._base_manager.filter(
            followup_condition(user, scope)
        ).values("pk")
    ).values("suspicionjudgment_id")
    return Q(organisation_id__in=sorted(scope.org_ids)) & (
        Q(case__recipient_id=user.pk) | Q(pk__in=held)
    )


def case_outcome_condition(user: Any, scope: Any) -> Q:
    """A case's documentation (counts, no identity): the people named on it."""
    if not scope.org_ids or user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & _case_named(user, "case__")


def load_condition(user: Any, scope: Any) -> Q:
    """Loads: the access staff, except a case's extract: its log administrators only."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    orgs = Q(organisation_id__in=sorted(scope.org_ids))
    return (staff_condition(user, scope) & Q(case__isnull=True)) | (
        orgs & Q(case__isnull=False) & _case_admin(user, "case__")
    )


def entry_condition_with_cases(user: Any, scope: Any) -> Q:
    """The stored log as `entry_condition`, except the rows of a case's extract (read
    for the case's recipient by the case's review, server-side)."""
    condition = entry_condition(user, scope)
    if condition == NOTHING:
        return NOTHING
    return condition & Q(load__case__isnull=True)


def declare_suspicion_models() -> None:
    from forvalta.logreview.models import SuspicionCase, SuspicionJudgment, SuspicionOutcome

    declare(SuspicionCase, Custom(case_condition))
    declare(SuspicionJudgment, Custom(case_review_condition))
    declare(SuspicionOutcome, Custom(case_outcome_condition))


__all__ = ["declare_logreview_models"]


# --- unauthorised access follow-up (build 7) --------------------------------------------
def followup_condition(user: Any, scope: Any) -> Q:
    """Need to know. Opened from a quarterly review: the organisation's access staff of
    the system, the one who opened the follow-up and the recipient of the reviewed
    order. Opened from a review on suspicion: only those named on the case who know whom
    it concerns and act on the follow-up (the recipient, who opened it, and the reviewed
    person's manager's manager) and those it was escalated to; never the person
    reviewed, the organisation's administrators or access staff not named (the case's
    requester and attestant, who never learn the person, do not see it either)."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    quarterly = Q(order__isnull=False) & (
        staff_exists(user, "organisation_id", "system_id")
        | Q(opened_by_id=user.pk)
        | Q(order__recipient_id=user.pk)
    )
    condition = quarterly
    if user.is_active:
        from forvalta.logreview.models import UnauthorisedAccess

        escalated = UnauthorisedAccess.escalated_to.through.objects.filter(user_id=user.pk).values(
            "unauthorisedaccess_id"
        )
        condition |= (
            Q(case__isnull=False)
            & (
                Q(case__recipient_id=user.pk)
                | Q(case__senior_manager_id=user.pk)
                | Q(pk__in=escalated)
            )
            & ~Q(case__subject_user_id=user.pk)
        )
    return Q(organisation_id__in=sorted(scope.org_ids)) & condition


def declare_followup_models() -> None:
    from forvalta.logreview.models import FollowUpDecision, UnauthorisedAccess

    declare(UnauthorisedAccess, Custom(followup_condition))
    declare(FollowUpDecision, ThroughParent("followup"))


declare_followup_models()
