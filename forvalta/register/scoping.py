"""How the register's rows are reached: owners, participants, role holders, suppliers.

Declared here and resolved by core (`forvalta.core.scoping`) into one SQL statement:
every condition is built from the user's own organisations (a handful of ids) and
subqueries over RoleAssignment, Participation and Agreement, never from Python sets of
visible rows.

- Management objects: owned; holding a role on it, or on one of its services or systems;
  contracted (an active agreement of one's supplier organisation covers it, one of its
  services or one of its systems); taking part in one of its services.
- Services: owned; taking part (active Participation, neither applied nor ended);
  holding a role on it; contracted for it; or the service sits in an object one owns,
  holds a role on or is contracted for (the object's whole content is open).
- Systems: as services, and the systems of every service one reaches.
- Environments and integrations are seen with their system (the integration with its
  source system); participations with their service.
- Role assignments are seen with their target.
- Agreements: one's own (as customer or supplier), and the agreements covering what one
  sees other than as a supplier (owned or taken-part services; non-supplier roles).
  A supplier never sees another supplier's agreements.
- People: the holders of the role assignments one sees (widening core's User rule).
- Import runs: their uploader's only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from forvalta.core.models import User
from forvalta.core.scoping import (
    NOTHING,
    Custom,
    NeedToKnow,
    OrganisationPrivate,
    ThroughParent,
    declare,
    widen,
)
from forvalta.core.tenancy import Scope, scope_fact
from forvalta.register.models import (
    Agreement,
    Environment,
    ImportJob,
    Integration,
    LifecycleRequirement,
    ManagementObject,
    Participation,
    ParticipationStatus,
    RoleAssignment,
    Service,
    System,
)

NOT_TAKING_PART = [ParticipationStatus.APPLIED, ParticipationStatus.ENDED]

AgreementObjects = Agreement.management_objects.through
AgreementServices = Agreement.services.through
AgreementSystems = Agreement.systems.through
ServiceSystems = Service.systems.through


def _orgs(scope: Scope) -> list[int]:
    return sorted(scope.org_ids)


# --- the user's ways in, as subqueries ---------------------------------------------------
def _roles(scope: Scope, member_roles: bool = False) -> QuerySet:
    """The user's role assignments today, acting for one of their organisations."""
    qs = RoleAssignment.objects.active().filter(
        person_id=scope.user.pk, organisation_id__in=_orgs(scope)
    )
    if member_roles:
        qs = qs.filter(role_type__is_supplier_role=False)
    return qs


def _role_targets(scope: Scope, field: str, member_roles: bool = False) -> QuerySet:
    return _roles(scope, member_roles).filter(**{f"{field}__isnull": False}).values(field)


def _participating(orgs: list[int]) -> QuerySet:
    """Services the organisations take part in today (not merely applied, not ended)."""
    return (
        Participation.objects.active()
        .filter(organisation_id__in=orgs)
        .exclude(status__in=NOT_TAKING_PART)
        .values("service_id")
    )


def _contracts(scope: Scope) -> QuerySet:
    return Agreement.objects.active().filter(supplier_id__in=_orgs(scope)).values("pk")


def _contracted(scope: Scope, through: Any, field: str) -> QuerySet:
    return through.objects.filter(agreement_id__in=_contracts(scope)).values(field)


def _reached_services(scope: Scope, column: str = "id") -> Q:
    """Services reached directly: taking part, holding a role, contracted."""
    return (
        Q(**{f"{column}__in": _participating(_orgs(scope))})
        | Q(**{f"{column}__in": _role_targets(scope, "service_id")})
        | Q(**{f"{column}__in": _contracted(scope, AgreementServices, "service_id")})
    )


def _reached_systems(scope: Scope) -> Q:
    """Systems reached directly: holding a role, contracted."""
    return Q(id__in=_role_targets(scope, "system_id")) | Q(
        id__in=_contracted(scope, AgreementSystems, "system_id")
    )


def _wide_objects(scope: Scope) -> QuerySet:
    """Objects whose every service and system the user sees (own, role or contract)."""
    return ManagementObject._base_manager.filter(
        Q(owner_organisation_id__in=_orgs(scope))
        | Q(id__in=_role_targets(scope, "management_object_id"))
        | Q(id__in=_contracted(scope, AgreementObjects, "managementobject_id"))
    ).values("id")


# --- the conditions -----------------------------------------------------------------------
def object_condition(user: Any, scope: Scope) -> Q:
    if not scope.org_ids:
        return NOTHING
    orgs = _orgs(scope)
    return (
        Q(owner_organisation_id__in=orgs)
        | Q(id__in=_role_targets(scope, "management_object_id"))
        | Q(id__in=_contracted(scope, AgreementObjects, "managementobject_id"))
        | Q(
            id__in=Service._base_manager.filter(_reached_services(scope)).values(
                "management_object_id"
            )
        )
        | Q(
            id__in=System._base_manager.filter(_reached_systems(scope))
            .filter(management_object_id__isnull=False)
            .values("management_object_id")
        )
    )


def service_condition(user: Any, scope: Scope) -> Q:
    if not scope.org_ids:
        return NOTHING
    return (
        Q(owner_organisation_id__in=_orgs(scope))
        | _reached_services(scope)
        | Q(management_object_id__in=_wide_objects(scope))
    )


def system_condition(user: Any, scope: Scope) -> Q:
    if not scope.org_ids:
        return NOTHING
    return (
        Q(owner_organisation_id__in=_orgs(scope))
        | _reached_systems(scope)
        | Q(management_object_id__in=_wide_objects(scope))
        | Q(
            id__in=ServiceSystems.objects.filter(
                _reached_services(scope, column="service_id")
            ).values("system_id")
        )
    )


def role_assignment_condition(user: Any, scope: Scope) -> Q:
    """Seen with the target: the object, service or system it is held for."""
    if not scope.org_ids:
        return NOTHING
    return (
        Q(management_object_id__in=visible_object_ids(user, scope))
        | Q(service_id__in=visible_service_ids(user, scope))
        | Q(system_id__in=visible_system_ids(user, scope))
    )


def agreement_condition(user: Any, scope: Scope) -> Q:
    """One's own agreements (customer or supplier), and those covering what one sees as
    a member: owned or taken-part services, and targets of non-supplier roles."""
    if not scope.org_ids:
        return NOTHING
    orgs = _orgs(scope)
    member_view_services = Service._base_manager.filter(
        Q(owner_organisation_id__in=orgs)
        | Q(id__in=_participating(orgs))
        | Q(id__in=_role_targets(scope, "service_id", member_roles=True))
    ).values("id")
    return (
        Q(owner_organisation_id__in=orgs)
        | Q(supplier_id__in=orgs)
        | Q(
            id__in=AgreementServices.objects.filter(service_id__in=member_view_services).values(
                "agreement_id"
            )
        )
        | Q(
            id__in=AgreementObjects.objects.filter(
                managementobject_id__in=_role_targets(
                    scope, "management_object_id", member_roles=True
                )
            ).values("agreement_id")
        )
        | Q(
            id__in=AgreementSystems.objects.filter(
                system_id__in=_role_targets(scope, "system_id", member_roles=True)
            ).values("agreement_id")
        )
    )


def role_holder_condition(user: Any, scope: Scope) -> Q:
    """People holding a role assignment the user sees."""
    if not scope.org_ids:
        return NOTHING
    return Q(
        pk__in=RoleAssignment._base_manager.filter(role_assignment_condition(user, scope)).values(
            "person_id"
        )
    )


def visible_object_ids(user: Any, scope: Scope) -> QuerySet:
    return ManagementObject._base_manager.filter(object_condition(user, scope)).values("pk")


def visible_service_ids(user: Any, scope: Scope) -> QuerySet:
    return Service._base_manager.filter(service_condition(user, scope)).values("pk")


def visible_system_ids(user: Any, scope: Scope) -> QuerySet:
    return System._base_manager.filter(system_condition(user, scope)).values("pk")


# --- facts about the user's own roles, for write rules (small sets) -----------------------
@scope_fact("own_roles")
def own_roles(scope: Scope) -> list[tuple[int | None, int | None, int | None, bool, bool]]:
    if not scope.org_ids:
        return []
    return list(
        _roles(scope).values_list(
            "management_object_id",
            "service_id",
            "system_id",
            "role_type__manages",
            "role_type__is_supplier_role",
        )
    )


def _role_ids(scope: Scope, index: int, managing: bool = False) -> frozenset[int]:
    ids = (r[index] for r in scope.own_roles if r[3] or not managing)
    return frozenset(i for i in ids if i is not None)


scope_fact("role_object_ids")(lambda scope: _role_ids(scope, 0))
scope_fact("role_service_ids")(lambda scope: _role_ids(scope, 1))
scope_fact("role_system_ids")(lambda scope: _role_ids(scope, 2))
scope_fact("managed_object_ids")(lambda scope: _role_ids(scope, 0, managing=True))
scope_fact("managed_service_ids")(lambda scope: _role_ids(scope, 1, managing=True))
scope_fact("managed_system_ids")(lambda scope: _role_ids(scope, 2, managing=True))


# The rows the user sees, for code that still asks the scope for them: subqueries (use
# them as `field__in=scope.system_ids`), never sets of ids. Prefer visible_to().
scope_fact("object_ids")(lambda scope: visible_object_ids(scope.user, scope))
scope_fact("service_ids")(lambda scope: visible_service_ids(scope.user, scope))
scope_fact("system_ids")(lambda scope: visible_system_ids(scope.user, scope))


@scope_fact("nominating_service_ids")
def nominating_service_ids(scope: Scope) -> frozenset[int]:
    """Services for which an administrator of a taking-part organisation nominates its
    own representatives ("varje användande kommun hanterar behörighet själv")."""
    if not scope.admin_org_ids:
        return frozenset()
    return frozenset(
        _participating(sorted(scope.admin_org_ids)).values_list("service_id", flat=True)
    )


@scope_fact("partner_org_ids")
def partner_org_ids(scope: Scope) -> frozenset[int]:
    """Organisations taking part in, or contracted for, what the user manages."""
    admin_orgs = sorted(scope.admin_org_ids)
    managed_objects = sorted(scope.managed_object_ids)
    managed_services = Service._base_manager.filter(
        Q(owner_organisation_id__in=admin_orgs)
        | Q(id__in=sorted(scope.managed_service_ids))
        | Q(management_object_id__in=managed_objects)
    ).values("id")
    participants = Participation.objects.active().filter(service_id__in=managed_services)
    suppliers = Agreement.objects.active().filter(
        Q(owner_organisation_id__in=admin_orgs)
        | Q(
            id__in=AgreementServices.objects.filter(service_id__in=managed_services).values(
                "agreement_id"
            )
        )
        | Q(
            id__in=AgreementObjects.objects.filter(managementobject_id__in=managed_objects).values(
                "agreement_id"
            )
        )
        | Q(
            id__in=AgreementSystems.objects.filter(
                system_id__in=sorted(scope.managed_system_ids)
            ).values("agreement_id")
        )
    )
    return frozenset(participants.values_list("organisation_id", flat=True)) | frozenset(
        suppliers.values_list("supplier_id", flat=True)
    )


def declare_register_models() -> None:
    declare(ManagementObject, Custom(object_condition))
    declare(Service, Custom(service_condition))
    declare(System, Custom(system_condition))
    declare(Environment, ThroughParent("system"))
    declare(Integration, ThroughParent("source"))
    declare(Participation, ThroughParent("service"))
    declare(RoleAssignment, Custom(role_assignment_condition))
    declare(Agreement, Custom(agreement_condition))
    declare(LifecycleRequirement, OrganisationPrivate("organisation"))
    widen(User, Custom(role_holder_condition))
    # An import run is its uploader's alone: its preview names what they see.
    declare(ImportJob, NeedToKnow("user"))
