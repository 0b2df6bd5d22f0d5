"""Archiving documentation per system (decided and filed) and retention rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from forvalta.compliance.models import ArchiveDocumentation, LegalAct, RetentionRule
from forvalta.register.tests.world import build_world, marker

pytestmark = pytest.mark.django_db

BASE = {
    "purpose": "Dokumentation av e-tjänsteärenden",
    "information_types": "Ansökningar och beslut",
    "preservation": "Beslut bevaras, underlag gallras efter två år",
    "status": "draft",
}


def test_documentation_is_decided_and_filed_by_the_owner(client):
    w = build_world()
    client.force_login(w.users["assoc_admin"])
    url = reverse("compliance:archivedocumentation_add")
    data = {
        **BASE,
        "organisation": w.orgs["assoc"].pk,
        "system": w.items["SYS_A"].pk,
        "archivist": f"Arkivarie {marker('ARC_A')}",
    }
    assert client.post(url, data).status_code == 302
    doc = ArchiveDocumentation.objects.get()
    edit = reverse("compliance:archivedocumentation_edit", args=[doc.pk])
    # Decided needs its decision and date; filed needs its date.
    assert client.post(edit, {**data, "status": "decided"}).status_code == 400
    decided = {
        **data,
        "status": "decided",
        "decision_reference": "Förvaltningsrådet 2026-05-12 §4",
        "decided_on": "2026-05-12",
    }
    assert client.post(edit, decided).status_code == 302
    assert client.post(edit, {**decided, "status": "filed"}).status_code == 400
    assert (
        client.post(
            edit,
            {**decided, "status": "filed", "filed_on": "2026-05-20", "filed_at": "Dnr 2026/112"},
        ).status_code
        == 302
    )
    doc.refresh_from_db()
    assert doc.status == "filed" and doc.filed_on == dt.date(2026, 5, 20)
    # A member organisation does not document the owner's system, nor see the documentation.
    client.force_login(w.users["owner1"])
    before = ArchiveDocumentation.objects.count()
    bad = {**BASE, "organisation": w.orgs["muni1"].pk, "system": w.items["SYS_A"].pk}
    assert client.post(url, bad).status_code in {400, 403}
    assert ArchiveDocumentation.objects.count() == before
    assert client.get(doc.get_absolute_url()).status_code == 404
    listing = client.get(reverse("compliance:archivedocumentation_list") + "?export=csv")
    assert marker("ARC_A") not in listing.content.decode("utf-8-sig")


def test_retention_rules_with_their_legal_basis(client):
    w = build_world()
    client.force_login(w.users["assoc_admin"])
    archive_law = LegalAct.objects.get(reference="SFS 1990:782")
    response = client.post(
        reverse("compliance:retentionrule_add"),
        {
            "organisation": w.orgs["assoc"].pk,
            "system": w.items["SYS_A"].pk,
            "information_type": "Underlag till beslut",
            "action": "dispose",
            "period": "2 år efter avslutat ärende",
            "legal_basis": "Dokumenthanteringsplan 3.2",
            "act": archive_law.pk,
        },
    )
    assert response.status_code == 302
    rule = RetentionRule.objects.get()
    assert rule.act == archive_law and rule.action == "dispose"
    response = client.post(
        reverse("compliance:retentionrule_add"),
        {
            "organisation": w.orgs["assoc"].pk,
            "information_type": "Beslut",
            "action": "keep",
            "legal_basis": "",
        },
    )
    assert response.status_code == 400
    assert RetentionRule.objects.count() == 1
    client.force_login(w.users["staff2"])
    assert client.get(rule.get_absolute_url()).status_code == 404
