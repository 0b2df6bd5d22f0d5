"""Who may do what in access management (seed 004 5.3, seed 000 4.5.2-4.5.3).

- The controller (behörighetskontrollant) of the organisation for the system imports
  snapshots, edits the settings, creates and runs campaigns, prepares and sends lists,
  makes removal requests of verdicts, raises and edits deviations (not those of a
  signed campaign) and signs the campaign.
- The system administrator imports snapshots, edits the settings and executes requests.
- The object owner (or system owner) of the organisation decides requests.
- A list's reviewer (the unit manager, or the manager it was escalated to) gives the
  verdicts on that list and reports it back, while the campaign is open.
- The process owner signs the year.
- Anyone of the organisation may ask for access for themselves; a manager for their own
  staff; the staff for anyone.
- Access roles are changed by those who manage the system or service in the register.

Each role is held for the organisation, on the system or a service of it. Signed
campaigns and everything in them are immutable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import rules

from forvalta.access.models import CampaignStatus, ListStatus
from forvalta.core.tenancy import Scope, scope_fact, scope_for

CONTROLLER = ("access_controller",)
ADMINISTRATOR = ("system_administrator",)
OWNER = ("object_owner", "system_owner")
PROCESS_OWNER = ("process_owner",)
STAFF = (
    "access_controller",
    "system_administrator",
    "object_owner",
    "system_owner",
    "process_owner",
)


REVIEWER = "__reviewer__"  # a pseudo role code: the user has a review list to answer


@scope_fact("access_roles")
def access_roles(scope: Scope) -> list[tuple[int, int | None, int | None, str]]:
    """The user's own active access-management roles: (organisation, system, service,
    role code), and one (organisation, None, None, REVIEWER) row where they have a review
    list (as its reviewer, or escalated to them). One query (a UNION), read once per
    request with the scope: the menu asks on every page."""
    if not scope.org_ids:
        return []
    from django.db.models import CharField, IntegerField, Q, Value

    from forvalta.access.models import ReviewList
    from forvalta.access.scoping import staff_roles

    roles = (
        staff_roles(scope.user)
        .filter(organisation_id__in=sorted(scope.org_ids))
        .values_list("organisation_id", "system_id", "service_id", "role_type__code")
        .order_by()
    )
    lists = (
        ReviewList.objects.filter(
            Q(campaign__organisation_id__in=sorted(scope.org_ids), reviewer_id=scope.user.pk)
            | Q(escalated_to_id=scope.user.pk)
        )
        .annotate(
            no_system=Value(None, output_field=IntegerField()),
            no_service=Value(None, output_field=IntegerField()),
            code=Value(REVIEWER, output_field=CharField()),
        )
        .values_list("campaign__organisation_id", "no_system", "no_service", "code")
        .order_by()
    )
    extra = [part(scope) for part in ROLE_FACT_PARTS]
    return list(roles.union(lists, *extra, all=True))


# Parts that build on this one add rows of (organisation, None, None, code) to the same
# UNION (e.g. log review: an extract order waiting for the user's attestation), so the
# menu still asks one query: each a function of the scope returning such a values_list.
ROLE_FACT_PARTS: list[Callable[[Scope], Any]] = []


@scope_fact("access_reviewer")
def access_reviewer(scope: Scope) -> bool:
    return any(r[3] == REVIEWER for r in scope.access_roles)


def holds(user: Any, organisation_id: int | None, system: Any, codes: tuple[str, ...]) -> bool:
    """Whether the user holds one of the roles for the organisation on the system."""
    if user is None or not user.is_authenticated or organisation_id is None or system is None:
        return False
    scope = scope_for(user)
    if organisation_id not in scope.org_ids:
        return False
    mine = [r for r in scope.access_roles if r[0] == organisation_id and r[3] in codes]
    if not mine:
        return False
    system_id = system if isinstance(system, int) else system.pk
    if any(r[1] == system_id for r in mine):
        return True
    service_ids = {r[2] for r in mine if r[2] is not None}
    if not service_ids:
        return False
    from forvalta.register.models import Service

    return Service.systems.through.objects.filter(
        system_id=system_id, service_id__in=sorted(service_ids)
    ).exists()


def holds_any(user: Any, codes: tuple[str, ...]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return any(r[3] in codes for r in scope_for(user).access_roles)


def _visible(user: Any, obj: Any) -> bool:
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def sees(user: Any, obj: Any) -> bool:
    if obj is None:
        return holds_any(user, STAFF) or bool(
            user.is_authenticated and scope_for(user).access_reviewer
        )
    return _visible(user, obj)


@rules.predicate
def sees_staff(user: Any, obj: Any) -> bool:
    if obj is None:
        return holds_any(user, STAFF)
    return _visible(user, obj)


def _org_system(obj: Any) -> tuple[Any, Any]:
    if hasattr(obj, "snapshot_id") and not hasattr(obj, "organisation_id"):
        return obj.snapshot.organisation_id, obj.snapshot.system
    return obj.organisation_id, obj.system


def _role_predicate(codes: tuple[str, ...]) -> Any:
    @rules.predicate
    def predicate(user: Any, obj: Any) -> bool:
        if obj is None:
            return holds_any(user, codes)
        org, system = _org_system(obj)
        return holds(user, org, system, codes)

    return predicate


is_controller = _role_predicate(CONTROLLER)
is_importer = _role_predicate(CONTROLLER + ADMINISTRATOR)
is_administrator = _role_predicate(ADMINISTRATOR + CONTROLLER)
is_owner = _role_predicate(OWNER)
is_process_owner = _role_predicate(PROCESS_OWNER)


@rules.predicate
def runs_campaign(user: Any, campaign: Any) -> bool:
    if campaign is None:
        return holds_any(user, CONTROLLER)
    return campaign.status == CampaignStatus.OPEN and holds(
        user, campaign.organisation_id, campaign.system, CONTROLLER
    )


@rules.predicate
def controls_list(user: Any, review_list: Any) -> bool:
    return review_list is not None and runs_campaign(user, review_list.campaign)


@rules.predicate
def reviews_list(user: Any, review_list: Any) -> bool:
    if review_list is None or not user.is_authenticated:
        return False
    campaign = review_list.campaign
    return (
        campaign.status == CampaignStatus.OPEN
        and review_list.status == ListStatus.SENT
        and user.pk in {review_list.reviewer_id, review_list.escalated_to_id}
        and campaign.organisation_id in scope_for(user).org_ids
    )


@rules.predicate
def deviation_open(user: Any, deviation: Any) -> bool:
    """A deviation of a signed review is part of the signed protocol: it no longer changes."""
    if deviation is None or deviation.campaign_id is None:
        return True
    return deviation.campaign.status == CampaignStatus.OPEN


@rules.predicate
def manages_register_target(user: Any, role: Any) -> bool:
    scope = scope_for(user)
    if role is None:
        return bool(
            scope.admin_org_ids
            or scope.managed_system_ids
            or scope.managed_service_ids
            or scope.managed_object_ids
        )
    if role.system_id:
        return scope.manages_system(role.system)
    if role.service_id:
        return scope.manages_service(role.service)
    return False


def holds_the_access_asked_for(user: Any, request: Any) -> bool:
    """An existing user with the same access (seed 000 4.5.2): the asker's own account
    in the system's latest snapshot of the organisation holds every role asked for.
    (Roles have no order in the model, so "higher" access is not inferred.)"""
    from django.db.models import Q

    from forvalta.access.models import Account, RequestKind, Snapshot, SnapshotStatus
    from forvalta.core.models import today

    if request.kind != RequestKind.GRANT:  # asking to remove someone's access is not theirs
        return False
    # Everything asked for: the chosen role and the roles written out, together.
    wanted = {r.strip().casefold() for r in re.split(r"[,|;]", request.roles or "") if r.strip()}
    if request.access_role_id:
        wanted.add(request.access_role.name.strip().casefold())
    if not wanted or not request.system_id:
        return False
    latest = (
        Snapshot.objects.filter(
            organisation_id=request.organisation_id,
            system_id=request.system_id,
            status=SnapshotStatus.DONE,
        )
        .order_by("-taken_on", "-pk")
        .values("pk")[:1]
    )
    own = Account.objects.filter(snapshot__in=latest, person_id=user.pk).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today())
    )
    for roles in own.values_list("roles", flat=True):
        if wanted <= {r.strip().casefold() for r in roles.split("|") if r.strip()}:
            return True
    return False


@rules.predicate
def may_request(user: Any, request: Any) -> bool:
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if request is None:
        return bool(scope.org_ids)
    if request.organisation_id not in scope.org_ids:
        return False
    if holds(user, request.organisation_id, request.system, STAFF):
        return True
    if request.person_id is None:
        return False
    if request.person_id == user.pk:
        return True
    if holds_the_access_asked_for(user, request):
        return True
    from forvalta.core.models import Membership

    return (
        Membership.objects.active()
        .filter(
            user_id=request.person_id, organisation_id=request.organisation_id, manager_id=user.pk
        )
        .exists()
    )


@rules.predicate
def works_with_reviews(user: Any) -> bool:
    """Runs reviews (controller, system administrator, process owner) or reviews a list:
    the menu shows the access pages to them (owners are told of requests to decide)."""
    if not user.is_authenticated:
        return False
    return holds_any(user, CONTROLLER + ADMINISTRATOR + PROCESS_OWNER) or bool(
        scope_for(user).access_reviewer
    )


rules.add_perm("access.use_menu", works_with_reviews)
rules.add_perm("access.view_accessrole", rules.is_authenticated)
rules.add_perm("access.add_accessrole", manages_register_target)
rules.add_perm("access.change_accessrole", manages_register_target)
rules.add_perm("access.delete_accessrole", manages_register_target)
rules.add_perm("access.view_accesssettings", sees_staff)
rules.add_perm("access.add_accesssettings", is_importer)
rules.add_perm("access.change_accesssettings", is_importer)
rules.add_perm("access.view_snapshot", sees_staff)
rules.add_perm("access.add_snapshot", is_importer)
rules.add_perm("access.view_account", sees)
rules.add_perm("access.view_campaign", sees)
rules.add_perm("access.add_campaign", is_controller)
rules.add_perm("access.change_campaign", runs_campaign)
rules.add_perm("access.sign_campaign", runs_campaign)
rules.add_perm("access.view_reviewlist", sees)
rules.add_perm("access.change_reviewlist", controls_list)
rules.add_perm("access.review_reviewlist", reviews_list)
rules.add_perm("access.view_reviewitem", sees)
rules.add_perm("access.view_accessrequest", rules.is_authenticated)
rules.add_perm("access.add_accessrequest", may_request)
rules.add_perm("access.decide_accessrequest", is_owner)
rules.add_perm("access.execute_accessrequest", is_administrator)
rules.add_perm("access.view_deviation", sees_staff)
rules.add_perm("access.add_deviation", is_controller)
rules.add_perm("access.change_deviation", is_controller & deviation_open)
rules.add_perm("access.view_yearsignoff", sees_staff)
rules.add_perm("access.add_yearsignoff", is_process_owner)
