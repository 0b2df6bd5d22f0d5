"""The tenancy matrix for log review: the access part's world (Kommun Ett and Kommun Två
on the same shared system, forvalta/access/tests/helpers.py, on the register's world)
with Kommun Ett's log source, log, round, order, extract, judgment and documented
review, each carrying a marker (the source's name, the unit as logged, the account id,
the employee's name, the judgment's comment; the outcome shows the unit), and Kommun
Två's own source. No persona meets a marker it may not see, on any log review page,
the audit search, or the API; another organisation meets none of Kommun Ett's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.logreview import services
from forvalta.logreview.models import (
    DrawnEmployee,
    ExtractOrder,
    LogLoad,
    OperationKind,
    OrderStatus,
    SamplingRound,
    Verdict,
)
from forvalta.logreview.review import build
from forvalta.logreview.tests.helpers import CLIENTS, build_access_world, log_csv, make_source
from forvalta.register.tests.test_tenancy_matrix import body_text
from forvalta.register.tests.world import PERSONAS, marker

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 11, 1)
SOURCE, UNIT, ACCOUNT, NAME, COMMENT = "LR_SRC", "LR_UNIT", "LR_ACC", "LR_NAME", "LR_COMMENT"
OTHER_SOURCE = "LR_SRC2"  # Kommun Två's own source
ALL = (SOURCE, UNIT, ACCOUNT, NAME, COMMENT, OTHER_SOURCE)
# Kommun Ett's members (the register world's and the access world's).
MEMBERS = {"owner1", "controller", "mgr_north", "owner", "boss", "anna", "sysadmin", "procowner"}
STAFF = {"controller", "sysadmin", "owner", "procowner"}  # the access staff of the system


def visible(persona: str) -> set[str]:
    if persona in {"other_controller", "staff2"}:
        return {OTHER_SOURCE}
    if persona not in MEMBERS:
        return set()
    seen = {SOURCE}  # the source and the rounds: every member
    if persona in STAFF | {"mgr_north"}:  # mgr_north: the order's attestant and recipient
        seen |= {UNIT, ACCOUNT, NAME, COMMENT}
    return seen


def _rows(account: str, name: str, unit: str) -> list[tuple[str, ...]]:
    return [
        (f"2026-11-{day:02d} {hour:02d}:00", account, name, unit, CLIENTS[day % 4], "", "Läsa", "")
        for day in (3, 4, 5, 10)
        for hour in (9, 20)
    ]


def build_matrix(capture: Any) -> tuple[Any, dict[str, Any]]:
    aw = build_access_world()
    admin, controller, manager = (aw.people[p] for p in ("sysadmin", "controller", "mgr_north"))
    source = make_source(aw, name=f"Treserva {marker(SOURCE)}")
    rows = _rows(marker(ACCOUNT), f"Anna {marker(NAME)}", f"Hemtjänst {marker(UNIT)}")
    with capture(execute=True):
        services.log_upload(actor=admin, source=source, filename="nov.csv", data=log_csv(rows))
    schedule = services.schedule_create(
        actor=controller, source=source, kind=OperationKind.PROVIDER
    )
    round_ = services.round_draw(actor=controller, schedule=schedule, month=MONTH, seed=3)
    order = ExtractOrder.objects.get(round=round_)
    # The logged unit matches no unit of the organisation: name Nora as the unit's manager.
    ExtractOrder.objects.filter(pk=order.pk).update(attestant=manager, recipient=manager)
    order = services.order_attest(actor=manager, order=ExtractOrder.objects.get(pk=order.pk))
    with capture(execute=True):
        services.order_fulfil(actor=admin, order=order, filename="utdrag.csv", data=log_csv(rows))
    order = ExtractOrder.objects.get(pk=order.pk)
    assert order.status == OrderStatus.FULFILLED
    review = build(order, manager)
    for access in review.accesses:
        if not access.explained:
            services.judge(
                actor=manager,
                order=order,
                entry_id=access.entry.pk,
                verdict=Verdict.REASONABLE,
                comment=f"Kommentar {marker(COMMENT)}",
            )
    outcome = services.document(
        actor=manager,
        order=order,
        completed_on=dt.date(2026, 12, 2),
        persons_reviewed=review.persons,
        logs_reviewed=review.total,
        with_remark=False,
        incident_reported=False,
        incident_persons=None,
    )
    other = make_source(aw, org=aw.other, name=f"Treserva {marker(OTHER_SOURCE)}")
    return aw, {
        "source": source,
        "round": round_,
        "order": order,
        "outcome": outcome,
        "other": other,
    }


def urls(items: dict[str, Any]) -> list[str]:
    result = [reverse("logreview:source_list"), reverse("logreview:source_create")]
    for source in (items["source"], items["other"]):
        result += [
            source.get_absolute_url(),
            reverse("logreview:source_edit", args=[source.pk]),
        ]
    for round_ in SamplingRound.objects.all():
        result.append(round_.get_absolute_url())
    for order in ExtractOrder.objects.all():
        result += [order.get_absolute_url(), reverse("logreview:review", args=[order.pk])]
    for load in LogLoad.objects.all():
        result.append(load.get_absolute_url())
    result += [reverse("audit:search"), reverse("audit:search") + "?q=ZZ"]
    # (A search for a marker itself would echo it in the search box.)
    return result


LOGREVIEW_PERSONAS = [p for p in PERSONAS if p != "anonymous"] + [
    "controller",
    "mgr_north",
    "other_controller",
    "owner",
    "boss",
    "anna",
    "sysadmin",
    "procowner",
]
ENDPOINTS = ("logreview-sources", "logreview-rounds", "logreview-orders", "logreview-outcomes")


@pytest.mark.parametrize("persona", LOGREVIEW_PERSONAS)
def test_no_foreign_log_review_marker_anywhere(client, persona, django_capture_on_commit_callbacks):
    aw, items = build_matrix(django_capture_on_commit_callbacks)
    user = aw.people.get(persona) or aw.world.users[persona]
    client.force_login(user)
    forbidden = [marker(k) for k in ALL if k not in visible(persona)]
    for url in urls(items):
        response = client.get(url)
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        leaks = [m for m in forbidden if m in body_text(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    api = APIClient()
    api.force_authenticate(user)
    for endpoint in ENDPOINTS:
        pages = [f"/api/{endpoint}/"]
        pages += [
            f"/api/{endpoint}/{items[k].pk}/" for k in ("source", "round", "order", "outcome")
        ]
        for url in pages:
            response = api.get(url)
            assert response.status_code in {200, 403, 404}, (url, response.status_code)
            leaks = [m for m in forbidden if m in response.content.decode()]
            assert leaks == [], f"{persona} sees {leaks} at {url}"
    response = api.get("/api/audit/events/")
    leaks = [m for m in forbidden if m in response.content.decode()]
    assert leaks == [], f"{persona} sees {leaks} at /api/audit/events/"


@pytest.mark.parametrize("persona", ["other_controller", "staff2", "staff3", "sup", "platform"])
def test_another_organisation_lists_nothing_and_gets_404(
    client, persona, django_capture_on_commit_callbacks
):
    aw, items = build_matrix(django_capture_on_commit_callbacks)
    user = aw.people.get(persona) or aw.world.users[persona]
    client.force_login(user)
    for key in ("source", "round", "order"):
        assert client.get(items[key].get_absolute_url()).status_code == 404, key
    assert client.get(reverse("logreview:review", args=[items["order"].pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    expected_sources = [items["other"].pk] if persona in {"other_controller", "staff2"} else []
    for endpoint in ENDPOINTS:
        response = api.get(f"/api/{endpoint}/")
        if persona == "platform":  # no organisation: refused outright
            assert response.status_code == 403
            continue
        results = [r["id"] for r in response.json()["results"]]
        assert results == (expected_sources if endpoint == "logreview-sources" else []), endpoint
    for endpoint, key in zip(ENDPOINTS, ("source", "round", "order", "outcome"), strict=True):
        response = api.get(f"/api/{endpoint}/{items[key].pk}/")
        assert response.status_code == 404, (endpoint, response.status_code)


def test_the_markers_are_where_they_belong(client, django_capture_on_commit_callbacks):
    # The matrix means something: Kommun Ett's staff and the recipient do meet them.
    aw, items = build_matrix(django_capture_on_commit_callbacks)
    client.force_login(aw.people["mgr_north"])
    review = client.get(reverse("logreview:review", args=[items["order"].pk])).content.decode()
    assert marker(COMMENT) in review and marker(ACCOUNT) in review
    client.force_login(aw.people["anna"])
    page = client.get(items["round"].get_absolute_url()).content.decode()
    assert marker(SOURCE) in page
    assert marker(UNIT) not in page and marker(ACCOUNT) not in page
    assert DrawnEmployee.objects.filter(account=marker(ACCOUNT)).count() == 1
