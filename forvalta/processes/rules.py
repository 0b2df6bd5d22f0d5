"""Who may change templates, start and steer runs, and work on steps.

- A global template is read-only. An organisation's copy is changed by the
  organisation's administrators, and, for a copy made for one service, by the
  service's managers of that organisation.
- A run is started by whoever manages its target; it is steered (started, completed,
  cancelled, steps assigned and reopened) by its manager and the target's managers.
- A step is worked on (started, done, not applicable, evidence) by its assignee and by
  those who steer the run.
"""

from __future__ import annotations

from typing import Any

import rules

from forvalta.core.tenancy import scope_for


def _visible(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).org_ids)
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def sees(user: Any, obj: Any) -> bool:
    return _visible(user, obj)


def _may_adapt(user: Any, template: Any) -> bool:
    scope = scope_for(user)
    if template is None:
        return bool(
            scope.admin_org_ids
            or scope.managed_object_ids
            or scope.managed_service_ids
            or scope.managed_system_ids
        )
    if template.organisation_id is None:
        return False  # global templates are read-only
    if scope.is_org_admin(template.organisation_id):
        return True
    return bool(
        template.organisation_id in scope.org_ids
        and template.service_id is not None
        and scope.manages_service(template.service)
    )


@rules.predicate
def adapts_template(user: Any, template: Any) -> bool:
    return _may_adapt(user, template)


@rules.predicate
def adapts_template_of(user: Any, step: Any) -> bool:
    if step is None:
        return _may_adapt(user, None)
    return step.template_id is not None and _may_adapt(user, step.template)


def manages_target(user: Any, run: Any) -> bool:
    scope = scope_for(user)
    if run.management_object_id:
        return scope.manages_object(run.management_object)
    if run.service_id:
        return scope.manages_service(run.service)
    if run.system_id:
        return scope.manages_system(run.system)
    return False


def _steers(user: Any, run: Any) -> bool:
    if run is None:
        return _may_adapt(user, None)
    if not user.is_authenticated:
        return False
    return bool(run.manager_id == user.pk and scope_for(user).org_ids) or manages_target(user, run)


@rules.predicate
def starts_run(user: Any, run: Any) -> bool:
    if run is None:
        return _may_adapt(user, None)
    return manages_target(user, run)


@rules.predicate
def steers_run(user: Any, run: Any) -> bool:
    return _steers(user, run)


@rules.predicate
def steers_run_of(user: Any, step: Any) -> bool:
    return step is not None and _steers(user, step.run)


@rules.predicate
def is_assignee(user: Any, step: Any) -> bool:
    return step is not None and user.is_authenticated and step.assignee_id == user.pk


rules.add_perm("processes.view_processtemplate", sees)
rules.add_perm("processes.add_processtemplate", adapts_template)
rules.add_perm("processes.change_processtemplate", adapts_template)
rules.add_perm("processes.delete_processtemplate", adapts_template)
rules.add_perm("processes.view_templatestep", sees)
rules.add_perm("processes.add_templatestep", adapts_template_of)
rules.add_perm("processes.change_templatestep", adapts_template_of)
rules.add_perm("processes.delete_templatestep", adapts_template_of)
rules.add_perm("processes.view_processrun", sees)
rules.add_perm("processes.add_processrun", starts_run)
rules.add_perm("processes.change_processrun", steers_run)
rules.add_perm("processes.view_processstep", sees)
rules.add_perm("processes.change_processstep", is_assignee | steers_run_of)
rules.add_perm("processes.work_processstep", is_assignee | steers_run_of)
rules.add_perm("processes.assign_processstep", steers_run_of)
