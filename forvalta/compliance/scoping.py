"""Who sees what in compliance.

- A personal-data incident is need-to-know: its reporter (while a member of the
  organisation), the organisation's data protection contacts (a current role assignment
  of that role acting for it), the people named on it, and, when the organisation
  reported it as a processor, the controller's data protection contacts. Not the
  organisation's administrators as such, nor its other members.
- Reports to IMY with their incident.
- Classifications (with their actions and level names) are the classifying
  organisation's own: another member of the same shared system never sees them; the
  system's owner sees only the highest level per aspect (selectors.aggregated_levels).
- A risk and vulnerability analysis is the organisation's own, except the owner's
  analysis of a shared service or system that it shares with the participants.
- Controls of the annual cycle, their occurrences and the signed reports are the
  organisation's own: its members see them, no one else.
- A system's decommissioning (with its checklist) is its owner organisation's own.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.compliance.models import (
    AnnualReport,
    ArchiveDocumentation,
    Classification,
    ClassificationAction,
    ClassificationLevelName,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    Decommissioning,
    DecommissioningItem,
    IncidentReport,
    LegalAct,
    LegalRequirement,
    PersonalDataIncident,
    RetentionRule,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.compliance.roles import DATA_PROTECTION_CONTACT, organisations_where
from forvalta.core.scoping import (
    NOTHING,
    Custom,
    OrganisationPrivate,
    ThroughParent,
    declare,
)
from forvalta.register.models import Participation, Service


def incident_condition(user: Any, scope: Any) -> Q:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    named = PersonalDataIncident.readers.through.objects.filter(user_id=user.pk).values(
        "personaldataincident_id"
    )
    condition = Q(pk__in=named)
    if scope.org_ids:
        orgs = sorted(scope.org_ids)
        contact_for = organisations_where(user.pk, DATA_PROTECTION_CONTACT)
        condition |= Q(organisation_id__in=orgs) & (
            Q(reporter_id=user.pk) | Q(organisation_id__in=contact_for)
        )
        condition |= Q(controller_id__in=orgs) & Q(controller_id__in=contact_for)
    withheld = PersonalDataIncident.withheld_from.through.objects.filter(user_id=user.pk).values(
        "personaldataincident_id"
    )
    return condition & ~Q(pk__in=withheld)


def analysis_condition(user: Any, scope: Any) -> Q:
    """The organisation's own analyses, and an owner's analysis of its shared service or
    system (or their object) that it shares with the participating organisations (not
    with suppliers working on it)."""
    if not scope.org_ids:
        return NOTHING
    orgs = sorted(scope.org_ids)
    services = Participation.objects.active().filter(organisation_id__in=orgs).values("service_id")
    shared = Q(shared_with_participants=True) & (
        Q(service_id__in=services)
        | Q(
            system_id__in=Service.systems.through.objects.filter(service_id__in=services).values(
                "system_id"
            )
        )
        | Q(
            management_object_id__in=Service.objects.filter(pk__in=services).values(
                "management_object_id"
            )
        )
    )
    return Q(organisation_id__in=orgs) | shared


def legal_act_condition(user: Any, scope: Any) -> Q:
    """The seeded laws for every member of an organisation; an organisation's own
    additions for its members."""
    if not scope.org_ids:
        return NOTHING
    return Q(organisation__isnull=True) | Q(organisation_id__in=sorted(scope.org_ids))


def undertaking_condition(user: Any, scope: Any) -> Q:
    """The organisation it is given to, and the person who signed it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    condition = Q(person_id=user.pk)
    if scope.org_ids:
        condition |= Q(organisation_id__in=sorted(scope.org_ids))
    return condition


def declare_compliance_models() -> None:
    declare(PersonalDataIncident, Custom(incident_condition))
    declare(IncidentReport, ThroughParent("incident"))
    declare(ControlDefinition, OrganisationPrivate("organisation"))
    declare(ControlOccurrence, ThroughParent("definition"))
    declare(AnnualReport, OrganisationPrivate("organisation"))
    declare(Classification, OrganisationPrivate("organisation"))
    declare(ClassificationAction, ThroughParent("classification"))
    declare(ClassificationLevelName, OrganisationPrivate("organisation"))
    declare(RiskAnalysis, Custom(analysis_condition))
    declare(LegalAct, Custom(legal_act_condition))
    declare(LegalRequirement, OrganisationPrivate("organisation"))
    declare(ArchiveDocumentation, OrganisationPrivate("organisation"))
    declare(RetentionRule, OrganisationPrivate("organisation"))
    declare(ConfidentialityUndertaking, Custom(undertaking_condition))
    declare(Risk, ThroughParent("analysis"))
    declare(RiskAction, ThroughParent("analysis"))
    declare(Decommissioning, OrganisationPrivate("organisation"))
    declare(DecommissioningItem, ThroughParent("decommissioning"))
