"""Who sees plans, their goals, and the members' cost split.

- A plan is seen by the members of its target: the owner organisation, the
  organisations taking part in the service (or in a service of the object), and those
  holding a member's (non-supplier) role on it. Its needs, activities, resource groups,
  milestones, goals and efforts are seen with it.
- A supplier does not see the plan; it sees the goals assigned to its organisation
  (with their efforts and follow-up) on targets it sees.
- A cost split is seen by the members of its service (not by a supplier). Its shares
  and key values: the owner organisation and the service's managers see all; a member
  sees its own line, and every line when the split is open to all members.
- Planning settings and calendar templates are the organisation's own.
- A system's budget lines are seen with the system, by those who see it as a member.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from forvalta.core.scoping import (
    NOTHING,
    AnyOf,
    Custom,
    OrganisationPrivate,
    ThroughParent,
    declare,
    visible_ids,
)
from forvalta.plans.models import (
    CostShare,
    CostSplit,
    FollowUpEntry,
    Goal,
    GoalEffort,
    KeyValue,
    ManagementPlan,
    MilestoneTemplate,
    PlanActivity,
    PlanMilestone,
    PlanNeed,
    PlanningSettings,
    ResourceGroup,
    SystemBudgetLine,
)
from forvalta.register.models import (
    ManagementObject,
    Participation,
    ParticipationStatus,
    RoleAssignment,
    Service,
    System,
)

NOT_TAKING_PART = [ParticipationStatus.APPLIED, ParticipationStatus.ENDED]


def _orgs(scope: Any) -> list[int]:
    return sorted(scope.org_ids)


def _member_roles(scope: Any, field: str) -> QuerySet:
    return (
        RoleAssignment.objects.active()
        .filter(
            person_id=scope.user.pk,
            organisation_id__in=_orgs(scope),
            role_type__is_supplier_role=False,
        )
        .filter(**{f"{field}__isnull": False})
        .values(field)
    )


def _managing_roles(scope: Any, field: str) -> QuerySet:
    return (
        RoleAssignment.objects.active()
        .filter(person_id=scope.user.pk, organisation_id__in=_orgs(scope), role_type__manages=True)
        .filter(**{f"{field}__isnull": False})
        .values(field)
    )


def _participating(orgs: list[int]) -> QuerySet:
    return (
        Participation.objects.active()
        .filter(organisation_id__in=orgs)
        .exclude(status__in=NOT_TAKING_PART)
        .values("service_id")
    )


def member_services(scope: Any) -> QuerySet:
    """Services the user reaches as a member: owned, taken part in, a member's role on
    it, or on its object (or the object is owned)."""
    orgs = _orgs(scope)
    return Service._base_manager.filter(
        Q(owner_organisation_id__in=orgs)
        | Q(id__in=_participating(orgs))
        | Q(id__in=_member_roles(scope, "service_id"))
        | Q(management_object_id__in=_member_roles(scope, "management_object_id"))
        | Q(management_object__owner_organisation_id__in=orgs)
    ).values("id")


def member_objects(scope: Any) -> QuerySet:
    orgs = _orgs(scope)
    return ManagementObject._base_manager.filter(
        Q(owner_organisation_id__in=orgs)
        | Q(id__in=_member_roles(scope, "management_object_id"))
        | Q(
            id__in=Service._base_manager.filter(
                Q(id__in=_participating(orgs)) | Q(id__in=_member_roles(scope, "service_id"))
            ).values("management_object_id")
        )
        | Q(
            id__in=System._base_manager.filter(
                id__in=_member_roles(scope, "system_id"), management_object_id__isnull=False
            ).values("management_object_id")
        )
    ).values("id")


def managed_services(scope: Any) -> QuerySet:
    """Services the user manages: the owner's administrators, a managing role on it or
    on its object."""
    admin_orgs = sorted(scope.admin_org_ids)
    return Service._base_manager.filter(
        Q(owner_organisation_id__in=admin_orgs)
        | Q(id__in=_managing_roles(scope, "service_id"))
        | Q(management_object_id__in=_managing_roles(scope, "management_object_id"))
    ).values("id")


def plan_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    return (
        Q(management_object_id__in=member_objects(scope))
        & Q(management_object_id__in=visible_ids(ManagementObject, user))
    ) | (Q(service_id__in=member_services(scope)) & Q(service_id__in=visible_ids(Service, user)))


def assigned_goal_condition(user: Any, scope: Any) -> Q:
    """Goals assigned to one of the user's organisations, on a target the user sees."""
    if not scope.org_ids:
        return NOTHING
    return Q(assigned_organisation_id__in=_orgs(scope)) & (
        Q(plan__management_object_id__in=visible_ids(ManagementObject, user))
        | Q(plan__service_id__in=visible_ids(Service, user))
    )


def split_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    return Q(service_id__in=member_services(scope)) & Q(service_id__in=visible_ids(Service, user))


def share_condition(user: Any, scope: Any) -> Q:
    """Every line for the owner and the service's managers, and for members when the
    split is open; otherwise one's own organisation's line."""
    if not scope.org_ids:
        return NOTHING
    orgs = _orgs(scope)
    visible_splits = CostSplit._base_manager.filter(split_condition(user, scope)).values("id")
    whole = (
        Q(split__organisation_id__in=orgs)
        | Q(split__service_id__in=managed_services(scope))
        | Q(split__open_to_members=True)
    )
    return Q(split_id__in=visible_splits) & (whole | Q(organisation_id__in=orgs))


def budget_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    orgs = _orgs(scope)
    return Q(system__owner_organisation_id__in=orgs) | Q(
        system_id__in=RoleAssignment.objects.active()
        .filter(
            person_id=scope.user.pk,
            organisation_id__in=orgs,
            role_type__is_supplier_role=False,
            system_id__isnull=False,
        )
        .values("system_id")
    )


def declare_plan_models() -> None:
    declare(PlanningSettings, OrganisationPrivate("organisation"))
    declare(MilestoneTemplate, OrganisationPrivate("organisation"))
    declare(ManagementPlan, Custom(plan_condition))
    declare(PlanNeed, ThroughParent("plan"))
    declare(PlanActivity, ThroughParent("plan"))
    declare(ResourceGroup, ThroughParent("plan"))
    declare(PlanMilestone, ThroughParent("plan"))
    declare(Goal, AnyOf(ThroughParent("plan"), Custom(assigned_goal_condition)))
    declare(GoalEffort, ThroughParent("goal"))
    declare(FollowUpEntry, ThroughParent("goal"))
    declare(CostSplit, Custom(split_condition))
    declare(KeyValue, Custom(share_condition))
    declare(CostShare, Custom(share_condition))
    declare(SystemBudgetLine, Custom(budget_condition))
