"""Documentation requirements per lifecycle phase, configurable per organisation (issue 9,
point 2): the defaults, the administrator's page, the gaps computed from it, and the
systems list's "lacks …" filter and owner and manager columns."""

# ruff: noqa: F811  (the `reg` fixture is imported and then asked for by name)
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.register.models import (
    DEFAULT_REQUIREMENTS,
    Lifecycle,
    LifecycleRequirement,
    Requirement,
    System,
)
from forvalta.register.tests.factories import (
    AgreementFactory,
    RoleAssignmentFactory,
    SystemFactory,
    role_type,
)
from forvalta.register.tests.test_register_views import (  # noqa: F401  # the fixture
    Reg,
    events_since,
    last_event_id,
    reg,
    sv,
)

pytestmark = pytest.mark.django_db

PAGE = "/register/gaps/requirements/"


def gaps(client: Any) -> dict[str, list[str]]:
    response = client.get(reverse("register:documentation_gaps"))
    assert response.status_code == 200
    return {g.system.name: g.missing for g in response.context["gaps"]}


def requirement_rows() -> list[tuple[int, str, str, bool]]:
    return list(
        LifecycleRequirement.objects.order_by("pk").values_list(
            "organisation_id", "lifecycle", "requirement", "required"
        )
    )


def appoint(reg: Reg, code: str, system: System) -> None:
    RoleAssignmentFactory(
        person=reg.staff,
        organisation=reg.kommun,
        role_type=role_type(code),
        system=system,
        valid_from=dt.date(2020, 1, 1),
    )


@pytest.fixture
def other_admin(reg: Reg) -> Any:
    person = UserFactory(username="badmin")
    MembershipFactory(user=person, organisation=reg.other, is_org_admin=True)
    return person


def test_defaults_put_a_system_in_introduction_without_owner_among_the_gaps(client, reg):
    System.objects.filter(pk=reg.system.pk).update(lifecycle=Lifecycle.INTRODUCTION)
    SystemFactory(management_object=reg.obj, name="Behovet", lifecycle=Lifecycle.NEED)
    client.force_login(reg.admin)
    assert gaps(client) == {"Procapita": ["system_owner", "system_manager"]}
    appoint(reg, "system_owner", reg.system)
    assert gaps(client) == {"Procapita": ["system_manager"]}
    html = client.get(reverse("register:documentation_gaps")).content.decode()
    assert sv("Introduction") in html  # the phase column


def test_the_administrator_sees_the_defaults_and_changes_them(client, reg):
    client.force_login(reg.admin)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["organisation"] == reg.kommun
    checked = {value for _label, cells in response.context["rows"] for value, _l, on in cells if on}
    assert checked == {
        f"{phase}:{code}" for code, phases in DEFAULT_REQUIREMENTS.items() for phase in phases
    }
    html = response.content.decode()
    assert 'value="introduction:system_owner" id="req-introductionsystem_owner" checked' in html
    assert 'value="need:system_owner" id="req-needsystem_owner">' in html

    System.objects.filter(pk=reg.system.pk).update(lifecycle=Lifecycle.PROCUREMENT)
    operating = SystemFactory(management_object=reg.obj, name="Drift", lifecycle="operation")
    appoint(reg, "system_owner", operating)
    appoint(reg, "system_manager", operating)
    AgreementFactory(
        owner_organisation=reg.kommun, supplier=reg.supplier, valid_from=dt.date(2020, 1, 1)
    ).systems.add(operating)
    assert gaps(client) == {"Drift": ["sla"]}

    events = last_event_id()
    required = [
        "procurement:system_owner",
        "introduction:system_owner",
        "introduction:system_manager",
        "operation:system_owner",
        "operation:system_manager",
        "operation:supplier_agreement",
        "operation:dpa",
        "bogus:system_owner",  # ignored
        "nonsense",
    ]
    response = client.post(PAGE, {"organisation": reg.kommun.pk, "required": required})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?organisation={reg.kommun.pk}"
    assert LifecycleRequirement.objects.count() == len(Lifecycle.values) * len(Requirement.values)
    assert set(
        LifecycleRequirement.objects.filter(required=True).values_list("lifecycle", "requirement")
    ) == {tuple(v.split(":")) for v in required[:7]}
    [event] = events_since(events)
    assert event.action == "register.lifecyclerequirement.updated"
    assert (event.actor_id, event.organisation_id) == (reg.admin.pk, reg.kommun.pk)
    assert event.changes == {
        "procurement": [[], ["system_owner"]],
        "operation": [
            ["system_owner", "system_manager", "supplier_agreement", "dpa", "sla"],
            ["system_owner", "system_manager", "supplier_agreement", "dpa"],
        ],
    }
    # The gaps follow: the SLA is no longer required, an owner in procurement is.
    assert gaps(client) == {"Procapita": ["system_owner"]}

    # Saving the same again records nothing.
    events = last_event_id()
    client.post(PAGE, {"organisation": reg.kommun.pk, "required": required})
    assert events_since(events) == []


def test_who_is_no_administrator_may_not_change_requirements(client, reg):
    client.force_login(reg.staff)
    events = last_event_id()
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, {"organisation": reg.kommun.pk, "required": []})
    assert response.status_code == 403
    assert requirement_rows() == []
    refusals = events_since(events)
    assert [(e.action, e.actor_id) for e in refusals] == [("access.denied", reg.staff.pk)] * 2
    html = client.get(reverse("register:documentation_gaps")).content.decode()
    assert PAGE not in html


def test_another_organisation_neither_sees_nor_changes_the_requirements(client, reg, other_admin):
    System.objects.filter(pk=reg.system.pk).update(lifecycle=Lifecycle.INTRODUCTION)
    client.force_login(other_admin)
    events = last_event_id()
    response = client.post(PAGE, {"organisation": reg.kommun.pk, "required": []})
    assert response.status_code == 404
    assert client.get(f"{PAGE}?organisation={reg.kommun.pk}").status_code == 404
    assert requirement_rows() == []
    assert events_since(events) == []
    # Its own requirements do not reach the kommun's systems.
    response = client.post(PAGE, {"required": []})
    assert response.status_code == 302
    assert {org for org, *_ in requirement_rows()} == {reg.other.pk}
    client.force_login(reg.admin)
    assert gaps(client) == {"Procapita": ["system_owner", "system_manager"]}


# --- the systems list -----------------------------------------------------------------------
def list_names(client: Any, query: str = "") -> list[str]:
    response = client.get(reverse("register:system_list") + query)
    assert response.status_code == 200
    return [row.record.name for row in response.context["table"].page.object_list]


def test_lacks_filter_and_owner_and_manager_columns(client, reg):
    owned = SystemFactory(management_object=reg.obj, name="Ägt", processes_personal_data=True)
    appoint(reg, "system_owner", owned)
    managed = SystemFactory(management_object=reg.obj, name="Förvaltat")
    appoint(reg, "system_manager", managed)
    client.force_login(reg.admin)
    assert list_names(client) == ["Förvaltat", "Procapita", "Ägt"]
    assert list_names(client, "?lacks=system_owner") == ["Förvaltat", "Procapita"]
    assert list_names(client, "?lacks=system_manager") == ["Procapita", "Ägt"]
    assert list_names(client, "?lacks=system_owner&lacks=system_manager") == [
        "Förvaltat",
        "Procapita",
        "Ägt",
    ]
    assert list_names(client, "?lacks=dpa") == ["Ägt"]  # only where personal data
    response = client.get(reverse("register:system_list") + "?lacks=unknown")
    assert list(response.context["table"].page.object_list) == []
    assert "lacks" in response.context["filterset"].errors

    rows = {
        row.record.name: (row.record.system_owner_name, row.record.system_manager_name)
        for row in client.get(reverse("register:system_list")).context["table"].page.object_list
    }
    assert rows == {
        "Förvaltat": (None, "Sture Stab"),
        "Procapita": (None, None),
        "Ägt": ("Sture Stab", None),
    }
    html = client.get(reverse("register:system_list")).content.decode()
    assert sv("system owner").capitalize() in html
    assert sv("system manager").capitalize() in html


def test_another_organisations_systems_are_not_listed_as_lacking(client, reg, other_admin):
    client.force_login(other_admin)
    assert list_names(client, "?lacks=system_owner") == ["Elevregister"]


# --- the API --------------------------------------------------------------------------------
def api(reg: Reg, org: Any) -> str:
    return f"/api/documentation-requirements/{org.pk}/"


def test_api_reads_and_sets_the_requirements(client, reg):
    client.force_login(reg.admin)
    response = client.get(api(reg, reg.kommun))
    assert response.status_code == 200
    assert response.json() == {
        "organisation": reg.kommun.pk,
        "requirements": {
            "need": [],
            "procurement": [],
            "introduction": ["system_owner", "system_manager"],
            "operation": ["system_owner", "system_manager", "supplier_agreement", "dpa", "sla"],
            "decommissioning": [],
            "retired": [],
        },
    }
    events = last_event_id()
    body = {"requirements": {"operation": ["system_owner", "sla"]}}
    response = client.put(api(reg, reg.kommun), body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["requirements"]["operation"] == ["system_owner", "sla"]
    assert response.json()["requirements"]["introduction"] == []
    [event] = events_since(events)
    assert event.action == "register.lifecyclerequirement.updated"
    assert event.changes["operation"] == [
        ["system_owner", "system_manager", "supplier_agreement", "dpa", "sla"],
        ["system_owner", "sla"],
    ]
    # Bad input changes nothing.
    before, events = requirement_rows(), last_event_id()
    for bad in (
        {"requirements": {"someday": ["sla"]}},
        {"requirements": {"operation": ["coffee"]}},
        {},
    ):
        response = client.put(api(reg, reg.kommun), bad, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
    assert requirement_rows() == before
    assert events_since(events) == []


def test_api_refuses_others_and_changes_nothing(client, reg, other_admin):
    body = {"requirements": {}}
    client.force_login(reg.staff)
    events = last_event_id()
    assert client.get(api(reg, reg.kommun)).status_code == 403
    response = client.put(api(reg, reg.kommun), body, content_type="application/json")
    assert response.status_code == 403
    assert [e.action for e in events_since(events)] == ["access.denied", "access.denied"]
    # Organisations are a public directory: another's administrator is refused, not misled.
    client.force_login(other_admin)
    events = last_event_id()
    assert client.get(api(reg, reg.kommun)).status_code == 403
    response = client.put(api(reg, reg.kommun), body, content_type="application/json")
    assert response.status_code == 403
    assert [(e.action, e.actor_id) for e in events_since(events)] == [
        ("access.denied", other_admin.pk)
    ] * 2
    assert client.get("/api/documentation-requirements/999999/").status_code == 404
    assert requirement_rows() == []
    client.logout()
    assert client.get(api(reg, reg.kommun)).status_code == 401
