"""The signed agreement document: uploaded through the form, served only within scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.register.models import Agreement
from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, agreement, name, content):
    url = reverse("register:agreement_edit", args=[agreement.pk])
    data = {
        "kind": agreement.kind,
        "title": agreement.title,
        "reference": "",
        "owner_organisation": agreement.owner_organisation_id,
        "supplier": agreement.supplier_id,
        "services": [s.pk for s in agreement.services.all()],
        "valid_from": agreement.valid_from.isoformat(),
        "valid_to": "",
        "notice_period_months": "",
        "renewal_decision_by": "",
        "description": "",
        "document": SimpleUploadedFile(name, content),
    }
    return client.post(url, data)


def test_pdf_upload_is_stored_and_served_only_to_those_who_see_the_agreement(client):
    world = build_world()
    agreement = world.items["AGR_SUP"]
    client.force_login(world.users["assoc_admin"])
    response = _upload(client, agreement, "avtal.pdf", PDF)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document.name.startswith(f"agreements/{agreement.owner_organisation_id}/")

    url = reverse("register:agreement_document", args=[agreement.pk])
    for persona in ("assoc_admin", "owner1", "sup"):
        client.force_login(world.users[persona])
        response = client.get(url)
        assert response.status_code == 200, persona
        assert b"".join(response.streaming_content) == PDF
        event = AuditEvent.objects.order_by("-id").first()
        assert event.action == "register.agreement.document_read"
        assert event.actor_id == world.users[persona].pk
    for persona in ("staff3", "sup2"):
        client.force_login(world.users[persona])
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 404, persona
        assert AuditEvent.objects.count() == before
    client.logout()
    assert client.get(url).status_code == 302


def test_other_file_types_are_refused_and_nothing_changes(client):
    world = build_world()
    agreement = world.items["AGR_SUP"]
    client.force_login(world.users["assoc_admin"])
    response = _upload(client, agreement, "avtal.exe", b"MZ\x90\x00")
    assert response.status_code == 400
    assert Agreement.objects.get(pk=agreement.pk).document.name == ""
    assert "document" in response.context["form"].errors


def test_viewing_a_system_with_personal_data_is_recorded_and_others_are_not(client):
    world = build_world()
    client.force_login(world.users["owner1"])
    system = world.items["SYS_M1"]  # processes personal data
    before = AuditEvent.objects.count()
    assert client.get(system.get_absolute_url()).status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.object_id, event.actor_id) == (
        "register.system.viewed",
        str(system.pk),
        world.users["owner1"].pk,
    )
    assert client.get(world.items["SYS_A"].get_absolute_url()).status_code == 200
    assert AuditEvent.objects.count() == before + 1
