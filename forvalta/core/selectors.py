"""Reads for the home page ("Mitt uppdrag")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from forvalta.core.models import today
from forvalta.core.tenancy import scope_for


def my_assignment_overview(user: Any) -> dict[str, Any]:
    """Where the user holds a role today, and what needs attention there."""
    from forvalta.register.models import Participation, RoleAssignment, Service, System
    from forvalta.register.selectors import agreements_due, documentation_gaps

    scope = scope_for(user)
    mine = RoleAssignment.objects.active().filter(person=user)
    assignments = list(
        mine.select_related(
            "role_type", "organisation", "management_object", "service", "system"
        ).order_by("role_type__sort_order")
    )
    # Subqueries, never lists of ids: a role on an object covers its services and systems.
    object_ids = mine.filter(management_object__isnull=False).values("management_object_id")
    service_ids = Service.objects.filter(
        Q(id__in=mine.filter(service__isnull=False).values("service_id"))
        | Q(management_object_id__in=object_ids)
    ).values("id")
    system_ids = System.objects.filter(
        Q(id__in=mine.filter(system__isnull=False).values("system_id"))
        | Q(management_object_id__in=object_ids)
    ).values("id")
    my_systems = System.objects.visible_to(user).filter(
        Q(id__in=system_ids)
        | Q(
            id__in=Service.systems.through.objects.filter(service_id__in=service_ids).values(
                "system_id"
            )
        )
        | Q(owner_organisation_id__in=scope.admin_org_ids)
    )
    gaps = documentation_gaps(user, systems=my_systems)
    due = list(
        agreements_due(user)
        .filter(
            Q(management_objects__in=object_ids)
            | Q(services__in=service_ids)
            | Q(systems__in=system_ids)
            | Q(owner_organisation_id__in=scope.admin_org_ids)
        )
        .distinct()[:20]
    )
    soon = today() + dt.timedelta(days=60)
    changing = list(
        Participation.objects.visible_to(user)
        .filter(Q(service_id__in=service_ids))
        .filter(
            Q(valid_from__gt=today(), valid_from__lte=soon)
            | Q(valid_to__gte=today(), valid_to__lte=soon)
        )
        .select_related("organisation", "service")[:20]
    )
    return {
        "assignments": assignments,
        "gaps": gaps,
        "agreements_due": due,
        "participations_changing": changing,
        "is_member": bool(scope.org_ids),
        "is_platform_admin": scope.is_platform_admin,
        "admin_orgs": scope.admin_org_ids,
    }
