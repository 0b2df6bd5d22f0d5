"""factory_boy factories for core models."""

from __future__ import annotations

import factory
from stdnum import luhn
from stdnum.se import orgnr

from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User

TEST_PASSWORD = "test-password-1"


def org_number(n: int) -> str:
    """A valid, unique organisation number for test organisation n."""
    base = f"5566{n:05d}"
    return orgnr.format(base + luhn.calc_check_digit(base))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.MUNICIPALITY
    org_number = factory.Sequence(lambda n: org_number(n + 1))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
