"""The engine's required inputs (decision reference, attachment), through the generic
transition page and the API, on a workflow declared for the test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.processes.models import ProcessRun, ProcessTemplate
from forvalta.register.tests.factories import ManagementObjectFactory
from forvalta.workflow import engine
from forvalta.workflow.models import TransitionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(monkeypatch):
    """ProcessRun with one transition that needs a decision and an attachment, which
    only the organisation administrator may take."""
    workflow = engine.Workflow(
        ProcessRun,
        field="status",
        transitions=[
            engine.Transition(
                "approve",
                "Godkänn",
                source=("planned",),
                target="in_progress",
                permission="processes.change_processrun",
                requires=(engine.DECISION, engine.ATTACHMENT),
            )
        ],
    )
    monkeypatch.setitem(engine._REGISTRY, ProcessRun, workflow)
    org = OrganisationFactory()
    admin = UserFactory(username="chief")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    run = ProcessRun.objects.create(
        template=ProcessTemplate.objects.get(code="archiving"),
        name="Arkivering",
        management_object=ManagementObjectFactory(owner_organisation=org),
        manager=admin,
        start_on=dt.date(2026, 1, 5),
    )
    return admin, run


def test_required_decision_and_attachment(client, decided):
    admin, run = decided
    url = reverse("workflow:transition", args=["processes.processrun", run.pk, "approve"])
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert 'name="decision_reference"' in page and 'name="attachment"' in page
    events = AuditEvent.objects.count()
    response = client.post(url, {"decision_reference": "KS 2026/12"})
    assert response.status_code == 400
    assert ProcessRun.objects.get(pk=run.pk).status == "planned"
    assert TransitionRecord.objects.count() == 0
    assert AuditEvent.objects.count() == events
    response = client.post(
        url,
        {
            "decision_reference": "KS 2026/12",
            "attachment": SimpleUploadedFile("beslut.pdf", b"%PDF-1.4", "application/pdf"),
        },
    )
    assert response.status_code == 302
    record = TransitionRecord.objects.get()
    assert record.decision_reference == "KS 2026/12"
    assert record.attachment.name.endswith("beslut.pdf")
    event = AuditEvent.objects.order_by("-id").first()
    assert event.changes["decision_reference"] == [None, "KS 2026/12"]
    assert event.changes["status"] == ["planned", "in_progress"]


def test_api_refuses_a_missing_input_with_the_field(decided):
    admin, run = decided
    api = APIClient()
    api.force_authenticate(admin)
    response = api.post(f"/api/process-runs/{run.pk}/transitions/approve/", {})
    assert response.status_code == 400
    body = response.json()
    assert set(body["error"]["fields"]) == {"decision_reference", "attachment"}
    assert ProcessRun.objects.get(pk=run.pk).status == "planned"
    response = api.post(f"/api/process-runs/{run.pk}/transitions/nothing/", {})
    assert response.status_code == 404
