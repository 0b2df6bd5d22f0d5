"""Every persona against every register page, for their own and others' data.

The marker search: each item's text carries a unique marker; no response to a
persona (page, list, export, form choice list) may contain a marker of an item
or person that persona must not see. The write matrix: every change a persona
may not make is refused and changes nothing.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from openpyxl import load_workbook

from forvalta.audit.models import AuditEvent
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

REGISTER_LISTS = [
    "managementobject",
    "service",
    "system",
    "environment",
    "integration",
    "participation",
    "roleassignment",
    "agreement",
]
CORE_LISTS = ["organisation", "unit", "user", "membership"]

LIST_OF = {
    "OBJ": "managementobject",
    "SVC": "service",
    "SYS": "system",
    "ENV": "environment",
    "INT": "integration",
    "PART": "participation",
    "RA": "roleassignment",
    "AGR": "agreement",
    "UNIT": "unit",
}


def app_of(item: Any) -> str:
    return item._meta.app_label


def login(client: Any, world: World, persona: str) -> None:
    user = world.user(persona)
    if user is not None:
        client.force_login(user)


def body_text(response: Any) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
        )
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def page_urls(world: World) -> list[str]:
    urls = [
        reverse("core:home"),
        reverse("register:documentation_gaps"),
        reverse("register:lifecycle_requirements"),
        reverse("register:roletype_list"),
    ]
    for name in REGISTER_LISTS:
        base = reverse(f"register:{name}_list")
        urls += [base, base + "?export=csv", base + "?export=xlsx", reverse(f"register:{name}_add")]
    for name in CORE_LISTS:
        base = reverse(f"core:{name}_list")
        urls += [base, base + "?export=csv", reverse(f"core:{name}_add")]
    for key, item in world.items.items():
        app, model = app_of(item), item._meta.model_name
        urls += [
            item.get_absolute_url(),
            reverse(f"{app}:{model}_edit", args=[item.pk]),
            reverse(f"{app}:{model}_delete", args=[item.pk]),
        ]
        if key.startswith("OBJ"):
            urls.append(reverse("register:managementobject_gaps", args=[item.pk]))
        if model in {"managementobject", "service", "system", "agreement"}:
            urls.append(reverse(f"register:{model}_history", args=[item.pk]))
        if model in {"managementobject", "service", "system"}:
            urls += [
                reverse(f"register:{model}_archive", args=[item.pk]),
                reverse(f"register:{model}_restore", args=[item.pk]),
            ]
    for org in world.orgs.values():
        urls.append(org.get_absolute_url())
    for user in world.users.values():
        urls.append(user.get_absolute_url())
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_marker_in_any_response(client, persona):
    world = build_world()
    login(client, world, persona)
    forbidden = forbidden_markers(persona)
    checked = 0
    for url in page_urls(world):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/"), url
            continue
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        text = body_text(response)
        leaks = [m for m in forbidden if m in text]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
        checked += 1
    if persona != "anonymous":
        assert checked == len(page_urls(world))


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_pages_open_exactly_for_visible_items(client, persona):
    world = build_world()
    login(client, world, persona)
    for key in ALL_ITEMS:
        item = world.items[key]
        response = client.get(item.get_absolute_url())
        if persona == "anonymous":
            assert response.status_code == 302
        elif key in VISIBLE[persona]:
            assert response.status_code == 200, (persona, key)
            assert marker(key) in response.content.decode()
        else:
            assert response.status_code == 404, (persona, key, response.status_code)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_list_pages_show_exactly_the_visible_items(client, persona):
    world = build_world()
    login(client, world, persona)
    for prefix, name in LIST_OF.items():
        app = "core" if name == "unit" else "register"
        response = client.get(reverse(f"{app}:{name}_list") + "?export=csv")
        expected = {k for k in VISIBLE[persona] if k.split("_")[0] == prefix}
        if persona == "platform":
            assert response.status_code == 403, name
            continue
        assert response.status_code == 200, name
        text = response.content.decode("utf-8-sig")
        shown = {k for k in ALL_ITEMS if k.split("_")[0] == prefix and marker(k) in text}
        assert shown == expected, (persona, name)


def form_data(item: Any) -> dict[str, Any]:
    """POST data that reproduces the item's current values (with a changed text field)."""
    data: dict[str, Any] = {}
    for key, value in model_to_dict(item).items():
        if key in {"id", "document"}:
            continue
        if isinstance(value, list):
            data[key] = [v.pk if hasattr(v, "pk") else v for v in value]
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        else:
            data[key] = str(value)
    return data


TEXT_FIELD = {
    "managementobject": "description",
    "service": "description",
    "system": "description",
    "environment": "description",
    "integration": "description",
    "participation": "note",
    "roleassignment": "note",
    "agreement": "description",
    "unit": "code",
}


def snapshot(item: Any) -> dict[str, Any]:
    fresh = type(item).objects.filter(pk=item.pk).first()
    return model_to_dict(fresh) if fresh is not None else {}


@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_matrix(client, persona):
    world = build_world()
    login(client, world, persona)
    for key in ALL_ITEMS:
        item = world.items[key]
        app, model = app_of(item), item._meta.model_name
        url = reverse(f"{app}:{model}_edit", args=[item.pk])
        data = form_data(item)
        field = TEXT_FIELD[model]
        data[field] = "Ändrad av " + persona
        before = snapshot(item)
        events_before = AuditEvent.objects.count()
        response = client.post(url, data)
        if persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/login/")
            assert snapshot(item) == before
        elif key in MANAGES[persona]:
            assert response.status_code == 302, (
                persona,
                key,
                response.status_code,
                response.content.decode()[:3000],
            )
            after = snapshot(item)
            assert after[field] == "Ändrad av " + persona
            event = AuditEvent.objects.order_by("-id").first()
            assert event.action == f"{app}.{model}.updated"
            assert event.actor_id == world.users[persona].pk
            assert event.changes[field] == [before[field], "Ändrad av " + persona]
        else:
            expected = 403 if key in VISIBLE[persona] else 404
            assert response.status_code == expected, (persona, key, response.status_code)
            assert snapshot(item) == before
            if expected == 403:
                refusal = AuditEvent.objects.order_by("-id").first()
                assert AuditEvent.objects.count() == events_before + 1
                assert refusal.action == "access.denied"
                assert refusal.actor_id == world.users[persona].pk


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


@pytest.mark.parametrize("persona", PERSONAS)
def test_delete_matrix(client, persona):
    world = build_world()
    login(client, world, persona)
    for key in LEAVES:
        item = world.items[key]
        app, model = app_of(item), item._meta.model_name
        before = snapshot(item)
        response = client.post(reverse(f"{app}:{model}_delete", args=[item.pk]))
        if persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/login/")
            assert snapshot(item) == before
        elif key in MANAGES[persona]:
            assert response.status_code == 302, (persona, key, response.status_code)
            assert snapshot(item) == {}
            event = AuditEvent.objects.order_by("-id").first()
            assert event.action == f"{app}.{model}.deleted"
            assert event.object_id == str(item.pk)
        else:
            expected = 403 if key in VISIBLE[persona] else 404
            assert response.status_code == expected, (persona, key, response.status_code)
            assert snapshot(item) == before


def archive_state(item: Any) -> dict[str, Any]:
    row = type(item).objects.filter(pk=item.pk).values().first()
    return dict(row) if row is not None else {}


@pytest.mark.parametrize("persona", PERSONAS)
def test_archive_matrix(client, persona):
    """Whoever may edit an object, service or system archives and restores it (one event
    each); everyone else is refused (403 where they see it, 404 where they do not) and
    nothing changes (issue 9)."""
    world = build_world()
    login(client, world, persona)
    for key in ALL_ITEMS:
        item = world.items[key]
        model = item._meta.model_name
        if model not in {"managementobject", "service", "system"}:
            continue
        before = archive_state(item)
        for verb in ("archive", "restore"):
            events_before = AuditEvent.objects.count()
            response = client.post(reverse(f"register:{model}_{verb}", args=[item.pk]))
            if persona == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith("/login/")
                assert archive_state(item) == before
            elif key in MANAGES[persona]:
                assert response.status_code == 302, (persona, key, verb, response.status_code)
                archived = archive_state(item)["archived_at"] is not None
                assert archived == (verb == "archive")
                event = AuditEvent.objects.order_by("-id").first()
                assert event.action == f"register.{model}.{verb}d"
                assert event.actor_id == world.users[persona].pk
                assert AuditEvent.objects.count() == events_before + 1
            else:
                expected = 403 if key in VISIBLE[persona] else 404
                assert response.status_code == expected, (persona, key, response.status_code)
                assert archive_state(item) == before
                assert AuditEvent.objects.count() == events_before + (expected == 403)
        assert {k: v for k, v in archive_state(item).items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }
