"""Writes of register data. Each goes through the generic, audited operations in core.

The rules themselves live in `register/rules.py` (who) and in the models'
`clean()` and constraints (what); these names are the entry points views,
commands and the API call.
"""

from forvalta.core.services import crud_services
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
role_assignment_create, role_assignment_update, role_assignment_delete = crud_services(
    RoleAssignment
)
agreement_create, agreement_update, agreement_delete = crud_services(Agreement)
