"""The kinds of rows that can be imported, in the order a whole register is loaded.

Each kind names its form and services (the UI's), its columns (fixed Swedish headings,
the file format), how a row finds what it updates, and how references (organisation
numbers, names, user names) become choices of the form. References are looked up only
among what the importing user can see, and must then be among the form's choices.
"""

from __future__ import annotations

from typing import Any

from forvalta.register.imports.base import Kind
from forvalta.register.imports.core_kinds import OrganisationImport, UnitImport, UserImport
from forvalta.register.imports.linked_kinds import (
    EnvironmentImport,
    IntegrationImport,
    MembershipImport,
    ParticipationImport,
)
from forvalta.register.imports.register_kinds import (
    AgreementImport,
    ManagementObjectImport,
    RoleAssignmentImport,
    ServiceImport,
    SystemImport,
)

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        OrganisationImport(),
        UnitImport(),
        UserImport(),
        MembershipImport(),
        ManagementObjectImport(),
        SystemImport(),
        EnvironmentImport(),
        IntegrationImport(),
        ServiceImport(),
        ParticipationImport(),
        AgreementImport(),
        RoleAssignmentImport(),
    )
}


def kinds_for(user: Any) -> list[Kind]:
    """The kinds the user may import (create rows of)."""
    return [k for k in KINDS.values() if user.has_perm(k.perm)]
