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


CRISIS_COORDINATOR_SPEC = {
    "code": CRISIS_COORDINATOR,
    "name_sv": "Krisberedskapssamordnare",
    "name_en": "Crisis coordinator",
    "level": "strategic",
    "applies_to_object": True,
    "applies_to_service": True,
    "applies_to_system": True,
    "is_supplier_role": False,
    "manages": False,
    "mandatory_for_system_in_operation": False,
    "duties_sv": (
        "Tar emot kommunens risk- och sårbarhetsanalyser av förvaltningsobjekt och system "
        "som underlag för kommunens krisberedskap."
    ),
    "duties_en": (
        "Receives the municipality's risk and vulnerability analyses of management objects "
        "and systems as input to the municipality's crisis preparedness."
    ),
    "source": "Seed 000 4.6.3",
    "sort_order": 1000,
}


def ensure_role_types() -> None:
    """The role types compliance adds to the catalogue (a data migration adds them; a
    flushed test database lacks them)."""
    from forvalta.register.models import RoleType

    RoleType.objects.get_or_create(
        code=CRISIS_COORDINATOR_SPEC["code"],
        defaults={k: v for k, v in CRISIS_COORDINATOR_SPEC.items() if k != "code"},
    )
