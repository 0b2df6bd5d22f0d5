"""A small world of organisations with a unique marker in every item, for tenancy tests.

Each item's text carries `ZZ<KEY>ZZ`. `VISIBLE` says which items each persona may
see; every other marker appearing in a response to that persona is a leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from forvalta.core.models import Membership, OrganisationKind, User
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
from forvalta.register.models import AgreementKind, Lifecycle
from forvalta.register.tests.factories import (
    AgreementFactory,
    EnvironmentFactory,
    IntegrationFactory,
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)


def marker(key: str) -> str:
    return f"ZZ{key}ZZ"


SHARED = {"OBJ_A", "SVC_A", "SYS_A", "ENV_A", "INT_A", "PART_M1", "PART_M2", "RA_LEAD", "RA_SUP"}
ASSOC_OWN = SHARED | {"AGR_SUP", "AGR_SUP2", "AGR_SUP3", "OBJ_AP", "SYS_AP", "UNIT_A"}

# persona -> item keys they may see
VISIBLE: dict[str, set[str]] = {
    "anonymous": set(),
    "platform": set(),
    "assoc_admin": ASSOC_OWN,
    "lead": ASSOC_OWN,
    "owner1": SHARED
    | {
        "AGR_SUP",
        "AGR_SUP3",
        "UNIT_M1",
        "OBJ_M1",
        "SYS_M1",
        "ENV_M1",
        "INT_M1",
        "AGR_M1",
        "RA_OWNER1",
    },
    "staff2": SHARED | {"AGR_SUP", "AGR_SUP3", "UNIT_M2", "OBJ_M2", "SYS_M2"},
    "staff3": {"UNIT_M3", "OBJ_M3", "SYS_M3"},
    "sup": SHARED | {"AGR_SUP"},
    "sup2": {
        "OBJ_A",
        "SYS_A",
        "ENV_A",
        "INT_A",
        "RA_LEAD",
        "AGR_SUP2",
        "AGR_M1",
        "OBJ_M1",
        "SYS_M1",
        "ENV_M1",
        "INT_M1",
        "RA_OWNER1",
    },
}

# persona -> people (persona keys) whose names they may see
VISIBLE_PEOPLE: dict[str, set[str]] = {
    "anonymous": set(),
    "platform": {"platform", "assoc_admin"},  # platform admins see organisation administrators
    "assoc_admin": {"assoc_admin", "lead", "sup"},
    "lead": {"assoc_admin", "lead", "sup"},
    "owner1": {"owner1", "colleague1", "lead", "sup"},
    "staff2": {"staff2", "lead", "sup"},
    "staff3": {"staff3"},
    "sup": {"sup", "lead"},
    "sup2": {"sup2", "lead", "owner1"},
}

# persona -> item keys they may change
MANAGES: dict[str, set[str]] = {
    "anonymous": set(),
    "platform": set(),
    "assoc_admin": ASSOC_OWN,
    "lead": SHARED | {"AGR_SUP", "AGR_SUP2", "AGR_SUP3"},
    "owner1": {"SYS_M1", "ENV_M1", "INT_M1", "AGR_M1", "RA_OWNER1"},
    "staff2": set(),
    "staff3": set(),
    "sup": set(),
    "sup2": set(),
}

PERSONAS = list(VISIBLE)

# The counterpart leak found in review (opt-in: `build_world(counterpart=True)`): the
# association's shared system SYS_A integrates with an own system of Kommun Ett,
# SYS_M1X. Everyone who sees SYS_A sees the integration; only Kommun Ett's people see
# SYS_M1X, so its name (marker ZZSYS_M1XZZ) must reach no one else, anywhere.
COUNTERPART = "SYS_M1X"
COUNTERPART_SEEN_BY = {"owner1"}


@dataclass
class World:
    orgs: dict[str, Any] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)

    def user(self, persona: str) -> User | None:
        return self.users.get(persona)


def _person(world: World, key: str, org: Any = None, admin: bool = False, **kw: Any) -> User:
    user = UserFactory(username=key, last_name=marker("P" + key.upper()), **kw)
    if org is not None:
        MembershipFactory(
            user=user,
            organisation=org,
            is_org_admin=admin,
            title=f"Titel {marker('P' + key.upper())}",
        )
    world.users[key] = user
    return user


def build_world(counterpart: bool = False) -> World:
    w = World()
    start = dt.date(2020, 1, 1)
    o = w.orgs
    o["assoc"] = OrganisationFactory(name="Förbundet", kind=OrganisationKind.ASSOCIATION)
    o["muni1"] = OrganisationFactory(name="Kommun Ett", kind=OrganisationKind.MUNICIPALITY)
    o["muni2"] = OrganisationFactory(name="Kommun Två", kind=OrganisationKind.MUNICIPALITY)
    o["muni3"] = OrganisationFactory(name="Kommun Tre", kind=OrganisationKind.MUNICIPALITY)
    o["sup"] = OrganisationFactory(name="Leverantör Ett AB", kind=OrganisationKind.SUPPLIER)
    o["sup2"] = OrganisationFactory(name="Leverantör Två AB", kind=OrganisationKind.SUPPLIER)
    # A supplier with no staff here, whose agreement covers the shared service: the other
    # suppliers working on that service must not see it.
    o["sup3"] = OrganisationFactory(name="Leverantör Tre AB", kind=OrganisationKind.SUPPLIER)

    _person(w, "platform", is_platform_admin=True)
    _person(w, "assoc_admin", o["assoc"], admin=True)
    _person(w, "lead", o["assoc"])
    _person(w, "owner1", o["muni1"])
    _person(w, "colleague1", o["muni1"])
    _person(w, "staff2", o["muni2"])
    _person(w, "staff3", o["muni3"])
    _person(w, "sup", o["sup"])
    _person(w, "sup2", o["sup2"])

    i = w.items
    i["UNIT_A"] = UnitFactory(organisation=o["assoc"], name=f"Kansli {marker('UNIT_A')}")
    i["UNIT_M1"] = UnitFactory(organisation=o["muni1"], name=f"Omsorg {marker('UNIT_M1')}")
    i["UNIT_M2"] = UnitFactory(organisation=o["muni2"], name=f"Skola {marker('UNIT_M2')}")
    i["UNIT_M3"] = UnitFactory(organisation=o["muni3"], name=f"Bygg {marker('UNIT_M3')}")
    Membership.objects.filter(user=w.users["colleague1"]).update(unit=i["UNIT_M1"])

    i["OBJ_A"] = ManagementObjectFactory(
        owner_organisation=o["assoc"], name=f"Gemensamt {marker('OBJ_A')}"
    )
    i["SVC_A"] = ServiceFactory(management_object=i["OBJ_A"], name=f"E-tjänst {marker('SVC_A')}")
    i["SYS_A"] = SystemFactory(
        management_object=i["OBJ_A"],
        name=f"Plattform {marker('SYS_A')}",
        lifecycle=Lifecycle.OPERATION,
    )
    i["SVC_A"].systems.add(i["SYS_A"])
    i["ENV_A"] = EnvironmentFactory(system=i["SYS_A"], name=f"Prod {marker('ENV_A')}")
    i["INT_A"] = IntegrationFactory(source=i["SYS_A"], description=f"Flöde {marker('INT_A')}")
    i["PART_M1"] = ParticipationFactory(
        service=i["SVC_A"], organisation=o["muni1"], valid_from=start, note=marker("PART_M1")
    )
    i["PART_M2"] = ParticipationFactory(
        service=i["SVC_A"], organisation=o["muni2"], valid_from=start, note=marker("PART_M2")
    )
    i["OBJ_AP"] = ManagementObjectFactory(
        owner_organisation=o["assoc"], name=f"Internt {marker('OBJ_AP')}"
    )
    i["SYS_AP"] = SystemFactory(management_object=i["OBJ_AP"], name=f"Ekonomi {marker('SYS_AP')}")
    i["AGR_SUP"] = AgreementFactory(
        owner_organisation=o["assoc"],
        supplier=o["sup"],
        title=f"Förvaltningsavtal {marker('AGR_SUP')}",
        valid_from=start,
    )
    i["AGR_SUP"].services.add(i["SVC_A"])
    i["AGR_SUP2"] = AgreementFactory(
        owner_organisation=o["assoc"],
        supplier=o["sup2"],
        kind=AgreementKind.SLA,
        valid_from=start,
        title=f"SLA {marker('AGR_SUP2')}",
    )
    i["AGR_SUP2"].systems.add(i["SYS_A"])
    i["AGR_SUP3"] = AgreementFactory(
        owner_organisation=o["assoc"],
        supplier=o["sup3"],
        kind=AgreementKind.SUPPORT,
        valid_from=start,
        title=f"Support {marker('AGR_SUP3')}",
    )
    i["AGR_SUP3"].services.add(i["SVC_A"])
    i["RA_LEAD"] = RoleAssignmentFactory(
        person=w.users["lead"],
        organisation=o["assoc"],
        management_object=i["OBJ_A"],
        valid_from=start,
        note=marker("RA_LEAD"),
    )
    i["RA_SUP"] = RoleAssignmentFactory(
        person=w.users["sup"],
        organisation=o["sup"],
        role_type=role_type("management_partner"),
        service=i["SVC_A"],
        valid_from=start,
        note=marker("RA_SUP"),
    )

    i["OBJ_M1"] = ManagementObjectFactory(
        owner_organisation=o["muni1"], name=f"Vård {marker('OBJ_M1')}"
    )
    i["SYS_M1"] = SystemFactory(
        management_object=i["OBJ_M1"],
        name=f"Omsorg {marker('SYS_M1')}",
        lifecycle=Lifecycle.OPERATION,
        processes_personal_data=True,
        holds_protected_identities=True,
    )
    i["ENV_M1"] = EnvironmentFactory(
        system=i["SYS_M1"], name=f"Test {marker('ENV_M1')}", kind="test"
    )
    i["INT_M1"] = IntegrationFactory(
        source=i["SYS_M1"],
        target=i["SYS_A"],
        external_system="",
        description=f"Till plattformen {marker('INT_M1')}",
    )
    i["AGR_M1"] = AgreementFactory(
        owner_organisation=o["muni1"],
        supplier=o["sup2"],
        kind=AgreementKind.DPA,
        valid_from=start,
        title=f"PUB {marker('AGR_M1')}",
    )
    i["AGR_M1"].systems.add(i["SYS_M1"])
    i["RA_OWNER1"] = RoleAssignmentFactory(
        person=w.users["owner1"],
        organisation=o["muni1"],
        role_type=role_type("system_owner"),
        system=i["SYS_M1"],
        valid_from=start,
        note=marker("RA_OWNER1"),
    )

    i["OBJ_M2"] = ManagementObjectFactory(
        owner_organisation=o["muni2"], name=f"Skola {marker('OBJ_M2')}"
    )
    i["SYS_M2"] = SystemFactory(management_object=i["OBJ_M2"], name=f"Elevreg {marker('SYS_M2')}")
    i["OBJ_M3"] = ManagementObjectFactory(
        owner_organisation=o["muni3"], name=f"Bygg {marker('OBJ_M3')}"
    )
    i["SYS_M3"] = SystemFactory(management_object=i["OBJ_M3"], name=f"Ärende {marker('SYS_M3')}")
    if counterpart:
        _add_counterpart(w)
    return w


def _add_counterpart(w: World) -> None:
    """SYS_A → SYS_M1X, created through the service (so the trail records it) by a
    person who manages SYS_A for the association and works at Kommun Ett too."""
    from forvalta.register.services import integration_create

    o, i = w.orgs, w.items
    i[COUNTERPART] = SystemFactory(
        management_object=i["OBJ_M1"], name=f"Eget {marker(COUNTERPART)}", description="Eget"
    )
    bridge = _person(w, "bridge", o["assoc"], admin=True)
    MembershipFactory(user=bridge, organisation=o["muni1"], title="Samordnare")
    w.items["INT_AX"] = integration_create(
        actor=bridge,
        data={
            "source": i["SYS_A"],
            "target": i[COUNTERPART],
            "external_system": "",
            "method": "api",
            "description": "Flöde till kommunens eget system",
            "responsible_organisation": o["assoc"],
        },
    )


ALL_ITEMS = sorted(set().union(*VISIBLE.values()))
ALL_PEOPLE = [
    "platform",
    "assoc_admin",
    "lead",
    "owner1",
    "colleague1",
    "staff2",
    "staff3",
    "sup",
    "sup2",
]


def forbidden_markers(persona: str) -> list[str]:
    items = [marker(k) for k in ALL_ITEMS if k not in VISIBLE[persona]]
    people = [marker("P" + p.upper()) for p in ALL_PEOPLE if p not in VISIBLE_PEOPLE[persona]]
    return items + people
