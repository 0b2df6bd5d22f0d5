"""Mitt uppdrag lists only roles acting for an organisation the person still belongs to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.tests.factories import ManagementObjectFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def test_roles_of_an_organisation_one_has_left_are_not_listed():
    old, new = OrganisationFactory(name="Förra kommunen"), OrganisationFactory(name="Nya kommunen")
    person = UserFactory(username="flyttad")
    MembershipFactory(
        user=person,
        organisation=old,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    MembershipFactory(user=person, organisation=new, valid_from=dt.date(2025, 1, 1))
    # The role for the old organisation was never ended.
    RoleAssignmentFactory(
        person=person,
        organisation=old,
        management_object=ManagementObjectFactory(owner_organisation=old, name="ZZGAMMALTZZ"),
        valid_from=dt.date(2020, 1, 1),
    )
    RoleAssignmentFactory(
        person=person,
        organisation=new,
        management_object=ManagementObjectFactory(owner_organisation=new, name="ZZNYTTZZ"),
        valid_from=dt.date(2025, 1, 1),
    )
    client = Client()
    client.force_login(person)
    page = client.get("/").content.decode()
    assert "ZZNYTTZZ" in page
    assert "ZZGAMMALTZZ" not in page
    assert "Förra kommunen" not in page
