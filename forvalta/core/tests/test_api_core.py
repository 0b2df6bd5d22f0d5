"""The API's common ground and the core entities: organisations, suppliers and units;
error bodies, languages, the schema and its documentation, the browsable API."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Organisation, OrganisationKind, Unit
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
    org_number,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def orgs() -> dict[str, Any]:
    own = OrganisationFactory(name="Egna kommunen")
    other = OrganisationFactory(name="Andra kommunen")
    supplier = OrganisationFactory(name="Leverantören AB", kind=OrganisationKind.SUPPLIER)
    admin = UserFactory(username="admin")
    MembershipFactory(user=admin, organisation=own, is_org_admin=True)
    staff = UserFactory(username="staff")
    MembershipFactory(user=staff, organisation=own)
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organisation=other)
    platform = UserFactory(username="platform", is_platform_admin=True)
    return {
        "own": own,
        "other": other,
        "supplier": supplier,
        "admin": admin,
        "staff": staff,
        "outsider": outsider,
        "platform": platform,
        "unit": UnitFactory(organisation=own, name="Kansliet"),
        "other_unit": UnitFactory(organisation=other, name="Främmande enhet"),
    }


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


# --- organisations and suppliers ------------------------------------------------------------
def test_organisation_directory(orgs):
    names = {
        r["name"]
        for r in as_user(orgs["staff"]).get("/api/organisations/?page_size=500").json()["results"]
    }
    assert names == {"Egna kommunen", "Andra kommunen", "Leverantören AB"}
    only = as_user(orgs["staff"]).get("/api/organisations/?kind=supplier").json()["results"]
    assert [r["name"] for r in only] == ["Leverantören AB"]
    searched = as_user(orgs["staff"]).get("/api/organisations/?q=andra").json()["results"]
    assert [r["name"] for r in searched] == ["Andra kommunen"]
    nobody = UserFactory(username="nobody")  # in no organisation: the session ends
    response = as_user(nobody).get("/api/organisations/")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Du är inte längre medlem i någon organisation i Forvalta."},
    )


def test_organisation_administrator_registers_suppliers_only(orgs):
    client = as_user(orgs["admin"])
    supplier = {"name": "Ny leverantör AB", "kind": "supplier", "org_number": org_number(99900)}
    response = client.post("/api/organisations/", supplier, content_type=JSON)
    assert response.status_code == 201, response.content
    created = Organisation.objects.get(pk=response.json()["id"])
    assert created.kind == OrganisationKind.SUPPLIER
    assert last_event().action == "core.organisation.created"
    before = Organisation.objects.count()
    municipality = {"name": "Ny kommun", "kind": "municipality", "org_number": org_number(99901)}
    refused = client.post("/api/organisations/", municipality, content_type=JSON)
    assert refused.status_code == 400
    assert list(error(refused)["fields"]) == ["kind"]
    assert Organisation.objects.count() == before


def test_staff_may_not_register_organisations(orgs):
    client = as_user(orgs["staff"])
    before, events = Organisation.objects.count(), AuditEvent.objects.count()
    response = client.post(
        "/api/organisations/",
        {"name": "X AB", "kind": "supplier", "org_number": org_number(99902)},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert Organisation.objects.count() == before
    assert AuditEvent.objects.count() == events + 1
    assert last_event().action == "access.denied"


def test_platform_administrator_registers_any_organisation(orgs):
    response = as_user(orgs["platform"]).post(
        "/api/organisations/",
        {"name": "Region Norr", "kind": "region", "org_number": org_number(99903)},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "region"


def test_organisation_update_rules(orgs):
    client = as_user(orgs["admin"])
    own = f"/api/organisations/{orgs['own'].pk}/"
    response = client.patch(own, {"description": "Vi styr våra system."}, content_type=JSON)
    assert response.status_code == 200
    assert Organisation.objects.get(pk=orgs["own"].pk).description == "Vi styr våra system."
    kind = client.patch(own, {"kind": "region"}, content_type=JSON)
    assert kind.status_code == 400
    assert list(error(kind)["fields"]) == ["kind"]
    assert Organisation.objects.get(pk=orgs["own"].pk).kind == OrganisationKind.MUNICIPALITY
    other = client.patch(
        f"/api/organisations/{orgs['other'].pk}/", {"description": "x"}, content_type=JSON
    )
    assert other.status_code == 403
    assert Organisation.objects.get(pk=orgs["other"].pk).description == ""
    assert client.delete(own).status_code == 403
    assert Organisation.objects.filter(pk=orgs["own"].pk).exists()


def test_platform_administrator_deletes_an_unused_organisation(orgs):
    unused = OrganisationFactory(name="Oanvänd")
    response = as_user(orgs["platform"]).delete(f"/api/organisations/{unused.pk}/")
    assert response.status_code == 204
    assert not Organisation.objects.filter(pk=unused.pk).exists()
    in_use = as_user(orgs["platform"]).delete(f"/api/organisations/{orgs['own'].pk}/")
    assert in_use.status_code == 400
    assert Organisation.objects.filter(pk=orgs["own"].pk).exists()


def test_suppliers_route(orgs):
    client = as_user(orgs["admin"])
    listed = client.get("/api/suppliers/").json()
    assert [r["name"] for r in listed["results"]] == ["Leverantören AB"]
    assert client.get(f"/api/suppliers/{orgs['own'].pk}/").status_code == 404
    response = client.post(
        "/api/suppliers/",
        {"name": "Drift AB", "org_number": org_number(99904), "kind": "municipality"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "supplier"
    assert body["url"].endswith(f"/api/suppliers/{body['id']}/")
    assert Organisation.objects.get(pk=body["id"]).kind == OrganisationKind.SUPPLIER


# --- units -------------------------------------------------------------------------------------
def test_units_are_an_organisations_own(orgs):
    staff = as_user(orgs["staff"])
    assert [r["name"] for r in staff.get("/api/units/").json()["results"]] == ["Kansliet"]
    assert staff.get(f"/api/units/{orgs['other_unit'].pk}/").status_code == 404
    assert (
        staff.post(
            "/api/units/", {"organisation": orgs["own"].pk, "name": "X"}, content_type=JSON
        ).status_code
        == 403
    )
    admin = as_user(orgs["admin"])
    before = Unit.objects.count()
    hostile = admin.post(
        "/api/units/",
        {
            "organisation": orgs["own"].pk,
            "name": "Under främmande",
            "parent": orgs["other_unit"].pk,
        },
        content_type=JSON,
    )
    assert hostile.status_code == 400
    assert list(error(hostile)["fields"]) == ["parent"]
    foreign_org = admin.post(
        "/api/units/", {"organisation": orgs["other"].pk, "name": "Där"}, content_type=JSON
    )
    assert foreign_org.status_code == 400
    assert list(error(foreign_org)["fields"]) == ["organisation"]
    assert Unit.objects.count() == before
    ok = admin.post(
        "/api/units/",
        {"organisation": orgs["own"].pk, "name": "IT-enheten", "parent": orgs["unit"].pk},
        content_type=JSON,
    )
    assert ok.status_code == 201
    assert ok.json()["parent"] == orgs["unit"].pk
    moved = admin.patch(
        f"/api/units/{ok.json()['id']}/", {"organisation": orgs["other"].pk}, content_type=JSON
    )
    assert moved.status_code == 400  # the page does not let a unit change organisation
    assert Unit.objects.get(pk=ok.json()["id"]).organisation_id == orgs["own"].pk
    outsider = as_user(orgs["outsider"])
    assert outsider.delete(f"/api/units/{orgs['unit'].pk}/").status_code == 404
    assert Unit.objects.filter(pk=orgs["unit"].pk).exists()


# --- errors and languages ----------------------------------------------------------------------
def test_error_bodies(orgs):
    anonymous = Client().get("/api/units/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error(anonymous)["code"] == "not_authenticated"
    client = as_user(orgs["staff"])
    missing = client.get("/api/units/999999/")
    assert missing.status_code == 404
    assert error(missing) == {
        "code": "not_found",
        "message": error(missing)["message"],
        "fields": {},
    }
    junk = client.get("/api/units/abc/")
    assert junk.status_code == 404
    assert error(junk)["code"] == "not_found"
    not_allowed = client.put("/api/", {}, content_type=JSON)
    assert not_allowed.status_code == 405
    assert error(not_allowed)["code"] == "method_not_allowed"
    bad_json = as_user(orgs["admin"]).post(
        "/api/units/", "{not json", content_type=JSON, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad_json.status_code == 400
    assert error(bad_json)["code"] == "parse_error"
    not_a_dict = as_user(orgs["admin"]).post("/api/units/", [1, 2], content_type=JSON)
    assert not_a_dict.status_code == 400
    assert list(error(not_a_dict)["fields"]) == ["non_field_errors"]


@pytest.mark.parametrize(
    ("language", "message", "required", "blank", "choice"),
    [
        (
            "sv",
            "Uppgifterna är inte giltiga. Ingenting har ändrats.",
            "Det här fältet är obligatoriskt.",
            "Det här fältet får inte vara blankt.",
            "Välj ett giltigt alternativ. Det valet finns inte bland tillgängliga alternativ.",
        ),
        (
            "en",
            "The data is not valid. Nothing was changed.",
            "This field is required.",
            "This field may not be blank.",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_messages_follow_accept_language(orgs, language, message, required, blank, choice):
    client = as_user(orgs["admin"])
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    response = client.post("/api/units/", {"name": ""}, content_type=JSON, **headers)
    assert response.status_code == 400
    body = error(response)
    assert body["message"] == message
    assert body["fields"] == {"organisation": [required], "name": [blank]}
    hostile = client.post(
        "/api/units/",
        {"organisation": orgs["other"].pk, "name": "Där"},
        content_type=JSON,
        **headers,
    )
    assert error(hostile)["fields"] == {"organisation": [choice]}
    assert response["Content-Language"] == language


# --- schema, documentation, browsable API, sessions ------------------------------------------
def test_schema_describes_every_endpoint(orgs):
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for name in (
        "organisations",
        "suppliers",
        "units",
        "objects",
        "services",
        "systems",
        "environments",
        "integrations",
        "participations",
        "role-types",
        "roles",
        "agreements",
    ):
        assert f"/api/{name}/" in paths
        assert f"/api/{name}/{{id}}/" in paths
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    create = schema["paths"]["/api/systems/"]["post"]
    assert set(create["responses"]) == {"201", "400", "401", "403", "404"}
    assert create["responses"]["400"]["content"][JSON]["schema"]["$ref"].endswith("/Error")
    params = {p["name"] for p in schema["paths"]["/api/systems/"]["get"]["parameters"]}
    assert {"q", "owner_organisation", "lifecycle", "criticality", "page", "page_size"} <= params


def test_documentation_is_served_without_a_cdn(orgs):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # No inline script (Content-Security-Policy): the start script is its own request.
    assert '<script src="/api/docs/?script="></script>' in html
    assert "<script>" not in html and "<style" not in html
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f'"/static/vendor/swagger-ui/{asset}"' in html
        assert finders.find(f"vendor/swagger-ui/{asset}") is not None
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html


def test_browsable_api_renders_without_recording_probes(orgs):
    client = as_user(orgs["staff"])
    events = AuditEvent.objects.count()
    page = client.get("/api/units/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"Kansliet" in page.content
    detail = client.get(f"/api/units/{orgs['unit'].pk}/", HTTP_ACCEPT="text/html")
    assert detail.status_code == 200
    # The renderer asks whether staff may PUT or DELETE to decide on forms: not attempts.
    assert AuditEvent.objects.count() == events


def test_session_writes_need_the_csrf_token(orgs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(orgs["admin"])
    before = Unit.objects.count()
    response = client.post(
        "/api/units/", {"organisation": orgs["own"].pk, "name": "Utan token"}, content_type=JSON
    )
    assert response.status_code == 403
    assert "CSRF" in error(response)["message"]
    assert Unit.objects.count() == before
