"""The scope declarations: every scoped model has one, and each kind of rule does what
it says, as one query with subqueries."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from forvalta.core import scoping
from forvalta.core.models import ApiToken, Membership, Organisation, Unit, User
from forvalta.core.scoping import (
    AnyOf,
    Custom,
    NeedToKnow,
    OrganisationPrivate,
    ThroughParent,
    is_declared,
    rule_for,
)
from forvalta.core.tenancy import forget_scope, scope_for
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
from forvalta.register.models import Integration, RoleType, System
from forvalta.register.tests.factories import IntegrationFactory, SystemFactory

CORE = Path(__file__).resolve().parents[1]

# Models that hold no tenant data, each with the reason. Everything else that points at
# an organisation, a user or a scoped model must declare its scope.
NOT_TENANT_DATA = {
    RoleType: "the governance model's role catalogue, the same for every organisation",
    ApiToken: "read only by its own user through request.user.api_tokens, never listed",
}


def _points_at_tenant_data(model: type[models.Model]) -> bool:
    for field in model._meta.get_fields():
        related = field.related_model if field.is_relation and field.concrete else None
        if related is not None and (related in {Organisation, User} or is_declared(related)):
            return True
    return False


def _has_visible_to(model: type[models.Model]) -> bool:
    return hasattr(model._default_manager, "visible_to")


def test_every_model_with_visible_to_declares_its_scope():
    missing = [
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith("forvalta.") and _has_visible_to(model)
        if not is_declared(model)
    ]
    assert missing == []


def test_every_tenant_data_model_is_scoped():
    """A model that holds an organisation's data has `visible_to` and a declaration."""
    unscoped = []
    for model in apps.get_models():
        if not model.__module__.startswith("forvalta.") or model in NOT_TENANT_DATA:
            continue
        if model._meta.app_label == "audit" and model.__name__ != "AuditEvent":
            continue  # checkpoints, disposals, retention: read by audit staff commands only
        if _points_at_tenant_data(model) and not (_has_visible_to(model) and is_declared(model)):
            unscoped.append(model.__name__)
    assert unscoped == []


def test_an_undeclared_model_is_an_error_not_an_open_door():
    with pytest.raises(ImproperlyConfigured, match="RoleType has no scope declaration"):
        rule_for(RoleType)


def test_a_second_different_declaration_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already declares"):
        scoping.declare(Unit, OrganisationPrivate("parent__organisation"))


def test_core_scoping_imports_no_app_models():
    """Core's tenancy knows no app: the register and the audit trail declare their own."""
    for name in ("scoping.py", "tenancy.py"):
        tree = ast.parse((CORE / name).read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        foreign = [
            m for m in imported if m.startswith("forvalta.") and not m.startswith("forvalta.core")
        ]
        assert foreign == [], name
    assert not (CORE / "demo.py").exists()
    assert not (CORE / "management" / "commands" / "load_demo_data.py").exists()


def _only(qs: models.QuerySet, rule: scoping.Rule, user: User) -> list:
    scope = scope_for(user)
    return sorted(qs.filter(rule.condition(qs.model, user, scope)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_organisation_private_sees_own_organisation_only():
    mine, other = OrganisationFactory(), OrganisationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organisation=mine)
    own = UnitFactory(organisation=mine)
    UnitFactory(organisation=other)
    nested = UnitFactory(organisation=mine, parent=own)
    assert _only(Unit.objects.all(), OrganisationPrivate("organisation"), user) == sorted(
        [own.pk, nested.pk]
    )
    # A longer path to the organisation, and a path through a to-many relation (the
    # members of an organisation: no row twice however many memberships match).
    assert _only(Unit.objects.all(), OrganisationPrivate("parent__organisation"), user) == [
        nested.pk
    ]
    MembershipFactory(user=UserFactory(), organisation=mine)
    assert _only(
        User.objects.all(), OrganisationPrivate("memberships__organisation"), user
    ) == sorted(Membership.objects.filter(organisation=mine).values_list("user_id", flat=True))
    outsider = UserFactory()
    assert _only(Unit.objects.all(), OrganisationPrivate("organisation"), outsider) == []


@pytest.mark.django_db
def test_need_to_know_shows_rows_only_to_the_people_they_name():
    org = OrganisationFactory()
    named, colleague, admin = UserFactory(), UserFactory(), UserFactory()
    for person in (named, colleague):
        MembershipFactory(user=person, organisation=org)
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    system = SystemFactory(owner_organisation=org, management_object=None)
    flow = IntegrationFactory(source=system, responsible_person=named)
    IntegrationFactory(source=system)
    rule = NeedToKnow("responsible_person")
    assert _only(Integration.objects.all(), rule, named) == [flow.pk]
    # Membership of the same organisation, even as its administrator, is not enough.
    assert _only(Integration.objects.all(), rule, colleague) == []
    assert _only(Integration.objects.all(), rule, admin) == []
    # Through a to-many path: organisations whose members include the user, each once.
    other = OrganisationFactory()
    MembershipFactory(user=named, organisation=other)
    assert _only(Organisation.objects.all(), NeedToKnow("memberships__user"), named) == sorted(
        [org.pk, other.pk]
    )
    # Combined with another way in.
    either = AnyOf(
        NeedToKnow("responsible_person"), OrganisationPrivate("source__owner_organisation")
    )
    assert len(_only(Integration.objects.all(), either, colleague)) == 2
    inactive = UserFactory(is_active=False)
    assert _only(Integration.objects.all(), rule, inactive) == []
    with pytest.raises(ImproperlyConfigured):
        NeedToKnow()


@pytest.mark.django_db
def test_through_parent_follows_the_parents_own_rule():
    mine, other = OrganisationFactory(), OrganisationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organisation=mine)
    own = IntegrationFactory(source=SystemFactory(owner_organisation=mine, management_object=None))
    IntegrationFactory(source=SystemFactory(owner_organisation=other, management_object=None))
    rule = ThroughParent("source")
    assert rule.parent_model(Integration) is System
    assert _only(Integration.objects.all(), rule, user) == [own.pk]
    # Two levels: the integrations' source's management object (None here: nothing).
    assert _only(Integration.objects.all(), ThroughParent("source__management_object"), user) == []


@pytest.mark.django_db
def test_custom_rule_and_visible_to_are_one_statement():
    org = OrganisationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organisation=org)
    rule = Custom(lambda u, scope: models.Q(organisation_id__in=sorted(scope.org_ids)))
    UnitFactory(organisation=org)
    assert len(_only(Unit.objects.all(), rule, user)) == 1
    forget_scope(user)
    with CaptureQueriesContext(connection) as ctx:
        scope_for(user)
    assert len(ctx) == 1  # the scope: one query for the user's memberships
    with CaptureQueriesContext(connection) as ctx:
        list(System.objects.visible_to(user))
        list(User.objects.visible_to(user))
        list(Integration.objects.visible_to(user))
    assert len(ctx) == 3


@pytest.mark.django_db
def test_scope_facts_are_computed_once_and_unknown_names_fail():
    org = OrganisationFactory()
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=org, is_org_admin=True, valid_from=dt.date(2020, 1, 1)
    )
    scope = scope_for(user)
    with CaptureQueriesContext(connection) as ctx:
        assert scope.managed_object_ids == frozenset()
        assert scope.managed_system_ids == frozenset()
        assert scope.role_service_ids == frozenset()
    assert len(ctx) == 1  # the user's own roles, once
    with pytest.raises(AttributeError):
        scope.no_such_fact  # noqa: B018


@pytest.mark.django_db
def test_the_scopes_visible_rows_are_subqueries_not_id_sets():
    org = OrganisationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organisation=org)
    own = SystemFactory(owner_organisation=org, management_object=None)
    SystemFactory(owner_organisation=OrganisationFactory(), management_object=None)
    scope = scope_for(user)
    with CaptureQueriesContext(connection) as ctx:
        ids = scope.system_ids
    assert len(ctx) == 0  # nothing fetched: a subquery for `field__in=`
    assert isinstance(ids, models.QuerySet)
    assert list(System.objects.filter(pk__in=scope.system_ids)) == [own]
