"""Who may do what in compliance.

- Anyone in an organisation reports a personal-data incident of that organisation.
- An incident is handled (edited, decided, reported to IMY, closed) by the
  organisation's data protection contacts and the people named on it; the reporter
  reads it.
- Controls are defined, and the year's occurrences generated, by the organisation's
  administrators and process owners.
- An occurrence is completed by hand by the holders of the control's responsible role
  acting for the organisation, its process owners and administrators.
- The year's report is signed by a process owner of the organisation.
"""

from __future__ import annotations

from typing import Any

import rules

from forvalta.compliance.roles import DATA_PROTECTION_CONTACT, PROCESS_OWNER, holds
from forvalta.core.tenancy import scope_for


def _visible(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).org_ids)
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def sees(user: Any, obj: Any) -> bool:
    return _visible(user, obj)


@rules.predicate
def reports_incident(user: Any, incident: Any) -> bool:
    scope = scope_for(user)
    if incident is None:
        return bool(scope.org_ids)
    return incident.organisation_id in scope.org_ids


def handles_incident(user: Any, incident: Any) -> bool:
    if incident is None or not user.is_authenticated:
        return False
    # The person the incident is withheld from handles it in no role.
    if incident.pk and incident.withheld_from.filter(pk=user.pk).exists():
        return False
    if incident.organisation_id not in scope_for(user).org_ids:
        return bool(incident.pk and incident.readers.filter(pk=user.pk).exists())
    if holds(user, DATA_PROTECTION_CONTACT, incident.organisation_id):
        return True
    return bool(incident.pk and incident.readers.filter(pk=user.pk).exists())


@rules.predicate
def handles(user: Any, incident: Any) -> bool:
    return handles_incident(user, incident)


@rules.predicate
def handles_incident_of(user: Any, report: Any) -> bool:
    return report is not None and handles_incident(user, report.incident)


def governs_controls(user: Any, organisation_id: int | None) -> bool:
    scope = scope_for(user)
    if organisation_id is None:
        return bool(scope.admin_org_ids) or bool(
            scope.org_ids and _holds_anywhere(user, PROCESS_OWNER)
        )
    if organisation_id not in scope.org_ids:
        return False
    return scope.is_org_admin(organisation_id) or holds(user, PROCESS_OWNER, organisation_id)


def _holds_anywhere(user: Any, role_code: str) -> bool:
    from forvalta.register.models import RoleAssignment

    return (
        RoleAssignment.objects.active()
        .filter(person_id=user.pk, role_type__code=role_code)
        .exists()
    )


@rules.predicate
def governs_control(user: Any, definition: Any) -> bool:
    return governs_controls(user, None if definition is None else definition.organisation_id)


def completes(user: Any, occurrence: Any) -> bool:
    if occurrence is None:
        return False
    definition = occurrence.definition
    if governs_controls(user, definition.organisation_id):
        return True
    if definition.organisation_id not in scope_for(user).org_ids:
        return False
    role = definition.responsible_role
    return role is not None and holds(user, role.code, definition.organisation_id)


@rules.predicate
def completes_occurrence(user: Any, occurrence: Any) -> bool:
    return completes(user, occurrence)


@rules.predicate
def signs_report(user: Any, report: Any) -> bool:
    if report is None:
        return bool(scope_for(user).org_ids) and _holds_anywhere(user, PROCESS_OWNER)
    return report.organisation_id in scope_for(user).org_ids and holds(
        user, PROCESS_OWNER, report.organisation_id
    )


CLASSIFIER_ROLES = ("system_owner", "information_owner")


def classifies_for(user: Any, organisation_id: int | None) -> bool:
    """The organisation's administrators, and its system and information owners."""
    scope = scope_for(user)
    if organisation_id is None:
        return bool(scope.admin_org_ids) or bool(
            scope.org_ids and any(_holds_anywhere(user, code) for code in CLASSIFIER_ROLES)
        )
    if organisation_id not in scope.org_ids:
        return False
    return scope.is_org_admin(organisation_id) or any(
        holds(user, code, organisation_id) for code in CLASSIFIER_ROLES
    )


@rules.predicate
def classifies(user: Any, classification: Any) -> bool:
    return classifies_for(user, None if classification is None else classification.organisation_id)


@rules.predicate
def classifies_action(user: Any, action: Any) -> bool:
    if action is None:
        return classifies_for(user, None)
    return classifies_for(user, action.classification.organisation_id)


@rules.predicate
def administers(user: Any, row: Any) -> bool:
    scope = scope_for(user)
    if row is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(row.organisation_id)


rules.add_perm("compliance.view_classification", sees)
rules.add_perm("compliance.add_classification", classifies)
rules.add_perm("compliance.change_classification", classifies)
rules.add_perm("compliance.delete_classification", classifies)
rules.add_perm("compliance.view_classificationaction", sees)
rules.add_perm("compliance.add_classificationaction", classifies_action)
rules.add_perm("compliance.change_classificationaction", classifies_action)
rules.add_perm("compliance.delete_classificationaction", classifies_action)
rules.add_perm("compliance.view_classificationlevelname", sees)
rules.add_perm("compliance.add_classificationlevelname", administers)
rules.add_perm("compliance.change_classificationlevelname", administers)
rules.add_perm("compliance.delete_classificationlevelname", administers)


def analyses_for(user: Any, organisation_id: int | None) -> bool:
    """Who makes an organisation's analyses: its administrators, process owners, and
    system and information owners."""
    return classifies_for(user, organisation_id) or governs_controls(user, organisation_id)


@rules.predicate
def analyses(user: Any, analysis: Any) -> bool:
    if analysis is None:
        return analyses_for(user, None)
    return analyses_for(user, analysis.organisation_id)


@rules.predicate
def analyses_parent(user: Any, row: Any) -> bool:
    if row is None:
        return analyses_for(user, None)
    return analyses_for(user, row.analysis.organisation_id)


rules.add_perm("compliance.view_riskanalysis", sees)
rules.add_perm("compliance.add_riskanalysis", analyses)
rules.add_perm("compliance.change_riskanalysis", analyses)
rules.add_perm("compliance.delete_riskanalysis", analyses)
for _model in ("risk", "riskaction"):
    rules.add_perm(f"compliance.view_{_model}", sees)
    rules.add_perm(f"compliance.add_{_model}", analyses_parent)
    rules.add_perm(f"compliance.change_{_model}", analyses_parent)
    rules.add_perm(f"compliance.delete_{_model}", analyses_parent)


@rules.predicate
def adds_own_act(user: Any, act: Any) -> bool:
    scope = scope_for(user)
    if act is None:
        return bool(scope.admin_org_ids)
    return act.organisation_id is not None and scope.is_org_admin(act.organisation_id)


@rules.predicate
def governs_row(user: Any, row: Any) -> bool:
    """An organisation's own compliance rows: its administrators and process owners."""
    return governs_controls(user, None if row is None else row.organisation_id)


rules.add_perm("compliance.view_legalact", sees)
rules.add_perm("compliance.add_legalact", adds_own_act)
rules.add_perm("compliance.change_legalact", adds_own_act)
rules.add_perm("compliance.delete_legalact", adds_own_act)
for _model in ("legalrequirement", "confidentialityundertaking"):
    rules.add_perm(f"compliance.view_{_model}", sees)
    rules.add_perm(f"compliance.add_{_model}", governs_row)
    rules.add_perm(f"compliance.change_{_model}", governs_row)
    rules.add_perm(f"compliance.delete_{_model}", governs_row)


@rules.predicate
def documents_for_archive(user: Any, row: Any) -> bool:
    return analyses_for(user, None if row is None else row.organisation_id)


for _model in ("archivedocumentation", "retentionrule"):
    rules.add_perm(f"compliance.view_{_model}", sees)
    rules.add_perm(f"compliance.add_{_model}", documents_for_archive)
    rules.add_perm(f"compliance.change_{_model}", documents_for_archive)
    rules.add_perm(f"compliance.delete_{_model}", documents_for_archive)
rules.add_perm("compliance.view_personaldataincident", sees)
rules.add_perm("compliance.add_personaldataincident", reports_incident)
rules.add_perm("compliance.change_personaldataincident", handles)
rules.add_perm("compliance.view_incidentreport", sees)
rules.add_perm("compliance.add_incidentreport", handles_incident_of)
rules.add_perm("compliance.view_controldefinition", sees)
rules.add_perm("compliance.add_controldefinition", governs_control)
rules.add_perm("compliance.change_controldefinition", governs_control)
rules.add_perm("compliance.delete_controldefinition", governs_control)
rules.add_perm("compliance.view_controloccurrence", sees)
rules.add_perm("compliance.change_controloccurrence", completes_occurrence)
rules.add_perm("compliance.view_annualreport", sees)
rules.add_perm("compliance.add_annualreport", signs_report)


@rules.predicate
def decommissions(user: Any, row: Any) -> bool:
    """A system's decommissioning: a member of its owner organisation who manages the
    system in the register (its administrators, the managing roles on it)."""
    if row is None:
        scope = scope_for(user)
        return bool(scope.org_ids) and bool(
            scope.admin_org_ids or scope.managed_object_ids or scope.managed_system_ids
        )
    parent = getattr(row, "decommissioning", row)
    system = parent.system
    return system.owner_organisation_id in scope_for(user).org_ids and user.has_perm(
        "register.change_system", system
    )


rules.add_perm("compliance.view_decommissioning", sees)
rules.add_perm("compliance.add_decommissioning", decommissions)
rules.add_perm("compliance.change_decommissioning", decommissions)
rules.add_perm("compliance.view_decommissioningitem", sees)
rules.add_perm("compliance.change_decommissioningitem", decommissions)
