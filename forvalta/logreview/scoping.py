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

from django.db.models import Q

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
    """The stored log: the access staff; the recipient of an order the rows of its
    extract (to review them)."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return staff_condition(user, scope) | (
        Q(organisation_id__in=sorted(scope.org_ids)) & Q(load__order__recipient_id=user.pk)
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
    declare(LogLoad, Custom(staff_condition))
    declare(LogEntry, Custom(entry_condition))
    declare(Judgment, Custom(review_condition))
    declare(ReviewOutcome, Custom(review_condition))
    declare(ReferenceRow, Custom(staff_condition))
    declare(ClientIdentity, Custom(no_one))


__all__ = ["declare_logreview_models"]


# --- unauthorised access follow-up (build 7) --------------------------------------------
def followup_condition(user: Any, scope: Any) -> Q:
    """Need to know: the organisation's access staff of the system, the one who opened
    the follow-up and the recipient of the reviewed order."""
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & (
        staff_exists(user, "organisation_id", "system_id")
        | Q(opened_by_id=user.pk)
        | Q(order__recipient_id=user.pk)
    )


def declare_followup_models() -> None:
    from forvalta.logreview.models import FollowUpDecision, UnauthorisedAccess

    declare(UnauthorisedAccess, Custom(followup_condition))
    declare(FollowUpDecision, ThroughParent("followup"))


declare_followup_models()
