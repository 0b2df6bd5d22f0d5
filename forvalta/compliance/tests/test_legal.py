"""The legal framework register (seeded) with the laws linked to objects and systems,
and confidentiality undertakings with their gaps on the documentation gaps page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forvalta.compliance.legal_catalogue import LEGAL_ACTS
from forvalta.compliance.models import ConfidentialityUndertaking, LegalAct, LegalRequirement
from forvalta.register.models import System
from forvalta.register.tests.factories import role_type
from forvalta.register.tests.world import build_world, marker

pytestmark = pytest.mark.django_db


def test_the_seeded_laws_and_an_organisations_own(client):
    w = build_world()
    seeded = LegalAct.objects.filter(organisation=None)
    assert sorted(seeded.values_list("reference", flat=True)) == sorted(a[0] for a in LEGAL_ACTS)
    assert {"OSL", "GDPR", "KL", "FL", "PDL"} <= set(seeded.values_list("short_name", flat=True))
    client.force_login(w.users["assoc_admin"])
    response = client.post(
        reverse("compliance:legalact_add"),
        {"organisation": w.orgs["assoc"].pk, "name": f"Egen policy {marker('ACT_A')}"},
    )
    assert response.status_code == 302
    gdpr = seeded.get(short_name="GDPR")
    response = client.post(
        reverse("compliance:legalrequirement_add"),
        {
            "organisation": w.orgs["assoc"].pk,
            "act": gdpr.pk,
            "system": w.items["SYS_A"].pk,
            "responsible_role": role_type("system_owner").pk,
            "comment": f"PUB med alla medlemmar {marker('REQ_A')}",
        },
    )
    assert response.status_code == 302
    req = LegalRequirement.objects.get()
    assert req.responsible_role.code == "system_owner"
    page = client.get(gdpr.get_absolute_url())
    assert marker("REQ_A") not in page.content.decode()  # the comment is on its own page
    assert "Plattform" in page.content.decode()
    # Kommun Två sees the seeded laws, not the association's own law or its links.
    client.force_login(w.users["staff2"])
    text = client.get(reverse("compliance:legalact_list") + "?export=csv").content.decode(
        "utf-8-sig"
    )
    assert "Offentlighets- och sekretesslagen" in text and marker("ACT_A") not in text
    assert client.get(req.get_absolute_url()).status_code == 404
    # Neither a seeded law is changed nor a link made by someone without the right.
    response = client.post(reverse("compliance:legalact_edit", args=[gdpr.pk]), {"name": "Ändrad"})
    assert response.status_code == 403
    response = client.post(
        reverse("compliance:legalrequirement_add"),
        {"organisation": w.orgs["muni2"].pk, "act": gdpr.pk, "system": w.items["SYS_M2"].pk},
    )
    assert response.status_code in {400, 403}
    gdpr.refresh_from_db()
    assert gdpr.name == "Dataskyddsförordningen"
    assert LegalRequirement.objects.count() == 1


def test_supplier_staff_without_a_valid_undertaking_are_gaps(client):
    w = build_world()
    System.objects.filter(pk=w.items["SYS_A"].pk).update(processes_personal_data=True)
    gaps = reverse("register:documentation_gaps")
    client.force_login(w.users["lead"])

    def listed() -> bool:
        text = client.get(gaps).content.decode()
        section = text[text.index('id="h-undertakings"') :]
        return marker("PSUP") in section

    assert listed()
    client.force_login(w.users["assoc_admin"])
    response = client.post(
        reverse("compliance:confidentialityundertaking_add"),
        {
            "organisation": w.orgs["assoc"].pk,
            "person": w.users["sup"].pk,
            "signed_on": "2020-01-01",
            "valid_until": "2021-12-31",
            "scope": "E-tjänsten",
        },
    )
    assert response.status_code == 302
    assert listed()  # expired
    undertaking = ConfidentialityUndertaking.objects.get()
    response = client.post(
        reverse("compliance:confidentialityundertaking_edit", args=[undertaking.pk]),
        {
            "organisation": w.orgs["assoc"].pk,
            "person": w.users["sup"].pk,
            "signed_on": "2020-01-01",
            "valid_until": "",
            "scope": "E-tjänsten",
        },
    )
    assert response.status_code == 302
    assert not listed()
    # The supplier's consultant sees their own undertaking; another member does not.
    client.force_login(w.users["sup"])
    assert client.get(undertaking.get_absolute_url()).status_code == 200
    client.force_login(w.users["staff3"])
    assert client.get(undertaking.get_absolute_url()).status_code == 404
    text = client.get(gaps).content.decode()
    assert marker("PSUP") not in text
