"""Object permissions for the register, driven by role assignments and memberships.

Every predicate takes the object (saved or about to be saved). Reading is the
tenancy scope; writing needs organisation administration of the owner or a
role that manages the object, service or system (RoleType.manages).
"""

from typing import Any

import rules
from django.db.models import Q

from forvalta.core.tenancy import scope_for


def _visible(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).org_ids)
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def sees(user: Any, obj: Any) -> bool:
    return _visible(user, obj)


@rules.predicate
def can_create_anything(user: Any) -> bool:
    scope = scope_for(user)
    return bool(scope.admin_org_ids or scope.managed_object_ids)


@rules.predicate
def manages_object(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).admin_org_ids)
    return scope_for(user).manages_object(obj)


@rules.predicate
def manages_service(user: Any, service: Any) -> bool:
    if service is None:
        return can_create_anything(user)
    return scope_for(user).manages_service(service)


@rules.predicate
def manages_system(user: Any, system: Any) -> bool:
    if system is None:
        return can_create_anything(user)
    return scope_for(user).manages_system(system)


@rules.predicate
def manages_system_of(user: Any, obj: Any) -> bool:
    """Environments and integrations belong to their system."""
    scope = scope_for(user)
    if obj is None:
        return bool(scope.admin_org_ids or scope.managed_object_ids or scope.managed_system_ids)
    system = getattr(obj, "system", None) or getattr(obj, "source", None)
    return system is not None and scope.manages_system(system)


@rules.predicate
def manages_service_of(user: Any, participation: Any) -> bool:
    scope = scope_for(user)
    if participation is None:
        return bool(scope.admin_org_ids or scope.managed_object_ids or scope.managed_service_ids)
    return participation.service_id is not None and scope.manages_service(participation.service)


def _covering_targets(assignment: Any) -> tuple[list[int], list[int], list[int]]:
    """The object, service and system ids whose rights cover this assignment's target:
    the target itself, and the management object its service or system sits in (a
    managing role on an object covers its services and systems, as in
    `Scope.manages_service`)."""
    if assignment.management_object_id:
        return [assignment.management_object_id], [], []
    if assignment.service_id:
        parent = assignment.service.management_object_id
        return [parent] if parent else [], [assignment.service_id], []
    if assignment.system_id:
        parent = assignment.system.management_object_id
        return [parent] if parent else [], [], [assignment.system_id]
    return [], [], []


def _covering_q(assignment: Any, objects: str, services: str, systems: str) -> Q:
    object_ids, service_ids, system_ids = _covering_targets(assignment)
    return (
        Q(**{f"{objects}__in": object_ids})
        | Q(**{f"{services}__in": service_ids})
        | Q(**{f"{systems}__in": system_ids})
    )


def _supplier_admin_org_ids(user: Any) -> Any:
    """The supplier organisations the user administers (a subquery)."""
    from forvalta.core.models import Organisation, OrganisationKind

    return Organisation.objects.filter(
        id__in=scope_for(user).admin_org_ids, kind=OrganisationKind.SUPPLIER
    ).values("id")


def supplier_contracts(user: Any) -> Any:
    """Active agreements of the suppliers the user administers."""
    from forvalta.register.models import Agreement

    return Agreement.objects.active().filter(supplier_id__in=_supplier_admin_org_ids(user))


@rules.predicate
def supplier_nominates(user: Any, assignment: Any) -> bool:
    """A supplier's administrator gives its own staff supplier roles (förvaltningspartner,
    driftpartner ...) on what an active agreement of the supplier covers: the customer
    does not appoint another organisation's people (issue 7, cross-organisation writes)."""
    if assignment is None:
        return supplier_contracts(user).exists()
    scope = scope_for(user)
    if not (
        scope.is_org_admin(assignment.organisation_id)
        and assignment.role_type_id is not None
        and assignment.role_type.is_supplier_role
    ):
        return False
    agreements = supplier_contracts(user).filter(supplier_id=assignment.organisation_id)
    covering = _covering_q(assignment, "management_objects", "services", "systems")
    return agreements.filter(covering).exists()


@rules.predicate
def manages_role_target(user: Any, assignment: Any) -> bool:
    scope = scope_for(user)
    if assignment is None:
        return bool(
            scope.nominating_service_ids
            or scope.admin_org_ids
            or scope.managed_object_ids
            or scope.managed_service_ids
            or scope.managed_system_ids
        )
    if assignment.management_object_id:
        return scope.manages_object(assignment.management_object)
    if assignment.service_id:
        return scope.manages_service(assignment.service) or scope.nominates(assignment)
    if assignment.system_id:
        return scope.manages_system(assignment.system)
    return False


def acts_for_organisation(user: Any, assignment: Any) -> bool:
    """May the user appoint someone *acting for* the assignment's organisation?

    Only someone of that organisation may: its administrator, or a person holding a
    managing role on the target (or on the management object it sits in) acting for
    that same organisation. So the target's managers appoint people for their own
    organisation only, and another organisation's people are appointed by that
    organisation (a participant's administrator nominating its staff, a supplier's
    administrator its consultants). Asked when an assignment is created and when
    who, for whom, in which role or on what is changed; the target's managers may
    still change the dates and note of, or remove, another organisation's assignment
    on their target (to end it).
    """
    if assignment is None or assignment.organisation_id is None:
        return True
    scope = scope_for(user)
    org_id = assignment.organisation_id
    if scope.is_org_admin(org_id):
        return True
    if org_id not in scope.org_ids:
        return False
    if not (assignment.management_object_id or assignment.service_id or assignment.system_id):
        return True  # no target yet: the form's "exactly one target" error says so
    from forvalta.register.models import RoleAssignment

    return (
        RoleAssignment.objects.active()
        .filter(person_id=user.pk, organisation_id=org_id, role_type__manages=True)
        .filter(_covering_q(assignment, "management_object", "service", "system"))
        .exists()
    )


# The fields that say who acts for whom, in which role, on what.
APPOINTMENT_FIELDS = (
    "person",
    "organisation",
    "role_type",
    "management_object",
    "service",
    "system",
)


@rules.predicate
def manages_agreement(user: Any, agreement: Any) -> bool:
    """The customer's administrators, and those who manage what the agreement covers."""
    scope = scope_for(user)
    if agreement is None:
        return can_create_anything(user)
    if scope.is_org_admin(agreement.owner_organisation_id):
        return True
    if agreement.owner_organisation_id not in scope.org_ids or not agreement.pk:
        return False
    return (
        any(scope.manages_object(o) for o in agreement.management_objects.all())
        or any(scope.manages_service(s) for s in agreement.services.all())
        or any(scope.manages_system(s) for s in agreement.systems.all())
    )


@rules.predicate
def administers_owner(user: Any, obj: Any) -> bool:
    """Hard deletion of a management object, service or system: only the owning
    organisation's administrators (everyone else who may edit it archives it)."""
    scope = scope_for(user)
    if obj is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(obj.owner_organisation_id)


HARD_DELETE = {
    "managementobject": administers_owner,
    "service": administers_owner,
    "system": administers_owner,
}

for model, manage in (
    ("managementobject", manages_object),
    ("service", manages_service),
    ("system", manages_system),
    ("environment", manages_system_of),
    ("integration", manages_system_of),
    ("participation", manages_service_of),
    ("roleassignment", manages_role_target | supplier_nominates),
    ("agreement", manages_agreement),
):
    rules.add_perm(f"register.view_{model}", sees)
    rules.add_perm(f"register.add_{model}", manage)
    rules.add_perm(f"register.change_{model}", manage)
    rules.add_perm(f"register.delete_{model}", HARD_DELETE.get(model, manage))


@rules.predicate
def administers_requirement_org(user: Any, requirement: Any) -> bool:
    """An organisation's documentation requirements are set by its administrators."""
    scope = scope_for(user)
    if requirement is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(requirement.organisation_id)


for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"register.{action}_lifecyclerequirement", administers_requirement_org)

rules.add_perm("register.view_roletype", rules.is_authenticated)
rules.add_perm("register.view_documentation_gaps", rules.is_authenticated)
