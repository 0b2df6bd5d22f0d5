"""The follow-up API (GET /api/logreview-followups/): the follow-ups a reader needs to
know of, as on their pages, with decisions and judged accesses; the linked review,
incident and removal request only to those who see them; every reading recorded;
read only."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.core.tenancy import forget_scope
from forvalta.logreview.models import UnauthorisedAccess
from forvalta.logreview.tests.test_followup import Setup, decide, denied, login, opened, state
from forvalta.logreview.tests.test_followup_suspicion import CaseSetup

pytestmark = pytest.mark.django_db

API = "/api/logreview-followups/"


def _time(value: Any) -> str:
    return timezone.localtime(value).isoformat()


def _judged(followup: UnauthorisedAccess, model: str) -> list[dict[str, Any]]:
    judgments = getattr(followup, model).select_related("entry").order_by("entry__time", "pk")
    return [
        {
            "time": _time(j.entry.time),
            "client": j.entry.client_masked,
            "action": j.entry.action,
            "record_part": j.entry.record_part,
            "verdict": j.verdict,
            "comment": j.comment,
        }
        for j in judgments
    ]


def test_a_quarterly_follow_up_as_its_page_shows_it() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    controller = login(p["controller"])
    assert decide(controller, followup, "training", "1", "Utbildning").status_code == 302
    followup.refresh_from_db()
    incident = followup.incident
    assert incident is not None
    decision = followup.decisions.get()
    expected = {
        "id": followup.pk,
        "organisation": s.aw.org.pk,
        "system": s.aw.system.pk,
        "order": s.order.pk,
        "case": None,
        "account": "u-anna",
        "employee_name": followup.employee_name,
        "aware_at": _time(followup.aware_at),
        # The controller does not read the incident (its reporter and contacts do).
        "imy_deadline": None,
        "incident": None,
        "removal_request": None,
        "escalated_to": [],
        "status": "open",
        "opened_by": p["mgr_north"].pk,
        "opened_at": _time(followup.opened_at),
        "closed_by": None,
        "closed_at": None,
        "decisions": [
            {
                "kind": "training",
                "answer": True,
                "comment": "Utbildning",
                "decided_by": p["controller"].pk,
                "decided_at": _time(decision.decided_at),
            }
        ],
        "judgments": _judged(followup, "judgments"),
        "display": f"Uppföljning av obehörig åtkomst nr {followup.pk}",
        "web_url": f"http://testserver/logreview/followups/{followup.pk}/",
    }
    assert len(expected["judgments"]) == 2
    detail = controller.get(f"{API}{followup.pk}/", HTTP_ACCEPT_LANGUAGE="sv")
    assert detail.status_code == 200
    assert detail.json() == expected
    listing = controller.get(API, HTTP_ACCEPT_LANGUAGE="sv").json()
    assert listing["results"] == [expected]
    # The recipient, who reported the incident, is given it.
    reporter = login(p["mgr_north"]).get(f"{API}{followup.pk}/").json()
    assert reporter == {
        **expected,
        "imy_deadline": _time(incident.imy_deadline),
        "incident": incident.pk,
    }
    # Both readings are recorded.
    assert list(
        AuditEvent.objects.filter(
            actor_id=p["controller"].pk, action__startswith="logreview.followup."
        )
        .exclude(action="logreview.followup.decided")
        .order_by("pk")
        .values_list("action", "object_id")
    ) == [("logreview.followup.viewed", str(followup.pk)), ("logreview.followup.listed", "")]
    # Those who do not need to know get nothing, the detail as if it did not exist.
    for name in ("other_controller", "member", "anna", "mgr_south", "boss"):
        client = login(p[name])
        assert client.get(API).json()["results"] == [], name
        assert client.get(f"{API}{followup.pk}/").status_code == 404, name
    # Read only: no write, nothing changes.
    before = state()
    for method in ("post", "put", "patch", "delete"):
        url = API if method == "post" else f"{API}{followup.pk}/"
        response = getattr(controller, method)(url, {}, content_type="application/json")
        assert response.status_code == 405, method
    assert state() == before


def test_a_case_follow_up_names_its_links_only_to_those_who_see_them(
    django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    s = CaseSetup(django_capture_on_commit_callbacks)
    p = s.aw.people
    followup = s.opened()
    rita, boss = login(p["rita"]), login(p["boss"])
    assert decide(boss, followup, "escalation", "1", "Processägaren kontaktad").status_code == 302
    followup.refresh_from_db()
    incident = followup.incident
    assert incident is not None
    # The recipient sees the case and the incident.
    mine = rita.get(f"{API}{followup.pk}/").json()
    assert (mine["case"], mine["order"], mine["incident"], mine["imy_deadline"]) == (
        s.case.pk,
        None,
        incident.pk,
        _time(incident.imy_deadline),
    )
    assert mine["escalated_to"] == [p["procowner"].pk]
    assert mine["judgments"] == _judged(followup, "suspicion_judgments")
    # The process owner it was escalated to reads the follow-up, never the case nor the
    # incident (the page shows neither).
    forget_scope(p["procowner"])
    procowner = login(p["procowner"])
    theirs = procowner.get(f"{API}{followup.pk}/").json()
    assert (theirs["case"], theirs["incident"], theirs["imy_deadline"]) == (None, None, None)
    assert theirs["judgments"] == mine["judgments"]
    assert {k: v for k, v in theirs.items() if k not in ("case", "incident", "imy_deadline")} == {
        k: v for k, v in mine.items() if k not in ("case", "incident", "imy_deadline")
    }
    # The person reviewed, the organisation's administrator and the case's requester
    # see nothing.
    for name in ("anna", "orgadmin", "mgr_north", "controller"):
        forget_scope(p[name])
        client = login(p[name])
        assert client.get(API).json()["results"] == [], name
        assert client.get(f"{API}{followup.pk}/").status_code == 404, name
    # The list costs the same at one follow-up and at several.
    rita.get(API)
    with django_assert_max_num_queries(30) as one:
        assert len(rita.get(API).json()["results"]) == 1
    fields = {
        f.attname: getattr(followup, f.attname)
        for f in UnauthorisedAccess._meta.concrete_fields
        if f.attname not in ("id", "incident_id", "removal_request_id")
    }
    more = UnauthorisedAccess.objects.bulk_create(
        UnauthorisedAccess(**{**fields, "account": f"u-{n}"}) for n in range(5)
    )
    for row in more:
        row.suspicion_judgments.set(followup.suspicion_judgments.all())
    with django_assert_max_num_queries(30) as six:
        assert len(rita.get(API).json()["results"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_decisions_and_closing_through_the_api_as_on_the_page() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    url = f"{API}{followup.pk}/"
    manager = login(p["mgr_north"])
    # Bad input: refused with the fields named, nothing changes.
    before = state()
    for bad in (
        {"kind": "training", "answer": True},
        {"kind": "nonsense", "answer": True, "comment": "x"},
        {"kind": "training", "answer": "kanske", "comment": "x"},
        {"kind": "training", "answer": True, "comment": "a\x00b"},
    ):
        response = manager.post(f"{url}decide/", bad, content_type="application/json")
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid"
    assert state() == before
    # Those who see it but do not decide: 403, recorded; those who do not see it: 404.
    procowner = login(p["procowner"])
    data = {"kind": "training", "answer": True, "comment": "Utbildning i sekretess"}
    assert procowner.post(f"{url}decide/", data, content_type="application/json").status_code == 403
    assert procowner.post(f"{url}close/").status_code == 403
    assert denied(p["procowner"]) == 2
    other = login(p["other_controller"])
    assert other.post(f"{url}decide/", data, content_type="application/json").status_code == 404
    assert other.post(f"{url}close/").status_code == 404
    assert state() == before
    # The recipient does not close; the controller not before every decision is
    # documented (refused with the missing ones).
    assert manager.post(f"{url}close/").status_code == 403
    early = login(p["controller"]).post(f"{url}close/")
    assert early.status_code == 400
    assert early.json()["error"]["fields"]["non_field_errors"][0].startswith(
        "Dokumentera varje beslut innan uppföljningen avslutas:"
    )
    assert state() == before
    # The manager documents every decision; each answer is the follow-up as it is now.
    for kind, answer, comment in (
        ("remove_access", False, "Behörigheten behövs i tjänsten"),
        ("training", True, "Utbildning i sekretess"),
        ("rules_known", True, "Reglerna gicks igenom"),
        ("intentional", False, "Av misstag"),
        ("escalation", False, "Inte aktuellt"),
        ("labour_law", False, "Inte aktuellt"),
        ("police_report", False, "Inte aktuellt"),
    ):
        response = manager.post(
            f"{url}decide/",
            {"kind": kind, "answer": answer, "comment": comment},
            content_type="application/json",
        )
        assert response.status_code == 200, (kind, response.content[:300])
        shown = {d["kind"]: (d["answer"], d["comment"]) for d in response.json()["decisions"]}
        assert shown[kind] == (answer, comment)
    assert followup.decisions.count() == 7
    assert AuditEvent.objects.filter(action="logreview.followup.decided").count() == 7
    # The controller closes it.
    closed = login(p["controller"]).post(f"{url}close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == p["controller"].pk
    assert AuditEvent.objects.filter(action="logreview.followup.closed").count() == 1
