"""Filters over long lists (systems, services, units) are a search field with
suggestions (forvalta.core.filters.LookupChoiceFilter), not a <select> of every row one
sees: the page costs the same at 3 and 30 systems, the suggestions and the name search
stay within one's scope, and `?system=<id>` works as before (a hidden id is refused)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.tests.factories import (
    EnvironmentFactory,
    ManagementObjectFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db

MARKER = "Hemligsystemet-7f3a"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def world() -> Any:
    kommun = OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)
    other = OrganisationFactory(name="Kommun B", kind=OrganisationKind.MUNICIPALITY)
    staff = UserFactory(username="staff")
    MembershipFactory(user=staff, organisation=kommun)
    own = ManagementObjectFactory(owner_organisation=kommun, name="Vård och omsorg")
    theirs = ManagementObjectFactory(owner_organisation=other, name="Deras")
    procapita = SystemFactory(management_object=own, owner_organisation=kommun, name="Procapita")
    treserva = SystemFactory(management_object=own, owner_organisation=kommun, name="Treserva")
    hidden = SystemFactory(management_object=theirs, owner_organisation=other, name=MARKER)
    EnvironmentFactory(system=procapita, name="Procapita prod")
    EnvironmentFactory(system=treserva, name="Treserva test")
    EnvironmentFactory(system=hidden, name="Deras prod")
    client = Client()
    client.force_login(staff)
    return type(
        "World",
        (),
        {
            "client": client,
            "kommun": kommun,
            "own": own,
            "procapita": procapita,
            "treserva": treserva,
            "hidden": hidden,
        },
    )


def rows(html: str) -> list[str]:
    return sorted(re.findall(r">((?:Procapita|Treserva|Deras) (?:prod|test))<", html))


def test_the_system_filter_is_a_search_field_with_scoped_suggestions(world: Any) -> None:
    client = world.client
    page = client.get("/register/environments/")
    assert page.status_code == 200
    html = page.content.decode()
    assert rows(html) == ["Procapita prod", "Treserva test"]
    # A search field whose suggestions the page fills; no list of systems.
    assert (
        '<input type="search" name="system" id="id_system" list="id_system-choices" '
        'autocomplete="off" hx-get="?_choices=system" '
        'hx-trigger="input changed delay:300ms, focus once" hx-target="#id_system-choices" '
        'hx-swap="innerHTML" hx-sync="this:replace" hx-push-url="false">\n'
        '<datalist id="id_system-choices"></datalist>'
    ) in html
    assert '<select name="system"' not in html

    # Suggestions: the systems one sees whose name holds the text, "Name (#id)".
    procapita, treserva = world.procapita.pk, world.treserva.pk
    every = client.get("/register/environments/?_choices=system", headers=HTMX)
    assert every.status_code == 200
    assert every.content.decode() == (
        f'<option value="Procapita (#{procapita})"></option>\n'
        f'<option value="Treserva (#{treserva})"></option>\n'
    )
    tres = client.get("/register/environments/?_choices=system&system=TRES", headers=HTMX)
    assert tres.content.decode() == (f'<option value="Treserva (#{treserva})"></option>\n')
    chosen = f"Treserva (#{treserva})"
    again = client.get(
        "/register/environments/", {"_choices": "system", "system": chosen}, headers=HTMX
    )
    assert again.content.decode() == f'<option value="Treserva (#{treserva})"></option>\n'
    # Another organisation's system is never suggested, whatever is typed.
    for text in (MARKER, "Hemlig", str(world.hidden.pk), f"x (#{world.hidden.pk})"):
        answer = client.get(
            "/register/environments/", {"_choices": "system", "system": text}, headers=HTMX
        )
        assert answer.status_code == 200
        assert answer.content.decode() == "", text
    # Only the lookup fields answer; a field with its own choices or none: 404.
    for name in ("kind", "q", "nothing"):
        answer = client.get(f"/register/environments/?_choices={name}", headers=HTMX)
        assert answer.status_code == 404
    # An address with `_choices` (not asked for by the field) opens the list.
    opened = client.get("/register/environments/?_choices=system&system=Treserva")
    assert opened.status_code == 200
    assert rows(opened.content.decode()) == ["Treserva test"]
    assert "_choices" not in opened.context["filter_query"]

    # Filtering: by id (the chosen suggestion or a bare id), or by name.
    by_label = client.get("/register/environments/", {"system": chosen})
    assert rows(by_label.content.decode()) == ["Treserva test"]
    assert f'value="Treserva (#{treserva})"' in by_label.content.decode()
    by_id = client.get(f"/register/environments/?system={procapita}")
    assert rows(by_id.content.decode()) == ["Procapita prod"]
    assert f'value="Procapita (#{procapita})"' in by_id.content.decode()
    by_name = client.get("/register/environments/?system=capi")
    assert rows(by_name.content.decode()) == ["Procapita prod"]
    assert 'value="capi"' in by_name.content.decode()
    # Another organisation's system by name: nothing; by id: refused beside the field.
    by_hidden_name = client.get("/register/environments/", {"system": MARKER})
    assert by_hidden_name.status_code == 200
    assert rows(by_hidden_name.content.decode()) == []
    by_hidden_id = client.get(f"/register/environments/?system={world.hidden.pk}")
    assert by_hidden_id.status_code == 400
    refused = by_hidden_id.content.decode()
    assert (
        "Det du valde för system kan inte användas här. Sök på namnet och välj bland förslagen."
    ) in refused
    assert MARKER not in refused
    # A number too long to be an id is a name to search for (nothing), not an error.
    long_number = client.get("/register/environments/", {"system": "9" * 5000})
    assert long_number.status_code == 200
    assert rows(long_number.content.decode()) == []
    # Control characters are refused, not searched for.
    bad = client.get("/register/environments/", {"system": "Tre\x07serva"})
    assert bad.status_code == 400
    assert "styrtecken (U+0007)" in bad.content.decode()


def test_the_page_costs_the_same_at_3_and_30_systems(world: Any) -> None:
    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = world.client.get("/register/environments/")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.content)

    queries, size = measure()
    for i in range(27):
        SystemFactory(
            management_object=world.own, owner_organisation=world.kommun, name=f"System {i:02d}"
        )
    more_queries, more_size = measure()
    assert more_queries == queries
    # The page does not grow with the number of systems (the rows shown are the same).
    assert more_size == size


def test_the_api_takes_an_id_or_a_name(world: Any) -> None:
    api = world.client
    got = api.get(f"/api/environments/?system={world.treserva.pk}")
    assert got.status_code == 200
    assert [r["name"] for r in got.json()["results"]] == ["Treserva test"]
    named = api.get("/api/environments/?system=proca")
    assert [r["name"] for r in named.json()["results"]] == ["Procapita prod"]
    assert api.get(f"/api/environments/?system={MARKER}").json()["results"] == []
    assert api.get(f"/api/environments/?system={world.hidden.pk}").status_code == 400
