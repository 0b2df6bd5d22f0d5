"""Classification (KLASSA): each member classifies its own information in a shared
system; the owner sees the highest level per aspect as a number and never a member's
reasoning; another member sees neither; systems in operation without a current
classification are documentation gaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import Classification, ClassificationAction, ClassificationLevelName
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type
from forvalta.register.tests.world import build_world, marker

pytestmark = pytest.mark.django_db


def classify(client, user, org, system, levels, reason_marker, review="2099-01-01"):
    client.force_login(user)
    data = {
        "organisation": org.pk,
        "system": system.pk,
        "information_set": "",
        "classified_on": "2026-11-01",
        "review_on": review,
    }
    for aspect, level in zip(
        ("confidentiality", "integrity", "availability", "traceability"), levels, strict=True
    ):
        data[aspect] = level
        data[f"{aspect}_reason"] = f"Skäl {aspect} {marker(reason_marker)}"
    return client.post(reverse("compliance:classification_add"), data)


def _world():
    w = build_world()
    # Kommun Ett's and Kommun Två's information owners; the association's system owner.
    for key, org in (("owner1", "muni1"), ("staff2", "muni2"), ("lead", "assoc")):
        RoleAssignmentFactory(
            person=w.users[key],
            organisation=w.orgs[org],
            role_type=role_type("information_owner" if org != "assoc" else "system_owner"),
            system=w.items["SYS_A"],
            valid_from=dt.date(2020, 1, 1),
        )
    return w


def test_the_owner_sees_the_highest_level_per_aspect_and_no_reasoning(client):
    w = _world()
    sys_a = w.items["SYS_A"]
    assert (
        classify(client, w.users["owner1"], w.orgs["muni1"], sys_a, (3, 2, 2, 1), "R1").status_code
        == 302
    )
    assert (
        classify(client, w.users["staff2"], w.orgs["muni2"], sys_a, (2, 4, 1, 2), "R2").status_code
        == 302
    )
    # An expired classification does not count.
    Classification.objects.create(
        organisation=w.orgs["muni2"],
        system=sys_a,
        confidentiality=4,
        integrity=4,
        availability=4,
        traceability=4,
        confidentiality_reason="x",
        integrity_reason="x",
        availability_reason="x",
        traceability_reason=f"x {marker('R3')}",
        classified_by=w.users["staff2"],
        classified_on=dt.date(2020, 1, 1),
        review_on=dt.date(2021, 1, 1),
    )
    client.force_login(w.users["lead"])
    url = reverse("compliance:system_classification", args=[sys_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    rows = page.context["rows"]
    assert [level for _, level, _ in rows] == [3, 4, 2, 2]
    assert page.context["count"] == 2
    for secret in ("R1", "R2", "R3", "Skäl"):
        assert marker(secret) not in text and "Skäl" not in text, secret
    assert "Kommun Ett" not in text and "Kommun Två" not in text
    # The owner does not see the members' classifications themselves.
    listing = client.get(reverse("compliance:classification_list") + "?export=csv")
    assert listing.content.decode("utf-8-sig").count("\n") == 1  # the header only
    for c in Classification.objects.all():
        assert client.get(c.get_absolute_url()).status_code == 404
    # Nor does the API.
    assert marker("R1") not in client.get("/api/classifications/").content.decode()


def test_a_member_sees_only_its_own_classification(client):
    w = _world()
    sys_a = w.items["SYS_A"]
    classify(client, w.users["owner1"], w.orgs["muni1"], sys_a, (3, 2, 2, 1), "R1")
    classify(client, w.users["staff2"], w.orgs["muni2"], sys_a, (2, 4, 1, 2), "R2")
    mine = Classification.objects.get(organisation=w.orgs["muni2"])
    theirs = Classification.objects.get(organisation=w.orgs["muni1"])
    client.force_login(w.users["staff2"])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    page = client.get(mine.get_absolute_url())
    assert page.status_code == 200
    assert marker("R2") in page.content.decode()
    listing = client.get(reverse("compliance:classification_list") + "?export=csv")
    text = listing.content.decode("utf-8-sig")
    assert marker("R1") not in text and text.count("\n") == 2
    # A member that does not own the system gets no aggregate.
    assert (
        client.get(reverse("compliance:system_classification", args=[sys_a.pk])).status_code == 404
    )
    api = client.get("/api/classifications/").content.decode()
    assert marker("R1") not in api


def test_renamed_levels_and_refusals_change_nothing(client):
    w = _world()
    client.force_login(w.users["assoc_admin"])
    response = client.post(
        reverse("compliance:classificationlevelname_add"),
        {"organisation": w.orgs["assoc"].pk, "level": 4, "name": "Kritisk"},
    )
    assert response.status_code == 302
    classify(client, w.users["owner1"], w.orgs["muni1"], w.items["SYS_A"], (4, 1, 1, 1), "R1")
    client.force_login(w.users["lead"])
    page = client.get(reverse("compliance:system_classification", args=[w.items["SYS_A"].pk]))
    assert "4 – Kritisk" in page.content.decode()
    # A colleague without a classifying role, and someone of another organisation.
    before = Classification.objects.count()
    response = classify(
        client, w.users["staff3"], w.orgs["muni1"], w.items["SYS_M3"], (1, 1, 1, 1), "X"
    )
    assert response.status_code in {400, 403}
    assert Classification.objects.count() == before
    # Bad input: a review before the classification, missing reasoning.
    response = classify(
        client,
        w.users["owner1"],
        w.orgs["muni1"],
        w.items["SYS_M1"],
        (1, 1, 1, 1),
        "Y",
        review="2026-10-01",
    )
    assert response.status_code == 400
    assert Classification.objects.count() == before
    assert ClassificationLevelName.objects.count() == 1


def test_protection_needs_as_action_items(client):
    w = _world()
    classify(client, w.users["owner1"], w.orgs["muni1"], w.items["SYS_M1"], (3, 3, 2, 2), "R1")
    c = Classification.objects.get()
    response = client.post(
        reverse("compliance:classificationaction_add"),
        {
            "classification": c.pk,
            "description": "Tvåfaktorsinloggning",
            "owner": w.users["owner1"].pk,
            "due_on": "2027-03-31",
        },
    )
    assert response.status_code == 302
    action = ClassificationAction.objects.get()
    assert action.owner == w.users["owner1"] and action.due_on == dt.date(2027, 3, 31)
    assert AuditEvent.objects.filter(action="compliance.classificationaction.created").count() == 1
    assert "Tvåfaktorsinloggning" in client.get(c.get_absolute_url()).content.decode()
    client.force_login(w.users["staff2"])
    response = client.post(
        reverse("compliance:classificationaction_add"),
        {"classification": c.pk, "description": "Intrång", "due_on": "2027-03-31"},
    )
    assert response.status_code in {400, 403}
    assert ClassificationAction.objects.count() == 1


def test_systems_in_operation_without_a_current_classification_are_gaps(client):
    w = _world()
    client.force_login(w.users["owner1"])
    gaps = reverse("register:documentation_gaps")
    text = client.get(gaps).content.decode()
    section = text[text.index('data-testid="unclassified"') :]
    assert marker("SYS_M1") in section and marker("SYS_A") in section
    # A member's classification of the shared system is not the owner's.
    classify(client, w.users["owner1"], w.orgs["muni1"], w.items["SYS_A"], (1, 1, 1, 1), "R1")
    classify(client, w.users["owner1"], w.orgs["muni1"], w.items["SYS_M1"], (1, 1, 1, 1), "R2")
    client.force_login(w.users["owner1"])
    text = client.get(gaps).content.decode()
    section = text[text.index('data-testid="unclassified"') :]
    assert marker("SYS_M1") not in section and marker("SYS_A") in section
    # Another organisation's systems never appear.
    client.force_login(w.users["staff3"])
    text = client.get(gaps).content.decode()
    assert marker("SYS_M1") not in text and marker("SYS_A") not in text


def test_a_classification_fulfils_the_classification_review_control(client):
    from forvalta.compliance.models import ControlDefinition, ControlOccurrence

    w = _world()
    control = ControlDefinition.objects.create(
        organisation=w.orgs["muni1"],
        name="Klassning",
        kind="classification_review",
        due_dates="12-31",
        first_year=2026,
        system=w.items["SYS_M1"],
    )
    occurrence = ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 12, 31))
    classify(client, w.users["owner1"], w.orgs["muni1"], w.items["SYS_M1"], (2, 2, 2, 2), "R")
    occurrence.refresh_from_db()
    assert occurrence.status == "done" and occurrence.automatic
    assert occurrence.completed_on == dt.date(2026, 11, 1)
