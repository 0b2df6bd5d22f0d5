"""The organisation's roles that compliance relies on, from the register's role catalogue.

A person holds a role for an organisation when they have a current role assignment of
that role type acting for the organisation (on any object, service or system of it): the
data protection contact receives the organisation's personal-data incidents, the
process owner signs the year's internal control, the crisis coordinator receives the
risk and vulnerability analyses.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from forvalta.register.models import RoleAssignment

DATA_PROTECTION_CONTACT = "data_protection_contact"
PROCESS_OWNER = "process_owner"
CRISIS_COORDINATOR = "crisis_coordinator"


def holders(role_code: str, organisation_id: int | None) -> QuerySet:
    """Current assignments of the role acting for the organisation."""
    return RoleAssignment.objects.active().filter(
        role_type__code=role_code, organisation_id=organisation_id
    )


def holds(user: Any, role_code: str, organisation_id: int | None) -> bool:
    if user is None or not user.is_authenticated or organisation_id is None:
        return False
    return holders(role_code, organisation_id).filter(person_id=user.pk).exists()


def organisations_where(user_id: int, role_code: str) -> QuerySet:
    """A subquery of the organisations for which the user holds the role today."""
    return (
        RoleAssignment.objects.active()
        .filter(person_id=user_id, role_type__code=role_code)
        .values("organisation_id")
    )


def people_holding(role_code: str, organisation_id: int | None) -> list[Any]:
    from forvalta.core.models import User

    return list(
        User.objects.filter(
            is_active=True,
            pk__in=holders(role_code, organisation_id).values("person_id"),
        ).order_by("pk")
    )
