"""Object permissions for organisations, units, people and memberships.

Predicates read the tenancy scope (core.tenancy); they are the only place
write rights are decided. Views, forms, the API and services all ask
`user.has_perm(...)`.
"""

from typing import Any

import rules

from forvalta.core.tenancy import scope_for


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return bool(user.is_authenticated and scope_for(user).is_platform_admin)


@rules.predicate
def is_any_org_admin(user: Any) -> bool:
    return bool(scope_for(user).admin_org_ids)


@rules.predicate
def administers_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None:
        return False
    return scope_for(user).is_org_admin(organisation.pk)


@rules.predicate
def administers_owning_organisation(user: Any, obj: Any) -> bool:
    """For units and memberships: the user administers the organisation they belong to."""
    if obj is None:
        return is_any_org_admin(user)
    return scope_for(user).is_org_admin(obj.organisation_id)


@rules.predicate
def sees_organisation(user: Any, organisation: Any) -> bool:
    if organisation is None:
        return bool(scope_for(user).org_ids) or is_platform_admin(user)
    from forvalta.core.models import Organisation

    return Organisation.objects.visible_to(user).filter(pk=organisation.pk).exists()


@rules.predicate
def belongs_to_own_organisation(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).org_ids)
    return obj.organisation_id in scope_for(user).org_ids


@rules.predicate
def registers_supplier(user: Any, organisation: Any) -> bool:
    """Organisation administrators may add suppliers to the shared directory."""
    if not scope_for(user).admin_org_ids:
        return False
    return organisation is None or organisation.kind == "supplier"


rules.add_perm("core.view_organisation", sees_organisation)
rules.add_perm("core.add_organisation", is_platform_admin | registers_supplier)
rules.add_perm("core.change_organisation", is_platform_admin | administers_organisation)
rules.add_perm("core.delete_organisation", is_platform_admin)
# Platform administrators appoint an organisation's first administrators.
rules.add_perm("core.manage_org_admins", is_platform_admin | administers_organisation)

rules.add_perm("core.view_unit", belongs_to_own_organisation)
rules.add_perm("core.add_unit", administers_owning_organisation)
rules.add_perm("core.change_unit", administers_owning_organisation)
rules.add_perm("core.delete_unit", administers_owning_organisation)


@rules.predicate
def appoints_org_admin(user: Any, membership: Any) -> bool:
    """The platform administrator appoints (and removes) organisation administrators only."""
    if not scope_for(user).is_platform_admin:
        return False
    return membership is None or bool(membership.is_org_admin)


rules.add_perm("core.view_membership", belongs_to_own_organisation | is_platform_admin)
rules.add_perm("core.add_membership", administers_owning_organisation | appoints_org_admin)
rules.add_perm("core.change_membership", administers_owning_organisation | appoints_org_admin)
rules.add_perm("core.delete_membership", administers_owning_organisation | appoints_org_admin)


@rules.predicate
def sees_user(user: Any, person: Any) -> bool:
    if person is None:
        return bool(scope_for(user).org_ids)
    from forvalta.core.models import User

    return User.objects.visible_to(user).filter(pk=person.pk).exists()


@rules.predicate
def administers_person(user: Any, person: Any) -> bool:
    """Organisation administrators edit people who belong only to organisations they run."""
    scope = scope_for(user)
    if person is None:
        return bool(scope.admin_org_ids)
    org_ids = set(person.memberships.values_list("organisation_id", flat=True))
    return bool(org_ids) and org_ids <= set(scope.admin_org_ids)


rules.add_perm("core.view_user", sees_user)
rules.add_perm("core.add_user", is_any_org_admin | is_platform_admin)
rules.add_perm("core.change_user", administers_person)
