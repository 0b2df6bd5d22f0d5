"""Who sees process templates, runs and steps.

- Global templates (no organisation) are seen by every member of an organisation;
  an organisation's own copies by its members only.
- Template steps with their template.
- A run is seen with its target: whoever sees the management object, service or system
  sees the run on it (and its steps); another organisation never sees a run on an object
  it does not see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.core.scoping import NOTHING, Custom, ThroughParent, declare, visible_ids
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate, TemplateStep
from forvalta.register.models import ManagementObject, Service, System


def template_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    # An organisation's copy for one service is seen by the colleagues who see that
    # service (its name is on the template).
    return Q(organisation__isnull=True) | (
        Q(organisation_id__in=sorted(scope.org_ids))
        & (Q(service__isnull=True) | Q(service_id__in=visible_ids(Service, user)))
    )


def run_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids:
        return NOTHING
    return (
        Q(management_object_id__in=visible_ids(ManagementObject, user))
        | Q(service_id__in=visible_ids(Service, user))
        | Q(system_id__in=visible_ids(System, user))
    )


def declare_process_models() -> None:
    declare(ProcessTemplate, Custom(template_condition))
    declare(TemplateStep, ThroughParent("template"))
    declare(ProcessRun, Custom(run_condition))
    declare(ProcessStep, ThroughParent("run"))
