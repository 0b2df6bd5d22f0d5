"""Decommissioning a system as a checklist (seed 001, "Avveckling"): starting it moves
the system to the decommissioning stage, completing it (every item done, the
information-handling decision and the integrations' evaluation attached) retires the
system through the register's service, with audit events; refusals change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import Decommissioning, DecommissioningItem
from forvalta.compliance.tests.helpers import build_town

pytestmark = pytest.mark.django_db

CODES = [
    "decision",
    "information_handling",
    "information_archived",
    "integrations",
    "accesses_removed",
    "agreements_terminated",
    "classification",
]
NEEDS_EVIDENCE = {"decision", "information_handling", "integrations"}


def _state(town):
    town.items["sys"].refresh_from_db()
    return (
        town.items["sys"].lifecycle,
        list(Decommissioning.objects.values_list("status", "completed_on")),
        list(DecommissioningItem.objects.order_by("pk").values_list("done", "comment")),
        sorted(
            AuditEvent.objects.exclude(action__in=["access.denied", "auth.login"]).values_list(
                "action", flat=True
            )
        ),
    )


def _start(client, town):
    client.force_login(town.users["admin"])
    response = client.post(
        reverse("compliance:decommissioning_add"),
        {"system": town.items["sys"].pk, "reason": "Ersatt av nytt verksamhetssystem"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Decommissioning.objects.get()


def _tick(client, item, **extra):
    return client.post(
        reverse("compliance:decommissioningitem_edit", args=[item.pk]),
        {"done": "on", "comment": f"Klart: {item.code}", **extra},
    )


def test_the_checklist_retires_the_system_when_done(client):
    town = build_town()
    client.force_login(town.users["admin"])
    form = client.get(reverse("compliance:decommissioning_add"))
    assert list(form.context["form"].fields["system"].queryset) == [town.items["sys"]]
    decommissioning = _start(client, town)
    assert decommissioning.organisation == town.orgs["muni"]
    assert decommissioning.started_by == town.users["admin"]
    assert list(decommissioning.items.values_list("code", flat=True)) == CODES
    town.items["sys"].refresh_from_db()
    assert town.items["sys"].lifecycle == "decommissioning"
    assert AuditEvent.objects.filter(action="compliance.decommissioning.started").count() == 1
    moved = AuditEvent.objects.get(action="register.system.updated")
    assert moved.changes["lifecycle"] == ["operation", "decommissioning"]
    page = client.get(decommissioning.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Arkivariens och driftorganisationens beslut" in body
    complete = reverse("compliance:decommissioning_complete", args=[decommissioning.pk])
    assert complete in body
    # Incomplete: refused, nothing changes.
    before = _state(town)
    response = client.post(complete)
    assert response.status_code == 303
    assert _state(town) == before
    # The information-handling decision is not ticked without its documentation.
    handling = decommissioning.items.get(code="information_handling")
    assert _tick(client, handling).status_code == 400
    assert _state(town) == before
    for item in decommissioning.items.order_by("order"):
        extra = {"evidence_link": f"https://dokument.example.se/{item.code}"}
        response = _tick(client, item, **(extra if item.code in NEEDS_EVIDENCE else {}))
        assert response.status_code == 302, item.code
        # Not complete until the last item is done.
        if item.code != "classification":
            before = _state(town)
            assert client.post(complete).status_code == 303
            assert _state(town) == before
    assert set(decommissioning.items.values_list("done", "done_by")) == {
        (True, town.users["admin"].pk)
    }
    assert AuditEvent.objects.filter(action="compliance.decommissioningitem.updated").count() == 7
    response = client.post(complete)
    assert response.status_code == 302
    decommissioning.refresh_from_db()
    assert decommissioning.status == "completed"
    assert decommissioning.completed_by == town.users["admin"]
    town.items["sys"].refresh_from_db()
    assert town.items["sys"].lifecycle == "retired"
    assert AuditEvent.objects.filter(action="compliance.decommissioning.completed").count() == 1
    retired = AuditEvent.objects.filter(action="register.system.updated").order_by("pk").last()
    assert retired.changes["lifecycle"] == ["decommissioning", "retired"]
    # Completed: the checklist is closed, the system no longer offered.
    before = _state(town)
    assert _tick(client, handling).status_code == 400
    assert client.post(complete).status_code == 303
    assert _state(town) == before
    form = client.get(reverse("compliance:decommissioning_add"))
    assert list(form.context["form"].fields["system"].queryset) == []


def test_refusals_change_nothing(client):
    town = build_town()
    decommissioning = _start(client, town)
    item = decommissioning.items.get(code="accesses_removed")
    complete = reverse("compliance:decommissioning_complete", args=[decommissioning.pk])
    edit = reverse("compliance:decommissioningitem_edit", args=[item.pk])
    before = _state(town)
    # Another organisation: sees nothing, can start nothing for the system.
    client.force_login(town.users["otherdpc"])
    assert client.get(decommissioning.get_absolute_url()).status_code == 404
    assert client.post(complete).status_code == 404
    assert client.post(edit, {"done": "on"}).status_code == 404
    listing = client.get(reverse("compliance:decommissioning_list")).content.decode()
    assert "Omsorgssystemet" not in listing
    response = client.post(
        reverse("compliance:decommissioning_add"), {"system": town.items["sys"].pk}
    )
    assert response.status_code in {400, 403}
    assert _state(town) == before
    # A colleague in the organisation who does not manage the system: sees, may not act.
    client.force_login(town.users["colleague"])
    assert client.get(decommissioning.get_absolute_url()).status_code == 200
    assert client.post(complete).status_code == 403
    assert client.post(edit, {"done": "on"}).status_code == 403
    assert _state(town) == before
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=town.users["colleague"].pk
    ).exists()
    # A second decommissioning of the same system is refused.
    client.force_login(town.users["admin"])
    response = client.post(
        reverse("compliance:decommissioning_add"), {"system": town.items["sys"].pk}
    )
    assert response.status_code == 400
    assert Decommissioning.objects.count() == 1
    assert _state(town) == before


def test_the_platforms_avveckling_run_completes_with_the_checklist(client):
    """A run of the processes part's "Avveckling" template (an organisation's copy counts
    too) completes only when the system's checklist is done with its documents; its
    completion completes the checklist and so retires the system, all in one."""
    import datetime as dt

    from forvalta.processes.models import ProcessRun, ProcessTemplate, RunStatus
    from forvalta.processes.workflows import template_code

    town = build_town()
    seeded = ProcessTemplate.objects.get(code="decommissioning", organisation=None)
    run = ProcessRun.objects.create(
        template=seeded,
        name="Avveckling av systemet",
        system=town.items["sys"],
        manager=town.users["admin"],
        start_on=dt.date(2026, 11, 1),
        status=RunStatus.IN_PROGRESS,
    )
    assert template_code(run) == "decommissioning"
    # An organisation's copy of a copy is still the seed's "Avveckling".
    copy = ProcessTemplate.objects.create(
        name="Vår avveckling", organisation=town.orgs["muni"], copied_from=seeded
    )
    copy_of_copy = ProcessTemplate.objects.create(
        name="Avveckling v2", organisation=town.orgs["muni"], copied_from=copy
    )
    run.template = copy_of_copy
    run.save()
    assert template_code(run) == "decommissioning"
    client.force_login(town.users["admin"])
    url = reverse("workflow:transition", args=["processes.processrun", run.pk, "complete"])

    def run_state():
        return (ProcessRun.objects.get(pk=run.pk).status, _state(town))

    before = run_state()
    response = client.post(url, {"comment": ""})
    assert response.status_code == 400
    assert "Starta systemets checklista för avveckling" in response.content.decode()
    assert run_state() == before
    decommissioning = _start(client, town)
    items = list(decommissioning.items.order_by("order"))
    for item in items[:-1]:
        extra = {"evidence_link": f"https://dokument.example.se/{item.code}"}
        assert (
            _tick(client, item, **(extra if item.code in NEEDS_EVIDENCE else {})).status_code == 302
        )
    before = run_state()
    response = client.post(url, {"comment": ""})
    assert response.status_code == 400
    assert "Ännu inte klart: Systemets information är säkerhetsklassad." in (
        response.content.decode()
    )
    assert run_state() == before
    assert _tick(client, items[-1]).status_code == 302
    response = client.post(url, {"comment": ""})
    assert response.status_code == 302
    run.refresh_from_db()
    decommissioning.refresh_from_db()
    town.items["sys"].refresh_from_db()
    assert (run.status, decommissioning.status, town.items["sys"].lifecycle) == (
        RunStatus.COMPLETED,
        "completed",
        "retired",
    )
    assert AuditEvent.objects.filter(action="compliance.decommissioning.completed").count() == 1
