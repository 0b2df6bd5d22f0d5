"""A small access-review world on top of the register's tenancy world
(forvalta/register/tests/world.py): Kommun Ett (muni1) and Kommun Två (muni2) both take
part in the association's shared service SVC_A with its system SYS_A.

Kommun Ett has three units with a manager each, a controller (access_controller on
SYS_A for Kommun Ett), a system administrator, an object owner and a process owner.
Kommun Två has its own controller of the same system: they must see nothing of Kommun
Ett's accounts or reviews.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from forvalta.core.models import Membership
from forvalta.core.tests.factories import MembershipFactory, UnitFactory, UserFactory
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type
from forvalta.register.tests.world import World, build_world, marker

HEADER = (
    "Användar-id;Namn;E-post;Personnummer;Enhet;Roller;Skyddade personuppgifter;"
    "Senaste inloggning\n"
)


@dataclass
class AccessWorld:
    world: World
    org: Any
    other: Any
    system: Any
    units: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)


def _member(org: Any, username: str, unit: Any = None, manager: Any = None, **kw: Any) -> Any:
    user = UserFactory(
        username=username,
        first_name=kw.pop("first", "Test"),
        last_name=kw.pop("last", username.title()),
    )
    MembershipFactory(user=user, organisation=org, unit=unit, manager=manager, **kw)
    return user


def _role(person: Any, code: str, org: Any, system: Any) -> Any:
    return RoleAssignmentFactory(
        person=person,
        role_type=role_type(code),
        organisation=org,
        system=system,
        valid_from=dt.date(2020, 1, 1),
    )


def build_access_world() -> AccessWorld:
    world = build_world()
    org, other = world.orgs["muni1"], world.orgs["muni2"]
    system = world.items["SYS_A"]
    aw = AccessWorld(world=world, org=org, other=other, system=system)
    p = aw.people
    p["boss"] = _member(org, "boss", first="Bo", last="Chef")
    for key, name in (
        ("north", "Hemtjänst Norr"),
        ("south", "Hemtjänst Söder"),
        ("home", "Boende Ekbacken"),
    ):
        aw.units[key] = UnitFactory(organisation=org, name=name)
    p["mgr_north"] = _member(
        org, "mgr_north", aw.units["north"], p["boss"], first="Nora", last="Norr"
    )
    p["mgr_south"] = _member(
        org, "mgr_south", aw.units["south"], p["boss"], first="Sune", last="Söder"
    )
    p["mgr_home"] = _member(org, "mgr_home", aw.units["home"], p["boss"], first="Hedda", last="Hem")
    p["anna"] = _member(
        org, "anna", aw.units["north"], p["mgr_north"], first="Anna", last="Andersson"
    )
    p["bert"] = _member(org, "bert", aw.units["north"], p["mgr_north"], first="Bert", last="Berg")
    p["cia"] = _member(org, "cia", aw.units["south"], p["mgr_south"], first="Cia", last="Carlsson")
    p["dan"] = _member(org, "dan", aw.units["home"], p["mgr_home"], first="Dan", last="Dahl")
    p["controller"] = _member(org, "controller", first="Vera", last="Kontroll")
    p["sysadmin"] = _member(org, "sysadmin", first="Sam", last="Admin")
    p["owner"] = _member(org, "owner", first="Olle", last="Ägare")
    p["procowner"] = _member(org, "procowner", first="Petra", last="Process")
    _role(p["controller"], "access_controller", org, system)
    _role(p["sysadmin"], "system_administrator", org, system)
    _role(p["owner"], "system_owner", org, system)
    _role(p["procowner"], "process_owner", org, system)
    # Kommun Två's own controller of the same shared system.
    p["other_controller"] = _member(other, "other_controller", first="Ulla", last="Annan")
    _role(p["other_controller"], "access_controller", other, system)
    return aw


def rows_csv(rows: list[tuple[str, ...]]) -> bytes:
    lines = [HEADER] + [";".join(r) + "\n" for r in rows]
    return "".join(lines).encode("utf-8")


FIRST = [
    (
        "u-anna",
        "Anna Andersson",
        "anna@example.org",
        "19121212-1212",
        "Hemtjänst Norr",
        "Handläggare",
        "nej",
        "2026-11-20",
    ),
    (
        "u-bert",
        "Bert Berg",
        "bert@example.org",
        "",
        "Hemtjänst Norr",
        "Handläggare,Administratör",
        "ja",
        "2025-01-01",
    ),
    (
        "u-cia",
        "Cia Carlsson",
        "cia@example.org",
        "",
        "Hemtjänst Söder",
        "Handläggare",
        "nej",
        "2026-11-01",
    ),
    (
        "u-dan",
        "Dan Dahl",
        "dan@example.org",
        "",
        "Boende Ekbacken",
        "Läsbehörighet",
        "nej",
        "2026-11-15",
    ),
    ("u-okand", f"Okänd {marker('ACC_X')}", "", "", "Boende Ekbacken", "Läsbehörighet", "nej", ""),
]


def upload(
    client: Any, aw: AccessWorld, rows: list[tuple[str, ...]], taken_on: str = "2026-12-01"
) -> Any:
    return client.post(
        "/access/snapshots/import/",
        {
            "organisation": aw.org.pk,
            "system": aw.system.pk,
            "taken_on": taken_on,
            "file": SimpleUploadedFile("treserva.csv", rows_csv(rows), content_type="text/csv"),
        },
    )


def members_of(org: Any) -> Any:
    return Membership.objects.filter(organisation=org)
