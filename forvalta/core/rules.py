"""Object permissions for organisations, units, people and memberships.

Predicates read the tenancy scope (core.tenancy); they are the only place
write rights are decided. Views, forms, the API and services all ask
`user.has_perm(...)`.
"""

from typing import Any

import rules
from django.db.models import Q

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


def _current_memberships(person_id: Any) -> Any:
    """The person's memberships that have not ended (current or starting later)."""
    from forvalta.core.models import Membership, today

    return Membership.objects.filter(user_id=person_id).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today())
    )


@rules.predicate
def joins_without_consent(user: Any, membership: Any) -> bool:
    """An administrator adds a person directly only if every organisation the person
    still belongs to is one they administer. Anyone else joins by invitation
    (`MembershipInvitation`), which the person or their organisation accepts: another
    organisation must not take a person in unasked (issue 7)."""
    if membership is None or membership.user_id is None:
        return True
    admin_orgs = scope_for(user).admin_org_ids
    return not (
        _current_memberships(membership.user_id).exclude(organisation_id__in=admin_orgs).exists()
    )


rules.add_perm("core.view_membership", belongs_to_own_organisation | is_platform_admin)
rules.add_perm(
    "core.add_membership",
    (administers_owning_organisation & joins_without_consent) | appoints_org_admin,
)
rules.add_perm("core.change_membership", administers_owning_organisation | appoints_org_admin)
rules.add_perm("core.delete_membership", administers_owning_organisation | appoints_org_admin)


@rules.predicate
def sees_user(user: Any, person: Any) -> bool:
    if person is None:
        return bool(scope_for(user).org_ids)
    from forvalta.core.models import User

    return User.objects.visible_to(user).filter(pk=person.pk).exists()


def home_organisation_id(person: Any) -> int | None:
    """The organisation that owns a person's account: that of their oldest membership
    still in force (the oldest of all if none is). Organisations the person joined later
    (by invitation) manage only their own membership of the person."""
    from forvalta.core.models import Membership

    memberships = Membership.objects.filter(user_id=person.pk).order_by("created_at", "pk")
    org_id = memberships.active().values_list("organisation_id", flat=True).first()
    if org_id is None:
        org_id = memberships.values_list("organisation_id", flat=True).first()
    return org_id


@rules.predicate
def administers_person(user: Any, person: Any) -> bool:
    """A person's account (name, e-mail, activity) is edited by the administrators of
    their home organisation (`home_organisation_id`), and by no one else.

    The rule, and why: a person may belong to several organisations, but their login is
    one. Had every organisation's administrators the right, one that took the person in
    could change their e-mail and take over the account; had only an organisation
    administering *all* their memberships the right (the earlier rule), an organisation
    that added them would lock their own organisation out. The oldest membership in
    force is the organisation that brought the person in; later organisations joined
    with consent and edit only their own membership (`core.change_membership`).
    """
    scope = scope_for(user)
    if person is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(home_organisation_id(person))


rules.add_perm("core.view_user", sees_user)
rules.add_perm("core.add_user", is_any_org_admin | is_platform_admin)
rules.add_perm("core.change_user", administers_person)


# --- membership invitations ---------------------------------------------------------------
@rules.predicate
def administers_inviting_organisation(user: Any, invitation: Any) -> bool:
    if invitation is None:
        return is_any_org_admin(user)
    return scope_for(user).is_org_admin(invitation.organisation_id)


@rules.predicate
def answers_for_person(user: Any, invitation: Any) -> bool:
    """The person invited, or an administrator of one of their current organisations."""
    if invitation is None or not user.is_authenticated:
        return False
    if invitation.person_id == user.pk:
        return True
    from forvalta.core.models import Membership

    return (
        Membership.objects.active()
        .filter(user_id=invitation.person_id, organisation_id__in=scope_for(user).admin_org_ids)
        .exclude(organisation_id=invitation.organisation_id)
        .exists()
    )


rules.add_perm("core.add_membershipinvitation", administers_inviting_organisation)
rules.add_perm("core.withdraw_membershipinvitation", administers_inviting_organisation)
rules.add_perm("core.answer_membershipinvitation", answers_for_person)
