"""Reads with rules: documentation gaps and agreements due for renewal.

Both draw from the user's scoped querysets only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils.text import capfirst
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


# The gaps, as flags computed in the database: one query for any number of systems.
GAP_CODES = ("system_owner", "system_manager", "supplier_agreement", "dpa", "sla")


def _covered_by(kinds: tuple[str, ...], on: dt.date) -> ExpressionWrapper:
    """An agreement of one of these kinds in force on the day covers the system: directly,
    through its management object, or through a service it is part of."""
    active = Agreement.objects.active(on).filter(kind__in=kinds)
    return ExpressionWrapper(
        Exists(active.filter(systems=OuterRef("pk")))
        | Exists(active.filter(management_objects=OuterRef("management_object_id")))
        | Exists(active.filter(services__systems=OuterRef("pk"))),
        output_field=BooleanField(),
    )


def _holds(code: str, on: dt.date) -> Exists:
    return Exists(
        RoleAssignment.objects.active(on).filter(system_id=OuterRef("pk"), role_type__code=code)
    )


def gaps_queryset(
    user: Any, management_object: ManagementObject | None = None, systems: QuerySet | None = None
) -> QuerySet:
    """Visible systems in operation with at least one gap, by name. The flags
    (`has_system_owner`, `has_system_manager`, `has_supplier_agreement`, `has_dpa`,
    `has_sla`) are aliases: `with_gap_flags` selects them for the rows shown, so a
    count (`capped_gap_count`) does not compute them twice."""
    on = today()
    qs = System.objects.visible_to(user).filter(archived_at__isnull=True)
    if systems is not None:
        qs = qs.filter(pk__in=systems.values("pk"))
    if management_object is not None:
        qs = qs.filter(management_object=management_object)
    return (
        qs.filter(lifecycle=Lifecycle.OPERATION)
        .alias(
            has_system_owner=_holds("system_owner", on),
            has_system_manager=_holds("system_manager", on),
            has_supplier_agreement=_covered_by(
                tuple(k.value for k in SUPPLIER_AGREEMENT_KINDS), on
            ),
            has_dpa=_covered_by((AgreementKind.DPA.value,), on),
            has_sla=_covered_by((AgreementKind.SLA.value,), on),
        )
        .filter(
            Q(has_system_owner=False)
            | Q(has_system_manager=False)
            | Q(has_supplier_agreement=False)
            | Q(processes_personal_data=True, has_dpa=False)
            | Q(has_sla=False)
        )
        .select_related("owner_organisation", "management_object")
        .order_by("name", "pk")
    )


def with_gap_flags(queryset: QuerySet) -> QuerySet:
    """Select the flags of `gaps_queryset` for its rows (see `system_gaps`)."""
    return queryset.annotate(**{f"has_{code}": F(f"has_{code}") for code in GAP_CODES})


def system_gaps(system: Any) -> SystemGaps:
    """The gaps of one row of `gaps_queryset`."""
    missing = [
        code
        for code, present in (
            ("system_owner", system.has_system_owner),
            ("system_manager", system.has_system_manager),
            ("supplier_agreement", system.has_supplier_agreement),
            ("dpa", system.has_dpa or not system.processes_personal_data),
            ("sla", system.has_sla),
        )
        if not present
    ]
    return SystemGaps(system=system, missing=missing)


def capped_gap_count(queryset: QuerySet, cap: int) -> tuple[int, bool]:
    """(how many systems have gaps, whether more than `cap`): stops counting at the cap."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def documentation_gaps(
    user: Any,
    management_object: ManagementObject | None = None,
    systems: QuerySet | None = None,
    limit: int | None = None,
) -> list[SystemGaps]:
    """Systems in operation that lack what seed 001 and seed 000 4.1.2 make mandatory
    (at most `limit` of them, by name)."""
    qs = with_gap_flags(gaps_queryset(user, management_object=management_object, systems=systems))
    if limit is not None:
        qs = qs[:limit]
    return [system_gaps(s) for s in qs]


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


# --- what a hard delete takes with it ----------------------------------------------------------
@dataclass
class DeletionGroup:
    """Rows of one kind that go with (or stand in the way of) a deletion, as one viewer
    may see them: `names` only of the rows they see, `not_shown` the rest, counted."""

    label: str
    count: int
    names: list[str]

    @property
    def not_shown(self) -> int:
        return self.count - len(self.names)


@dataclass
class DeletionPlan:
    """Everything else a hard delete of `instance` would remove (`deletes`), what
    forbids it (`blocked_by`), and a token naming exactly those rows: a deletion is
    carried out only when the confirmed token still matches (nothing goes unlisted)."""

    instance: Any
    deletes: list[DeletionGroup]
    blocked_by: list[DeletionGroup]
    token: str

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_by)


def _visible_names(user: Any, model: Any, ids: list[Any]) -> list[str]:
    manager = model._default_manager
    if not hasattr(manager, "visible_to"):
        return []
    return sorted(str(row) for row in manager.visible_to(user).filter(pk__in=ids))


def _group(user: Any, instance: Any, model: Any, rows: list[Any]) -> DeletionGroup:
    ids = [row.pk for row in rows]
    if model._meta.auto_created:
        # A many-to-many link (an agreement covering the system, a service using it):
        # named by the row at its other end.
        other = next(
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not type(instance)
        )
        other_model = other.related_model
        other_ids = [getattr(row, other.attname) for row in rows]
        label = _("Links from %(kind)s") % {"kind": other_model._meta.verbose_name_plural}
        return DeletionGroup(
            label=str(label),
            count=len(rows),
            names=_visible_names(user, other_model, other_ids),
        )
    return DeletionGroup(
        label=str(capfirst(model._meta.verbose_name_plural)),
        count=len(rows),
        names=_visible_names(user, model, ids),
    )


def deletion_plan(user: Any, instance: Any) -> DeletionPlan:
    """What deleting `instance` would also delete, or what forbids it, as `user` sees it."""
    import hashlib

    from django.contrib.admin.utils import NestedObjects
    from django.db import router

    collector = NestedObjects(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    deletes: list[DeletionGroup] = []
    keys: list[str] = []
    for model, rows in sorted(collector.data.items(), key=lambda item: item[0]._meta.label):
        rows = [row for row in rows if not (model is type(instance) and row.pk == instance.pk)]
        if not rows:
            continue
        keys.extend(f"{model._meta.label_lower}:{row.pk}" for row in rows)
        deletes.append(_group(user, instance, model, rows))
    by_model: dict[Any, list[Any]] = {}
    for row in collector.protected:
        by_model.setdefault(type(row), []).append(row)
    blocked_by = [
        _group(user, instance, model, rows)
        for model, rows in sorted(by_model.items(), key=lambda item: item[0]._meta.label)
    ]
    token = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return DeletionPlan(instance=instance, deletes=deletes, blocked_by=blocked_by, token=token)
