"""Every write of the processes app: checks the rule, saves, records the audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, record, snapshot
from forvalta.core.services import crud_services
from forvalta.core.tenancy import forget_scope
from forvalta.notifications.services import notify
from forvalta.processes.models import (
    ProcessRun,
    ProcessStep,
    ProcessTemplate,
    RunStatus,
    TemplateStep,
)
from forvalta.register.models import RoleAssignment

STEP_FIELDS = (
    "order",
    "name",
    "description",
    "role_type",
    "responsible_label",
    "waits_for_previous",
)

_template_create, template_update, template_delete = crud_services(ProcessTemplate)
template_step_create, template_step_update, template_step_delete = crud_services(TemplateStep)


def _refuse(actor: Any, obj: Any, verb: str) -> None:
    forget_scope(actor)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and obj.pk else None,
        object_type=object_type_of(obj),
        object_repr=str(obj)[:300],
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def template_copy(
    *, actor: Any, template: ProcessTemplate, data: dict[str, Any]
) -> ProcessTemplate:
    """The organisation's own, editable copy of a template (with its steps)."""
    copy = ProcessTemplate(
        name=data["name"],
        description=template.description,
        origin=template.origin,
        target_kind=template.target_kind,
        organisation=data["organisation"],
        service=data.get("service"),
        copied_from=template,
    )
    copy.full_clean()
    if not actor.has_perm("processes.add_processtemplate", copy):
        _refuse(actor, template, "copy")
    with transaction.atomic():
        copy.save()
        steps = [
            TemplateStep(
                template=copy,
                due_offset_days=step.due_offset_days,
                **{f: getattr(step, f) for f in STEP_FIELDS},
            )
            for step in template.steps.all()  # type: ignore[attr-defined]  # reverse relation
        ]
        TemplateStep.objects.bulk_create(steps)
        record(
            actor=actor,
            action="processes.processtemplate.copied",
            obj=copy,
            changes={"copied_from": [None, template.pk], **diff({}, snapshot(copy))},
        )
    return copy


def role_holder(run: ProcessRun, role_type_id: int | None) -> Any:
    """Whoever holds the role on the run's target today; for a service or a system, the
    holder on its management object when no one holds it on the target itself."""
    if role_type_id is None:
        return None
    holders = RoleAssignment.objects.active().filter(role_type_id=role_type_id).order_by("pk")
    tiers: list[QuerySet] = []
    if run.management_object_id:
        tiers.append(holders.filter(management_object_id=run.management_object_id))
    target = run.service or run.system
    if target is not None:
        tiers.append(holders.filter(**{f"{target._meta.model_name}_id": target.pk}))
        if target.management_object_id:
            tiers.append(holders.filter(management_object_id=target.management_object_id))
    for tier in tiers:
        assignment = tier.select_related("person").first()
        if assignment is not None:
            return assignment.person
    return None


def run_start(*, actor: Any, data: dict[str, Any]) -> ProcessRun:
    """Create a run of a template on its target, with one step per template step given
    to whoever holds the step's role there, due the template's days after the start."""
    template: ProcessTemplate = data["template"]
    run = ProcessRun(
        template=template,
        name=data.get("name") or template.name,
        management_object=data.get("management_object"),
        service=data.get("service"),
        system=data.get("system"),
        organisation=data.get("organisation"),
        manager=data.get("manager") or actor,
        start_on=data["start_on"],
    )
    run.full_clean()
    if not actor.has_perm("processes.add_processrun", run):
        _refuse(actor, None if run.pk is None else run, "create")
    with transaction.atomic():
        run.save()
        steps = []
        for step in template.steps.all():  # type: ignore[attr-defined]  # reverse relation
            steps.append(
                ProcessStep(
                    run=run,
                    assignee=role_holder(run, step.role_type_id),
                    due_on=run.start_on + dt.timedelta(days=step.due_offset_days),
                    **{f: getattr(step, f) for f in STEP_FIELDS},
                )
            )
        ProcessStep.objects.bulk_create(steps)
        record(
            actor=actor,
            action="processes.processrun.created",
            obj=run,
            changes={**diff({}, snapshot(run)), "steps": [None, len(steps)]},
        )
    return run


def step_update(*, actor: Any, instance: ProcessStep, data: dict[str, Any]) -> ProcessStep:
    """Comment and evidence (assignee or the run's managers); the assignee (the run's
    managers only)."""
    with transaction.atomic():
        fresh = ProcessStep.objects.select_for_update().select_related("run").get(pk=instance.pk)
        allowed = actor.has_perm("processes.change_processstep", fresh)
        if allowed and "assignee" in data and data["assignee"] != fresh.assignee:
            allowed = actor.has_perm("processes.assign_processstep", fresh)
        if allowed:
            before = snapshot(fresh)
            previous_assignee = fresh.assignee_id
            for name, value in data.items():
                if name == "evidence_file" and value is None:
                    continue
                if name == "evidence_file" and value is False:
                    value = ""
                setattr(fresh, name, value)
            fresh.full_clean()
            fresh.save()
            changes = diff(before, snapshot(fresh))
            if changes:
                record(
                    actor=actor, action="processes.processstep.updated", obj=fresh, changes=changes
                )
            # Given to someone (not the actor) in a running process; a planned run's steps
            # are given when it starts (workflows._steps_given).
            given = fresh.assignee_id not in (previous_assignee, None, actor.pk)
            if given and fresh.run.status == RunStatus.IN_PROGRESS:
                notify(
                    fresh.assignee,
                    "step_assigned",
                    organisation=fresh.audit_organisation,
                    link=fresh.get_absolute_url(),
                    obj=fresh,
                )
    if not allowed:
        _refuse(actor, instance, "update")
    return fresh


def run_update(*, actor: Any, instance: ProcessRun, data: dict[str, Any]) -> ProcessRun:
    with transaction.atomic():
        fresh = ProcessRun.objects.select_for_update().get(pk=instance.pk)
        allowed = actor.has_perm("processes.change_processrun", fresh)
        if allowed:
            before = snapshot(fresh)
            for name, value in data.items():
                setattr(fresh, name, value)
            fresh.full_clean()
            fresh.save()
            changes = diff(before, snapshot(fresh))
            if changes:
                record(
                    actor=actor, action="processes.processrun.updated", obj=fresh, changes=changes
                )
    if not allowed:
        _refuse(actor, instance, "update")
    return fresh
