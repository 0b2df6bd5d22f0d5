"""Reads for the home page ("Mitt uppdrag").

The page costs the same few queries however many roles, systems and gaps the user has:
the user's roles are subqueries (never Python id lists sent back), and each list shows
its first rows with a (capped) count and a link to the whole list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.db.models.expressions import RawSQL

from forvalta.core.models import today
from forvalta.core.scoping import compiled_query
from forvalta.core.tenancy import scope_for

# How many rows each section of the home page shows before "show all".
HOME_ROLES = 10
HOME_GAPS = 5
HOME_LIST = 20
# Systems with gaps are counted up to this many ("more than 100").
HOME_GAP_COUNT_CAP = 100


def my_assignment_overview(user: Any) -> dict[str, Any]:
    """Where the user holds a role today, and what needs attention there.

    The sections' queries are built from the user's roles and organisations only, so
    their SQL is kept per user and day (`compiled_query`): building them (a dozen
    nested subqueries each) cost Django more than running them.
    """
    from forvalta.register.models import Agreement, Participation, RoleAssignment, Service, System
    from forvalta.register.selectors import (
        agreements_due,
        gaps_queryset,
        system_gaps,
        with_gap_flags,
    )

    scope = scope_for(user)
    if not scope.org_ids:  # the page says how to become a member; nothing to list
        return {
            "is_member": False,
            "is_platform_admin": scope.is_platform_admin,
            "admin_orgs": scope.admin_org_ids,
        }
    # Roles acting for an organisation the user still belongs to (as the scope counts them).
    mine = RoleAssignment.objects.active().filter(
        person=user, organisation_id__in=sorted(scope.org_ids)
    )
    assignments = list(
        mine.select_related(
            "role_type", "organisation", "management_object", "service", "system"
        ).order_by("role_type__sort_order", "pk")[: HOME_ROLES + 1]
    )
    more_roles = len(assignments) > HOME_ROLES
    assignments = assignments[:HOME_ROLES]
    roles_total = mine.count()  # always: the page costs the same queries either way
    admin_orgs = sorted(scope.admin_org_ids)

    def reach() -> dict[str, Any]:
        # Subqueries, not id lists: a role on an object covers its services and systems.
        object_ids = mine.filter(management_object__isnull=False).values("management_object_id")
        service_ids = Service.objects.filter(
            Q(id__in=mine.filter(service__isnull=False).values("service_id"))
            | Q(management_object_id__in=object_ids)
        ).values("id")
        system_ids = mine.filter(system__isnull=False).values("system_id")
        in_my_services = Service.systems.through.objects.filter(service_id__in=service_ids).values(
            "system_id"
        )
        my_systems = System.objects.filter(
            Q(id__in=system_ids)
            | Q(management_object_id__in=object_ids)
            | Q(id__in=in_my_services)
            | Q(owner_organisation_id__in=admin_orgs)
        )
        return {
            "objects": object_ids,
            "services": service_ids,
            "systems": system_ids,
            "gap_rows": gaps_queryset(user, systems=my_systems).select_related(None),
        }

    # The most recently registered first: read backwards along the primary key, so the
    # database stops after the cap's worth of systems with a gap (the gaps page lists
    # all, by name). One query gives the rows shown and the (capped) count: counting
    # apart evaluated the same gap conditions a second time.
    gaps_sql = compiled_query(
        "home.gaps",
        user,
        lambda: with_gap_flags(reach()["gap_rows"].order_by("-pk"))[: HOME_GAP_COUNT_CAP + 1],
    )
    found_rows = list(System.objects.raw(*gaps_sql))
    gaps = [system_gaps(s) for s in found_rows[:HOME_GAPS]]
    found = len(found_rows)
    gap_count, gap_count_more = min(found, HOME_GAP_COUNT_CAP), found > HOME_GAP_COUNT_CAP

    def due_ids() -> Any:
        # Semi-joins on the link tables, not joins through the many-to-many fields:
        # OR-ed joins multiply the rows (and need a DISTINCT over all of them).
        r = reach()
        covers_object = Agreement.management_objects.through.objects.filter(
            managementobject_id__in=r["objects"]
        ).values("agreement_id")
        covers_service = Agreement.services.through.objects.filter(
            service_id__in=r["services"]
        ).values("agreement_id")
        covers_system = Agreement.systems.through.objects.filter(
            Q(system_id__in=r["systems"]) | Q(system__management_object_id__in=r["objects"])
        ).values("agreement_id")
        return (
            agreements_due(user)
            .filter(
                Q(pk__in=covers_object)
                | Q(pk__in=covers_service)
                | Q(pk__in=covers_system)
                | Q(owner_organisation_id__in=admin_orgs)
            )
            .order_by()
            .values("pk")
        )

    due = list(
        Agreement.objects.filter(
            pk__in=RawSQL(*compiled_query("home.agreements_due", user, due_ids))  # noqa: S611
        )
        .select_related("owner_organisation", "supplier")
        .order_by("renewal_decision_by", "title", "pk")[:HOME_LIST]
    )

    def changing_ids() -> Any:
        soon = today() + dt.timedelta(days=60)
        return (
            Participation.objects.visible_to(user)
            .filter(service_id__in=reach()["services"])
            .filter(
                Q(valid_from__gt=today(), valid_from__lte=soon)
                | Q(valid_to__gte=today(), valid_to__lte=soon)
            )
            .order_by()
            .values("pk")
        )

    changing = list(
        Participation.objects.filter(
            pk__in=RawSQL(*compiled_query("home.participations", user, changing_ids))  # noqa: S611
        ).select_related("organisation", "service")[:HOME_LIST]
    )
    return {
        "assignments": assignments,
        "roles_total": roles_total,
        "more_roles": more_roles,
        "gaps": gaps,
        "gap_count": gap_count,
        "gap_count_more": gap_count_more,
        "agreements_due": due,
        "participations_changing": changing,
        "is_member": bool(scope.org_ids),
        "is_platform_admin": scope.is_platform_admin,
        "admin_orgs": scope.admin_org_ids,
    }
