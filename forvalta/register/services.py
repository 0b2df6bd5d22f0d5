"""Writes of register data. Each goes through the generic, audited operations in core.

The rules themselves live in `register/rules.py` (who) and in the models'
`clean()` and constraints (what); these names are the entry points views,
commands and the API call.
"""

from typing import Any

from django.core.exceptions import ValidationError

from forvalta.core.services import crud_services, model_create, model_update
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

management_object_create, management_object_update, management_object_delete = crud_services(
    ManagementObject
)
service_create, service_update, service_delete = crud_services(Service)
system_create, system_update, system_delete = crud_services(System)
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
