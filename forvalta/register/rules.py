"""Object permissions for the register, driven by role assignments and memberships.

Every predicate takes the object (saved or about to be saved). Reading is the
tenancy scope; writing needs organisation administration of the owner or a
role that manages the object, service or system (RoleType.manages).
"""

from typing import Any

import rules

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


for model, manage in (
    ("managementobject", manages_object),
    ("service", manages_service),
    ("system", manages_system),
    ("environment", manages_system_of),
    ("integration", manages_system_of),
    ("participation", manages_service_of),
    ("roleassignment", manages_role_target),
    ("agreement", manages_agreement),
):
    rules.add_perm(f"register.view_{model}", sees)
    rules.add_perm(f"register.add_{model}", manage)
    rules.add_perm(f"register.change_{model}", manage)
    rules.add_perm(f"register.delete_{model}", manage)

rules.add_perm("register.view_roletype", rules.is_authenticated)
rules.add_perm("register.view_documentation_gaps", rules.is_authenticated)
