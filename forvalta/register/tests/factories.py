"""factory_boy factories for register models."""

from __future__ import annotations

import factory

from forvalta.core.tests.factories import OrganisationFactory, UserFactory
from forvalta.register.models import (
    Agreement,
    AgreementKind,
    Environment,
    EnvironmentKind,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    RoleType,
    Service,
    System,
)


class ManagementObjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagementObject

    owner_organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Objekt {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    management_object = factory.SubFactory(ManagementObjectFactory)
    owner_organisation = factory.SelfAttribute("management_object.owner_organisation")
    name = factory.Sequence(lambda n: f"Tjänst {n}")


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System

    management_object = factory.SubFactory(ManagementObjectFactory)
    owner_organisation = factory.SelfAttribute("management_object.owner_organisation")
    name = factory.Sequence(lambda n: f"System {n}")


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment

    system = factory.SubFactory(SystemFactory)
    kind = EnvironmentKind.PRODUCTION


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    source = factory.SubFactory(SystemFactory)
    external_system = "Skatteverket Navet"
    responsible_organisation = factory.SelfAttribute("source.owner_organisation")


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    service = factory.SubFactory(ServiceFactory)
    organisation = factory.SubFactory(OrganisationFactory)


def role_type(code: str) -> RoleType:
    return RoleType.objects.get(code=code)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    person = factory.SubFactory(UserFactory)
    role_type = factory.LazyFunction(lambda: role_type("management_lead"))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    kind = AgreementKind.FRAMEWORK
    title = factory.Sequence(lambda n: f"Avtal {n}")
    owner_organisation = factory.SubFactory(OrganisationFactory)
    supplier = factory.SubFactory(OrganisationFactory, kind="supplier")
