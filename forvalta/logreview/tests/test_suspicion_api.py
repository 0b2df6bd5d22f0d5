"""The API of reviews on suspicion (GET /api/logreview-cases/): the cases a reader is
named on (or administers), as the case's page shows them: whom it concerns, the account
and the period only to those the page tells; nothing to anyone else, not even that a
case exists; every reading recorded; read only."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.core.tenancy import forget_scope
from forvalta.logreview.models import SuspicionCase
from forvalta.logreview.tests.test_followup import login
from forvalta.logreview.tests.test_review_findings import _fulfilled_case
from forvalta.logreview.tests.test_suspicion import request_case, world

pytestmark = pytest.mark.django_db

API = "/api/logreview-cases/"


def _time(value: Any) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def test_each_named_person_is_told_what_the_page_tells_them() -> None:
    aw = world()
    p = aw.people
    case = _fulfilled_case(aw)
    case = SuspicionCase.objects.get(pk=case.pk)
    listed = {
        "id": case.pk,
        "organisation": aw.org.pk,
        "source": aw.source.pk,
        "status": "fulfilled",
        "requested_at": _time(case.requested_at),
        "display": f"Granskning vid misstanke #{case.pk}",
        "web_url": f"http://testserver/logreview/suspicion/{case.pk}/",
    }
    everything = {
        **listed,
        "requested_by": p["mgr_north"].pk,
        "attestant": p["mgr_north"].pk,
        "recipient": p["rita"].pk,
        "senior_manager": p["boss"].pk,
        "reason": case.reason,
        "subject_user": p["anna"].pk,
        "subject_account": "u-anna",
        "administrator": case.administrator_id,
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        "entered_at": _time(case.entered_at),
        "attested_at": _time(case.attested_at),
        "fulfilled_at": _time(case.fulfilled_at),
        "from_store": True,
        "documented_on": None,
    }
    nobody = dict.fromkeys(("subject_user", "subject_account", "administrator"))
    expected = {
        # The recipient reviews it, the manager's manager entered the person: all.
        "rita": everything,
        "boss": everything,
        # The requester and attestant: never whom it concerns; the period they attest.
        "mgr_north": {**everything, **nobody},
        # The log administrator, not named: what taking the extract out needs.
        "sysadmin": {
            **everything,
            **dict.fromkeys(("requested_by", "attestant", "recipient", "senior_manager", "reason")),
        },
    }
    for name, shown in expected.items():
        client = login(p[name])
        assert client.get(API).json()["results"] == [listed], name
        detail = client.get(f"{API}{case.pk}/")
        assert detail.status_code == 200, name
        assert detail.json() == shown, name
    # Recorded, as the page's readings.
    assert list(
        AuditEvent.objects.filter(
            actor_id=p["rita"].pk, action__startswith="logreview.suspicioncase."
        )
        .order_by("pk")
        .values_list("action", "object_id")
    ) == [("logreview.suspicioncase.listed", ""), ("logreview.suspicioncase.viewed", str(case.pk))]
    # Not named: nothing, not even that it exists (a list without it, a 404).
    for name in ("anna", "orgadmin", "controller", "other_controller", "procowner"):
        forget_scope(p[name])
        client = login(p[name])
        listing = client.get(API)
        assert (listing.status_code, listing.json()["results"]) == (200, []), name
        assert client.get(f"{API}{case.pk}/").status_code == 404, name
    # Read only.
    before = list(SuspicionCase.objects.values_list())
    rita = login(p["rita"])
    for method in ("post", "put", "patch", "delete"):
        url = API if method == "post" else f"{API}{case.pk}/"
        assert getattr(rita, method)(url, {}, content_type="application/json").status_code == 405
    assert list(SuspicionCase.objects.values_list()) == before


def test_before_the_person_is_entered_nothing_of_them_is_told() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    detail = login(p["boss"]).get(f"{API}{case.pk}/").json()
    assert (detail["status"], detail["subject_user"], detail["period_from"]) == (
        "requested",
        None,
        None,
    )
    assert (detail["senior_manager"], detail["entered_at"]) == (p["boss"].pk, None)


def test_a_documented_case_and_a_list_at_the_same_cost(
    django_assert_max_num_queries: Any,
) -> None:
    aw = world()
    p = aw.people
    case = _fulfilled_case(aw)
    rita = login(p["rita"])
    outcome = {
        "completed_on": "2026-12-02",
        "persons_reviewed": "1",
        "logs_reviewed": "3",
        "with_remark": "0",
        "incident_reported": "0",
    }
    documented = rita.post(f"/logreview/suspicion/{case.pk}/review/document/", outcome)
    assert documented.status_code == 302
    # The completion date to those named on the case, not to the log administrator.
    for name, expected in (
        ("rita", "2026-12-02"),
        ("boss", "2026-12-02"),
        ("mgr_north", "2026-12-02"),
        ("sysadmin", None),
    ):
        detail = login(p[name]).get(f"{API}{case.pk}/").json()
        assert (detail["status"], detail["documented_on"]) == ("documented", expected), name
    # The list's queries do not grow with its rows.
    rita.get(API)
    with django_assert_max_num_queries(20) as one:
        assert len(rita.get(API).json()["results"]) == 1
    for _n in range(5):
        request_case(aw)
    with django_assert_max_num_queries(20) as six:
        assert len(rita.get(API).json()["results"]) == 6
    assert len(one.captured_queries) == len(six.captured_queries)
