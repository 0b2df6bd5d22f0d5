"""Reads for the home page ("Mitt uppdrag").

The page costs the same few queries however many roles, systems and gaps the user has:
the user's roles are subqueries (never Python id lists sent back), and each list shows
its first rows with a (capped) count and a link to the whole list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from forvalta.core.models import today
from forvalta.core.tenancy import scope_for

# How many rows each section of the home page shows before "show all".
HOME_ROLES = 10
HOME_GAPS = 5
HOME_LIST = 20
# Systems with gaps are counted up to this many ("more than 100").
HOME_GAP_COUNT_CAP = 100


def my_assignment_overview(user: Any) -> dict[str, Any]:
    """Where the user holds a role today, and what needs attention there."""
    from forvalta.register.models import Participation, RoleAssignment, Service, System
    from forvalta.register.selectors import (
        agreements_due,
        capped_gap_count,
        gaps_queryset,
        system_gaps,
        with_gap_flags,
    )

    scope = scope_for(user)
    mine = RoleAssignment.objects.active().filter(person=user)
    assignments = list(
        mine.select_related(
            "role_type", "organisation", "management_object", "service", "system"
        ).order_by("role_type__sort_order", "pk")[: HOME_ROLES + 1]
    )
    more_roles = len(assignments) > HOME_ROLES
    assignments = assignments[:HOME_ROLES]
    roles_total = mine.count()  # always: the page costs the same queries either way
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
    admin_orgs = list(scope.admin_org_ids)
    my_systems = System.objects.filter(
        Q(id__in=system_ids)
        | Q(management_object_id__in=object_ids)
        | Q(id__in=in_my_services)
        | Q(owner_organisation_id__in=admin_orgs)
    )
    gap_rows = gaps_queryset(user, systems=my_systems)
    # The most recently registered first: read backwards along the primary key, so the
    # database stops at the fifth system with a gap (the gaps page lists all, by name).
    gaps = [system_gaps(s) for s in with_gap_flags(gap_rows.order_by("-pk"))[:HOME_GAPS]]
    gap_count, gap_count_more = capped_gap_count(gap_rows, HOME_GAP_COUNT_CAP)
    due = list(
        agreements_due(user)
        .filter(
            Q(management_objects__id__in=object_ids)
            | Q(services__id__in=service_ids)
            | Q(systems__id__in=system_ids)
            | Q(systems__management_object_id__in=object_ids)
            | Q(owner_organisation_id__in=admin_orgs)
        )
        .distinct()[:HOME_LIST]
    )
    soon = today() + dt.timedelta(days=60)
    changing = list(
        Participation.objects.visible_to(user)
        .filter(service_id__in=service_ids)
        .filter(
            Q(valid_from__gt=today(), valid_from__lte=soon)
            | Q(valid_to__gte=today(), valid_to__lte=soon)
        )
        .select_related("organisation", "service")[:HOME_LIST]
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
