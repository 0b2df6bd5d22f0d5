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
    DEFAULT_REQUIREMENTS,
    Agreement,
    AgreementKind,
    LifecycleRequirement,
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


def _needs(code: str) -> ExpressionWrapper:
    """Whether the system's owner organisation requires `code` in the system's phase:
    its own choice (a LifecycleRequirement row), or the default where it made none."""
    rows = LifecycleRequirement.objects.filter(
        organisation_id=OuterRef("owner_organisation_id"),
        lifecycle=OuterRef("lifecycle"),
        requirement=code,
    )
    return ExpressionWrapper(
        Exists(rows.filter(required=True))
        | (~Exists(rows) & Q(lifecycle__in=list(DEFAULT_REQUIREMENTS[code]))),
        output_field=BooleanField(),
    )


def _present(code: str, on: dt.date) -> Any:
    if code in ("system_owner", "system_manager"):
        return _holds(code, on)
    if code == "supplier_agreement":
        return _covered_by(tuple(k.value for k in SUPPLIER_AGREEMENT_KINDS), on)
    return _covered_by((code,), on)


def lacking(queryset: QuerySet, codes: Any, on: dt.date | None = None) -> QuerySet:
    """Systems lacking any of `codes` (whatever their phase requires; a PUB is lacking
    only where personal data is processed): the lists' "lacks …" filter."""
    on = on or today()
    condition = Q()
    for code in codes:
        flag = f"present_{code}"
        queryset = queryset.alias(**{flag: _present(code, on)})
        lacks = Q(**{flag: False})
        if code == "dpa":
            lacks &= Q(processes_personal_data=True)
        condition |= lacks
    return queryset.filter(condition) if codes else queryset


def gaps_queryset(
    user: Any, management_object: ManagementObject | None = None, systems: QuerySet | None = None
) -> QuerySet:
    """Visible systems (not archived) lacking something their owner organisation requires
    in their lifecycle phase (`LifecycleRequirement`, else `DEFAULT_REQUIREMENTS`), by
    name. The flags (`has_<code>`, `needs_<code>`) are aliases: `with_gap_flags` selects
    them for the rows shown, so a count (`capped_gap_count`) does not compute them twice."""
    on = today()
    qs = System.objects.visible_to(user).filter(archived_at__isnull=True)
    if systems is not None:
        qs = qs.filter(pk__in=systems.values("pk"))
    if management_object is not None:
        qs = qs.filter(management_object=management_object)
    qs = qs.alias(
        **{f"has_{code}": _present(code, on) for code in GAP_CODES},
        **{f"needs_{code}": _needs(code) for code in GAP_CODES},
    )
    condition = Q()
    for code in GAP_CODES:
        gap = Q(**{f"needs_{code}": True, f"has_{code}": False})
        if code == "dpa":
            gap &= Q(processes_personal_data=True)
        condition |= gap
    return (
        qs.filter(condition)
        .select_related("owner_organisation", "management_object")
        .order_by("name", "pk")
    )


def with_gap_flags(queryset: QuerySet) -> QuerySet:
    """Select the flags of `gaps_queryset` for its rows (see `system_gaps`)."""
    return queryset.annotate(
        **{f"has_{code}": F(f"has_{code}") for code in GAP_CODES},
        **{f"needs_{code}": F(f"needs_{code}") for code in GAP_CODES},
    )


def system_gaps(system: Any) -> SystemGaps:
    """The gaps of one row of `gaps_queryset`."""
    missing = [
        code
        for code in GAP_CODES
        if getattr(system, f"needs_{code}")
        and not getattr(system, f"has_{code}")
        and (code != "dpa" or system.processes_personal_data)
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
    """Systems that lack what their phase requires (seed 001 and seed 000 4.1.2 by
    default, else as their owner organisation configured; at most `limit`, by name)."""
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


# --- documentation requirements per lifecycle phase ---------------------------------------------
def requirement_matrix(organisation_id: int) -> dict[str, list[str]]:
    """{phase: [required codes]} as the organisation has it (its choices over the defaults)."""
    from forvalta.register.models import Lifecycle, Requirement

    chosen = {
        (row.lifecycle, row.requirement): row.required
        # scoping: allowed the caller has checked that the user administers the organisation
        for row in LifecycleRequirement.objects.filter(organisation_id=organisation_id)
    }
    return {
        phase: [
            code
            for code in Requirement.values
            if chosen.get((phase, code), phase in DEFAULT_REQUIREMENTS[code])
        ]
        for phase in Lifecycle.values
    }


def with_role_holders(queryset: QuerySet) -> QuerySet:
    """Name each system's system owner and system manager today (`system_owner_name`,
    `system_manager_name`) in the same query.

    `queryset` must hold only systems the user sees (`System.objects.visible_to`): a role
    assignment is seen with its target (`scoping.role_assignment_condition`), so every
    role held for such a system is one the user sees, and the subqueries need not repeat
    the role assignments' scope (which tripled the list query's planning time).
    """
    from django.db.models import CharField, Subquery, Value
    from django.db.models.functions import Concat

    def holder(code: str) -> Subquery:
        return Subquery(
            # scoping: allowed roles of the visible systems in `queryset` (see above)
            RoleAssignment.objects.active()
            .filter(system_id=OuterRef("pk"), role_type__code=code)
            .order_by("valid_from", "pk")
            .annotate(
                holder_name=Concat(
                    "person__first_name",
                    Value(" "),
                    "person__last_name",
                    output_field=CharField(),
                )
            )
            .values("holder_name")[:1],
            output_field=CharField(),
        )

    return queryset.annotate(
        system_owner_name=holder("system_owner"), system_manager_name=holder("system_manager")
    )
