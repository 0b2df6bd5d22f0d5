"""Who sees access management: one organisation's own, and within it only those who
need it ("varje användande kommun hanterar behörighet själv", seed 000 4.5.1).

- The access staff of an organisation for a system see its settings, snapshots,
  accounts, campaigns, lists, requests, deviations and sign-offs: the members of that
  organisation holding, for it, an active role of `STAFF_ROLES` on the system or on a
  service the system belongs to (controller, system administrator, object and system
  owner, process owner). Being a member, an organisation administrator or a supplier
  is not enough: a supplier's consultant sees the accounts only once the organisation
  gives them the system administrator role for it.
- A reviewer (the list's manager, or the manager it was escalated to) sees their own
  lists, the accounts on them and the campaign's heading; no other unit's list.
- An access request is seen by the staff, the one who asked and the person it is for.
- Access roles are the shared service's definitions: seen with their system or service.

Every rule is a subquery (`Exists` over the user's role assignments), never ids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    AccessSettings,
    Account,
    Campaign,
    Deviation,
    ReviewItem,
    ReviewList,
    Snapshot,
    YearSignOff,
)
from forvalta.core.scoping import (
    NOTHING,
    Custom,
    ThroughParent,
    declare,
    visible_ids,
)
from forvalta.register.models import RoleAssignment, Service, System

STAFF_ROLES = (
    "access_controller",
    "system_administrator",
    "object_owner",
    "system_owner",
    "process_owner",
)


def staff_roles(user: Any, codes: tuple[str, ...] = STAFF_ROLES) -> Any:
    return RoleAssignment.objects.active().filter(person_id=user.pk, role_type__code__in=codes)


def staff_exists(user: Any, org: str, system: str, codes: tuple[str, ...] = STAFF_ROLES) -> Q:
    """The user holds one of `codes` for the row's organisation on the row's system
    (directly or on a service of it)."""
    roles = staff_roles(user, codes).filter(organisation_id=OuterRef(org))
    on_system = roles.filter(
        Q(system_id=OuterRef(system))
        | Q(
            service_id__in=Service.systems.through.objects.filter(
                system_id=OuterRef(OuterRef(system))
            ).values("service_id")
        )
    )
    return Q(Exists(on_system))


def _staff(org: str, system: str) -> Any:
    def condition(user: Any, scope: Any) -> Q:
        if not scope.org_ids or user is None or not user.is_authenticated:
            return NOTHING
        return Q(**{f"{org}__in": sorted(scope.org_ids)}) & staff_exists(user, org, system)

    return condition


def _reviewer_lists(user: Any, scope: Any) -> Any:
    return ReviewList._base_manager.filter(
        Q(reviewer_id=user.pk) | Q(escalated_to_id=user.pk),
        campaign__organisation_id__in=sorted(scope.org_ids),
    )


def list_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return (
        Q(campaign__organisation_id__in=sorted(scope.org_ids))
        & staff_exists(user, "campaign__organisation_id", "campaign__system_id")
    ) | Q(pk__in=_reviewer_lists(user, scope).values("pk"))


def campaign_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return _staff("organisation_id", "system_id")(user, scope) | Q(
        pk__in=_reviewer_lists(user, scope).values("campaign_id")
    )


def account_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    reviewed = ReviewItem._base_manager.filter(review_list__in=_reviewer_lists(user, scope)).values(
        "account_id"
    )
    return _staff("snapshot__organisation_id", "snapshot__system_id")(user, scope) | Q(
        pk__in=reviewed
    )


def request_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    own = Q(organisation_id__in=sorted(scope.org_ids)) & (
        Q(requested_by_id=user.pk) | Q(person_id=user.pk)
    )
    return _staff("organisation_id", "system_id")(user, scope) | own


def role_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    return Q(system_id__in=visible_ids(System, user)) | Q(service_id__in=visible_ids(Service, user))


def declare_access_models() -> None:
    staff = Custom(_staff("organisation_id", "system_id"))
    declare(AccessRole, Custom(role_condition))
    declare(AccessSettings, staff)
    declare(Snapshot, staff)
    declare(Account, Custom(account_condition))
    declare(Campaign, Custom(campaign_condition))
    declare(ReviewList, Custom(list_condition))
    declare(ReviewItem, ThroughParent("review_list"))
    declare(AccessRequest, Custom(request_condition))
    declare(Deviation, staff)
    declare(YearSignOff, staff)


__all__ = ["STAFF_ROLES", "declare_access_models", "staff_exists", "staff_roles"]
