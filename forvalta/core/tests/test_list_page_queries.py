"""The list pages cost a fixed number of queries: not more with more rows, larger pages
or more visible systems (DESIGN.md, Known traps: pin query counts).

For the systems list, the audit search, the API systems list and the home page, two
personas each ask for pages of 10 and of 50 rows, with 5 and then with 60 visible
systems (and audit events, roles, gaps); every answer must cost exactly the same
queries, and no more than the pinned number.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forvalta.audit.services import append_many
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import Agreement, AgreementKind, Lifecycle, System
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    role_type,
)

pytestmark = pytest.mark.django_db

# Exactly the queries each page costs per persona: session, user, scope, the page's own
# reads (the page's ids with the count, then those rows: core.tables.WindowCountPaginator;
# choice lists) and, on HTML pages, the unread count of
# the inbox in the header (one COUNT, forvalta/notifications/context_processors.py).
# (No Django permission tables are read: forvalta.accounts.backends.PasswordBackend.)
# On HTML pages of members also + 1 for the menu's access-review facts (the person's
# access roles and review lists, one UNION: forvalta/access/rules.py). List pages built
# on ObjectListView + 2 for the person's columns and saved filters
# (forvalta/core/list_preferences.py), and the systems list + 1 for the bulk form's
# owner organisations where the person may change systems.
PINNED = {
    ("systems", "admin"): 13,
    ("systems", "staff"): 12,
    ("api_systems", "admin"): 5,
    ("api_systems", "staff"): 5,
    # The audit search: + 1 for which of the page's objects the reader sees (one UNION).
    ("audit", "admin"): 11,
    ("audit", "platform"): 7,
    ("home", "admin"): 12,  # with the invitations waiting for the user
    ("home", "staff"): 12,
}


class World:
    """An association sharing a service with a member municipality; `grow(n)` adds n
    systems to the shared service, each with a role for the association's administrator,
    an agreement and audit events, so every page has more to show."""

    def __init__(self) -> None:
        self.assoc = OrganisationFactory(name="Samverkan", kind=OrganisationKind.ASSOCIATION)
        self.member = OrganisationFactory(name="Medlemskommun")
        self.supplier = OrganisationFactory(name="Leverantör AB", kind=OrganisationKind.SUPPLIER)
        self.admin = UserFactory(username="assoc_admin")
        MembershipFactory(user=self.admin, organisation=self.assoc, is_org_admin=True)
        self.staff = UserFactory(username="member_staff")
        MembershipFactory(user=self.staff, organisation=self.member)
        self.platform = UserFactory(username="platform", is_platform_admin=True)
        self.object = ManagementObjectFactory(owner_organisation=self.assoc)
        self.service = ServiceFactory(management_object=self.object)
        ParticipationFactory(
            service=self.service, organisation=self.member, valid_from=dt.date(2020, 1, 1)
        )
        self.n = 0

    def grow(self, n: int) -> None:
        owner = role_type("system_owner")
        for i in range(self.n, self.n + n):
            system = System.objects.create(
                owner_organisation=self.assoc,
                management_object=self.object,
                name=f"System {i:03d}",
                vendor=self.supplier,
                lifecycle=Lifecycle.OPERATION,
                processes_personal_data=bool(i % 2),
            )
            self.service.systems.add(system)
            RoleAssignmentFactory(
                person=self.admin,
                role_type=owner,
                organisation=self.assoc,
                system=system,
                valid_from=dt.date(2020, 1, 1),
            )
            agreement = Agreement.objects.create(
                kind=AgreementKind.SLA,
                title=f"Avtal {i:03d}",
                owner_organisation=self.assoc,
                supplier=self.supplier,
                valid_from=dt.date(2020, 1, 1),
                renewal_decision_by=dt.date.today() + dt.timedelta(days=10),
            )
            agreement.systems.add(system)
        now = dt.datetime.now(dt.UTC)
        append_many(
            [
                {
                    "occurred_at": now,
                    "actor_id": self.admin.pk,
                    "actor_name": str(self.admin),
                    "organisation_id": org,
                    "organisation_name": name,
                    "client_address": "192.0.2.1",
                    "action": "register.system.updated",
                    "object_type": "register.system",
                    "object_id": str(i),
                    "object_repr": f"System {i:03d}",
                    "changes": {"description": ["a", "b"]},
                }
                for i in range(self.n, self.n + n)
                for org, name in ((self.assoc.pk, self.assoc.name), (None, ""))
            ]
        )
        self.n += n


@pytest.fixture
def world() -> World:
    w = World()
    w.grow(5)
    return w


# The audit search records itself in the audit trail; how (a chained write under a lock,
# or a staged row) is the trail's business and differs between databases, so the
# recording's statements are not counted here: only what the page reads.
# Recording the page's reading in the audit trail: staging and chaining. (The actor's
# organisation to file the event under comes from the scope's membership query, which
# is counted.)
RECORDING = re.compile(
    r"^\s*(INSERT|BEGIN|COMMIT|SAVEPOINT|RELEASE)|pg_advisory|\"hash\" AS \"hash\" FROM"
    r"|FROM \"audit_auditpending\"",
    re.IGNORECASE,
)


def queries(client: Client, url: str) -> int:
    client.get(url)  # warm: the first request of a session fills caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len([q for q in ctx.captured_queries if not RECORDING.search(q["sql"])])


def counts_for(world: World, user: Any, url: str, page_param: str | None) -> dict[str, int]:
    client = Client()
    client.force_login(user)
    sizes = (10, 50) if page_param else (None,)

    def url_for(size: int | None) -> str:
        return f"{url}?{page_param}={size}" if size else url

    found = {f"5 rows, {size}": queries(client, url_for(size)) for size in sizes}
    world.grow(55)
    found |= {f"60 rows, {size}": queries(client, url_for(size)) for size in sizes}
    return found


PAGES = [
    ("systems", "/register/systems/", "per_page", ("admin", "staff")),
    ("api_systems", "/api/systems/", "page_size", ("admin", "staff")),
    ("audit", "/audit/", "per_page", ("admin", "platform")),
    ("home", "/", None, ("admin", "staff")),
]


@pytest.mark.parametrize(
    ("page", "url", "page_param", "persona"),
    [(p, u, q, who) for p, u, q, personas in PAGES for who in personas],
)
def test_list_page_queries_do_not_grow(world, page, url, page_param, persona):
    found = counts_for(world, getattr(world, persona), url, page_param)
    assert set(found.values()) == {PINNED[(page, persona)]}, found


def test_the_pages_show_the_grown_world(world):
    """The counts above are of pages that really list the rows (not empty answers)."""
    world.grow(55)
    client = Client()
    client.force_login(world.staff)
    page = client.get("/register/systems/?per_page=50").content.decode()
    assert page.count('href="/register/systems/') >= 50
    api = client.get("/api/systems/?page_size=50").json()
    assert api["count"] == 60
    assert len(api["results"]) == 50
    client.force_login(world.admin)
    audit = client.get("/audit/?per_page=50").content.decode()
    # Newest first, 50 rows: the admin's own login (filed under the organisation) and
    # the 49 newest of the organisation's 60 system events.
    assert audit.count("<tr") == 1 + 50
    assert "System 059" in audit
    assert "System 011" in audit
    assert "System 010" not in audit
    home = client.get("/").content.decode()
    assert "System 000" in home
    assert "System 010" not in home  # the first roles and gaps only, with a link to all


def test_the_systems_list_names_the_holders_of_a_shared_system(world):
    """The owner column reads the roles of the listed (visible) systems without repeating
    the roles' scope: a member organisation's staff see who owns the association's
    systems they take part in, as the roles' own scope lets them."""
    world.admin.first_name, world.admin.last_name = "Åsa", "Ägare"
    world.admin.save()
    client = Client()
    client.force_login(world.staff)
    response = client.get("/register/systems/?per_page=50")
    rows = {
        row.record.name: (row.record.system_owner_name, row.record.system_manager_name)
        for row in response.context["table"].page.object_list
    }
    assert rows == {f"System {i:03d}": ("Åsa Ägare", None) for i in range(5)}
    # The same holders the role assignments' own scope gives this person.
    from forvalta.register.models import RoleAssignment

    assert sorted(
        RoleAssignment.objects.visible_to(world.staff).values_list("system__name", flat=True)
    ) == sorted(rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors: PostgreSQL")
def test_choice_lists_are_read_without_a_server_side_cursor(world):
    """A choice list is read in one query: Django's `iterator()` would declare a cursor
    WITH HOLD, fetch from it and close it (three round trips) per list."""
    client = Client()
    client.force_login(world.admin)
    client.get("/register/systems/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/register/systems/")
    html = response.content.decode()
    assert f'<option value="{world.assoc.pk}">Samverkan</option>' in html
    assert f'<option value="{world.object.pk}">{world.object.name}</option>' in html
    declared = [q["sql"][:60] for q in ctx.captured_queries if "DECLARE" in q["sql"][:20]]
    assert declared == []


def test_the_menu_is_built_once_per_request(world, monkeypatch):
    """The list page renders its table and filter panel with the request, which runs the
    context processors again; the menu (its permission checks) is built once."""
    from forvalta.core import context_processors

    calls: list[str] = []
    build = context_processors._navigation

    def counting(request: Any) -> Any:
        calls.append(request.path)
        return build(request)

    monkeypatch.setattr(context_processors, "_navigation", counting)
    client = Client()
    client.force_login(world.staff)
    response = client.get("/register/systems/")
    assert response.status_code == 200
    assert calls == ["/register/systems/"]
    assert [a.key for a in response.context["nav_areas"]][:1] == ["register"]
