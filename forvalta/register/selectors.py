"""Reads with rules: documentation gaps and agreements due for renewal.

Both draw from the user's scoped querysets only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import today
from forvalta.register.models import (
    Agreement,
    AgreementKind,
    Lifecycle,
    ManagementObject,
    RoleAssignment,
    System,
)

SUPPLIER_AGREEMENT_KINDS = (AgreementKind.FRAMEWORK, AgreementKind.SUPPORT, AgreementKind.LICENCE)

GAP_LABELS = {
    "system_owner": _("No system owner"),
    "system_manager": _("No system manager"),
    "supplier_agreement": _("No agreement with the supplier"),
    "dpa": _("No data processing agreement (PUB) although it processes personal data"),
    "sla": _("No SLA"),
}


@dataclass
class SystemGaps:
    system: System
    missing: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [str(GAP_LABELS[m]) for m in self.missing]


def _agreement_kinds_per_system(systems: QuerySet, on: dt.date) -> dict[int, set[str]]:
    """Kinds of active agreements covering each system, directly, via its object or a
    service. `systems` is the scoped queryset: it goes into the database as a subquery,
    never as a list of ids."""
    ids = systems.values("pk")
    kinds: dict[int, set[str]] = defaultdict(set)
    active = Agreement.objects.active(on)
    for system_id, kind in active.filter(systems__in=ids).values_list("systems__id", "kind"):
        kinds[system_id].add(kind)
    for system_id, kind in (
        active.filter(management_objects__systems__in=ids)
        .values_list("management_objects__systems__id", "kind")
        .distinct()
    ):
        kinds[system_id].add(kind)
    for system_id, kind in (
        active.filter(services__systems__in=ids)
        .values_list("services__systems__id", "kind")
        .distinct()
    ):
        kinds[system_id].add(kind)
    return kinds


def documentation_gaps(
    user: Any, management_object: ManagementObject | None = None, systems: QuerySet | None = None
) -> list[SystemGaps]:
    """Systems in operation that lack what seed 001 and seed 000 4.1.2 make mandatory.

    Three queries whatever the number of systems: the systems, the roles held on them
    and the agreements covering them, each starting from the scoped queryset as a
    subquery."""
    on = today()
    qs = System.objects.visible_to(user)
    if systems is not None:
        qs = qs.filter(pk__in=systems.values("pk"))
    qs = qs.filter(lifecycle=Lifecycle.OPERATION)
    if management_object is not None:
        qs = qs.filter(management_object=management_object)
    system_list = list(
        qs.select_related("owner_organisation", "management_object").order_by("name")
    )
    if not system_list:
        return []
    held = set(
        RoleAssignment.objects.active(on)
        .filter(
            system_id__in=qs.values("pk"), role_type__code__in=["system_owner", "system_manager"]
        )
        .values_list("system_id", "role_type__code")
    )
    kinds = _agreement_kinds_per_system(qs, on)
    result: list[SystemGaps] = []
    for system in system_list:
        missing: list[str] = []
        for code in ("system_owner", "system_manager"):
            if (system.pk, code) not in held:
                missing.append(code)
        covered = kinds.get(system.pk, set())
        if not covered & {k.value for k in SUPPLIER_AGREEMENT_KINDS}:
            missing.append("supplier_agreement")
        if system.processes_personal_data and AgreementKind.DPA.value not in covered:
            missing.append("dpa")
        if AgreementKind.SLA.value not in covered:
            missing.append("sla")
        if missing:
            result.append(SystemGaps(system=system, missing=missing))
    return result


def agreements_due(user: Any, within_days: int | None = None) -> QuerySet:
    """Visible agreements whose renewal decision date is past or within the warning window."""
    days = settings.FORVALTA_RENEWAL_WARNING_DAYS if within_days is None else within_days
    limit = today() + dt.timedelta(days=days)
    return (
        Agreement.objects.visible_to(user)
        .filter(renewal_decision_by__isnull=False, renewal_decision_by__lte=limit)
        .exclude(valid_to__lt=today())
        .select_related("owner_organisation", "supplier")
        .order_by("renewal_decision_by")
    )
