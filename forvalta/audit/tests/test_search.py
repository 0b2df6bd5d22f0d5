"""Search, extract and verify through HTTP (page and API): who may, and what is recorded."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import record
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "/audit/"
API = "/api/audit/events/"


@pytest.fixture
def world() -> dict[str, Any]:
    org_a = OrganisationFactory(name="Alingsås kommun")
    org_b = OrganisationFactory(name="Borås stad")
    admin_a = UserFactory(username="admin_a", first_name="Ada", last_name="Admin")
    MembershipFactory(user=admin_a, organisation=org_a, is_org_admin=True)
    member_a = UserFactory(username="member_a")
    MembershipFactory(user=member_a, organisation=org_a)
    admin_b = UserFactory(username="admin_b")
    MembershipFactory(user=admin_b, organisation=org_b, is_org_admin=True)
    platform = UserFactory(username="platform", is_platform_admin=True)
    record(actor=member_a, action="core.unit.created", organisation=org_a, object_repr="ZZA1ZZ")
    record(actor=admin_b, action="core.unit.created", organisation=org_b, object_repr="ZZB1ZZ")
    record(actor=None, action="auth.login_failed", object_repr="ZZPLATFORMZZ")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "admin_a": admin_a,
        "member_a": member_a,
        "admin_b": admin_b,
        "platform": platform,
    }


def client_for(user: Any) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser", REMOTE_ADDR="198.51.100.9")
    client.force_login(user)
    return client


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_an_org_admin_sees_only_their_organisations_events(world: dict[str, Any]) -> None:
    response = client_for(world["admin_a"]).get(SEARCH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "ZZA1ZZ" in body
    assert "ZZB1ZZ" not in body
    assert "ZZPLATFORMZZ" not in body
    (searched,) = events("audit.searched")
    assert searched.actor_id == world["admin_a"].pk
    assert searched.organisation_id == world["org_a"].pk
    assert searched.client_address == "198.51.100.9"
    assert searched.user_agent == "pytest-browser"
    # The org A event and admin A's own login, filed under admin A's organisation.
    assert searched.changes["results"] == [None, 2]


def test_the_platform_auditor_sees_only_platform_events(world: dict[str, Any]) -> None:
    body = client_for(world["platform"]).get(SEARCH).content.decode()
    assert "ZZPLATFORMZZ" in body
    assert "ZZA1ZZ" not in body
    assert "ZZB1ZZ" not in body


def test_a_member_without_the_right_is_refused_and_the_refusal_recorded(
    world: dict[str, Any],
) -> None:
    client = client_for(world["member_a"])  # logging in is an event too
    before = AuditEvent.objects.count()
    response = client.get(SEARCH, {"user": "Ada"})
    assert response.status_code == 403
    assert "ZZA1ZZ" not in response.content.decode()
    (denied,) = events("access.denied")
    assert denied.actor_id == world["member_a"].pk
    assert denied.organisation_id == world["org_a"].pk
    assert denied.changes == {"attempted": [None, "search the audit trail"]}
    assert AuditEvent.objects.count() == before + 1  # the refusal, and nothing else
    assert events("audit.searched") == []


def test_anonymous_users_are_sent_to_login(world: dict[str, Any]) -> None:
    response = Client().get(SEARCH)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_filters(world: dict[str, Any]) -> None:
    client = client_for(world["admin_a"])
    record(
        actor=world["admin_a"],
        action="core.unit.updated",
        organisation=world["org_a"],
        object_repr="ZZA2ZZ",
    )

    def shown(**params: Any) -> set[str]:
        body = client.get(SEARCH, params).content.decode()
        return {m for m in ("ZZA1ZZ", "ZZA2ZZ") if m in body}

    assert shown() == {"ZZA1ZZ", "ZZA2ZZ"}
    assert shown(action="core.unit.updated") == {"ZZA2ZZ"}
    assert shown(action="core.unit.") == {"ZZA1ZZ", "ZZA2ZZ"}
    assert shown(user=str(world["member_a"].pk)) == {"ZZA1ZZ"}
    assert shown(user="ada") == {"ZZA2ZZ"}
    assert shown(object="zza2") == {"ZZA2ZZ"}
    assert shown(occurred_from="2000-01-01T00:00", occurred_to="2999-01-01T00:00") == {
        "ZZA1ZZ",
        "ZZA2ZZ",
    }
    assert shown(occurred_from="2999-01-01T00:00") == set()
    assert shown(client="system") == {"ZZA1ZZ", "ZZA2ZZ"}  # recorded outside a request
    assert shown(client="198.51.100.9") == set()
    # Another organisation's id in the organisation filter is not a valid choice.
    response = client.get(SEARCH, {"organisation": str(world["org_b"].pk)})
    assert "ZZB1ZZ" not in response.content.decode()


def test_keyset_pages(world: dict[str, Any]) -> None:
    for i in range(60):
        record(
            actor=None, action="test.page", organisation=world["org_a"], object_repr=f"P{i:03d}P"
        )
    client = client_for(world["admin_a"])
    first = client.get(SEARCH, {"action": "test.page"})
    body = first.content.decode()
    assert "P059P" in body and "P010P" in body and "P009P" not in body
    assert first.context["next_url"]
    second = client.get(SEARCH + first.context["next_url"])
    body = second.content.decode()
    assert "P009P" in body and "P000P" in body and "P010P" not in body
    assert not second.context["next_url"]


def test_extract_csv_and_excel_are_recorded(world: dict[str, Any]) -> None:
    client = client_for(world["admin_a"])
    response = client.get(SEARCH, {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # Header, admin A's own login (filed under org A as the actor's organisation), the org A
    # event.
    assert len(rows) == 3
    assert "auth.login" in rows[1] and "ZZA1ZZ" in rows[2]
    (extracted,) = events("audit.extracted")
    assert extracted.organisation_id == world["org_a"].pk
    assert extracted.changes["format"] == [None, "csv"]
    assert extracted.changes["rows"] == [None, 2]
    assert events("audit.searched") == []

    response = client.get(SEARCH, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    reprs = [row[13] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # The earlier extract's own event, admin A's login, and the org A event.
    assert len(reprs) == 3
    assert reprs[2] == "ZZA1ZZ"
    assert len(events("audit.extracted")) == 2


def test_extract_counts_only_up_to_the_excel_limit(world: dict[str, Any], monkeypatch: Any) -> None:
    """An extract never counts the whole trail: up to the Excel limit, then "more"."""
    from forvalta.audit import views

    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 2)
    admin = world["admin_a"]
    for _ in range(3):
        record(actor=admin, action="core.unit.updated", organisation=world["org_a"])
    client = client_for(admin)
    with CaptureQueriesContext(connection) as ctx:
        refused = client.get(SEARCH, {"export": "xlsx"})
    assert refused.status_code == 400
    assert "2" in refused.content.decode() and "CSV" in refused.content.decode()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 3" in counts[0]
    (refusal,) = events("audit.extracted")
    assert refusal.changes["refused_rows"] == [None, "2+"]
    assert refusal.changes["up_to_seq"][1] == AuditEvent.objects.order_by("-seq")[1].seq

    response = client.get(SEARCH, {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    # All of them: the world's one in Alingsås, the three updates, the refused extract,
    # and the admin's own login (filed under the actor's organisation).
    assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) == 1 + 6
    assert events("audit.extracted")[1].changes["rows"] == [None, "2+"]


def test_extract_is_a_separate_right(world: dict[str, Any], monkeypatch: Any) -> None:
    """Re-pointing audit.extract_auditevent takes extracting away and leaves searching."""
    import rules

    monkeypatch.setitem(
        rules.permissions.permissions, "audit.extract_auditevent", rules.always_deny
    )
    client = client_for(world["admin_a"])
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert "export=csv" not in response.content.decode()
    response = client.get(SEARCH, {"export": "csv"})
    assert response.status_code == 403
    (denied,) = events("access.denied")
    assert denied.changes == {"attempted": [None, "extract the audit trail"]}
    assert events("audit.extracted") == []


def test_a_member_cannot_extract(world: dict[str, Any]) -> None:
    response = client_for(world["member_a"]).get(SEARCH, {"export": "xlsx"})
    assert response.status_code == 403
    assert len(events("access.denied")) == 1
    assert events("audit.extracted") == []


# --- API ---------------------------------------------------------------------------------------
def test_api_lists_the_same_scope_and_records_the_search(world: dict[str, Any]) -> None:
    response = client_for(world["admin_a"]).get(API)
    assert response.status_code == 200
    data = response.json()
    # Admin A's own login (filed under org A as the actor's organisation), the org A event.
    assert [e["object_repr"] for e in data["results"]] == ["Ada Admin", "ZZA1ZZ"]
    assert set(data) >= {"next", "previous", "results"}
    (searched,) = events("audit.searched")
    assert searched.changes["api"] == [None, True]


def test_api_filters_and_cursor_pages(world: dict[str, Any]) -> None:
    for i in range(7):
        record(actor=None, action="test.api", organisation=world["org_a"], object_repr=f"Q{i}")
    client = client_for(world["admin_a"])
    data = client.get(API, {"action": "test.api", "page_size": 5}).json()
    assert [e["object_repr"] for e in data["results"]] == ["Q6", "Q5", "Q4", "Q3", "Q2"]
    data = client.get(data["next"]).json()
    assert [e["object_repr"] for e in data["results"]] == ["Q1", "Q0"]


def test_api_refuses_a_member_and_records_it(world: dict[str, Any]) -> None:
    response = client_for(world["member_a"]).get(API)
    assert response.status_code == 403
    (denied,) = events("access.denied")
    assert denied.changes == {"attempted": [None, "search the audit trail (API)"]}
    assert events("audit.searched") == []


def test_api_refuses_anonymous(world: dict[str, Any]) -> None:
    assert Client().get(API).status_code in {401, 403}


# --- verify page --------------------------------------------------------------------------------
def test_verify_page_for_auditors(world: dict[str, Any]) -> None:
    client = client_for(world["admin_a"])
    assert client.get(reverse("audit:verify")).status_code == 200
    response = client.post(reverse("audit:verify"))
    assert response.status_code == 200
    assert response.context["result"].intact
    (verified,) = events("audit.verified")
    assert verified.actor_id == world["admin_a"].pk
    response = client.get(reverse("audit:checkpoints_export", args=["json"]))
    assert response.status_code == 200
    assert response.json() == {"checkpoints": []}


def test_verify_page_refuses_members(world: dict[str, Any]) -> None:
    response = client_for(world["member_a"]).post(reverse("audit:verify"))
    assert response.status_code == 403
    assert events("audit.verified") == []
    assert len(events("access.denied")) == 1


def test_records_view_decorator_and_mixin(world: dict[str, Any], rf: Any) -> None:
    from django.http import HttpResponse

    from forvalta.audit.reading import records_view

    @records_view("test.personal_data.viewed", object_type="test.thing")
    def view(request: Any, pk: int) -> HttpResponse:
        return HttpResponse("ok")

    @records_view("test.personal_data.viewed")
    def refused(request: Any, pk: int) -> HttpResponse:
        return HttpResponse(status=403)

    request = rf.get("/things/5/")
    request.user = world["admin_a"]
    view(request, pk=5)
    refused(request, pk=6)
    (viewed,) = events("test.personal_data.viewed")
    assert (viewed.object_type, viewed.object_id, viewed.actor_id) == (
        "test.thing",
        "5",
        world["admin_a"].pk,
    )
