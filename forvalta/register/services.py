"""Writes of register data. Each goes through the generic, audited operations in core.

The rules themselves live in `register/rules.py` (who) and in the models'
`clean()` and constraints (what); these names are the entry points views,
commands and the API call.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, organisation_of, record, snapshot
from forvalta.core.services import (
    _refuse,
    _Refused,
    action_code,
    crud_services,
    model_create,
    model_update,
    perm_name,
)
from forvalta.core.tenancy import forget_scope
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    Service,
    System,
)

management_object_create, management_object_update, _generic_delete = crud_services(
    ManagementObject
)
service_create, service_update, _generic_delete = crud_services(Service)
system_create, system_update, _generic_delete = crud_services(System)
environment_create, environment_update, environment_delete = crud_services(Environment)
integration_create, integration_update, integration_delete = crud_services(Integration)
participation_create, participation_update, participation_delete = crud_services(Participation)
_ra_create, _ra_update, role_assignment_delete = crud_services(RoleAssignment)


def _check_acting_for(actor: Any, assignment: RoleAssignment) -> None:
    """Refuse, on the organisation field, an appointment for another organisation."""
    from forvalta.register.forms import acting_for_refusal
    from forvalta.register.rules import acts_for_organisation

    if not acts_for_organisation(actor, assignment):
        raise ValidationError({"organisation": acting_for_refusal(assignment.organisation)})


def role_assignment_create(*, actor: Any, data: dict[str, Any], reason: str = "") -> RoleAssignment:
    """Appoint someone; only for an organisation the actor acts for (`acts_for_organisation`)."""
    _check_acting_for(actor, RoleAssignment(**data))
    return model_create(actor=actor, model=RoleAssignment, data=data, reason=reason)


def role_assignment_update(
    *, actor: Any, instance: RoleAssignment, data: dict[str, Any], reason: str = ""
) -> RoleAssignment:
    """Change an assignment. Changing who acts for whom, in which role or on what is an
    appointment (`acts_for_organisation`); the dates and the note are not."""
    from forvalta.register.rules import APPOINTMENT_FIELDS

    stored = RoleAssignment.objects.get(pk=instance.pk)
    candidate = RoleAssignment.objects.get(pk=instance.pk)
    for name, value in data.items():
        setattr(candidate, name, value)
    if any(
        getattr(stored, f"{name}_id") != getattr(candidate, f"{name}_id")
        for name in APPOINTMENT_FIELDS
    ):
        _check_acting_for(actor, candidate)
    return model_update(actor=actor, instance=instance, data=data, reason=reason)


agreement_create, agreement_update, agreement_delete = crud_services(Agreement)


# --- archive, restore and hard delete of management objects, services and systems ----------
ARCHIVABLE = (ManagementObject, Service, System)


def _set_archived(*, actor: Any, instance: Any, archived: bool, reason: str = "") -> Any:
    """Archive or restore: whoever may edit the item may; one audit event."""
    model = type(instance)
    verb = "archive" if archived else "restore"
    try:
        with transaction.atomic():
            fresh = model._default_manager.select_for_update().get(pk=instance.pk)
            if not actor.has_perm(perm_name(model, "change"), fresh):
                raise _Refused
            if fresh.is_archived == archived:
                message = (
                    _("“%(name)s” is already archived.")
                    if archived
                    else _("“%(name)s” is not archived.")
                )
                raise ValidationError(message % {"name": fresh})
            before = snapshot(fresh, ["archived_at", "archived_by"])
            fresh.archived_at = timezone.now() if archived else None
            fresh.archived_by = actor if archived else None
            fresh.save(update_fields=["archived_at", "archived_by", "updated_at"])
            record(
                actor=actor,
                action=action_code(model, "archived" if archived else "restored"),
                obj=fresh,
                changes=diff(before, snapshot(fresh, ["archived_at", "archived_by"])),
                reason=reason,
            )
    except _Refused:
        forget_scope(actor)
        _refuse(actor, model, verb, model._default_manager.get(pk=instance.pk))
    forget_scope(actor)
    return fresh


def _archiving(model: type[Any]) -> tuple[Any, Any]:
    def archive(*, actor: Any, instance: Any, reason: str = "") -> Any:
        return _set_archived(actor=actor, instance=instance, archived=True, reason=reason)

    def restore(*, actor: Any, instance: Any, reason: str = "") -> Any:
        return _set_archived(actor=actor, instance=instance, archived=False, reason=reason)

    name = model._meta.model_name
    archive.__name__ = archive.__qualname__ = f"{name}_archive"
    restore.__name__ = restore.__qualname__ = f"{name}_restore"
    return archive, restore


management_object_archive, management_object_restore = _archiving(ManagementObject)
service_archive, service_restore = _archiving(Service)
system_archive, system_restore = _archiving(System)


def register_item_delete(
    *, actor: Any, instance: Any, confirm: str | None = None, reason: str = ""
) -> None:
    """Delete a management object, service or system for good.

    Only the owning organisation's administrators may (`register.delete_*`). Everything
    that would go with it (environments, role assignments, integrations, links from
    agreements …) must have been listed to them and confirmed: `confirm` is the token of
    `deletion_plan`, and a deletion whose dependants have changed since, or that has
    dependants but no confirmation, is refused and deletes nothing. What went with it is
    recorded in the item's audit event (`deleted_with`: kind and ids).
    """
    from forvalta.register.selectors import deletion_plan

    model = type(instance)
    if not actor.has_perm(perm_name(model, "delete"), instance):
        _refuse(actor, model, "delete", instance)
    with transaction.atomic():
        fresh = model._default_manager.select_for_update().get(pk=instance.pk)
        plan = deletion_plan(actor, fresh)
        if plan.is_blocked:
            raise ValidationError(
                _("“%(name)s” is still referred to by other data and cannot be deleted.")
                % {"name": fresh}
            )
        if plan.deletes and confirm != plan.token:
            raise ValidationError(
                _(
                    "Deleting “%(name)s” would also delete other data that you have not "
                    "confirmed. Nothing was deleted: review the list and confirm again."
                )
                % {"name": fresh}
            )
        before = snapshot(fresh)
        text, pk, org = str(fresh), fresh.pk, organisation_of(fresh)
        with_it: dict[str, list[Any]] = {}
        from django.contrib.admin.utils import NestedObjects

        collector = NestedObjects(using=router.db_for_write(model))
        collector.collect([fresh])
        for related, rows in collector.data.items():
            ids = sorted(r.pk for r in rows if not (related is model and r.pk == pk))
            if ids:
                with_it[related._meta.label_lower] = ids
        fresh.delete()
        changes = diff(before, {})
        if with_it:
            changes["deleted_with"] = [None, with_it]
        record(
            actor=actor,
            action=action_code(model, "deleted"),
            object_type=object_type_of(model()),
            object_repr=text,
            object_id=str(pk),
            organisation=org,
            changes=changes,
            reason=reason,
        )
    forget_scope(actor)


management_object_delete = service_delete = system_delete = register_item_delete


def lifecycle_requirements_set(
    *, actor: Any, organisation: Any, required: set[tuple[str, str]], reason: str = ""
) -> dict[str, list[str]]:
    """Set which roles and agreements the organisation's systems need in each lifecycle
    phase (`required`: (phase, requirement) pairs; every other pair is not required).
    For the organisation's administrators; one audit event naming the phases changed."""
    from forvalta.register.models import Lifecycle, LifecycleRequirement, Requirement
    from forvalta.register.selectors import requirement_matrix

    probe = LifecycleRequirement(organisation=organisation)
    if not actor.has_perm("register.change_lifecyclerequirement", probe):
        _refuse(actor, LifecycleRequirement, "change", None)
    with transaction.atomic():
        before = requirement_matrix(organisation.pk)
        for phase in Lifecycle.values:
            for code in Requirement.values:
                LifecycleRequirement.objects.update_or_create(
                    organisation=organisation,
                    lifecycle=phase,
                    requirement=code,
                    defaults={"required": (phase, code) in required},
                )
        after = requirement_matrix(organisation.pk)
        changes = {
            phase: [before[phase], after[phase]]
            for phase in Lifecycle.values
            if before[phase] != after[phase]
        }
        if changes:
            record(
                actor=actor,
                action="register.lifecyclerequirement.updated",
                object_type="register.lifecyclerequirement",
                object_repr=str(organisation),
                object_id=str(organisation.pk),
                organisation=organisation,
                changes=changes,
                reason=reason,
            )
    return after
