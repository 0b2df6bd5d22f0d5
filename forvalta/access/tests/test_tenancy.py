"""The tenancy matrix for access management: the register's world with Kommun Ett's and
Kommun Två's accounts and reviews of the same shared system, each account carrying a
marker. No persona of the world (members of other organisations, the association that
owns the service, supplier staff, the platform administrator, Kommun Ett's own system
owner of another system) meets any marker, on any page, export, PDF or API list; Kommun
Ett's controller sees Kommun Ett's only, a unit manager only their unit's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.access.models import Account, Campaign, ListKind, ReviewList, Snapshot
from forvalta.access.services import campaign_create
from forvalta.access.tests.helpers import HEADER, build_access_world
from forvalta.register.tests.test_tenancy_matrix import body_text
from forvalta.register.tests.world import PERSONAS, marker

pytestmark = pytest.mark.django_db

MARKED = {
    "ACC_N": "Hemtjänst Norr",
    "ACC_S": "Hemtjänst Söder",
    "ACC_H": "Boende Ekbacken",
}
ALL = [*MARKED, "ACC_M2"]


def _csv(rows: list[tuple[str, str]]) -> bytes:
    lines = [HEADER] + [
        f"{key.lower()};Namn {marker(key)};;;{unit};Roll;ja;\n" for key, unit in rows
    ]
    return "".join(lines).encode()


def build() -> tuple[Any, dict[str, Any]]:
    aw = build_access_world()
    from forvalta.access.models import default_mapping
    from forvalta.access.services import snapshot_from_rows
    from forvalta.access.snapshots import read_file

    def push(actor: Any, org: Any, rows: list[tuple[str, str]]) -> Snapshot:
        table = read_file(default_mapping(), "x.csv", _csv(rows))
        return snapshot_from_rows(
            actor=actor, organisation=org, system=aw.system, rows=table.rows, filename="x.csv"
        )

    own = push(aw.people["controller"], aw.org, list(MARKED.items()))
    other = push(aw.people["other_controller"], aw.other, [("ACC_M2", "Skola")])
    items = {
        "own": campaign_create(
            actor=aw.people["controller"], snapshot=own, season="spring", year=2026
        ),
        "other": campaign_create(
            actor=aw.people["other_controller"], snapshot=other, season="spring", year=2026
        ),
    }
    return aw, items


def visible(persona: str) -> set[str]:
    if persona == "controller":
        return set(MARKED)
    if persona == "mgr_north":
        return {"ACC_N"}
    if persona == "other_controller":
        return {"ACC_M2"}
    return set()


def urls(aw: Any) -> list[str]:
    result = []
    for name in (
        "campaign_list",
        "reviewlist_list",
        "snapshot_list",
        "accessrequest_list",
        "deviation_list",
        "accessrole_list",
        "accesssettings_list",
        "yearsignoff_list",
    ):
        base = reverse(f"access:{name}")
        result += [base, base + "?export=csv", base + "?export=xlsx"]
    for campaign in Campaign.objects.all():
        result.append(campaign.get_absolute_url())
        result.append(reverse("access:campaign_protocol", args=[campaign.pk, "xlsx"]))
    for snapshot in Snapshot.objects.all():
        result.append(snapshot.get_absolute_url())
        result.append(reverse("access:campaign_add") + f"?snapshot={snapshot.pk}")
    for review_list in ReviewList.objects.all():
        result.append(review_list.get_absolute_url())
    for account in Account.objects.all():
        result.append(account.get_absolute_url())
        result.append(reverse("access:deviation_add") + f"?account={account.pk}")
    result.append(reverse("access:accessrequest_add"))
    return result


ACCESS_PERSONAS = [p for p in PERSONAS if p != "anonymous"] + [
    "controller",
    "mgr_north",
    "other_controller",
    "owner",
    "boss",
]


@pytest.mark.parametrize("persona", ACCESS_PERSONAS)
def test_no_foreign_account_marker_anywhere(client, persona):
    aw, _items = build()
    user = aw.people.get(persona) or aw.world.users[persona]
    client.force_login(user)
    seen = visible(persona)
    if persona == "owner":
        seen = set(MARKED)  # Kommun Ett's system owner of the system: access staff
    forbidden = [marker(k) for k in ALL if k not in seen]
    for url in urls(aw):
        response = client.get(url)
        assert response.status_code in {200, 400, 403, 404}, (url, response.status_code)
        leaks = [m for m in forbidden if m in body_text(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    api = APIClient()
    api.force_authenticate(user)
    for endpoint in (
        "access-snapshots",
        "access-accounts",
        "access-reviews",
        "access-review-lists",
        "access-requests",
    ):
        response = api.get(f"/api/{endpoint}/")
        assert response.status_code in {200, 403}, endpoint
        leaks = [m for m in forbidden if m in response.content.decode()]
        assert leaks == [], f"{persona} sees {leaks} at /api/{endpoint}/"
    accounts = api.get("/api/access-accounts/")
    if accounts.status_code == 200:
        names = {a["name"] for a in accounts.json()["results"]}
        assert names == {f"Namn {marker(k)}" for k in seen}


def test_unit_manager_sees_exactly_their_lists(client):
    aw, items = build()
    client.force_login(aw.people["mgr_north"])
    mine = ReviewList.objects.filter(campaign=items["own"], unit=aw.units["north"])
    assert {rl.kind for rl in mine} == {ListKind.UNIT, ListKind.PROTECTED}
    for review_list in ReviewList.objects.all():
        expected = 200 if review_list in mine else 404
        assert client.get(review_list.get_absolute_url()).status_code == expected
    response = client.get(reverse("access:reviewlist_list") + "?export=csv")
    text = response.content.decode("utf-8-sig")
    assert "Hemtjänst Norr" in text
    assert "Hemtjänst Söder" not in text and "Boende" not in text


def test_api_push_refused_for_a_member_without_the_role_and_changes_nothing(client):
    aw, _items = build()
    before = Snapshot.objects.count(), Account.objects.count()
    api = APIClient()
    api.force_authenticate(aw.people["mgr_north"])
    payload = {
        "organisation": aw.org.pk,
        "system": aw.system.pk,
        "accounts": [{"account_id": "x1", "name": "X"}],
    }
    assert api.post("/api/access-snapshots/", payload, format="json").status_code == 403
    api.force_authenticate(aw.people["other_controller"])
    response = api.post("/api/access-snapshots/", payload, format="json")
    assert response.status_code == 403
    assert (Snapshot.objects.count(), Account.objects.count()) == before
    api.force_authenticate(aw.people["controller"])
    response = api.post("/api/access-snapshots/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["account_count"] == 1
    assert response.json()["removed_count"] == 3


def test_upload_page_offers_only_own_organisations(client):
    aw, _items = build()
    client.force_login(aw.people["controller"])
    response = client.get(reverse("access:snapshot_import"))
    html = response.content.decode()
    assert aw.org.name in html and aw.other.name not in html
    response = client.post(
        reverse("access:snapshot_import"),
        {
            "organisation": aw.other.pk,
            "system": aw.system.pk,
            "taken_on": "2026-12-01",
            "file": SimpleUploadedFile("x.csv", _csv([("ACC_Z", "Skola")])),
        },
    )
    assert response.status_code == 400
    assert not Account.objects.filter(account_id="acc_z").exists()
