"""The tenancy matrix for processes: the register's world (forvalta/register/tests/world.py)
with runs, steps, transition records and an organisation's own template, each carrying a
marker. No persona may meet a marker of a run on something it does not see, on any
process page, export, API list or transition page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate
from forvalta.processes.services import role_holder
from forvalta.register.tests.test_tenancy_matrix import body_text, login
from forvalta.register.tests.world import (
    PERSONAS,
    VISIBLE,
    VISIBLE_PEOPLE,
    World,
    build_world,
    forbidden_markers,
    marker,
)
from forvalta.workflow import engine

pytestmark = pytest.mark.django_db

# run key -> (target item key, target field)
RUNS = {
    "RUN_A": ("SVC_A", "service"),
    "RUN_M1": ("SYS_M1", "system"),
    "RUN_M2": ("OBJ_M2", "management_object"),
    "RUN_M3": ("SYS_M3", "system"),
}
# An organisation's own copy: seen by its members only.
OWN_TEMPLATE = ("TPL_M1", "muni1")
MEMBERS_OF = {"muni1": {"owner1"}}


def visible_process_keys(persona: str) -> set[str]:
    keys = {run for run, (target, _) in RUNS.items() if target in VISIBLE[persona]}
    keys |= {f"STEP_{run}" for run in set(keys)}
    if persona in MEMBERS_OF[OWN_TEMPLATE[1]]:
        keys.add(OWN_TEMPLATE[0])
    return keys


ALL_PROCESS_KEYS = set(RUNS) | {f"STEP_{run}" for run in RUNS} | {OWN_TEMPLATE[0]}


def build(world: World) -> dict[str, Any]:
    items: dict[str, Any] = {}
    template = ProcessTemplate.objects.get(code="risk-analysis", organisation=None)
    own = ProcessTemplate.objects.create(
        name=f"Egen RSA {marker(OWN_TEMPLATE[0])}",
        organisation=world.orgs[OWN_TEMPLATE[1]],
        copied_from=template,
    )
    own.steps.create(order=1, name=f"Eget steg {marker(OWN_TEMPLATE[0])}")
    items[OWN_TEMPLATE[0]] = own
    manager = world.users["assoc_admin"]
    for key, (target_key, field) in RUNS.items():
        run = ProcessRun.objects.create(
            template=template,
            name=f"Körning {marker(key)}",
            manager=manager,
            start_on=dt.date(2026, 1, 1),
            status="in_progress",
            **{field: world.items[target_key]},
        )
        step = ProcessStep.objects.create(
            run=run,
            order=1,
            name=f"Steg {marker('STEP_' + key)}",
            assignee=role_holder(run, None),
            due_on=dt.date(2026, 2, 1),
        )
        items[key] = run
        items["STEP_" + key] = step
    # A transition with a marked comment on the shared run and on the municipality's run.
    engine.take(
        items["STEP_RUN_A"],
        "skip",
        actor=world.users["assoc_admin"],
        comment=f"Hoppas över {marker('STEP_RUN_A')}",
    )
    engine.take(
        items["STEP_RUN_M1"],
        "complete",
        actor=world.users["owner1"],
        comment=f"Klart {marker('STEP_RUN_M1')}",
    )
    return items


def process_forbidden(persona: str) -> list[str]:
    return forbidden_markers(persona) + [
        marker(k) for k in sorted(ALL_PROCESS_KEYS - visible_process_keys(persona))
    ]


def urls(world: World, items: dict[str, Any]) -> list[str]:
    result = []
    for name in ("processtemplate_list", "processrun_list", "processstep_list", "my_steps"):
        base = reverse(f"processes:{name}")
        result += [base, base + "?export=csv", base + "?export=xlsx"]
    result += [reverse("processes:processrun_add"), reverse("processes:templatestep_add")]
    for key, item in items.items():
        result.append(item.get_absolute_url())
        label = item._meta.label_lower
        for transition in ("start", "complete", "skip", "cancel", "reopen"):
            result.append(reverse("workflow:transition", args=[label, item.pk, transition]))
        if key.startswith("STEP"):
            result.append(reverse("processes:processstep_edit", args=[item.pk]))
        if key.startswith("TPL"):
            result.append(reverse("processes:processtemplate_copy", args=[item.pk]))
            result.append(reverse("processes:processtemplate_edit", args=[item.pk]))
    # The register pages of the targets now list their runs.
    for target_key, _ in RUNS.values():
        result.append(world.items[target_key].get_absolute_url())
    return result


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_process_marker_anywhere(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    forbidden = process_forbidden(persona)
    for url in urls(world, items):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            continue
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        leaks = [m for m in forbidden if m in body_text(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    if persona == "anonymous":
        return
    api = APIClient()
    api.force_authenticate(world.users[persona])
    for endpoint in ("process-templates", "process-runs", "process-steps"):
        response = api.get(f"/api/{endpoint}/")
        assert response.status_code in {200, 403}, endpoint
        leaks = [m for m in forbidden if m in response.content.decode()]
        assert leaks == [], f"{persona} sees {leaks} at /api/{endpoint}/"
    # The manager of every run is the association's administrator: named only to those
    # who see that person.
    response = api.get("/api/process-runs/")
    if persona == "platform":
        assert response.status_code == 403
        return
    runs = response.json()["results"]
    assert len(runs) == len([k for k in RUNS if k in visible_process_keys(persona)])
    expected_manager = (
        world.users["assoc_admin"].pk if "assoc_admin" in VISIBLE_PEOPLE[persona] else None
    )
    assert {r["manager"] for r in runs} <= {expected_manager}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_process_pages_open_exactly_for_visible_items(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    expected = visible_process_keys(persona)
    for key, item in items.items():
        response = client.get(item.get_absolute_url())
        if key in expected:
            assert response.status_code == 200, (persona, key)
            assert marker(key) in response.content.decode()
        else:
            assert response.status_code == 404, (persona, key, response.status_code)
    runs = client.get(reverse("processes:processrun_list") + "?export=csv")
    if persona == "platform":
        assert runs.status_code in {200, 403}
    text = runs.content.decode("utf-8-sig")
    assert {k for k in RUNS if marker(k) in text} == {k for k in RUNS if k in expected}


@pytest.mark.parametrize("persona", ["staff3", "sup", "staff2"])
def test_transitions_on_unseen_runs_are_not_found_and_change_nothing(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    for key in ("RUN_M1", "STEP_RUN_M3", "STEP_RUN_A"):
        item = items[key]
        before = type(item).objects.get(pk=item.pk).status
        url = reverse("workflow:transition", args=[item._meta.label_lower, item.pk, "complete"])
        response = client.post(url, {"comment": "x"})
        seen = key in visible_process_keys(persona)
        assert response.status_code == (403 if seen else 404) or (
            seen and response.status_code == 400
        ), (persona, key, response.status_code)
        assert type(item).objects.get(pk=item.pk).status == before
