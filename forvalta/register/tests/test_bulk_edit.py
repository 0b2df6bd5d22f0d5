"""Bulk changes of systems from the list (issue 9): lifecycle, criticality, owner
organisation and archiving for the chosen rows, confirmed first, each row through its
service in one transaction (all or nothing), one audit event per row."""

from __future__ import annotations

import re
from typing import Any

import pytest

from forvalta.audit.models import AuditEvent
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import System
from forvalta.register.tests.factories import RoleAssignmentFactory, SystemFactory, role_type
from forvalta.register.tests.test_register_views import Reg, last_event_id, state

pytestmark = pytest.mark.django_db
BULK = "/register/systems/bulk/"
LIST = "/register/systems/"


def bulk(data: dict[str, Any]) -> dict[str, Any]:
    """The bulk form's fields carry the prefix "bulk" (the list page has filters too)."""
    return {f"bulk-{key}": value for key, value in data.items()}


def events_since(last: int) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(id__gt=last).order_by("id").values_list("action", "object_id")
    )


@pytest.fixture
def two(reg: Reg) -> list[System]:
    return [
        SystemFactory(management_object=reg.obj, name="Alfa", lifecycle="operation"),
        SystemFactory(management_object=reg.obj, name="Beta", lifecycle="operation"),
    ]


def test_the_list_offers_a_checkbox_per_row_and_the_bulk_form(
    org_admin_client: Any, reg: Reg, two: list[System]
) -> None:
    page = org_admin_client.get(LIST).content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="bulk-pk" value="(\d+)" form="bulk-form"', page
    )
    assert sorted(int(b) for b in boxes) == sorted([reg.system.pk, *(s.pk for s in two)])
    assert 'aria-label="Välj Alfa"' in page
    assert 'id="bulk-form"' in page and "<legend>Ändra de valda systemen</legend>" in page
    # Exports hold no checkbox column.
    assert "Välj" not in org_admin_client.get(LIST + "?export=csv").content.decode("utf-8-sig")


def test_someone_who_changes_no_system_gets_no_checkboxes(client: Any, reg: Reg) -> None:
    reader = UserFactory(username="lasare")
    MembershipFactory(user=reader, organisation=reg.kommun)
    client.force_login(reader)
    page = client.get(LIST).content.decode()
    assert "Procapita" in page
    assert 'form="bulk-form"' not in page and 'id="bulk-form"' not in page


def test_a_lifecycle_change_is_confirmed_then_made_row_by_row(
    org_admin_client: Any, reg: Reg, two: list[System]
) -> None:
    data = {"pk": [s.pk for s in two], "action": "lifecycle", "lifecycle": "decommissioning"}
    before, events = state(), last_event_id()
    response = org_admin_client.post(BULK, bulk({**data, "query": "lifecycle=operation&page=2"}))
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", html)
    assert rows == [("Alfa", "Drift", "Avveckling"), ("Beta", "Drift", "Avveckling")]
    assert state() == before and events_since(events) == []

    response = org_admin_client.post(
        BULK, bulk({**data, "confirm": "1", "query": "lifecycle=operation&page=2"})
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?lifecycle=operation"
    assert [s.lifecycle for s in System.objects.filter(pk__in=data["pk"])] == [
        "decommissioning",
        "decommissioning",
    ]
    assert events_since(events) == [
        ("register.system.updated", str(two[0].pk)),
        ("register.system.updated", str(two[1].pk)),
    ]
    event = AuditEvent.objects.latest("id")
    assert event.changes == {"lifecycle": ["operation", "decommissioning"]}


def test_archiving_several(org_admin_client: Any, reg: Reg, two: list[System]) -> None:
    events = last_event_id()
    response = org_admin_client.post(
        BULK, bulk({"pk": [s.pk for s in two], "action": "archive", "confirm": "1"})
    )
    assert response.status_code == 302
    assert all(s.archived_at for s in System.objects.filter(pk__in=[s.pk for s in two]))
    assert [a for a, _pk in events_since(events)] == ["register.system.archived"] * 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            lambda r, t: {"pk": [t[0].pk, r.other_system.pk], "action": "archive"},
            "Ett av de valda systemen kan inte ändras här.",
        ),
        (
            lambda r, t: {"pk": [t[0].pk, "x"], "action": "archive"},
            "Ett av de valda systemen kan inte ändras här.",
        ),
        (lambda r, t: {"action": "archive"}, "Välj minst ett system i listan."),
        (lambda r, t: {"pk": [t[0].pk], "action": "lifecycle"}, "Välj det nya värdet."),
        (lambda r, t: {"pk": [t[0].pk], "action": "drop"}, "Välj ett giltigt alternativ."),
    ],
    ids=["other-org", "bad-id", "none", "no-value", "bad-action"],
)
def test_bad_input_changes_nothing(
    org_admin_client: Any, reg: Reg, two: list[System], data: Any, message: str
) -> None:
    before, events = state(), last_event_id()
    response = org_admin_client.post(BULK, bulk({**data(reg, two), "confirm": "1"}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Inget ändrades." in response.content.decode()
    assert state() == before and events_since(events) == []


def test_rows_one_may_not_change_are_refused_before_anything_is_done(
    client: Any, reg: Reg, two: list[System]
) -> None:
    """A system manager of Alfa sees Beta (a colleague's system) but may not change it."""
    manager = UserFactory(username="forvaltare")
    MembershipFactory(user=manager, organisation=reg.kommun)
    RoleAssignmentFactory(
        person=manager,
        organisation=reg.kommun,
        role_type=role_type("system_manager"),
        system=two[0],
    )
    client.force_login(manager)
    before, events = state(), last_event_id()
    response = client.post(
        BULK,
        bulk(
            {
                "pk": [s.pk for s in two],
                "action": "criticality",
                "criticality": "critical",
                "confirm": "1",
            }
        ),
    )
    assert response.status_code == 403
    assert "<li>Beta</li>" in response.content.decode()
    assert state() == before
    assert events_since(events) == [("access.denied", str(two[1].pk))]


def test_one_row_failing_its_rules_undoes_the_others(org_admin_client: Any, reg: Reg) -> None:
    """The owner changes for Alfa (no management object) but not for Beta, whose
    management object belongs to the old owner: nothing changes."""
    second = OrganisationFactory(name="Kommun C", kind=OrganisationKind.MUNICIPALITY)
    MembershipFactory(user=reg.admin, organisation=second, is_org_admin=True)
    alfa = SystemFactory(owner_organisation=reg.kommun, management_object=None, name="Alfa")
    beta = SystemFactory(management_object=reg.obj, name="Beta")
    before, events = state(), last_event_id()
    response = org_admin_client.post(
        BULK,
        bulk(
            {
                "pk": [alfa.pk, beta.pk],
                "action": "owner_organisation",
                "owner_organisation": second.pk,
                "confirm": "1",
            }
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "”Beta” kunde inte ändras" in html
    assert "Förvaltningsobjektet måste tillhöra den organisation som äger systemet." in html
    assert state() == before and events_since(events) == []
