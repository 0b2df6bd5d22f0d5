"""The register API under the web interface's rules, tried by every persona of the world.

The marker search and the write matrices of test_tenancy_matrix.py, through the API:
no response to a persona carries a marker of an item or person they may not see;
every change they may not make is refused (403 and an `access.denied` event, or 404
for what they cannot see) and changes nothing; a foreign key the page's form would not
offer is refused with 400 and nothing is written.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.forms.models import model_to_dict

from forvalta.audit.models import AuditEvent
from forvalta.core.models import OrganisationKind
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    Service,
    System,
)
from forvalta.register.tests.factories import IntegrationFactory, ServiceFactory, role_type
from forvalta.register.tests.world import (
    ALL_ITEMS,
    MANAGES,
    PERSONAS,
    VISIBLE,
    World,
    build_world,
    forbidden_markers,
    marker,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"

# world key prefix -> API path and the page list it mirrors
ENDPOINT = {
    "OBJ": "/api/objects/",
    "SVC": "/api/services/",
    "SYS": "/api/systems/",
    "ENV": "/api/environments/",
    "INT": "/api/integrations/",
    "PART": "/api/participations/",
    "RA": "/api/roles/",
    "AGR": "/api/agreements/",
    "UNIT": "/api/units/",
}
PAGE = {
    "OBJ": "/register/objects/",
    "SVC": "/register/services/",
    "SYS": "/register/systems/",
    "ENV": "/register/environments/",
    "INT": "/register/integrations/",
    "PART": "/register/participations/",
    "RA": "/register/roles/",
    "AGR": "/register/agreements/",
    "UNIT": "/units/",
}
OTHER_LISTS = ["/api/", "/api/organisations/", "/api/suppliers/", "/api/role-types/"]
TEXT_FIELD = {
    "OBJ": "description",
    "SVC": "description",
    "SYS": "description",
    "ENV": "description",
    "INT": "description",
    "PART": "note",
    "RA": "note",
    "AGR": "description",
    "UNIT": "code",
}
LEAVES = [
    "ENV_A",
    "INT_A",
    "PART_M1",
    "RA_SUP",
    "AGR_SUP",
    "UNIT_A",
    "ENV_M1",
    "INT_M1",
    "AGR_M1",
    "RA_OWNER1",
    "UNIT_M2",
]


def prefix(key: str) -> str:
    return key.split("_")[0]


def detail_url(world: World, key: str) -> str:
    return f"{ENDPOINT[prefix(key)]}{world.items[key].pk}/"


def login(client: Any, world: World, persona: str) -> None:
    user = world.user(persona)
    if user is not None:
        client.force_login(user)


def stored(item: Any) -> dict[str, Any]:
    fresh = type(item).objects.filter(pk=item.pk).first()
    return model_to_dict(fresh, exclude=["document"]) if fresh is not None else {}


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def all_results(client: Any, path: str, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{path}?page_size=500{'&' + query if query else ''}")
    assert response.status_code == 200, (path, query, response.content[:500])
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def keys_in(text: str, key_prefix: str) -> set[str]:
    return {k for k in ALL_ITEMS if prefix(k) == key_prefix and marker(k) in text}


@pytest.fixture
def world() -> World:
    return build_world()


# --- reading -----------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_marker_in_any_api_response(client, world, persona):
    login(client, world, persona)
    forbidden = forbidden_markers(persona)
    urls = [*OTHER_LISTS, *(f"{p}?page_size=500" for p in ENDPOINT.values())]
    urls += [detail_url(world, key) for key in ALL_ITEMS]
    urls += [f"/api/organisations/{org.pk}/" for org in world.orgs.values()]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT=JSON)
        if persona == "anonymous":
            assert response.status_code == 401, url
            assert response.json()["error"]["code"] == "not_authenticated"
            continue
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        text = response.content.decode()
        leaks = [m for m in forbidden if m in text]
        assert leaks == [], f"{persona} sees {leaks} at {url}"


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_details_open_exactly_for_visible_items(client, world, persona):
    login(client, world, persona)
    for key in ALL_ITEMS:
        response = client.get(detail_url(world, key))
        if key in VISIBLE[persona]:
            assert response.status_code == 200, (persona, key)
            assert response.json()["id"] == world.items[key].pk
            assert marker(key) in response.content.decode()
        else:
            assert response.status_code == 404, (persona, key, response.status_code)
            assert response.json() == {
                "error": {
                    "code": "not_found",
                    "message": response.json()["error"]["message"],
                    "fields": {},
                }
            }


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_lists_show_exactly_the_visible_items(client, world, persona):
    login(client, world, persona)
    for key_prefix, path in ENDPOINT.items():
        response = client.get(path + "?page_size=500")
        if persona == "platform":
            assert response.status_code == 403, path
            continue
        assert response.status_code == 200, path
        expected = {k for k in VISIBLE[persona] if prefix(k) == key_prefix}
        assert keys_in(response.content.decode(), key_prefix) == expected, (persona, path)


def page_keys(client: Any, key_prefix: str, query: str) -> set[str]:
    response = client.get(f"{PAGE[key_prefix]}?export=csv&{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return keys_in("\n".join(";".join(r) for r in rows), key_prefix)


FILTER_CASES = [
    ("assoc_admin", "OBJ", "q=ZZOBJ_APZZ", {"OBJ_AP"}),
    ("owner1", "OBJ", "owner_organisation={muni1}", {"OBJ_M1"}),
    ("assoc_admin", "SVC", "participant={muni1}", {"SVC_A"}),
    ("assoc_admin", "SVC", "management_object={OBJ_AP}", set()),
    ("assoc_admin", "SYS", "lifecycle=operation", {"SYS_A"}),
    ("assoc_admin", "SYS", "management_object={OBJ_AP}", {"SYS_AP"}),
    ("owner1", "SYS", "holds_protected_identities=true", {"SYS_M1"}),
    ("owner1", "SYS", "lifecycle=operation&lifecycle=need", {"SYS_A", "SYS_M1"}),
    ("owner1", "ENV", "kind=test", {"ENV_M1"}),
    ("owner1", "INT", "source={SYS_M1}", {"INT_M1"}),
    ("owner1", "INT", "q=plattformen", {"INT_M1"}),
    ("assoc_admin", "PART", "organisation={muni2}", {"PART_M2"}),
    ("owner1", "RA", "role_type={system_owner}", {"RA_OWNER1"}),
    ("sup", "RA", "service={SVC_A}", {"RA_SUP"}),
    ("assoc_admin", "AGR", "kind=sla", {"AGR_SUP2"}),
    ("assoc_admin", "AGR", "supplier={sup}", {"AGR_SUP"}),
    ("sup2", "AGR", "owner_organisation={muni1}", {"AGR_M1"}),
    ("assoc_admin", "UNIT", "q=kansli", {"UNIT_A"}),
]


def fill(world: World, query: str) -> str:
    ids = {k: v.pk for k, v in world.items.items()} | {k: v.pk for k, v in world.orgs.items()}
    ids["system_owner"] = role_type("system_owner").pk
    return query.format(**ids)


@pytest.mark.parametrize(("persona", "key_prefix", "query", "expected"), FILTER_CASES)
def test_list_filters_are_the_pages_filters(client, world, persona, key_prefix, query, expected):
    login(client, world, persona)
    query = fill(world, query)
    results = all_results(client, ENDPOINT[key_prefix], query)
    shown = keys_in(str(results), key_prefix)
    assert shown == expected
    assert page_keys(client, key_prefix, query) == expected  # the page's list agrees


def test_a_filter_choice_outside_the_scope_is_refused(client, world):
    # The filter's choices are the user's scope, as on the page: another organisation's
    # object is not a valid choice (and says nothing about whether it exists).
    login(client, world, "owner1")
    hidden = world.items["OBJ_M3"].pk
    response = client.get(f"/api/systems/?management_object={hidden}")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["management_object"]
    missing = client.get("/api/systems/?management_object=999999")
    assert missing.status_code == 400
    assert missing.json() == response.json()


def test_many_to_many_lists_only_what_the_reader_sees(client, world):
    agreement = world.items["AGR_SUP"]
    agreement.systems.add(world.items["SYS_AP"])  # the association's own system
    login(client, world, "owner1")
    body = client.get(detail_url(world, "AGR_SUP")).json()
    assert body["services"] == [world.items["SVC_A"].pk]
    assert body["systems"] == []
    listed = [r for r in all_results(client, "/api/agreements/") if r["id"] == agreement.pk]
    assert listed[0]["systems"] == []
    login(client, world, "assoc_admin")
    assert client.get(detail_url(world, "AGR_SUP")).json()["systems"] == [world.items["SYS_AP"].pk]


def test_an_integration_names_no_hidden_target(client, world):
    flow = IntegrationFactory(
        source=world.items["SYS_A"],
        target=world.items["SYS_M3"],
        external_system="",
        description="Till kommun tre",
    )
    login(client, world, "owner1")
    response = client.get(f"/api/integrations/{flow.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["target"] is None
    assert body["external_system"] == ""
    # Named no further than its owner (organisation names are public).
    assert body["display"] == f"{world.items['SYS_A'].name} → system at Kommun Tre"
    assert marker("SYS_M3") not in response.content.decode()
    listed = client.get("/api/integrations/?page_size=500").content.decode()
    assert marker("SYS_M3") not in listed
    login(client, world, "staff3")
    assert client.get(f"/api/integrations/{flow.pk}/").status_code == 404


# --- the write matrices ----------------------------------------------------------------------
@pytest.mark.parametrize("persona", PERSONAS)
def test_patch_matrix(client, world, persona):
    login(client, world, persona)
    for key in ALL_ITEMS:
        item = world.items[key]
        field = TEXT_FIELD[prefix(key)]
        before = stored(item)
        events = AuditEvent.objects.count()
        new = f"Ändrad av {persona}"
        response = client.patch(detail_url(world, key), {field: new}, content_type=JSON)
        if persona == "anonymous":
            assert response.status_code == 401
            assert stored(item) == before
        elif key in MANAGES[persona]:
            assert response.status_code == 200, (persona, key, response.content[:800])
            assert response.json()[field] == new
            after = stored(item)
            assert after == {**before, field: new}
            event = last_event()
            assert event.action == f"{item._meta.app_label}.{item._meta.model_name}.updated"
            assert event.actor_id == world.users[persona].pk
            assert event.changes == {field: [before[field], new]}  # only the given field
        else:
            expected = 403 if key in VISIBLE[persona] else 404
            assert response.status_code == expected, (persona, key, response.status_code)
            assert stored(item) == before
            if expected == 403:
                assert AuditEvent.objects.count() == events + 1
                refusal = last_event()
                assert refusal.action == "access.denied"
                assert refusal.actor_id == world.users[persona].pk
                assert refusal.changes == {"attempted": [None, "change"]}
            else:
                assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", PERSONAS)
def test_delete_matrix(client, world, persona):
    login(client, world, persona)
    for key in LEAVES:
        item = world.items[key]
        before = stored(item)
        response = client.delete(detail_url(world, key))
        if persona == "anonymous":
            assert response.status_code == 401
            assert stored(item) == before
        elif key in MANAGES[persona]:
            assert response.status_code == 204, (persona, key, response.status_code)
            assert response.content == b""
            assert stored(item) == {}
            event = last_event()
            assert event.action == f"{item._meta.app_label}.{item._meta.model_name}.deleted"
            assert event.object_id == str(item.pk)
        else:
            expected = 403 if key in VISIBLE[persona] else 404
            assert response.status_code == expected, (persona, key, response.status_code)
            assert stored(item) == before


def test_deleting_what_is_still_referred_to_is_refused(client, world):
    login(client, world, "assoc_admin")
    obj = world.items["OBJ_A"]
    response = client.delete(detail_url(world, "OBJ_A"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert ManagementObject.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("key", sorted(MANAGES["assoc_admin"]))
def test_put_round_trip(client, world, key):
    """What GET gives can be PUT back with a change: the same form decides."""
    login(client, world, "assoc_admin")
    item = world.items[key]
    field = TEXT_FIELD[prefix(key)]
    body = client.get(detail_url(world, key)).json()
    before = stored(item)
    body[field] = "Genom PUT"
    response = client.put(detail_url(world, key), body, content_type=JSON)
    assert response.status_code == 200, (key, response.content[:800])
    assert stored(item) == {**before, field: "Genom PUT"}
    assert last_event().changes == {field: [before[field], "Genom PUT"]}


def test_put_requires_the_required_fields(client, world):
    login(client, world, "assoc_admin")
    before = stored(world.items["SYS_A"])
    response = client.put(detail_url(world, "SYS_A"), {"description": "x"}, content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"owner_organisation", "name"}
    assert stored(world.items["SYS_A"]) == before


def test_a_field_the_page_does_not_let_change_is_refused(client, world):
    login(client, world, "assoc_admin")
    system = world.items["SYS_A"]
    before = stored(system)
    response = client.patch(
        detail_url(world, "SYS_A"),
        {"owner_organisation": world.orgs["muni1"].pk, "description": "flytt"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["owner_organisation"]
    assert stored(system) == before
    same = client.patch(
        detail_url(world, "SYS_A"),
        {"owner_organisation": world.orgs["assoc"].pk, "description": "kvar"},
        content_type=JSON,
    )
    assert same.status_code == 200
    assert stored(system)["description"] == "kvar"


def test_an_update_moving_a_row_out_of_reach_is_refused(client, world):
    """The services check the result too: owner1 may not hand their system's management
    object to someone else (the form offers only what they manage, here nothing)."""
    login(client, world, "owner1")
    system = world.items["SYS_M1"]
    before = stored(system)
    response = client.patch(
        detail_url(world, "SYS_M1"),
        {"management_object": world.items["OBJ_A"].pk},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["management_object"]
    assert stored(system) == before


# --- creating: allowed, refused, and hostile foreign keys ----------------------------------
def payloads(world: World) -> dict[str, tuple[type, dict[str, Any], dict[str, Any], str]]:
    """prefix -> (model, payload for assoc_admin, hostile change, field named in the error)."""
    i, o = world.items, world.orgs
    hidden_service = ServiceFactory(management_object=i["OBJ_M3"], name="Kommun tres tjänst")
    return {
        "OBJ": (
            ManagementObject,
            {"owner_organisation": o["assoc"].pk, "name": "Nytt objekt"},
            {"owner_organisation": o["muni1"].pk},
            "owner_organisation",
        ),
        "SVC": (
            Service,
            {
                "owner_organisation": o["assoc"].pk,
                "management_object": i["OBJ_A"].pk,
                "name": "Ny tjänst",
                "systems": [i["SYS_A"].pk],
            },
            {"systems": [i["SYS_A"].pk, i["SYS_M1"].pk]},
            "systems",
        ),
        "SYS": (
            System,
            {
                "owner_organisation": o["assoc"].pk,
                "management_object": i["OBJ_A"].pk,
                "name": "Nytt system",
                "lifecycle": "operation",
                "vendor": o["sup"].pk,
            },
            {"management_object": i["OBJ_M2"].pk},
            "management_object",
        ),
        "ENV": (
            Environment,
            {"system": i["SYS_A"].pk, "kind": "training", "name": "Utbildning"},
            {"system": i["SYS_M1"].pk},
            "system",
        ),
        "INT": (
            Integration,
            {
                "source": i["SYS_A"].pk,
                "external_system": "Navet",
                "method": "file",
                "responsible_organisation": o["assoc"].pk,
            },
            {"source": i["SYS_M3"].pk},
            "source",
        ),
        "PART": (
            Participation,
            {"service": i["SVC_A"].pk, "organisation": o["muni3"].pk, "valid_from": "2024-01-01"},
            {"service": hidden_service.pk},
            "service",
        ),
        "RA": (
            RoleAssignment,
            {
                "role_type": role_type("system_manager").pk,
                "person": world.users["lead"].pk,
                "organisation": o["assoc"].pk,
                "system": i["SYS_A"].pk,
            },
            {"system": i["SYS_M1"].pk},
            "system",
        ),
        "AGR": (
            Agreement,
            {
                "kind": "sla",
                "title": "Nytt SLA",
                "owner_organisation": o["assoc"].pk,
                "supplier": o["sup"].pk,
                "services": [i["SVC_A"].pk],
                "valid_from": "2024-01-01",
            },
            {"management_objects": [i["OBJ_M1"].pk]},
            "management_objects",
        ),
        "UNIT": (
            type(i["UNIT_A"]),
            {"organisation": o["assoc"].pk, "name": "Ny enhet", "parent": i["UNIT_A"].pk},
            {"parent": i["UNIT_M1"].pk},
            "parent",
        ),
    }


def counts() -> tuple[int, ...]:
    models = (ManagementObject, Service, System, Environment, Integration, Participation)
    return (
        *(m.objects.count() for m in models),
        RoleAssignment.objects.count(),
        Agreement.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("key_prefix", list(ENDPOINT))
def test_create_allowed(client, world, key_prefix):
    model, payload, _hostile, _field = payloads(world)[key_prefix]
    login(client, world, "assoc_admin")
    before = model.objects.count()
    response = client.post(ENDPOINT[key_prefix], payload, content_type=JSON)
    assert response.status_code == 201, response.content[:800]
    body = response.json()
    assert model.objects.count() == before + 1
    created = model.objects.get(pk=body["id"])
    for name, value in payload.items():
        assert body[name] == value, name
    event = last_event()
    assert event.action == f"{created._meta.app_label}.{created._meta.model_name}.created"
    assert event.object_id == str(created.pk)
    assert event.actor_id == world.users["assoc_admin"].pk
    assert body["url"].endswith(f"{ENDPOINT[key_prefix]}{created.pk}/")


@pytest.mark.parametrize("key_prefix", list(ENDPOINT))
def test_create_with_another_organisations_row_is_refused(client, world, key_prefix):
    _model, payload, hostile, field = payloads(world)[key_prefix]
    login(client, world, "assoc_admin")
    before = counts()
    response = client.post(ENDPOINT[key_prefix], {**payload, **hostile}, content_type=JSON)
    assert response.status_code == 400, response.content[:800]
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert counts() == before  # nothing written, not even an event


@pytest.mark.parametrize("key_prefix", list(ENDPOINT))
def test_hostile_foreign_key_on_update_is_refused(client, world, key_prefix):
    _model, _payload, hostile, field = payloads(world)[key_prefix]
    key = {
        "OBJ": "OBJ_AP",
        "SVC": "SVC_A",
        "SYS": "SYS_AP",
        "ENV": "ENV_A",
        "INT": "INT_A",
        "PART": "PART_M1",
        "RA": "RA_LEAD",
        "AGR": "AGR_SUP",
        "UNIT": "UNIT_A",
    }[key_prefix]
    login(client, world, "assoc_admin")
    before, total = stored(world.items[key]), counts()
    response = client.patch(detail_url(world, key), hostile, content_type=JSON)
    assert response.status_code == 400, response.content[:800]
    assert field in response.json()["error"]["fields"]
    assert stored(world.items[key]) == before
    assert counts() == total


@pytest.mark.parametrize("key_prefix", list(ENDPOINT))
def test_create_without_the_right_is_refused_and_recorded(client, world, key_prefix):
    _model, payload, _hostile, _field = payloads(world)[key_prefix]
    login(client, world, "staff2")
    before = counts()
    response = client.post(ENDPOINT[key_prefix], payload, content_type=JSON)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    after = counts()
    assert after[:-1] == before[:-1]
    assert after[-1] == before[-1] + 1
    refusal = last_event()
    assert (refusal.action, refusal.actor_id) == ("access.denied", world.users["staff2"].pk)
    assert refusal.changes == {"attempted": [None, "add"]}


def test_a_visible_but_unmanaged_row_is_not_a_valid_choice(client, world):
    """owner1 may add environments (to the system they own), but not to the shared one."""
    login(client, world, "owner1")
    before = counts()
    response = client.post(
        "/api/environments/",
        {"system": world.items["SYS_A"].pk, "kind": "test", "name": "Min test"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["system"]
    assert counts() == before
    ok = client.post(
        "/api/environments/",
        {"system": world.items["SYS_M1"].pk, "kind": "training", "name": "Utbildning"},
        content_type=JSON,
    )
    assert ok.status_code == 201


def test_model_rules_are_the_models(client, world):
    login(client, world, "assoc_admin")
    before = counts()
    both = client.post(
        "/api/integrations/",
        {
            "source": world.items["SYS_A"].pk,
            "target": world.items["SYS_AP"].pk,
            "external_system": "Navet",
            "responsible_organisation": world.orgs["assoc"].pk,
        },
        content_type=JSON,
    )
    assert both.status_code == 400
    assert "non_field_errors" in both.json()["error"]["fields"]
    wrong_kind = client.post(
        "/api/roles/",
        {
            "role_type": role_type("management_partner").pk,  # a supplier role
            "person": world.users["lead"].pk,
            "organisation": world.orgs["assoc"].pk,
            "service": world.items["SVC_A"].pk,
        },
        content_type=JSON,
    )
    assert wrong_kind.status_code == 400
    assert "organisation" in wrong_kind.json()["error"]["fields"]
    assert counts() == before


def test_types_are_checked_before_anything_else(client, world):
    login(client, world, "assoc_admin")
    before = counts()
    response = client.post(
        "/api/systems/",
        {
            "owner_organisation": "not a number",
            "management_object": True,
            "name": ["a"],
            "lifecycle": "flying",
            "processes_personal_data": "perhaps",
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "owner_organisation",
        "management_object",
        "name",
        "lifecycle",
        "processes_personal_data",
    }
    huge = client.post(
        "/api/systems/",
        {"owner_organisation": 2**70, "name": "Stort"},
        content_type=JSON,
    )
    assert huge.status_code == 400
    assert counts() == before


# --- role types, pagination --------------------------------------------------------------------
def test_role_types_are_read_only(client, world):
    login(client, world, "assoc_admin")
    rt = role_type("system_owner")
    body = client.get(f"/api/role-types/{rt.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (body["code"], body["name"], body["name_sv"]) == ("system_owner", rt.name_en, rt.name_sv)
    assert client.post("/api/role-types/", {"code": "x"}, content_type=JSON).status_code == 405
    assert client.delete(f"/api/role-types/{rt.pk}/").status_code == 405
    assert client.patch(f"/api/role-types/{rt.pk}/", {}, content_type=JSON).status_code == 405
    supplier_roles = all_results(client, "/api/role-types/", "is_supplier_role=true")
    assert supplier_roles and all(r["is_supplier_role"] for r in supplier_roles)


def test_pagination(client, world):
    login(client, world, "assoc_admin")
    total = client.get("/api/role-types/").json()["count"]
    first = client.get("/api/role-types/?page_size=5").json()
    assert first["count"] == total
    assert len(first["results"]) == 5
    assert first["previous"] is None
    assert first["next"].endswith("/api/role-types/?page=2&page_size=5")
    second = client.get(first["next"]).json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    last_page = (total + 4) // 5
    last = client.get(f"/api/role-types/?page_size=5&page={last_page}").json()
    assert last["next"] is None
    past = client.get(f"/api/role-types/?page_size=5&page={last_page + 1}")
    assert past.status_code == 404
    assert past.json()["error"]["code"] == "not_found"
    capped = client.get("/api/role-types/?page_size=100000").json()
    assert len(capped["results"]) == total  # fewer than the 500 cap


def test_list_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    login(client, world, "assoc_admin")
    client.get("/api/agreements/")  # warm the session
    with django_assert_max_num_queries(25) as few:
        client.get("/api/agreements/")
    for n in range(20):
        agreement = Agreement.objects.create(
            kind="sla",
            title=f"Extra {n}",
            owner_organisation=world.orgs["assoc"],
            supplier=world.orgs["sup"],
        )
        agreement.services.add(world.items["SVC_A"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/agreements/")
    assert response.json()["count"] == 23


def test_supplier_staff_only_read(client, world):
    """Supplier staff see their contracted service; they change nothing in the register."""
    login(client, world, "sup")
    assert {r["id"] for r in all_results(client, "/api/services/")} == {world.items["SVC_A"].pk}
    response = client.post(
        "/api/participations/",
        {"service": world.items["SVC_A"].pk, "organisation": world.orgs["muni3"].pk},
        content_type=JSON,
    )
    assert response.status_code == 403
    suppliers = all_results(client, "/api/organisations/", "kind=supplier")
    assert {s["name"] for s in suppliers} == {
        o.name for o in world.orgs.values() if o.kind == OrganisationKind.SUPPLIER
    }


def test_reading_a_system_with_personal_data_through_the_api_is_recorded(client, world):
    login(client, world, "owner1")
    system = world.items["SYS_M1"]  # processes personal data, holds protected identities
    before = AuditEvent.objects.count()
    response = client.get(f"/api/systems/{system.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.object_id, event.actor_id) == (
        "register.system.viewed",
        str(system.pk),
        world.users["owner1"].pk,
    )
    # A system without personal data is read without an event.
    plain = world.items["SYS_A"]
    assert client.get(f"/api/systems/{plain.pk}/").status_code == 200
    assert AuditEvent.objects.count() == before + 1
