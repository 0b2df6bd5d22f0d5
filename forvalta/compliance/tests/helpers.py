"""A small world for compliance tests: one municipality with its roles, and another."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import Lifecycle
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    RoleAssignmentFactory,
    SystemFactory,
    role_type,
)

START = dt.date(2020, 1, 1)


@dataclass
class Town:
    orgs: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)


def person(town: Town, key: str, org: Any, admin: bool = False) -> Any:
    user = UserFactory(username=key, first_name=key.capitalize(), last_name="Testsson")
    MembershipFactory(user=user, organisation=org, is_org_admin=admin, valid_from=START)
    town.users[key] = user
    return user


def give_role(town: Town, key: str, code: str, org_key: str, target_key: str) -> Any:
    target = town.items[target_key]
    field_name = {"managementobject": "management_object"}.get(
        target._meta.model_name, target._meta.model_name
    )
    return RoleAssignmentFactory(
        person=town.users[key],
        organisation=town.orgs[org_key],
        role_type=role_type(code),
        valid_from=START,
        **{field_name: target},
    )


def build_town() -> Town:
    t = Town()
    t.orgs["muni"] = OrganisationFactory(name="Kommun Ett", kind=OrganisationKind.MUNICIPALITY)
    t.orgs["other"] = OrganisationFactory(name="Kommun Två", kind=OrganisationKind.MUNICIPALITY)
    muni, other = t.orgs["muni"], t.orgs["other"]
    person(t, "reporter", muni)
    person(t, "dpc", muni)
    person(t, "admin", muni, admin=True)
    person(t, "colleague", muni)
    person(t, "named", muni)
    person(t, "owner", muni)
    person(t, "manager", muni)
    person(t, "otherdpc", other)
    t.items["obj"] = ManagementObjectFactory(owner_organisation=muni, name="Vård och omsorg")
    t.items["sys"] = SystemFactory(
        management_object=t.items["obj"],
        owner_organisation=muni,
        name="Omsorgssystemet",
        lifecycle=Lifecycle.OPERATION,
        processes_personal_data=True,
    )
    t.items["obj2"] = ManagementObjectFactory(owner_organisation=other, name="Skola")
    give_role(t, "dpc", "data_protection_contact", "muni", "obj")
    give_role(t, "owner", "process_owner", "muni", "obj")
    give_role(t, "manager", "system_manager", "muni", "sys")
    give_role(t, "otherdpc", "data_protection_contact", "other", "obj2")
    return t
