"""Lists cost the same number of queries at any size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forvalta.governance.models import Circulation, Decision, Meeting, Vote
from forvalta.governance.tests.helpers import governance_world

pytestmark = pytest.mark.django_db

LISTS = ("body_list", "meeting_list", "decision_list", "circulation_list", "vote_list")


def _rows(world, body, start, count):
    lead = world.users["lead"]
    member = body.members.get(organisation=world.orgs["muni1"])
    for n in range(start, start + count):
        Meeting.objects.create(body=body, starts_at=timezone.now() + dt.timedelta(days=n))
        Decision.objects.create(
            body=body,
            year=2026,
            sequence=n,
            number=f"2026:{n}",
            decided_on=dt.date(2026, 1, 1),
            kind="other",
            title=f"Beslut {n}",
            text="Text",
            made_by="delegation",
            recorded_by=lead,
        )
        circulation = Circulation.objects.create(
            body=body,
            title=f"Förslag {n}",
            kind="other",
            proposal="Förslag",
            deadline=timezone.now() + dt.timedelta(days=5),
            created_by=lead,
        )
        Vote.objects.create(
            circulation=circulation,
            member=member,
            organisation=member.organisation,
            voter_role="representative",
            cast_by=world.users["owner1"],
            choice="yes",
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_costs_the_same_at_3_and_40_rows(client, name, django_assert_max_num_queries):
    world, body = governance_world()
    client.force_login(world.users["owner1"])
    url = reverse(f"governance:{name}")
    _rows(world, body, 1, 3)
    client.get(url)  # warm the compiled scope
    small = _count(client, url)
    _rows(world, body, 4, 37)
    with django_assert_max_num_queries(small):
        client.get(url)
    with django_assert_max_num_queries(small + 1):  # the export reads no page count
        client.get(url + "?export=csv")
