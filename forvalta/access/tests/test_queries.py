"""List pages cost the same number of queries at any size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forvalta.access.models import ListKind, ReviewList, Snapshot
from forvalta.access.services import campaign_create, snapshot_from_rows
from forvalta.access.tests.helpers import build_access_world

pytestmark = pytest.mark.django_db


def _rows(n: int, offset: int = 0) -> list[tuple[int, dict]]:
    units = ["Hemtjänst Norr", "Hemtjänst Söder", "Boende Ekbacken"]
    return [
        (
            i + 2,
            {
                "account_id": f"u{offset + i}",
                "name": f"Person {offset + i}",
                "unit": units[i % 3],
                "roles": "Handläggare" if i % 4 else "Handläggare,Admin",
                "protected_access": "ja" if i % 7 == 0 else "nej",
                "last_login": "2026-10-01",
            },
        )
        for i in range(n)
    ]


def _pages(aw, campaign) -> dict[str, str]:
    north = ReviewList.objects.get(campaign=campaign, unit=aw.units["north"], kind=ListKind.UNIT)
    return {
        "list": north.get_absolute_url(),
        "snapshot": campaign.snapshot.get_absolute_url(),
        "campaign": campaign.get_absolute_url(),
        "campaigns": reverse("access:campaign_list"),
        "api-accounts": "/api/access-accounts/",
    }


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["controller", "mgr_north"])
def test_list_pages_cost_the_same_at_30_and_90_accounts(client, who):
    aw = build_access_world()
    controller = aw.people["controller"]
    counts = []
    # The first snapshot has no previous one (no removed accounts to list): not counted.
    for size in (3, 30, 90):
        snapshot = snapshot_from_rows(
            actor=controller, organisation=aw.org, system=aw.system, rows=_rows(size, size * 1000)
        )
        campaign = campaign_create(
            actor=controller, snapshot=snapshot, season="autumn", year=2026 + size
        )
        client.force_login(aw.people[who])
        pages = _pages(aw, campaign)
        if who == "mgr_north":
            pages.pop("snapshot")
        client.get(pages["list"])  # warm the per-process caches (compiled scopes)
        counts.append({name: _count(client, url) for name, url in pages.items()})
    assert counts[1] == counts[2]
    assert Snapshot.objects.count() == 3
