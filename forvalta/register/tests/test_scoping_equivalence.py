"""The subquery rules see exactly what the former id-set rules saw.

The oracle below is the former `forvalta/core/tenancy.py` (Python sets of visible ids,
commit f6108fd), reduced to its reading rules. Random worlds (organisations of every
kind, shared services with participations in every status and period, role
assignments with managing, supplier and expired roles, agreements covering objects,
services and systems, past and current) are read by every person both ways, model by
model; any difference is a change of semantics.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db.models import Q

from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tenancy import forget_scope
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    ParticipationStatus,
    RoleAssignment,
    Service,
    System,
)
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

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
PERIODS = [
    (dt.date(2020, 1, 1), None),  # current, open-ended
    (dt.date(2020, 1, 1), TODAY - dt.timedelta(days=1)),  # ended
    (TODAY + dt.timedelta(days=10), None),  # not yet started
    (TODAY, TODAY),  # today only
]
ROLE_CODES = ["management_lead", "system_owner", "object_specialist", "management_partner"]


class OldScope:
    """The former id-set tenancy rules (reading only), as the oracle."""

    def __init__(self, user: Any) -> None:
        self.user = user
        rows = list(
            Membership.objects.active()
            .filter(user_id=user.pk, organisation__is_active=True)
            .values_list("organisation_id", "is_org_admin")
        )
        self.org_ids = frozenset(o for o, _ in rows)
        self.is_platform_admin = bool(user.is_platform_admin)
        self.roles = list(
            RoleAssignment.objects.active()
            .filter(person_id=user.pk, organisation_id__in=self.org_ids)
            .values_list(
                "management_object_id",
                "service_id",
                "system_id",
                "role_type__manages",
                "role_type__is_supplier_role",
            )
        )

    def role_ids(self, index: int, member_roles: bool = False) -> frozenset[int]:
        ids = (r[index] for r in self.roles if not (member_roles and r[4]))
        return frozenset(i for i in ids if i is not None)

    def participating(self) -> frozenset[int]:
        return frozenset(
            Participation.objects.active()
            .filter(organisation_id__in=self.org_ids)
            .exclude(status__in=["applied", "ended"])
            .values_list("service_id", flat=True)
        )

    def contracted(self, field: str) -> frozenset[int]:
        contracts = Agreement.objects.active().filter(supplier_id__in=self.org_ids)
        return frozenset(
            contracts.filter(**{f"{field}__isnull": False}).values_list(field, flat=True)
        )

    def object_ids(self) -> set[int]:
        if not self.org_ids:
            return set()
        q = (
            Q(owner_organisation_id__in=self.org_ids)
            | Q(id__in=self.role_ids(0) | self.contracted("management_objects"))
            | Q(
                services__id__in=self.participating()
                | self.role_ids(1)
                | self.contracted("services")
            )
            | Q(systems__id__in=self.role_ids(2) | self.contracted("systems"))
        )
        return set(ManagementObject.objects.filter(q).values_list("id", flat=True))

    def wide(self) -> frozenset[int]:
        return frozenset(
            ManagementObject.objects.filter(
                Q(owner_organisation_id__in=self.org_ids)
                | Q(id__in=self.role_ids(0) | self.contracted("management_objects"))
            ).values_list("id", flat=True)
        )

    def service_ids(self) -> set[int]:
        if not self.org_ids:
            return set()
        q = (
            Q(owner_organisation_id__in=self.org_ids)
            | Q(id__in=self.participating() | self.role_ids(1) | self.contracted("services"))
            | Q(management_object_id__in=self.wide())
        )
        return set(Service.objects.filter(q).values_list("id", flat=True))

    def system_ids(self) -> set[int]:
        if not self.org_ids:
            return set()
        q = (
            Q(owner_organisation_id__in=self.org_ids)
            | Q(id__in=self.role_ids(2) | self.contracted("systems"))
            | Q(management_object_id__in=self.wide())
            | Q(
                services__id__in=self.participating()
                | self.role_ids(1)
                | self.contracted("services")
            )
        )
        return set(System.objects.filter(q).values_list("id", flat=True))

    def visible(self, model: type) -> set[int]:
        if model is Organisation:
            if self.is_platform_admin:
                return set(Organisation.objects.values_list("id", flat=True))
            if not self.org_ids:
                return set()
            return set(
                Organisation.objects.filter(Q(is_active=True) | Q(id__in=self.org_ids)).values_list(
                    "id", flat=True
                )
            )
        if model is Unit:
            return set(
                Unit.objects.filter(organisation_id__in=self.org_ids).values_list("id", flat=True)
            )
        if model is Membership:
            q = Q(organisation_id__in=self.org_ids)
            if self.is_platform_admin:
                q |= Q(is_org_admin=True)
            return set(Membership.objects.filter(q).values_list("id", flat=True))
        if model is User:
            if self.is_platform_admin and not self.org_ids:
                q = Q(pk=self.user.pk) | Q(memberships__is_org_admin=True)
                return set(User.objects.filter(q).values_list("id", flat=True))
            if not self.org_ids:
                return {self.user.pk}
            holders = RoleAssignment.objects.filter(id__in=self.visible(RoleAssignment)).values(
                "person_id"
            )
            q = (
                Q(pk=self.user.pk)
                | Q(memberships__organisation_id__in=self.org_ids)
                | Q(pk__in=holders)
            )
            if self.is_platform_admin:
                q |= Q(memberships__is_org_admin=True)
            return set(User.objects.filter(q).values_list("id", flat=True))
        if not self.org_ids:
            return set()
        objects, services, systems = self.object_ids(), self.service_ids(), self.system_ids()
        if model is ManagementObject:
            return objects
        if model is Service:
            return services
        if model is System:
            return systems
        if model is Environment:
            return set(
                Environment.objects.filter(system_id__in=systems).values_list("id", flat=True)
            )
        if model is Integration:
            return set(
                Integration.objects.filter(source_id__in=systems).values_list("id", flat=True)
            )
        if model is Participation:
            return set(
                Participation.objects.filter(service_id__in=services).values_list("id", flat=True)
            )
        if model is RoleAssignment:
            return set(
                RoleAssignment.objects.filter(
                    Q(management_object_id__in=objects)
                    | Q(service_id__in=services)
                    | Q(system_id__in=systems)
                ).values_list("id", flat=True)
            )
        if model is Agreement:
            member_view = set(
                Service.objects.filter(
                    Q(owner_organisation_id__in=self.org_ids)
                    | Q(id__in=self.participating() | self.role_ids(1, member_roles=True))
                ).values_list("id", flat=True)
            )
            covered = Agreement.objects.filter(
                Q(services__id__in=member_view)
                | Q(management_objects__id__in=self.role_ids(0, member_roles=True))
                | Q(systems__id__in=self.role_ids(2, member_roles=True))
            ).values("id")
            return set(
                Agreement.objects.filter(
                    Q(owner_organisation_id__in=self.org_ids)
                    | Q(supplier_id__in=self.org_ids)
                    | Q(id__in=covered)
                ).values_list("id", flat=True)
            )
        raise AssertionError(model)


MODELS = [
    Organisation,
    Unit,
    User,
    Membership,
    ManagementObject,
    Service,
    System,
    Environment,
    Integration,
    Participation,
    RoleAssignment,
    Agreement,
]


def random_world(rng: random.Random) -> list[User]:
    kinds = [OrganisationKind.ASSOCIATION, OrganisationKind.MUNICIPALITY]
    kinds += [OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
    members = [OrganisationFactory(kind=k) for k in kinds]
    suppliers = [OrganisationFactory(kind=OrganisationKind.SUPPLIER) for _ in range(2)]
    OrganisationFactory(kind=OrganisationKind.MUNICIPALITY, is_active=False)
    people: list[tuple[User, Organisation]] = []
    for org in members + suppliers:
        UnitFactory(organisation=org)
        for n in range(2):
            user = UserFactory()
            valid_from, valid_to = rng.choice(PERIODS[:2]) if n else PERIODS[0]
            MembershipFactory(
                user=user,
                organisation=org,
                is_org_admin=n == 0,
                valid_from=valid_from,
                valid_to=valid_to,
            )
            people.append((user, org))
    both = UserFactory()
    MembershipFactory(user=both, organisation=members[1])
    MembershipFactory(user=both, organisation=members[2], valid_from=dt.date(2020, 1, 1))
    people.append((both, members[1]))
    platform = UserFactory(is_platform_admin=True)

    objects, services, systems = [], [], []
    for org in members:
        for _ in range(2):
            obj = ManagementObjectFactory(owner_organisation=org)
            objects.append(obj)
            for _ in range(rng.randint(0, 2)):
                services.append(ServiceFactory(management_object=obj))
            for _ in range(rng.randint(0, 3)):
                systems.append(SystemFactory(management_object=obj))
        systems.append(SystemFactory(owner_organisation=org, management_object=None))
    for service in services:
        service.systems.add(*rng.sample(systems, rng.randint(0, 3)))
    taken = set()
    for _ in range(8):
        valid_from, valid_to = rng.choice(PERIODS)
        service, org = rng.choice(services), rng.choice(members)
        if (service, org, valid_from) in taken:
            continue
        taken.add((service, org, valid_from))
        ParticipationFactory(
            service=service,
            organisation=org,
            status=rng.choice(ParticipationStatus.values),
            valid_from=valid_from,
            valid_to=valid_to,
        )
    pools = {"management_object": objects, "service": services, "system": systems}
    for _ in range(12):
        person, org = rng.choice(people)
        target = rng.choice([name for name, pool in pools.items() if pool])
        valid_from, valid_to = rng.choice(PERIODS)
        RoleAssignmentFactory(
            person=person,
            organisation=org,
            role_type=role_type(rng.choice(ROLE_CODES)),
            valid_from=valid_from,
            valid_to=valid_to,
            **{target: rng.choice(pools[target])},
        )
    for _ in range(6):
        valid_from, valid_to = rng.choice(PERIODS)
        agreement = AgreementFactory(
            owner_organisation=rng.choice(members),
            supplier=rng.choice(suppliers),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        agreement.management_objects.add(*rng.sample(objects, rng.randint(0, 2)))
        agreement.services.add(*rng.sample(services, min(len(services), rng.randint(0, 2))))
        agreement.systems.add(*rng.sample(systems, rng.randint(0, 2)))
    for _ in range(4):
        EnvironmentFactory(system=rng.choice(systems), name=str(rng.random()))
        source, target = rng.sample(systems, 2)
        IntegrationFactory(source=source, target=target, external_system="")
    return [p for p, _ in people] + [platform, UserFactory()]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_person_sees_what_the_former_rules_showed(seed):
    users = random_world(random.Random(seed))
    compared = 0
    for user in users:
        oracle = OldScope(user)
        for model in MODELS:
            forget_scope(user)
            now = set(model.objects.visible_to(user).values_list("pk", flat=True))
            assert now == oracle.visible(model), (seed, user.username, model.__name__)
            compared += len(now)
    assert compared > 100  # the worlds are not empty
