"""The tenancy matrix for plans: the register's world (forvalta/register/tests/world.py)
with plans, goals and a cost split, each carrying a marker. Plans are seen by the
members of their object (owner, taking part, a member's role), not by a supplier; a
supplier sees the goals assigned to it; a split's lines are seen by its owner side, and
by each member for its own line only (the split is not open to all members)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.plans import services
from forvalta.plans.models import CostSplit, Goal, ManagementPlan
from forvalta.register.tests.test_tenancy_matrix import body_text, login
from forvalta.register.tests.world import PERSONAS, World, build_world, forbidden_markers, marker

pytestmark = pytest.mark.django_db

MEMBERS_A = {"assoc_admin", "lead", "owner1", "staff2"}
VISIBLE_PLAN: dict[str, set[str]] = {
    "PLAN_A": MEMBERS_A,
    "PLAN_M1": {"owner1"},
    "GOAL_SUP": MEMBERS_A | {"sup"},
    "GOAL_OWN": MEMBERS_A,
    "GOAL_M1": {"owner1"},
    "SPLIT_A": MEMBERS_A,
}
# The split's lines: amounts as markers (61 111,11 kr for Kommun Ett, 38 888,89 for Två).
SHARES = {"muni1": ("61111.11", "61\u00a0111,11"), "muni2": ("38888.89", "38\u00a0888,89")}
SHARE_SEEN_BY = {
    "muni1": {"assoc_admin", "lead", "owner1"},
    "muni2": {"assoc_admin", "lead", "staff2"},
}


def build(world: World) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for key, target, name in (
        ("PLAN_A", "OBJ_A", "Gemensam plan"),
        ("PLAN_M1", "OBJ_M1", "Kommunens plan"),
    ):
        plan = ManagementPlan(
            management_object=world.items[target],
            name=f"{name} {marker(key)}",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
        )
        plan.full_clean()
        plan.save()
        items[key] = plan
        activity = plan.activities.create(order=1, name="Förvaltningsstyrning")
        group = plan.resource_groups.create(order=1, name="IT-nära")
        goal_keys = ("GOAL_SUP", "GOAL_OWN") if key == "PLAN_A" else ("GOAL_M1",)
        for goal_key in goal_keys:
            goal = Goal.objects.create(
                plan=plan,
                activity=activity,
                text=f"Mål {marker(goal_key)}",
                assigned_organisation=world.orgs["sup"] if goal_key == "GOAL_SUP" else None,
            )
            goal.efforts.create(resource_group=group, person_days=Decimal(3))
            items[goal_key] = goal
        plan.milestones.create(name=f"Hålltid {marker(key)}", due_on=dt.date(2025, 9, 30))
        plan.needs.create(number=1, title=f"Behov {marker(key)}")
    split = services.split_create(
        actor=world.users["assoc_admin"],
        data={
            "service": world.items["SVC_A"],
            "name": f"Fördelning {marker('SPLIT_A')}",
            "period_start": dt.date(2026, 1, 1),
            "period_end": dt.date(2026, 12, 31),
            "budget": Decimal("100000.00"),
            "key": "fixed",
            "rounding": "ore",
            "open_to_members": False,
        },
    )
    services.key_values_set(
        actor=world.users["assoc_admin"],
        split=split,
        values={world.orgs[k].pk: Decimal(v[0]) for k, v in SHARES.items()},
    )
    items["SPLIT_A"] = split
    return items


def forbidden(persona: str) -> list[str]:
    result = forbidden_markers(persona) + [
        marker(k) for k, seen in VISIBLE_PLAN.items() if persona not in seen
    ]
    result += [text for org, (_v, text) in SHARES.items() if persona not in SHARE_SEEN_BY[org]]
    return result


def urls(items: dict[str, Any]) -> list[str]:
    result = []
    for name in ("managementplan_list", "costsplit_list", "goal_list", "systembudgetline_list"):
        base = reverse(f"plans:{name}")
        result += [base, base + "?export=csv", base + "?export=xlsx"]
    for key in ("PLAN_A", "PLAN_M1"):
        pk = items[key].pk
        result += [
            items[key].get_absolute_url(),
            reverse("plans:managementplan_pdf", args=[pk]),
            reverse("plans:followup", args=[pk]),
            reverse("plans:followup", args=[pk]) + "?export=xlsx",
            reverse("plans:managementplan_edit", args=[pk]),
            reverse("plans:managementplan_decide", args=[pk]),
            reverse("workflow:transition", args=["plans.managementplan", pk, "propose"]),
        ]
    for key in ("GOAL_SUP", "GOAL_OWN", "GOAL_M1"):
        result += [items[key].get_absolute_url(), reverse("plans:goal_edit", args=[items[key].pk])]
    split = items["SPLIT_A"].pk
    result += [
        items["SPLIT_A"].get_absolute_url(),
        reverse("plans:costsplit_invoice", args=[split, "xlsx"]),
        reverse("plans:costsplit_key", args=[split]),
        reverse("plans:costsplit_edit", args=[split]),
        reverse("plans:managementplan_add"),
        reverse("plans:costsplit_add"),
    ]
    return result


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_plan_marker_anywhere(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    blocked = forbidden(persona)
    for url in urls(items):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            continue
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        leaks = [m for m in blocked if m in body_text(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    if persona == "anonymous":
        return
    api = APIClient()
    api.force_authenticate(world.users[persona])
    for endpoint in ("plans", "plan-goals", "cost-splits", "cost-shares"):
        response = api.get(f"/api/{endpoint}/")
        assert response.status_code in {200, 403}, endpoint
        text = response.content.decode()
        leaks = [m for m in blocked if m in text]
        leaks += [
            v for org, (v, _t) in SHARES.items() if persona not in SHARE_SEEN_BY[org] and v in text
        ]
        assert leaks == [], f"{persona} sees {leaks} at /api/{endpoint}/"


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_plan_pages_open_exactly_for_those_who_see_them(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    for key, seen in VISIBLE_PLAN.items():
        response = client.get(items[key].get_absolute_url())
        expected = 200 if persona in seen else 404
        assert response.status_code == expected, (persona, key, response.status_code)
    assert set(CostSplit.objects.visible_to(world.users[persona])) == (
        {items["SPLIT_A"]} if persona in MEMBERS_A else set()
    )


@pytest.mark.parametrize("persona", ["staff3", "sup", "staff2", "owner1"])
def test_writes_on_plans_one_does_not_manage_change_nothing(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    plan = items["PLAN_A"]
    url = reverse("workflow:transition", args=["plans.managementplan", plan.pk, "propose"])
    response = client.post(url, {"comment": "x"})
    assert response.status_code in {403, 404}
    response = client.post(
        reverse("plans:costsplit_key", args=[items["SPLIT_A"].pk]),
        {f"org_{world.orgs['muni1'].pk}": "1", "change_decision": "x"},
    )
    assert response.status_code in {403, 404}
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert items["SPLIT_A"].shares.get(organisation=world.orgs["muni1"]).amount == Decimal(
        SHARES["muni1"][0]
    )
