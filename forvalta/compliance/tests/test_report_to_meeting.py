"""The signed annual report put on a council meeting's agenda: an agenda item concerning
it and its tagged PDF as a meeting document, through the governance part's services, by
the process owner who runs the meeting's body; once per meeting; refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.compliance import services
from forvalta.compliance.models import AnnualReport, ControlDefinition, ControlOccurrence
from forvalta.compliance.roles import ensure_role_types
from forvalta.core.tests.pdf import assert_tagged_pdf
from forvalta.governance.models import AgendaItem, Body, MeetingDocument
from forvalta.governance.tests.helpers import meeting_in
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type
from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db


def _setting():
    ensure_role_types()
    w = build_world()
    o, u, i = w.orgs, w.users, w.items
    RoleAssignmentFactory(
        person=u["owner1"],
        organisation=o["muni1"],
        role_type=role_type("process_owner"),
        management_object=i["OBJ_M1"],
        valid_from=dt.date(2020, 1, 1),
    )
    control = ControlDefinition.objects.create(
        organisation=o["muni1"],
        name="Loggkontroll",
        kind="log_review",
        due_dates="03-31",
        first_year=2026,
    )
    ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 3, 31))
    report = services.report_sign(actor=u["owner1"], organisation=o["muni1"], year=2026)
    own = Body.objects.create(
        organisation=o["muni1"],
        name="Förvaltningsråd Vård",
        kind="council",
        management_object=i["OBJ_M1"],
        secretary=u["owner1"],
    )
    # The association's council of the shared service Kommun Ett takes part in.
    shared = Body.objects.create(
        organisation=o["assoc"],
        name="Förvaltningsråd E-tjänst",
        kind="council",
        service=i["SVC_A"],
        chair=u["owner1"],
        secretary=u["lead"],
    )
    # A council Kommun Ett has nothing to do with, run by the same person.
    foreign = Body.objects.create(
        organisation=o["assoc"],
        name="Internt råd",
        kind="council",
        management_object=i["OBJ_AP"],
        chair=u["owner1"],
    )
    meetings = {
        "own": meeting_in(own, 20),
        "shared": meeting_in(shared, 30),
        "held": meeting_in(own, -10, status="held"),
        "foreign": meeting_in(foreign, 25),
    }
    return w, report, meetings


def _state():
    return (
        sorted(AgendaItem.objects.values_list("meeting_id", "title")),
        sorted(MeetingDocument.objects.values_list("meeting_id", "title")),
    )


def test_the_process_owner_puts_the_signed_report_on_the_agenda_once(client):
    w, report, meetings = _setting()
    client.force_login(w.users["owner1"])
    url = reverse("compliance:annualreport_to_meeting", args=[report.pk])
    assert url in client.get(report.get_absolute_url()).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["form"].fields["meeting"].queryset) == [
        meetings["own"],
        meetings["shared"],
    ]
    before = _state()
    for key in ("held", "foreign"):
        assert client.post(url, {"meeting": meetings[key].pk}).status_code == 400
        assert _state() == before
    response = client.post(url, {"meeting": meetings["own"].pk})
    assert response.status_code == 302
    assert response["Location"] == meetings["own"].get_absolute_url()
    item = AgendaItem.objects.get()
    assert item.meeting == meetings["own"] and item.order == 1
    assert item.title == "Signerad rapport: Internkontroll 2026: Kommun Ett"
    assert item.concerns_id == report.pk
    assert item.concerns_type.model_class() is AnnualReport
    document = MeetingDocument.objects.get()
    assert document.title == item.title
    assert document.file.name.endswith(".pdf")
    with document.file.open("rb") as f:
        assert_tagged_pdf(f.read(), title="Internkontroll 2026: Kommun Ett")
    assert AuditEvent.objects.filter(action="compliance.annualreport.to_meeting").count() == 1
    assert AuditEvent.objects.filter(object_type="governance.agendaitem").count() == 1
    assert AuditEvent.objects.filter(object_type="governance.meetingdocument").count() == 1
    assert "Signerad rapport" in client.get(meetings["own"].get_absolute_url()).content.decode()
    # Once per meeting; another meeting of a council the organisation takes part in is fine.
    before = _state()
    assert client.post(url, {"meeting": meetings["own"].pk}).status_code == 400
    assert _state() == before
    assert client.post(url, {"meeting": meetings["shared"].pk}).status_code == 302
    assert AgendaItem.objects.filter(meeting=meetings["shared"]).count() == 1


def test_refusals_change_nothing(client):
    w, report, meetings = _setting()
    url = reverse("compliance:annualreport_to_meeting", args=[report.pk])
    before = _state()
    # The secretary of the association's council, not Kommun Ett's process owner.
    client.force_login(w.users["lead"])
    assert client.post(url, {"meeting": meetings["shared"].pk}).status_code == 404
    # A colleague at Kommun Ett who is not its process owner.
    client.force_login(w.users["colleague1"])
    assert client.get(url).status_code in {403, 404}
    assert client.post(url, {"meeting": meetings["own"].pk}).status_code in {403, 404}
    # Another municipality.
    client.force_login(w.users["staff2"])
    assert client.post(url, {"meeting": meetings["own"].pk}).status_code == 404
    assert _state() == before
    # The service refuses a closed agenda and a body of no concern, whatever the form.
    with pytest.raises(ValidationError, match="stängd"):
        services.report_to_meeting(actor=w.users["owner1"], report=report, meeting=meetings["held"])
    with pytest.raises(ValidationError, match="deltar inte"):
        services.report_to_meeting(
            actor=w.users["owner1"], report=report, meeting=meetings["foreign"]
        )
    assert _state() == before
