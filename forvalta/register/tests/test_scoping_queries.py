"""Tenancy is a database query: the cost of reading does not grow with what one sees.

The scope is one query per request; `Model.objects.visible_to(user)` is one SQL
statement with subqueries, with no list of visible ids sent back to the database.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forvalta.core.models import OrganisationKind
from forvalta.core.tenancy import forget_scope, scope_for
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    Lifecycle,
    ManagementObject,
    Participation,
    RoleAssignment,
    Service,
    System,
)
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db

SCOPED = [ManagementObject, Service, System, Environment, Integration, Participation]
SCOPED += [RoleAssignment, Agreement]

# "IN (" followed by a list of literals (numbers or quoted strings), capturing the list.
LITERAL_LIST = re.compile(r"IN \(((?:\s*(?:%s|'[^']*'|-?\d+)\s*,?)+)\)", re.IGNORECASE)


# The second step of a list page (core.tables.WindowCountPaginator): the page's rows by id.
PAGE_ROWS = re.compile(r' AND "register_system"\."id" IN \(([\d, ]+)\)\)$')


def _longest_literal_list(sql: str) -> int:
    return max((m.group(1).count(",") + 1 for m in LITERAL_LIST.finditer(sql)), default=0)


def _participant_with_systems(count: int):
    """A municipality taking part in an association's service that has `count` systems
    in operation (each with documentation gaps)."""
    assoc = OrganisationFactory(kind=OrganisationKind.ASSOCIATION)
    muni = OrganisationFactory(kind=OrganisationKind.MUNICIPALITY)
    obj = ManagementObjectFactory(owner_organisation=assoc)
    service = ServiceFactory(management_object=obj)
    systems = SystemFactory.create_batch(
        count, management_object=obj, lifecycle=Lifecycle.OPERATION
    )
    service.systems.add(*systems)
    ParticipationFactory(service=service, organisation=muni, valid_from=dt.date(2020, 1, 1))
    # Someone else's systems, never seen.
    SystemFactory.create_batch(3, management_object=ManagementObjectFactory())
    user = UserFactory()
    MembershipFactory(user=user, organisation=muni, is_org_admin=True)
    # A role on the shared object: the home page lists its systems' gaps.
    RoleAssignmentFactory(
        person=user, organisation=muni, management_object=obj, valid_from=dt.date(2020, 1, 1)
    )
    return user, systems


def _count_queries(client, user, url: str) -> tuple[int, list[str]]:
    forget_scope(user)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(
    "url",
    [
        reverse("register:system_list"),
        reverse("register:system_list") + "?q=System",
        "/api/systems/",
        reverse("register:documentation_gaps"),
        reverse("core:home"),
    ],
)
def test_listing_systems_costs_the_same_with_5_and_200_visible(client, url):
    few_user, _ = _participant_with_systems(5)
    many_user, _ = _participant_with_systems(200)
    assert System.objects.visible_to(few_user).count() == 5
    assert System.objects.visible_to(many_user).count() == 200
    few_count, few_sql = _count_queries(client, few_user, url)
    many_count, many_sql = _count_queries(client, many_user, url)
    assert few_count == many_count, (few_count, many_count)
    for sql in few_sql + many_sql:
        page = PAGE_ROWS.search(sql)
        if page is not None:
            # A page's own rows, read by the ids its page query returned: at most a page
            # (25 on the list, 50 in the API), never the visible set.
            assert page.group(1).count(",") + 1 <= 50, sql
            sql = sql[: page.start()]
        assert _longest_literal_list(sql) <= 5, sql


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_visible_to_is_one_statement_without_id_lists(model):
    user, systems = _participant_with_systems(30)
    scope_for(user)  # the scope itself: one query, once per request
    with CaptureQueriesContext(connection) as ctx:
        rows = list(model.objects.visible_to(user))
    assert len(ctx) == 1
    assert _longest_literal_list(ctx.captured_queries[0]["sql"]) <= 5
    if model is System:
        assert {s.pk for s in rows} == {s.pk for s in systems}


def test_the_literal_list_detector_finds_id_lists():
    assert _longest_literal_list("WHERE id IN (1, 2, 3, 4, 5, 6)") == 6
    assert _longest_literal_list("WHERE id IN (SELECT U0.id FROM x WHERE U0.o IN (7))") == 1
    assert _longest_literal_list("WHERE kind IN ('a', 'b')") == 2
