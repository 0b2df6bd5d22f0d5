"""Notifications are their recipient's: in the register's world every persona has
notifications (titles marked `ZZN_<PERSONA>ZZ` for this test) and a failed e-mail;
no persona meets another's on the inbox, the API or the failed e-mails page, a
hostile id is a 404 and changes nothing, and failed e-mails are shown to the
administrators of the recipient's organisation only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.notifications.models import DeliveryStatus, EmailDelivery, Notification
from forvalta.notifications.services import notify
from forvalta.register.models import System
from forvalta.register.tests.test_tenancy_matrix import body_text
from forvalta.register.tests.world import PERSONAS, World, build_world, forbidden_markers, marker

pytestmark = pytest.mark.django_db

PEOPLE = [p for p in PERSONAS if p != "anonymous"]
# persona -> the personas whose failed e-mails they see (organisation administrators)
SEES_FAILED = {"assoc_admin": {"assoc_admin", "lead"}}


def build(world: World) -> dict[str, list[Notification]]:
    mine: dict[str, list[Notification]] = {}
    for persona in PEOPLE:
        user = world.users[persona]
        rows = []
        for kind in ("step_assigned", "decision_waiting"):
            n = notify(
                user, kind, link="/processes/", title=f"Notis {marker('N_' + persona.upper())}"
            )
            assert n is not None
            rows.append(n)
        # About Kommun Tre's system: named in the inbox of those who see it only.
        rows.append(
            Notification.objects.create(
                recipient=user,
                kind="review_waiting",
                title="En granskning väntar på dig",
                link=world.items["SYS_M3"].get_absolute_url(),
                channel="inbox",
                content_type=ContentType.objects.get_for_model(System),
                object_id=world.items["SYS_M3"].pk,
            )
        )
        mine[persona] = rows
        delivery = rows[0].delivery
        assert delivery is not None
        delivery.status = DeliveryStatus.FAILED
        delivery.attempts = 4
        delivery.last_error = f"Fel {marker('D_' + persona.upper())}"
        delivery.save()
    return mine


def unseen(persona: str) -> list[str]:
    others = [p for p in PEOPLE if p != persona]
    failed_seen = SEES_FAILED.get(persona, set())
    return (
        forbidden_markers(persona)
        + [marker("N_" + p.upper()) for p in others]
        + [marker("D_" + p.upper()) for p in PEOPLE if p not in failed_seen]
    )


@pytest.mark.parametrize("persona", PEOPLE)
def test_nobody_meets_another_persons_notifications(client: Any, persona: str) -> None:
    world = build_world()
    mine = build(world)
    user = world.users[persona]
    client.force_login(user)
    forbidden = unseen(persona)
    api = APIClient()
    api.force_authenticate(user)

    for url in (reverse("notifications:inbox"), reverse("notifications:failed"), "/"):
        response = client.get(url)
        assert response.status_code in {200, 403}, url
        leaks = [m for m in forbidden if m in body_text(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert inbox.count(marker("N_" + persona.upper())) == 2
    listed = api.get("/api/notifications/")
    assert listed.status_code == 200
    assert sorted(r["id"] for r in listed.json()["results"]) == sorted(n.pk for n in mine[persona])
    assert [m for m in forbidden if m in listed.content.decode()] == []

    failed = client.get(reverse("notifications:failed"))
    expected = SEES_FAILED.get(persona)
    if expected is None:
        assert failed.status_code == 403
    else:
        text = failed.content.decode()
        assert {p for p in PEOPLE if marker("D_" + p.upper()) in text} == expected

    for other in PEOPLE:
        if other == persona:
            continue
        for n in mine[other]:
            assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
            assert api.get(f"/api/notifications/{n.pk}/").status_code == 404
            assert api.post(f"/api/notifications/{n.pk}/read/").status_code == 404
        delivery = mine[other][0].delivery
        assert delivery is not None
        if other not in SEES_FAILED.get(persona, set()):
            response = client.post(reverse("notifications:retry", args=[delivery.pk]))
            assert response.status_code == 404
    # Reading all of one's own changes no one else's.
    system_name = f"En granskning väntar på dig: {world.items['SYS_M3']}"
    assert (system_name in inbox) == (persona == "staff3")
    assert api.post("/api/notifications/read-all/").json() == {"marked_read": 3}
    assert Notification.objects.filter(read_at__isnull=False).count() == 3
    assert not Notification.objects.exclude(recipient=user).filter(read_at__isnull=False).exists()
    assert EmailDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == len(PEOPLE)


def test_the_api_marks_one_read() -> None:
    world = build_world()
    mine = build(world)
    api = APIClient()
    api.force_authenticate(world.users["lead"])
    first = mine["lead"][0]
    response = api.get("/api/notifications/?unread=1")
    assert [r["id"] for r in response.json()["results"]] == [n.pk for n in reversed(mine["lead"])]
    response = api.post(f"/api/notifications/{first.pk}/read/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == first.pk and body["read_at"] is not None
    assert body["link_url"] == "http://testserver/processes/"
    assert body["web_url"] == f"http://testserver/notifications/{first.pk}/"
    response = api.get("/api/notifications/?unread=1")
    assert [r["id"] for r in response.json()["results"]] == [
        n.pk for n in reversed(mine["lead"][1:])
    ]
    assert APIClient().get("/api/notifications/").status_code in {401, 403}


def test_the_inbox_costs_the_same_queries_with_more_notifications(client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = build_world()
    lead = world.users["lead"]
    client.force_login(lead)
    counts = []
    for n in (3, 60):
        while Notification.objects.filter(recipient=lead).count() < n:
            notify(lead, "review_waiting", link="/processes/", obj=world.items["SYS_A"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications:inbox")).status_code == 200
        counts.append(len(queries))
    # session, user, the scope, the menu's role facts, a count and a page of rows, the
    # names of the systems they are about, the header's unread count, and the menu's
    # access-review facts (forvalta/access/rules.py)
    assert counts == [9, 9]
