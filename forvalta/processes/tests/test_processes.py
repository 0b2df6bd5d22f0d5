"""Checklist processes through HTTP: a run end to end, refusals that change nothing,
copy and adapt, the API transition."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate, TemplateStep
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)
from forvalta.workflow.models import TransitionRecord

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


class Setting:
    def __init__(self) -> None:
        self.org = OrganisationFactory(name="Kommunen")
        self.admin = self.member("admin", admin=True)
        self.lead = self.member("lead")
        self.owner = self.member("owner")
        self.colleague = self.member("colleague")
        self.partner_org = OrganisationFactory(name="Partner AB", kind="supplier")
        self.outsider = UserFactory(username="outsider")
        MembershipFactory(user=self.outsider, organisation=OrganisationFactory(name="Annan"))
        self.obj = ManagementObjectFactory(owner_organisation=self.org, name="Vårdobjektet")
        self.system = SystemFactory(
            management_object=self.obj, owner_organisation=self.org, name="Journalen"
        )
        # Förvaltningsledare on the object (the fallback for the system), Systemägare and
        # Objektägare nowhere: one step stays unassigned.
        RoleAssignmentFactory(
            person=self.lead,
            organisation=self.org,
            role_type=role_type("management_lead"),
            management_object=self.obj,
            valid_from=dt.date(2020, 1, 1),
        )
        RoleAssignmentFactory(
            person=self.owner,
            organisation=self.org,
            role_type=role_type("system_owner"),
            system=self.system,
            valid_from=dt.date(2020, 1, 1),
        )

    def member(self, name: str, admin: bool = False) -> Any:
        user = UserFactory(username=name)
        MembershipFactory(user=user, organisation=self.org, is_org_admin=admin)
        return user


@pytest.fixture
def s() -> Setting:
    return Setting()


def risk() -> ProcessTemplate:
    return ProcessTemplate.objects.get(code="risk-analysis", organisation=None)


def start_run(client: Any, s: Setting, template: ProcessTemplate | None = None) -> ProcessRun:
    template = template or risk()
    response = client.post(
        reverse("processes:processrun_add"),
        {"template": template.pk, "system": s.system.pk, "start_on": "2026-03-02"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProcessRun.objects.get()


def transition_url(obj: Any, name: str) -> str:
    return reverse("workflow:transition", args=[obj._meta.label_lower, obj.pk, name])


def state(obj: Any) -> str:
    return type(obj).objects.get(pk=obj.pk).status


def test_seeded_templates_carry_the_seeds_steps():
    templates = dict(ProcessTemplate.objects.filter(organisation=None).values_list("code", "name"))
    assert templates == {
        "agreement-management": "Avtalshantering leverantörer",
        "onboarding": "Anslutning nya kommuner (Onboarding)",
        "offboarding": "”Exit” avslut (Offboarding)",
        "new-system": "Införande av nytt system",
        "decommissioning": "Avveckling",
        "archiving": "Arkiv och bevarande",
        "risk-analysis": "Risk- och sårbarhetsanalys",
    }
    steps = list(
        TemplateStep.objects.filter(template=risk()).values_list(
            "order", "name", "responsible_label", "role_type__code"
        )
    )
    assert steps == [
        (1, "Genomföra risk- och sårbarhetsanalys", "Förvaltningsledare", "management_lead"),
        (2, "Uppföljning", "Förvaltningsledare och Förvaltningspartnern", "management_lead"),
        (3, "Informera krissamordnare", "Objektägare (Kommun)", "object_owner"),
    ]
    onboarding = ProcessTemplate.objects.get(code="onboarding")
    assert onboarding.steps.count() == 12
    assert onboarding.steps.get(order=5).name == "Signering och arkivering"


def test_a_run_end_to_end(client, s):
    client.force_login(s.admin)
    run = start_run(client, s)
    assert run.status == "planned"
    assert run.manager == s.admin
    steps = list(run.steps.order_by("order"))
    # Steps go to the role holders: the system's own, else its management object's.
    assert [(st.name, st.assignee) for st in steps] == [
        ("Genomföra risk- och sårbarhetsanalys", s.lead),
        ("Uppföljning", s.lead),
        ("Informera krissamordnare", None),
    ]
    assert [st.due_on for st in steps] == [
        START + dt.timedelta(days=14),
        START + dt.timedelta(days=28),
        START + dt.timedelta(days=42),
    ]
    page = client.get(run.get_absolute_url()).content.decode()
    assert "No one holds the role" in page or "Ingen har rollen" in page

    # A step cannot be started before the run is.
    client.force_login(s.lead)
    response = client.post(transition_url(steps[0], "start"))
    assert response.status_code == 400
    assert "Körningen pågår inte" in response.content.decode()
    assert state(steps[0]) == "todo"

    client.force_login(s.admin)
    assert client.post(transition_url(run, "start")).status_code == 302
    assert state(run) == "in_progress"

    # The second step waits for the first: refused, nothing changes.
    client.force_login(s.lead)
    records_before = TransitionRecord.objects.count()
    events_before = AuditEvent.objects.count()
    response = client.post(transition_url(steps[1], "complete"))
    assert response.status_code == 400
    assert "väntar på föregående steg" in response.content.decode()
    assert "1. Genomföra risk- och sårbarhetsanalys" in response.content.decode()
    assert state(steps[1]) == "todo"
    assert TransitionRecord.objects.count() == records_before
    assert AuditEvent.objects.count() == events_before

    # The first step: started, evidence attached, done.
    assert client.post(transition_url(steps[0], "start")).status_code == 302
    response = client.post(
        reverse("processes:processstep_edit", args=[steps[0].pk]),
        {
            "comment": "Analysen genomförd",
            "evidence_link": "https://dokument.example.org/ros-2026",
            "evidence_file": SimpleUploadedFile("ros.pdf", b"%PDF-1.4 ros", "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    first = ProcessStep.objects.get(pk=steps[0].pk)
    assert first.evidence_link == "https://dokument.example.org/ros-2026"
    assert first.evidence_file.name.endswith("ros.pdf")
    assert first.comment == "Analysen genomförd"
    assert client.post(transition_url(steps[0], "complete")).status_code == 302
    assert state(steps[0]) == "done"
    assert ProcessStep.objects.get(pk=steps[0].pk).completed_on is not None

    # The run cannot be completed while steps are open.
    client.force_login(s.admin)
    response = client.post(transition_url(run, "complete"))
    assert response.status_code == 400
    assert "2. Uppföljning, 3. Informera krissamordnare" in response.content.decode()
    assert state(run) == "in_progress"

    # The lead finishes step 2; the unassigned step is given to the owner by the manager.
    client.force_login(s.lead)
    assert client.post(transition_url(steps[1], "complete")).status_code == 302
    client.force_login(s.admin)
    response = client.post(
        reverse("processes:processstep_edit", args=[steps[2].pk]),
        {"assignee": s.owner.pk, "comment": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProcessStep.objects.get(pk=steps[2].pk).assignee == s.owner
    client.force_login(s.owner)
    mine = client.get(reverse("processes:my_steps") + "?export=csv").content.decode("utf-8-sig")
    assert "Informera krissamordnare" in mine and "Uppföljning" not in mine
    response = client.post(transition_url(steps[2], "skip"), {"comment": "Ingen krissamordnare"})
    assert response.status_code == 302
    assert state(steps[2]) == "not_applicable"

    client.force_login(s.admin)
    assert client.post(transition_url(run, "complete")).status_code == 302
    run.refresh_from_db()
    assert run.status == "completed"
    assert run.completed_on is not None
    history = list(
        TransitionRecord.objects.filter(object_id=run.pk, content_type__model="processrun")
        .order_by("id")
        .values_list("from_state", "to_state", "actor__username")
    )
    assert history == [("planned", "in_progress", "admin"), ("in_progress", "completed", "admin")]
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "processes.processrun.transition"
    assert event.changes["status"] == ["in_progress", "completed"]
    # Every event of the run and its steps is filed under the target's owner: never a
    # platform event, never another organisation's. (A list export is filed under the
    # exporter's organisation.)
    process_events = AuditEvent.objects.filter(object_type__startswith="processes.").exclude(
        action__endswith=".exported"
    )
    assert set(process_events.values_list("object_type", flat=True)) >= {
        "processes.processrun",
        "processes.processstep",
    }
    assert set(process_events.values_list("organisation_id", flat=True)) == {s.org.pk}
    skipped = TransitionRecord.objects.get(object_id=steps[2].pk, to_state="not_applicable")
    assert skipped.comment == "Ingen krissamordnare"
    # The history is on the page.
    page = client.get(steps[2].get_absolute_url()).content.decode()
    assert "Ingen krissamordnare" in page


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks (one writer at a time)"
)
def test_a_step_transition_locks_its_run_before_the_step(client, s):
    """A step that needs its run in progress and a run that needs every step finished
    take their locks in the same order, so the two can never both commit."""
    client.force_login(s.admin)
    run = start_run(client, s)
    assert client.post(transition_url(run, "start")).status_code == 302
    step = run.steps.order_by("order").first()
    client.force_login(s.lead)
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(transition_url(step, "start")).status_code == 302
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    tables = [re.search(r'FROM "(\w+)"', sql).group(1) for sql in locks]
    assert tables[:2] == ["processes_processrun", "processes_processstep"]


def test_invalid_transitions_are_refused_and_change_nothing(client, s):
    client.force_login(s.admin)
    run = start_run(client, s)
    step = run.steps.get(order=1)

    # Wrong state: a planned run cannot be completed.
    response = client.post(transition_url(run, "complete"))
    assert response.status_code == 400
    assert "är inte möjligt när status är" in response.content.decode()
    assert state(run) == "planned"

    # Missing input: cancelling needs a comment.
    response = client.post(transition_url(run, "cancel"), {"comment": ""})
    assert response.status_code == 400
    assert state(run) == "planned"
    assert TransitionRecord.objects.count() == 0

    # No right: a colleague holding no role may not start the run nor work the step.
    client.force_login(s.colleague)
    events = AuditEvent.objects.count()
    response = client.post(transition_url(run, "start"))
    assert response.status_code == 403
    assert state(run) == "planned"
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.order_by("-id").first().action == "access.denied"
    assert client.post(transition_url(step, "start")).status_code == 403

    # The step's assignee may work on it but not give it to someone else.
    third = run.steps.get(order=3)
    client.force_login(s.admin)
    response = client.post(
        reverse("processes:processstep_edit", args=[third.pk]), {"assignee": s.colleague.pk}
    )
    assert response.status_code == 302
    client.force_login(s.colleague)
    response = client.post(
        reverse("processes:processstep_edit", args=[third.pk]),
        {"assignee": s.owner.pk, "comment": "x"},
    )
    assert response.status_code == 302  # the field is not offered: the assignee stays
    assert ProcessStep.objects.get(pk=third.pk).assignee == s.colleague
    assert ProcessStep.objects.get(pk=third.pk).comment == "x"
    before = AuditEvent.objects.count()
    from forvalta.processes.services import step_update

    with pytest.raises(PermissionDenied):
        step_update(actor=s.colleague, instance=third, data={"assignee": s.owner})
    assert ProcessStep.objects.get(pk=third.pk).assignee == s.colleague
    assert AuditEvent.objects.count() == before + 1

    # Another organisation: not found, whatever it tries.
    client.force_login(s.outsider)
    assert client.get(run.get_absolute_url()).status_code == 404
    assert client.post(transition_url(run, "start")).status_code == 404
    assert client.get(transition_url(step, "complete")).status_code == 404
    assert state(run) == "planned"

    # An unknown transition or model.
    client.force_login(s.admin)
    assert client.post(transition_url(run, "explode")).status_code == 404
    url = reverse("workflow:transition", args=["register.system", s.system.pk, "start"])
    assert client.post(url).status_code == 404

    # A run cannot be started on something one does not manage.
    client.force_login(s.colleague)
    response = client.post(
        reverse("processes:processrun_add"),
        {"template": risk().pk, "system": s.system.pk, "start_on": "2026-03-02"},
    )
    assert response.status_code == 403
    assert ProcessRun.objects.count() == 1


def test_parallel_steps_run_alongside(client, s):
    client.force_login(s.admin)
    template = risk()
    response = client.post(
        reverse("processes:processtemplate_copy", args=[template.pk]),
        {"name": "Vår RSA", "organisation": s.org.pk, "service": ""},
    )
    copy = ProcessTemplate.objects.get(name="Vår RSA")
    assert response.status_code == 302
    third = copy.steps.get(order=3)
    response = client.post(
        reverse("processes:templatestep_edit", args=[third.pk]),
        {
            "template": copy.pk,
            "order": 3,
            "name": third.name,
            "description": third.description,
            "role_type": third.role_type_id,
            "responsible_label": third.responsible_label,
            "due_offset_days": 7,
            # waits_for_previous unchecked: runs in parallel
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = start_run(client, s, copy)
    client.post(transition_url(run, "start"))
    parallel = run.steps.get(order=3)
    assert parallel.waits_for_previous is False
    assert parallel.due_on == START + dt.timedelta(days=7)
    assert client.post(transition_url(parallel, "complete")).status_code == 302
    assert state(parallel) == "done"
    assert client.post(transition_url(run.steps.get(order=2), "start")).status_code == 400


def test_copy_and_adapt(client, s):
    template = risk()
    client.force_login(s.admin)
    page = client.get(template.get_absolute_url()).content.decode()
    assert reverse("processes:processtemplate_copy", args=[template.pk]) in page
    # The global template is read-only, even for an administrator.
    step = template.steps.get(order=1)
    assert (
        client.get(reverse("processes:processtemplate_edit", args=[template.pk])).status_code == 403
    )
    response = client.post(
        reverse("processes:templatestep_edit", args=[step.pk]),
        {"template": template.pk, "order": 1, "name": "Ändrad", "due_offset_days": 1},
    )
    assert response.status_code == 403
    assert TemplateStep.objects.get(pk=step.pk).name == "Genomföra risk- och sårbarhetsanalys"

    # A copy for one service of the organisation.
    service = ServiceFactory(management_object=s.obj, owner_organisation=s.org, name="E-arkiv")
    response = client.post(
        reverse("processes:processtemplate_copy", args=[template.pk]),
        {"name": "RSA för e-arkivet", "organisation": s.org.pk, "service": service.pk},
    )
    assert response.status_code == 302
    copy = ProcessTemplate.objects.get(name="RSA för e-arkivet")
    assert (copy.organisation, copy.service, copy.copied_from) == (s.org, service, template)
    assert list(copy.steps.values_list("name", flat=True)) == [
        "Genomföra risk- och sårbarhetsanalys",
        "Uppföljning",
        "Informera krissamordnare",
    ]
    assert AuditEvent.objects.order_by("-id").first().action == "processes.processtemplate.copied"

    # Adapted: a step added, one removed.
    response = client.post(
        reverse("processes:templatestep_add"),
        {
            "template": copy.pk,
            "order": 4,
            "name": "Rapportera till nämnden",
            "responsible_label": "Systemägare",
            "role_type": role_type("system_owner").pk,
            "waits_for_previous": "on",
            "due_offset_days": 60,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    removed = copy.steps.get(order=2)
    assert (
        client.post(reverse("processes:templatestep_delete", args=[removed.pk])).status_code == 302
    )
    assert list(copy.steps.values_list("order", "name")) == [
        (1, "Genomföra risk- och sårbarhetsanalys"),
        (3, "Informera krissamordnare"),
        (4, "Rapportera till nämnden"),
    ]
    # The global template is unchanged.
    assert template.steps.count() == 3

    # A colleague who manages nothing may not change the copy; another organisation
    # does not see it at all.
    client.force_login(s.colleague)
    response = client.post(
        reverse("processes:processtemplate_edit", args=[copy.pk]),
        {"name": "Kapad", "target_kind": "system"},
    )
    assert response.status_code == 403
    assert ProcessTemplate.objects.get(pk=copy.pk).name == "RSA för e-arkivet"
    client.force_login(s.outsider)
    assert client.get(copy.get_absolute_url()).status_code == 404
    listing = client.get(reverse("processes:processtemplate_list") + "?export=csv")
    text = listing.content.decode("utf-8-sig")
    assert "RSA för e-arkivet" not in text and "Risk- och sårbarhetsanalys" in text
    # An outsider cannot copy into an organisation it is not a member of.
    response = client.post(
        reverse("processes:processtemplate_copy", args=[template.pk]),
        {"name": "Intrång", "organisation": s.org.pk},
    )
    assert response.status_code in {400, 403}
    assert not ProcessTemplate.objects.filter(name="Intrång").exists()


def test_api_transition(s):
    api = APIClient()
    api.force_authenticate(s.admin)
    client_run = ProcessRun.objects.none()
    from forvalta.processes.services import run_start

    run = run_start(
        actor=s.admin,
        data={"template": risk(), "system": s.system, "start_on": START},
    )
    response = api.post(f"/api/process-runs/{run.pk}/transitions/start/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    step2 = run.steps.get(order=2)
    response = api.post(f"/api/process-steps/{step2.pk}/transitions/complete/")
    assert response.status_code == 400
    assert state(step2) == "todo"
    response = api.post(f"/api/process-runs/{run.pk}/transitions/cancel/", {"comment": ""})
    assert response.status_code == 400
    assert state(run) == "in_progress"
    response = api.post(
        f"/api/process-runs/{run.pk}/transitions/cancel/", {"comment": "Fel system"}
    )
    assert response.status_code == 200
    assert state(run) == "cancelled"

    outsider = APIClient()
    outsider.force_authenticate(s.outsider)
    assert outsider.get(f"/api/process-runs/{run.pk}/").status_code == 404
    assert outsider.get("/api/process-steps/").json()["count"] == 0
    response = outsider.post(f"/api/process-steps/{step2.pk}/transitions/complete/")
    assert response.status_code == 404
    assert state(step2) == "todo"
    assert client_run.count() == 0


def test_onboarding_run_on_a_service_and_the_joining_organisation(client, s):
    client.force_login(s.admin)
    service = ServiceFactory(management_object=s.obj, owner_organisation=s.org, name="E-tjänst")
    joining = OrganisationFactory(name="Nya kommunen")
    onboarding = ProcessTemplate.objects.get(code="onboarding", organisation=None)
    # A joining organisation needs a service.
    response = client.post(
        reverse("processes:processrun_add"),
        {
            "template": onboarding.pk,
            "system": s.system.pk,
            "organisation": joining.pk,
            "start_on": "2026-03-02",
        },
    )
    assert response.status_code == 400
    assert "En anslutande organisation anges tillsammans med en tjänst." in (
        response.content.decode()
    )
    assert ProcessRun.objects.count() == 0
    response = client.post(
        reverse("processes:processrun_add"),
        {
            "template": onboarding.pk,
            "service": service.pk,
            "organisation": joining.pk,
            "name": "Anslutning Nya kommunen",
            "start_on": "2026-03-02",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ProcessRun.objects.get()
    assert (run.service, run.organisation) == (service, joining)
    assert run.name == "Anslutning Nya kommunen"
    # Förvaltningsledare steps go to the holder on the service's management object,
    # Systemägare steps (no holder on the service or its object) to no one.
    assignees = dict(run.steps.values_list("name", "assignee__username"))
    assert assignees["Uppstartsmöte"] == "lead"
    assert assignees["Signering och arkivering"] is None
    assert run.steps.count() == 12
    # The service's page lists the run and offers to start another.
    page = client.get(service.get_absolute_url()).content.decode()
    assert "Anslutning Nya kommunen" in page
    assert f"/processes/runs/start/?service={service.pk}" in page


def test_transition_with_htmx_answers_with_a_redirect_header(client, s):
    client.force_login(s.admin)
    run = start_run(client, s)
    # The detail page carries the button: a plain form posting to the transition.
    page = client.get(run.get_absolute_url()).content.decode()
    assert f'<form method="post" action="{transition_url(run, "start")}">' in page
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]{20,}"', page)
    assert f'href="{transition_url(run, "cancel")}"' in page  # needs a comment: a form page
    response = client.post(transition_url(run, "start"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == run.get_absolute_url()
    assert state(run) == "in_progress"
    # The form page of a transition with inputs, without JavaScript.
    page = client.get(transition_url(run, "cancel"))
    assert page.status_code == 200
    assert 'name="comment"' in page.content.decode()
    response = client.post(transition_url(run, "cancel"), {"comment": "Fel mall"})
    assert response.status_code == 302
    assert state(run) == "cancelled"
    record = TransitionRecord.objects.get(to_state="cancelled")
    assert (record.comment, record.actor) == ("Fel mall", s.admin)
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "processes.processrun.transition"
    assert event.reason == "Fel mall"


def test_api_starts_a_run_under_the_pages_rules(s):
    api = APIClient()
    api.force_authenticate(s.admin)
    data = {"template": risk().pk, "system": s.system.pk, "start_on": "2026-03-02"}
    response = api.post("/api/process-runs/", data, format="json")
    assert response.status_code == 201, response.content
    run = ProcessRun.objects.get()
    assert response.json()["id"] == run.pk
    assert response.json()["status"] == "planned"
    assert list(run.steps.values_list("assignee__username", flat=True)) == ["lead", "lead", None]
    # Two targets: refused with the form's message, nothing written.
    both = {**data, "management_object": s.obj.pk}
    response = api.post("/api/process-runs/", both, format="json")
    assert response.status_code == 400
    assert ProcessRun.objects.count() == 1
    # Someone who does not manage the system; someone who does not see it.
    colleague = APIClient()
    colleague.force_authenticate(s.colleague)
    assert colleague.post("/api/process-runs/", data, format="json").status_code == 403
    outsider = APIClient()
    outsider.force_authenticate(s.outsider)
    response = outsider.post("/api/process-runs/", data, format="json")
    assert response.status_code in {400, 403}
    assert ProcessRun.objects.count() == 1
