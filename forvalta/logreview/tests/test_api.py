"""The log review API: read-only lists and details scoped exactly as the pages (another
organisation sees nothing, a member the sources and the rounds but no order, no drawn
unit and no one drawn, a unit manager their own order), and the extract upload of an order
by the log administrator only (every refusal changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services
from forvalta.logreview.models import (
    DrawnEmployee,
    ExtractOrder,
    LogEntry,
    LogLoad,
    OperationKind,
    ReviewOutcome,
)
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source, month_rows

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 11, 1)
ENDPOINTS = ("logreview-sources", "logreview-rounds", "logreview-orders", "logreview-outcomes")


def world(capture: Any) -> tuple[Any, dict[str, Any]]:
    aw = build_access_world()
    source = make_source(aw)
    admin, controller = aw.people["sysadmin"], aw.people["controller"]
    with capture(execute=True):
        services.log_upload(
            actor=admin, source=source, filename="nov.csv", data=log_csv(month_rows())
        )
    schedule = services.schedule_create(
        actor=controller, source=source, kind=OperationKind.PROVIDER
    )
    round_ = services.round_draw(actor=controller, schedule=schedule, month=MONTH, seed=7)
    orders = {o.drawn_unit.unit_name: o for o in ExtractOrder.objects.filter(round=round_)}
    north = services.order_attest(actor=aw.people["mgr_north"], order=orders["Hemtjänst Norr"])
    south = orders["Hemtjänst Söder"]
    outcome = ReviewOutcome.objects.create(
        organisation=aw.org,
        order=south,
        completed_on=dt.date(2026, 12, 2),
        reviewer=aw.people["mgr_south"],
        persons_reviewed=3,
        logs_reviewed=12,
        with_remark=False,
        incident_reported=False,
    )
    return aw, {
        "source": source,
        "round": round_,
        "north": north,
        "south": south,
        "outcome": outcome,
    }


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(client: APIClient, endpoint: str) -> list[int]:
    response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_another_organisation_sees_nothing(django_capture_on_commit_callbacks):
    aw, items = world(django_capture_on_commit_callbacks)
    client = api(aw.people["other_controller"])
    for endpoint in ENDPOINTS:
        assert ids(client, endpoint) == [], endpoint
    for endpoint, key in zip(ENDPOINTS, ("source", "round", "north", "outcome"), strict=True):
        response = client.get(f"/api/{endpoint}/{items[key].pk}/")
        assert response.status_code == 404, endpoint
        assert response.json()["error"]["code"] == "not_found"


def test_a_member_sees_sources_and_rounds_but_no_order_and_no_one_drawn(
    django_capture_on_commit_callbacks,
):
    aw, items = world(django_capture_on_commit_callbacks)
    client = api(aw.people["anna"])
    assert ids(client, "logreview-sources") == [items["source"].pk]
    source = client.get(f"/api/logreview-sources/{items['source'].pk}/").json()
    assert source["name"] == "Treserva-logg"
    assert source["mapping"]["client_id"] == "Personnummer"
    assert ids(client, "logreview-rounds") == [items["round"].pk]
    round_ = client.get(f"/api/logreview-rounds/{items['round'].pk}/").json()
    assert round_["seed"] == 7
    assert round_["kind"] == "provider"
    assert round_["source"] == items["source"].pk
    assert round_["units"] == []  # as on the round page: no unit without its people
    assert ids(client, "logreview-orders") == []
    assert ids(client, "logreview-outcomes") == []
    assert client.get(f"/api/logreview-orders/{items['north'].pk}/").status_code == 404
    assert client.get(f"/api/logreview-outcomes/{items['outcome'].pk}/").status_code == 404


def test_the_controller_sees_every_order_and_who_was_drawn(django_capture_on_commit_callbacks):
    aw, items = world(django_capture_on_commit_callbacks)
    client = api(aw.people["controller"])
    orders = ExtractOrder.objects.filter(round=items["round"]).order_by("drawn_unit__position")
    assert ids(client, "logreview-orders") == [o.pk for o in orders]
    assert ids(client, "logreview-outcomes") == [items["outcome"].pk]
    round_ = client.get(f"/api/logreview-rounds/{items['round'].pk}/").json()
    drawn = {
        (e.drawn_unit.unit_name, e.account, tuple(d.day.isoformat() for d in e.days.all()))
        for e in DrawnEmployee.objects.filter(drawn_unit__round=items["round"])
    }
    shown = {
        (u["unit_name"], e["account"], tuple(e["days"]))
        for u in round_["units"]
        for e in u["employees"]
    }
    assert shown == drawn
    assert len(shown) == 4 + 3 + 2
    north = client.get(f"/api/logreview-orders/{items['north'].pk}/").json()
    assert north["status"] == "attested"
    assert north["unit_name"] == "Hemtjänst Norr"
    assert north["attestant"] == aw.people["mgr_north"].pk
    outcome = client.get(f"/api/logreview-outcomes/{items['outcome'].pk}/").json()
    assert outcome["persons_reviewed"] == 3
    assert outcome["logs_reviewed"] == 12
    assert outcome["web_url"].endswith(f"/logreview/orders/{items['south'].pk}/review/")


def test_a_unit_manager_sees_their_own_order_and_unit_only(django_capture_on_commit_callbacks):
    aw, items = world(django_capture_on_commit_callbacks)
    client = api(aw.people["mgr_north"])
    assert ids(client, "logreview-orders") == [items["north"].pk]
    assert ids(client, "logreview-outcomes") == []
    round_ = client.get(f"/api/logreview-rounds/{items['round'].pk}/").json()
    assert [u["unit_name"] for u in round_["units"]] == ["Hemtjänst Norr"]
    assert len(round_["units"][0]["employees"]) == 4
    assert client.get(f"/api/logreview-orders/{items['south'].pk}/").status_code == 404


def _state() -> tuple[Any, ...]:
    return (
        list(ExtractOrder.objects.values_list("pk", "status", "fulfilled_by")),
        list(LogLoad.objects.values_list("pk", "status")),
        LogEntry.objects.count(),
    )


def _file(order: Any) -> SimpleUploadedFile:
    rows = [r for r in month_rows() if r[3] == "Hemtjänst Norr"]
    return SimpleUploadedFile("norr.csv", log_csv(rows), content_type="text/csv")


def test_the_log_administrator_uploads_an_extract_others_are_refused(
    django_capture_on_commit_callbacks,
):
    aw, items = world(django_capture_on_commit_callbacks)
    north = items["north"]
    url = f"/api/logreview-orders/{north.pk}/extract/"
    before = _state()
    for persona, expected in (
        ("other_controller", 404),
        ("anna", 404),
        ("mgr_north", 403),
        ("controller", 403),
    ):
        denied = AuditEvent.objects.filter(action="access.denied").count()
        response = api(aw.people[persona]).post(url, {"file": _file(north)}, format="multipart")
        assert response.status_code == expected, (persona, response.content)
        assert _state() == before, persona
        if expected == 403:
            assert AuditEvent.objects.filter(action="access.denied").count() == denied + 1
    client = api(aw.people["sysadmin"])
    assert client.post(url, {}, format="multipart").status_code == 400
    assert _state() == before
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": _file(north)}, format="multipart")
    assert response.status_code == 201, response.content
    load = LogLoad.objects.get(pk=response.json()["id"])
    assert response.json()["order"] == north.pk
    assert response.json()["status"] == "queued"  # as uploaded; the task has run since
    assert load.status == "loaded"
    assert load.row_count == 20
    assert ExtractOrder.objects.get(pk=north.pk).status == "fulfilled"
    assert LogEntry.objects.filter(load=load).count() == 20
    # A second upload to the fulfilled order is refused and changes nothing.
    after = _state()
    assert client.post(url, {"file": _file(north)}, format="multipart").status_code == 403
    assert _state() == after


def test_no_other_write_and_unknown_paths_are_json_404(django_capture_on_commit_callbacks):
    aw, items = world(django_capture_on_commit_callbacks)
    client = api(aw.people["controller"])
    assert client.post("/api/logreview-sources/", {"name": "x"}, format="json").status_code == 405
    source = items["source"].pk
    assert client.delete(f"/api/logreview-sources/{source}/").status_code == 405
    response = client.get("/api/logreview-nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
