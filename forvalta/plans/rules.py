"""Who may do what with plans and cost splits.

- A plan is made, changed and moved through its workflow by those who manage its
  target (the owner organisation's administrators, a managing role such as
  förvaltningsledare or objektägare on the object or service). A decided plan is locked
  (the services refuse content changes with a message), whoever asks.
- Its follow-up is entered by the same people.
- A cost split is made and changed by those who manage its service.
- Planning settings and the calendar template by the organisation's administrators.
- A system's budget by those who manage the system.
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


def manages_anything(user: Any) -> bool:
    scope = scope_for(user)
    return bool(
        scope.admin_org_ids
        or scope.managed_object_ids
        or scope.managed_service_ids
        or scope.managed_system_ids
    )


def manages_plan_target(user: Any, plan: Any) -> bool:
    if plan is None:
        return manages_anything(user)
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if plan.management_object_id:
        return scope.manages_object(plan.management_object)
    if plan.service_id:
        return scope.manages_service(plan.service)
    return False


def _plan_of(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "plan"):
        return obj.plan
    if hasattr(obj, "goal"):
        return obj.goal.plan
    return None


@rules.predicate
def manages_plan(user: Any, plan: Any) -> bool:
    return manages_plan_target(user, plan)


@rules.predicate
def manages_plan_of(user: Any, part: Any) -> bool:
    if part is None:
        return manages_anything(user)
    return manages_plan_target(user, _plan_of(part))


@rules.predicate
def manages_split(user: Any, split: Any) -> bool:
    if split is None:
        return manages_anything(user)
    if not user.is_authenticated or not split.service_id:
        return False
    return scope_for(user).manages_service(split.service)


@rules.predicate
def manages_split_of(user: Any, row: Any) -> bool:
    if row is None:
        return manages_anything(user)
    return manages_split(user, row.split)


@rules.predicate
def administers(user: Any, row: Any) -> bool:
    scope = scope_for(user)
    if row is None:
        return bool(scope.admin_org_ids)
    return scope.is_org_admin(row.organisation_id)


@rules.predicate
def manages_system(user: Any, line: Any) -> bool:
    if line is None:
        return manages_anything(user)
    if not user.is_authenticated or not line.system_id:
        return False
    return scope_for(user).manages_system(line.system)


rules.add_perm("plans.view_managementplan", sees)
rules.add_perm("plans.add_managementplan", manages_plan)
rules.add_perm("plans.change_managementplan", manages_plan)
rules.add_perm("plans.delete_managementplan", manages_plan)
rules.add_perm("plans.decide_managementplan", manages_plan)
rules.add_perm("plans.followup_managementplan", manages_plan)
for _model in ("planneed", "planactivity", "resourcegroup", "goal", "planmilestone"):
    rules.add_perm(f"plans.view_{_model}", sees)
    rules.add_perm(f"plans.add_{_model}", manages_plan_of)
    rules.add_perm(f"plans.change_{_model}", manages_plan_of)
    rules.add_perm(f"plans.delete_{_model}", manages_plan_of)
for _model in ("goaleffort", "followupentry"):
    rules.add_perm(f"plans.view_{_model}", sees)
    rules.add_perm(f"plans.add_{_model}", manages_plan_of)
    rules.add_perm(f"plans.change_{_model}", manages_plan_of)
    rules.add_perm(f"plans.delete_{_model}", manages_plan_of)
rules.add_perm("plans.view_costsplit", sees)
rules.add_perm("plans.add_costsplit", manages_split)
rules.add_perm("plans.change_costsplit", manages_split)
rules.add_perm("plans.delete_costsplit", manages_split)
rules.add_perm("plans.view_keyvalue", sees)
rules.add_perm("plans.change_keyvalue", manages_split_of)
rules.add_perm("plans.view_costshare", sees)
rules.add_perm("plans.view_planningsettings", sees)
rules.add_perm("plans.add_planningsettings", administers)
rules.add_perm("plans.change_planningsettings", administers)
rules.add_perm("plans.view_milestonetemplate", sees)
rules.add_perm("plans.add_milestonetemplate", administers)
rules.add_perm("plans.change_milestonetemplate", administers)
rules.add_perm("plans.delete_milestonetemplate", administers)
rules.add_perm("plans.view_systembudgetline", sees)
rules.add_perm("plans.add_systembudgetline", manages_system)
rules.add_perm("plans.change_systembudgetline", manages_system)
rules.add_perm("plans.delete_systembudgetline", manages_system)
