"""The compiled scope conditions (core/scoping.py) are reused, and never stale: the
database decides the rows when the query runs, and the key changes with the scope."""

from __future__ import annotations

import datetime as dt

import pytest

from forvalta.core import scoping
from forvalta.core.tenancy import forget_scope
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import System
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    ParticipationFactory,
    ServiceFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db


def names(user) -> set[str]:
    return set(System.objects.visible_to(user).values_list("name", flat=True))


def test_the_compiled_condition_is_reused_and_follows_the_data(monkeypatch):
    owner, member, other = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    service = ServiceFactory(management_object=ManagementObjectFactory(owner_organisation=owner))
    shared = SystemFactory(management_object=service.management_object, name="Delat")
    service.systems.add(shared)
    SystemFactory(management_object=ManagementObjectFactory(owner_organisation=other), name="Annat")
    participation = ParticipationFactory(
        service=service, organisation=member, valid_from=dt.date(2020, 1, 1)
    )
    user = UserFactory()
    MembershipFactory(user=user, organisation=member)
    assert names(user) == {"Delat"}

    # The second time the rule is not built again: the SQL is kept.
    def not_again(*args, **kwargs):
        raise AssertionError("the condition was built again")

    monkeypatch.setattr(scoping, "condition_for", not_again)
    assert names(user) == {"Delat"}
    # Ending the participation hides the shared system at once (same SQL, new rows).
    participation.valid_to = dt.date.today() - dt.timedelta(days=1)
    participation.save()
    assert names(user) == set()
    monkeypatch.undo()

    # A new membership is a new scope, so a new key: the other organisation's own system.
    MembershipFactory(user=user, organisation=other)
    forget_scope(user)
    assert names(user) == {"Annat"}


def test_declaring_a_rule_forgets_the_kept_sql():
    user = UserFactory()
    MembershipFactory(user=user, organisation=OrganisationFactory())
    names(user)
    assert any(key[0] is System for key in scoping._COMPILED)
    scoping.declare(System, scoping._RULES[System])  # the same rule again: allowed
    assert not scoping._COMPILED and not scoping._COMPILED_MODELS
    assert names(user) == set()
