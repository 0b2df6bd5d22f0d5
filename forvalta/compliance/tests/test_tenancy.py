"""The tenancy matrix for compliance: the register's world (forvalta/register/tests/world.py)
with incidents, controls, occurrences and a signed report, each carrying a marker. No
persona meets a marker it may not see on any compliance page, export, PDF, API list or
calendar feed; incidents are need-to-know (not the organisation's administrator)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from forvalta.calendarfeed.registry import items_for
from forvalta.compliance.models import (
    ArchiveDocumentation,
    Classification,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    LegalAct,
    LegalRequirement,
    RetentionRule,
    Risk,
    RiskAnalysis,
)
from forvalta.compliance.services import incident_create, report_sign
from forvalta.core.models import today
from forvalta.core.tests.pdf import pdf_text
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type
from forvalta.register.tests.test_tenancy_matrix import body_text, login
from forvalta.register.tests.world import PERSONAS, World, build_world, forbidden_markers, marker

pytestmark = pytest.mark.django_db

# key -> personas who see it
SEEN_BY = {
    "INC_M1": {"owner1"},  # reported by owner1; Kommun Ett has no data protection contact
    "INC_A": {"lead"},  # reported by lead: not the association's administrator
    "CTL_A": {"assoc_admin", "lead"},  # the association's own control on its shared service
    "OCC_A": {"assoc_admin", "lead"},
    "CTL_M1": {"owner1"},
    "OCC_M1": {"owner1"},
    "REP_M1": {"owner1"},
    "CLS_M1": {"owner1"},  # Kommun Ett's classification of the shared system
    "RSA_A": {"assoc_admin", "lead"},  # the association's own analysis, not shared
    "RSA_AS": {"assoc_admin", "lead", "owner1", "staff2"},  # shared with the participants
    "RSA_M1": {"owner1"},
    "REQ_M1": {"owner1"},
    "UND_A": {"assoc_admin", "lead", "sup"},  # the association's, and the signer's own
    "ARC_M1": {"owner1"},
    "RET_M1": {"owner1"},
}


def build(world: World) -> dict[str, Any]:
    o, u, i = world.orgs, world.users, world.items
    items: dict[str, Any] = {}
    aware = timezone.now() - dt.timedelta(hours=5)
    items["INC_M1"] = incident_create(
        actor=u["owner1"],
        organisation=o["muni1"],
        title=f"Fel mottagare {marker('INC_M1')}",
        aware_at=aware,
        what_happened="Utdrag",
        system=i["SYS_M1"],
    )
    items["INC_A"] = incident_create(
        actor=u["lead"],
        organisation=o["assoc"],
        title=f"Läcka {marker('INC_A')}",
        aware_at=aware,
        what_happened="Plattformen",
        service=i["SVC_A"],
    )
    year = today().year
    due = today() + dt.timedelta(days=10)
    items["CTL_A"] = ControlDefinition.objects.create(
        organisation=o["assoc"],
        name=f"Behörighetskontroll {marker('CTL_A')}",
        kind="access_review",
        due_dates=due.strftime("%m-%d"),
        first_year=due.year,
        service=i["SVC_A"],
    )
    items["CTL_M1"] = ControlDefinition.objects.create(
        organisation=o["muni1"],
        name=f"Loggkontroll {marker('CTL_M1')}",
        kind="log_review",
        due_dates=due.strftime("%m-%d"),
        first_year=due.year,
        system=i["SYS_M1"],
    )
    items["OCC_A"] = ControlOccurrence.objects.create(
        definition=items["CTL_A"], due_on=due, remark=marker("OCC_A")
    )
    items["OCC_M1"] = ControlOccurrence.objects.create(
        definition=items["CTL_M1"], due_on=due, remark=marker("OCC_M1")
    )
    RoleAssignmentFactory(
        person=u["owner1"],
        organisation=o["muni1"],
        role_type=role_type("process_owner"),
        system=i["SYS_M1"],
        valid_from=dt.date(2020, 1, 1),
    )
    past = ControlOccurrence.objects.create(definition=items["CTL_M1"], due_on=dt.date(year, 1, 2))
    assert past.pk
    items["REP_M1"] = report_sign(
        actor=u["owner1"],
        organisation=o["muni1"],
        year=year if due.year == year else due.year,
        statement=f"Intygas {marker('REP_M1')}",
    )
    items["CLS_M1"] = Classification.objects.create(
        organisation=o["muni1"],
        system=i["SYS_A"],
        confidentiality=3,
        integrity=2,
        availability=2,
        traceability=1,
        confidentiality_reason=f"Skäl {marker('CLS_M1')}",
        integrity_reason="-",
        availability_reason="-",
        traceability_reason="-",
        classified_by=u["owner1"],
        classified_on=dt.date(2026, 1, 1),
        review_on=dt.date(2099, 1, 1),
    )
    for key, org, target, shared in (
        ("RSA_A", "assoc", {"service": i["SVC_A"]}, False),
        ("RSA_AS", "assoc", {"service": i["SVC_A"]}, True),
        ("RSA_M1", "muni1", {"system": i["SYS_M1"]}, False),
    ):
        items[key] = RiskAnalysis.objects.create(
            organisation=o[org],
            title=f"RSA {marker(key)}",
            performed_on=dt.date(2026, 2, 1),
            participants="-",
            shared_with_participants=shared,
            **target,
        )
        Risk.objects.create(
            analysis=items[key], description=f"Risk {marker(key)}", likelihood=2, consequence=3
        )
    items["REQ_M1"] = LegalRequirement.objects.create(
        organisation=o["muni1"],
        act=LegalAct.objects.get(reference="SFS 2009:400"),
        system=i["SYS_M1"],
        comment=f"Sekretess {marker('REQ_M1')}",
    )
    items["UND_A"] = ConfidentialityUndertaking.objects.create(
        organisation=o["assoc"],
        person=u["sup"],
        signed_on=dt.date(2025, 1, 1),
        scope=f"E-tjänsten {marker('UND_A')}",
    )
    items["ARC_M1"] = ArchiveDocumentation.objects.create(
        organisation=o["muni1"],
        system=i["SYS_M1"],
        purpose="-",
        information_types="-",
        preservation=f"Bevaras {marker('ARC_M1')}",
    )
    items["RET_M1"] = RetentionRule.objects.create(
        organisation=o["muni1"],
        system=i["SYS_M1"],
        information_type=f"Journal {marker('RET_M1')}",
        action="preserve",
        legal_basis="Arkivlagen",
    )
    return items


def forbidden(persona: str) -> list[str]:
    return forbidden_markers(persona) + [
        marker(k) for k, seen in SEEN_BY.items() if persona not in seen
    ]


def urls(world: World, items: dict[str, Any]) -> list[str]:
    result = []
    for name in (
        "personaldataincident_list",
        "controldefinition_list",
        "controloccurrence_list",
        "annualreport_list",
        "classification_list",
        "riskanalysis_list",
        "legalrequirement_list",
        "confidentialityundertaking_list",
        "archivedocumentation_list",
        "retentionrule_list",
        "legalact_list",
    ):
        base = reverse(f"compliance:{name}")
        result += [base, base + "?export=csv", base + "?export=xlsx"]
    result += [
        reverse("compliance:personaldataincident_add"),
        reverse("compliance:controldefinition_add"),
        reverse("compliance:cycle_generate"),
    ]
    year = items["REP_M1"].year
    for org in world.orgs.values():
        base = reverse("compliance:report") + f"?organisation={org.pk}&year={year}"
        result += [base, base + "&export=csv", base + "&export=xlsx", base + "&export=pdf"]
    for key, item in items.items():
        if key.startswith("REP"):
            result += [item.get_absolute_url(), item.get_absolute_url() + "?export=pdf"]
            continue
        result.append(item.get_absolute_url())
        if key.startswith("INC"):
            result.append(reverse("compliance:personaldataincident_edit", args=[item.pk]))
            result.append(reverse("compliance:incident_report_add", args=[item.pk]))
        if key.startswith("CTL"):
            result.append(reverse("compliance:controldefinition_edit", args=[item.pk]))
        if key.startswith("RSA"):
            result.append(reverse("compliance:riskanalysis_pdf", args=[item.pk]))
        if key.startswith("OCC"):
            result.append(reverse("compliance:controloccurrence_complete", args=[item.pk]))
    result.append(reverse("compliance:system_classification", args=[world.items["SYS_A"].pk]))
    result.append(reverse("register:documentation_gaps"))
    return result


def text_of(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        return pdf_text(response.content)
    return body_text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_compliance_marker_anywhere(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    bad = forbidden(persona)
    for url in urls(world, items):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            continue
        assert response.status_code in {200, 400, 403, 404}, (url, response.status_code)
        leaks = [m for m in bad if m in text_of(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    if persona == "anonymous":
        return
    api = APIClient()
    api.force_authenticate(world.users[persona])
    for endpoint in (
        "incidents",
        "controls",
        "control-occurrences",
        "control-reports",
        "classifications",
        "risk-analyses",
    ):
        response = api.get(f"/api/{endpoint}/")
        assert response.status_code in {200, 403}, endpoint
        leaks = [m for m in bad if m in response.content.decode()]
        assert leaks == [], f"{persona} sees {leaks} at /api/{endpoint}/"
    feed = " ".join(i.summary + i.description for i in items_for(world.users[persona]))
    assert [m for m in bad if m in feed] == []


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_compliance_pages_open_exactly_for_those_who_see_them(client, persona):
    world = build_world()
    items = build(world)
    login(client, world, persona)
    for key, item in items.items():
        response = client.get(item.get_absolute_url())
        if persona in SEEN_BY[key]:
            assert response.status_code == 200, (persona, key)
            assert marker(key) in response.content.decode()
        else:
            assert response.status_code == 404, (persona, key, response.status_code)


@pytest.mark.parametrize("persona", ["colleague1", "staff2", "assoc_admin", "sup"])
def test_writes_on_unseen_rows_are_not_found_and_change_nothing(client, persona):
    world = build_world()
    items = build(world)
    client.force_login(world.users[persona])
    incident = items["INC_M1"]
    response = client.post(
        reverse("compliance:incident_decide", args=[incident.pk]),
        {"decision": "not_notify", "reason": "x"},
    )
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.decision == "undecided"
    occurrence = items["OCC_M1"]
    response = client.post(
        reverse("compliance:controloccurrence_complete", args=[occurrence.pk]),
        {"completed_on": "2026-01-01", "evidence_link": "https://x.se"},
    )
    assert response.status_code in {403, 404}
    occurrence.refresh_from_db()
    assert occurrence.status == "open"
