"""Risk and vulnerability analyses: risks on a 4x4 heat map, the action plan carried
into the management plan by reference, finishing fulfils the yearly control, forwarding
to the crisis coordinator, the tagged PDF, and the owner's shared analysis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from forvalta.compliance.models import (
    ControlDefinition,
    ControlOccurrence,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.compliance.roles import ensure_role_types
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.notifications.models import Notification
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type
from forvalta.register.tests.world import build_world, marker

pytestmark = pytest.mark.django_db


def _world():
    ensure_role_types()
    w = build_world()
    for key, org, code, item in (
        ("lead", "assoc", "system_owner", "SYS_A"),
        ("owner1", "muni1", "system_owner", "SYS_M1"),
        ("colleague1", "muni1", "crisis_coordinator", "OBJ_M1"),
    ):
        RoleAssignmentFactory(
            person=w.users[key],
            organisation=w.orgs[org],
            role_type=role_type(code),
            **{"system" if item.startswith("SYS") else "management_object": w.items[item]},
            valid_from=dt.date(2020, 1, 1),
        )
    return w


def _analysis(client, w, user, org, field, item, **extra):
    client.force_login(w.users[user])
    data = {
        "organisation": w.orgs[org].pk,
        "title": f"RSA {marker('RSA_' + org)}",
        field: w.items[item].pk,
        "performed_on": "2026-11-10",
        "method": "KLASSA RSA",
        "participants": "Systemförvaltare, informationssäkerhetssamordnare",
        **extra,
    }
    response = client.post(reverse("compliance:riskanalysis_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return RiskAnalysis.objects.latest("pk")


def _risk(client, analysis, description, likelihood, consequence):
    response = client.post(
        reverse("compliance:risk_add"),
        {
            "analysis": analysis.pk,
            "description": description,
            "likelihood": likelihood,
            "consequence": consequence,
        },
    )
    assert response.status_code == 302


def test_heat_map_finish_control_forward_and_pdf(client):
    w = _world()
    control = ControlDefinition.objects.create(
        organisation=w.orgs["muni1"],
        name="Årlig RSA",
        kind="risk_analysis",
        due_dates="12-31",
        first_year=2026,
        system=w.items["SYS_M1"],
    )
    occurrence = ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 12, 31))
    analysis = _analysis(client, w, "owner1", "muni1", "system", "SYS_M1")
    _risk(client, analysis, "Driftavbrott", 2, 4)
    _risk(client, analysis, "Obehörig åtkomst", 3, 4)
    _risk(client, analysis, "Felaktiga uppgifter", 3, 4)
    _risk(client, analysis, "Tappad logg", 1, 1)
    response = client.post(
        reverse("compliance:riskaction_add"),
        {
            "analysis": analysis.pk,
            "description": "Inför tvåfaktor",
            "owner": w.users["owner1"].pk,
            "due_on": "2027-03-31",
            "plan_reference": "Förvaltningsplan 2027, aktivitet 4",
        },
    )
    assert response.status_code == 302
    assert RiskAction.objects.get().plan_reference == "Förvaltningsplan 2027, aktivitet 4"
    page = client.get(analysis.get_absolute_url())
    grid = [[c["count"] for c in row["cells"]] for row in page.context["heat_map"]]
    assert grid == [[0, 1, 2, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]
    levels = [[c["level"] for c in row["cells"]] for row in page.context["heat_map"]]
    assert levels[0] == ["medium", "medium", "high", "high"]
    assert levels[3] == ["low", "low", "low", "medium"]
    # Finishing fulfils the yearly control of the system.
    assert (
        client.post(reverse("compliance:riskanalysis_finish", args=[analysis.pk])).status_code
        == 302
    )
    occurrence.refresh_from_db()
    assert occurrence.status == "done" and occurrence.automatic
    # A finished analysis takes no more risks, and is not edited.
    before = Risk.objects.count()
    response = client.post(
        reverse("compliance:risk_add"),
        {"analysis": analysis.pk, "description": "Sen", "likelihood": 1, "consequence": 1},
    )
    assert response.status_code == 400 and Risk.objects.count() == before
    assert client.get(reverse("compliance:riskanalysis_edit", args=[analysis.pk])).status_code in {
        400,
        403,
    }
    # Forwarded to the crisis coordinator, who is told; no one else may be chosen.
    forward = reverse("compliance:riskanalysis_forward", args=[analysis.pk])
    assert client.post(forward, {"coordinator": w.users["owner1"].pk}).status_code == 303
    analysis.refresh_from_db()
    assert analysis.forwarded_to is None
    assert client.post(forward, {"coordinator": w.users["colleague1"].pk}).status_code == 302
    analysis.refresh_from_db()
    assert analysis.forwarded_to == w.users["colleague1"] and analysis.forwarded_on is not None
    told = Notification.objects.get(kind="analysis_forwarded")
    assert told.recipient == w.users["colleague1"] and "RSA" not in told.title
    pdf = client.get(reverse("compliance:riskanalysis_pdf", args=[analysis.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert_tagged_pdf(pdf.content, title=f"Risk- och sårbarhetsanalys: {analysis.title}")
    text = " ".join(pdf_text(pdf.content).split())
    assert "Obehörig åtkomst" in text and "Förvaltningsplan 2027, aktivitet 4" in text


def test_the_owners_shared_analysis_reaches_the_participants_only_when_shared(client):
    w = _world()
    private = _analysis(client, w, "lead", "assoc", "service", "SVC_A")
    shared = _analysis(
        client, w, "lead", "assoc", "service", "SVC_A", shared_with_participants="on"
    )
    own = _analysis(client, w, "owner1", "muni1", "system", "SYS_M1")
    seen = {
        "owner1": {shared.pk, own.pk},
        "staff2": {shared.pk},
        "staff3": set(),
        "lead": {private.pk, shared.pk},
        "sup2": set(),
    }
    for persona, expected in seen.items():
        assert (
            set(RiskAnalysis.objects.visible_to(w.users[persona]).values_list("pk", flat=True))
            == expected
        ), persona
        client.force_login(w.users[persona])
        for analysis in (private, shared, own):
            status = client.get(analysis.get_absolute_url()).status_code
            assert status == (200 if analysis.pk in expected else 404), (persona, analysis)
    # A participant reads the shared analysis but does not change it.
    client.force_login(w.users["owner1"])
    response = client.post(reverse("compliance:riskanalysis_finish", args=[shared.pk]))
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.status == "draft"
    # Only the owner's analysis may be shared.
    client.force_login(w.users["owner1"])
    response = client.post(
        reverse("compliance:riskanalysis_add"),
        {
            "organisation": w.orgs["muni1"].pk,
            "title": "Delad",
            "service": w.items["SVC_A"].pk,
            "performed_on": "2026-11-10",
            "participants": "x",
            "shared_with_participants": "on",
        },
    )
    assert response.status_code in {400, 403}
    assert RiskAnalysis.objects.count() == 3


def test_heat_map_colours_by_classes_under_the_csp(client):
    """The site's CSP allows no inline styles: the heat map's colours come from classes
    of the project's style sheet, and the cells carry no style attribute."""
    import re
    from pathlib import Path

    from django.contrib.staticfiles import finders

    w = _world()
    analysis = _analysis(client, w, "owner1", "muni1", "system", "SYS_M1")
    _risk(client, analysis, "Driftavbrott", 4, 4)
    _risk(client, analysis, "Tappad logg", 1, 1)
    response = client.get(analysis.get_absolute_url())
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response.get("Content-Security-Policy", "")
    html = response.content.decode()
    table = re.search(r'<table class="table heat-map".*?</table>', html, re.S)
    assert table is not None
    heat = table.group(0)
    assert "style=" not in heat
    cells = re.findall(r'<td class="heat heat-(\w+)" data-level="(\w+)">(\d+)</td>', heat)
    assert len(cells) == 16
    assert all(cls == level for cls, level, _ in cells)
    # Row by row from consequence 4 down, likelihood 1-4 across.
    assert [c[0] for c in cells[:4]] == ["medium", "medium", "high", "high"]
    assert [c[0] for c in cells[12:]] == ["low", "low", "low", "medium"]
    assert cells[3][2] == "1" and cells[12][2] == "1"
    assert sum(int(c[2]) for c in cells) == 2
    css = Path(finders.find("forvalta/forvalta.css")).read_text()
    for level, colour in (("high", "#f4b6b6"), ("medium", "#fbe3a6"), ("low", "#cfe9c8")):
        assert f".heat-map td.heat-{level} {{ background: {colour}; }}" in css
    # The PDF has no CSP but no inline styles either: its own style sheet colours the cells.
    from django.template.loader import render_to_string

    pdf_html = render_to_string(
        "compliance/riskanalysis_pdf.html",
        {
            "analysis": analysis,
            "risks": analysis.risks.all(),
            "actions": [],
            "heat_map": response.context["heat_map"],
        },
    )
    assert "style=" not in pdf_html and ".heat-high { background: #f4b6b6; }" in pdf_html
