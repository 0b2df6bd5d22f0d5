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
    assignments = list(
        RoleAssignment.objects.active()
        .filter(person=user)
        .select_related("role_type", "organisation", "management_object", "service", "system")
        .order_by("role_type__sort_order")
    )
    object_ids = {a.management_object_id for a in assignments if a.management_object_id}
    service_ids = {a.service_id for a in assignments if a.service_id}
    system_ids = {a.system_id for a in assignments if a.system_id}
    # A role on an object covers its services and systems.
    service_ids |= set(
        Service.objects.filter(management_object_id__in=object_ids).values_list("id", flat=True)
    )
    system_ids |= set(
        System.objects.filter(management_object_id__in=object_ids).values_list("id", flat=True)
    )
    my_systems = (
        System.objects.visible_to(user)
        .filter(
            Q(id__in=system_ids)
            | Q(management_object_id__in=object_ids)
            | Q(services__id__in=service_ids)
            | Q(owner_organisation_id__in=scope.admin_org_ids)
        )
        .distinct()
    )
    gaps = documentation_gaps(user, systems=my_systems)
    due = list(
        agreements_due(user)
        .filter(
            Q(management_objects__id__in=object_ids)
            | Q(services__id__in=service_ids)
            | Q(systems__id__in=system_ids)
            | Q(owner_organisation_id__in=scope.admin_org_ids)
        )
        .distinct()[:20]
    )
    soon = today() + dt.timedelta(days=60)
    changing = list(
        Participation.objects.visible_to(user)
        .filter(Q(service_id__in=service_ids) | Q(service__management_object_id__in=object_ids))
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
