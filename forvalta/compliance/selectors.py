"""Reads of compliance: the rows of the year's traffic-light report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Q, QuerySet

from forvalta.compliance.models import ControlOccurrence, Light
from forvalta.core.models import today


@dataclass
class ReportRow:
    control: str
    kind: str
    target: str
    due_on: str
    status: str
    completed_on: str
    light: str
    light_label: str
    evidence: str
    remark: str
    url: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def year_occurrences(organisation: Any, year: int, management_object: Any = None) -> QuerySet:
    # scoping: allowed the caller has checked the organisation (the report's own rows)
    qs = ControlOccurrence.objects.filter(
        definition__organisation=organisation, due_on__year=year
    ).select_related(
        "definition",
        "definition__management_object",
        "definition__service",
        "definition__system",
    )
    if management_object is not None:
        qs = qs.filter(
            Q(definition__management_object=management_object)
            | Q(definition__service__management_object=management_object)
            | Q(definition__system__management_object=management_object)
        )
    return qs.order_by("due_on", "definition__name", "pk")


def report_rows(
    organisation: Any, year: int, management_object: Any = None, on: dt.date | None = None
) -> list[ReportRow]:
    day = on or today()
    rows = []
    for occurrence in year_occurrences(organisation, year, management_object):
        definition = occurrence.definition
        light = occurrence.light(day)
        rows.append(
            ReportRow(
                control=definition.name,
                kind=str(definition.get_kind_display()),
                target=str(definition.target or ""),
                due_on=occurrence.due_on.isoformat(),
                status=str(occurrence.get_status_display()),
                completed_on=occurrence.completed_on.isoformat() if occurrence.completed_on else "",
                light=str(light),
                light_label=str(Light(light).label),
                evidence=occurrence.evidence_label
                or occurrence.evidence_link
                or (occurrence.evidence_file.name if occurrence.evidence_file else ""),
                remark=occurrence.remark,
                url=occurrence.get_absolute_url(),
            )
        )
    # Facts other parts add (e.g. log review's rounds and outcomes of the year).
    from forvalta.core.controls import REPORT_ROW_PARTS

    for part in REPORT_ROW_PARTS:
        rows.extend(ReportRow(**row) for row in part(organisation, year, management_object, day))
    return rows


def light_counts(rows: list[Any]) -> dict[str, int]:
    counts = {str(v): 0 for v in Light.values}
    for row in rows:
        key = row["light"] if isinstance(row, dict) else row.light
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- classification -------------------------------------------------------------------------
def level_names(organisation_id: int) -> dict[int, str]:
    """The organisation's names of the levels 1-4 (the defaults where it has none)."""
    from forvalta.compliance.models import DEFAULT_LEVEL_NAMES, ClassificationLevelName

    names = {level: str(name) for level, name in DEFAULT_LEVEL_NAMES.items()}
    # scoping: allowed the names of the reader's own (or the owner's) organisation
    for level, name in ClassificationLevelName.objects.filter(
        organisation_id=organisation_id
    ).values_list("level", "name"):
        names[level] = name
    return names


def current_classifications(on: dt.date | None = None) -> QuerySet:
    from forvalta.compliance.models import Classification

    # scoping: allowed used only as a subquery or an aggregate, never listed
    return Classification.objects.filter(review_on__gte=on or today())


def aggregated_levels(system: Any, on: dt.date | None = None) -> dict[str, Any]:
    """For the owner of a shared system: the highest current level per aspect across
    the members' classifications of it, and how many there are; numbers only, never a
    member's reasoning or name."""
    from django.db.models import Count, Max

    from forvalta.compliance.models import ASPECTS

    return (
        current_classifications(on)
        .filter(system=system)
        .aggregate(count=Count("pk"), **{aspect: Max(aspect) for aspect in ASPECTS})
    )


def unclassified_systems(user: Any, management_object: Any = None) -> QuerySet:
    """Systems in operation the user sees whose owner organisation has no current
    classification of them (the documentation gaps page)."""
    from django.db.models import Exists, OuterRef

    from forvalta.register.models import Lifecycle, System

    qs = System.objects.visible_to(user).filter(
        lifecycle=Lifecycle.OPERATION, archived_at__isnull=True
    )
    if management_object is not None:
        qs = qs.filter(management_object=management_object)
    current = current_classifications().filter(
        system_id=OuterRef("pk"), organisation_id=OuterRef("owner_organisation_id")
    )
    return (
        qs.filter(~Exists(current))
        .select_related("owner_organisation", "management_object")
        .order_by("name", "pk")
    )


# --- risk analyses ------------------------------------------------------------------------------
def heat_map(risks: Any) -> list[dict[str, Any]]:
    """The 4x4 matrix: one row per consequence (4 at the top), one cell per likelihood,
    each with its number of risks and its level."""
    from forvalta.compliance.models import risk_level

    counts: dict[tuple[int, int], int] = {}
    for risk in risks:
        key = (risk.likelihood, risk.consequence)
        counts[key] = counts.get(key, 0) + 1
    return [
        {
            "consequence": consequence,
            "cells": [
                {
                    "likelihood": likelihood,
                    "count": counts.get((likelihood, consequence), 0),
                    "level": risk_level(likelihood, consequence),
                }
                for likelihood in range(1, 5)
            ],
        }
        for consequence in range(4, 0, -1)
    ]


# --- confidentiality undertakings -------------------------------------------------------------
def missing_undertakings(user: Any, management_object: Any = None) -> QuerySet:
    """Supplier staff holding a role today on a system that processes personal data
    (or on a service with such a system), without a valid confidentiality undertaking
    towards the system's (or service's) owner; the role assignments the user sees."""
    from django.db.models import Exists, OuterRef

    from forvalta.compliance.models import ConfidentialityUndertaking
    from forvalta.register.models import RoleAssignment

    day = today()
    # scoping: allowed used only as a subquery for rows read through visible_to
    valid = ConfidentialityUndertaking.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        signed_on__lte=day,
        person_id=OuterRef("person_id"),
    )
    on_system = Q(system__processes_personal_data=True) & Q(
        ~Exists(valid.filter(organisation_id=OuterRef("system__owner_organisation_id")))
    )
    on_service = Q(service__systems__processes_personal_data=True) & Q(
        ~Exists(valid.filter(organisation_id=OuterRef("service__owner_organisation_id")))
    )
    qs = RoleAssignment.objects.visible_to(user).active().filter(role_type__is_supplier_role=True)
    if management_object is not None:
        qs = qs.filter(
            Q(system__management_object=management_object)
            | Q(service__management_object=management_object)
        )
    ids = qs.filter(on_system | on_service).values("pk")
    return (
        # scoping: allowed the ids are the visible assignments above (a subquery)
        RoleAssignment.objects.filter(pk__in=ids)
        .select_related("person", "organisation", "role_type", "system", "service")
        .order_by("person__last_name", "pk")
    )


# Where an incident came from, told by the part that opened it (the log review's
# unauthorised-access follow-up): each part gives (name, link) pairs of the rows the
# user sees, read through their own `visible_to`. Registered in the part's AppConfig.
IncidentOrigins = Callable[[Any, Any], list[tuple[str, str]]]
INCIDENT_ORIGIN_PARTS: list[IncidentOrigins] = []


def incident_origins(incident: Any, user: Any) -> list[tuple[str, str]]:
    """The rows the incident was opened from that `user` sees, as (name, link)."""
    return [link for part in INCIDENT_ORIGIN_PARTS for link in part(incident, user)]
