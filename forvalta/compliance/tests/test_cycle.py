"""The annual cycle: generation, automatic fulfilment by `control_fulfilled`, manual
completion with evidence, traffic lights, reminders and escalation, the calendar feed,
and the report signed by the process owner (immutable once signed)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.calendarfeed.registry import items_for
from forvalta.compliance.models import (
    AnnualReport,
    ControlDefinition,
    ControlOccurrence,
    Light,
    OccurrenceStatus,
)
from forvalta.compliance.services import escalate_overdue, generate_ahead
from forvalta.compliance.tests.helpers import build_town
from forvalta.core.controls import control_fulfilled
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.notifications.models import Notification
from forvalta.register.tests.factories import role_type

pytestmark = pytest.mark.django_db


def define(town, name, kind, due_dates, org="muni", **extra):
    return ControlDefinition.objects.create(
        organisation=town.orgs[org],
        name=name,
        kind=kind,
        due_dates=due_dates,
        first_year=extra.pop("first_year", 2026),
        **extra,
    )


def generate(client, town, year, org="muni"):
    return client.post(
        reverse("compliance:cycle_generate"), {"organisation": town.orgs[org].pk, "year": year}
    )


def test_due_dates_of_a_year():
    town = build_town()
    twice = define(town, "Behörighetskontroll", "access_review", "10-31, 04-30")
    assert twice.due_dates_in(2026) == [dt.date(2026, 4, 30), dt.date(2026, 10, 31)]
    assert twice.due_dates_in(2025) == []  # before the first year
    feb = define(town, "Februari", "other", "02-31")
    assert feb.due_dates_in(2027) == [dt.date(2027, 2, 28)]
    assert feb.due_dates_in(2028) == [dt.date(2028, 2, 29)]
    every3 = define(town, "Klassning", "classification_review", "06-30", every_years=3)
    assert [bool(every3.due_dates_in(y)) for y in range(2026, 2031)] == [
        True,
        False,
        False,
        True,
        False,
    ]


def test_the_process_owner_generates_the_year_once(client):
    town = build_town()
    define(town, "Behörighetskontroll", "access_review", "04-30,10-31")
    define(town, "Loggkontroll", "log_review", "03-31,06-30,09-30,12-31")
    define(town, "Vilande", "restore_test", "05-15", active=False)
    define(town, "Annan kommun", "access_review", "04-30", org="other")
    client.force_login(town.users["owner"])
    response = generate(client, town, 2026)
    assert response.status_code == 302
    assert ControlOccurrence.objects.count() == 6
    assert generate(client, town, 2026).status_code == 302
    assert ControlOccurrence.objects.count() == 6
    assert AuditEvent.objects.filter(action="compliance.cycle.generated").count() == 2


@pytest.mark.parametrize("persona", ["colleague", "manager", "otherdpc"])
def test_others_do_not_generate(client, persona):
    town = build_town()
    define(town, "Behörighetskontroll", "access_review", "04-30,10-31")
    client.force_login(town.users[persona])
    response = generate(client, town, 2026)
    assert response.status_code in {400, 403}
    assert ControlOccurrence.objects.count() == 0


def test_the_scheduled_task_generates_this_and_next_year_idempotently():
    town = build_town()
    define(town, "RSA", "risk_analysis", "11-30")
    assert generate_ahead(dt.date(2026, 12, 2)) == 2
    assert generate_ahead(dt.date(2026, 12, 2)) == 0
    assert sorted(ControlOccurrence.objects.values_list("due_on", flat=True)) == [
        dt.date(2026, 11, 30),
        dt.date(2027, 11, 30),
    ]


def test_completed_work_elsewhere_turns_its_control_green():
    town = build_town()
    review = define(
        town,
        "Behörighetskontroll",
        "access_review",
        "04-30,10-31",
        management_object=town.items["obj"],
    )
    council = define(town, "Förvaltningsråd", "council_meeting", "06-15")
    elsewhere = define(town, "Annan kommun", "access_review", "04-30", org="other")
    generate_ahead(dt.date(2026, 1, 10))
    evidence = town.items["sys"]  # any model instance serves as the evidence here
    control_fulfilled.send(
        sender=type(evidence),
        kind="access_review",
        organisation=town.orgs["muni"],
        target=town.items["sys"],  # a system of the control's object
        on=dt.date(2026, 4, 20),
        evidence=evidence,
    )
    april = ControlOccurrence.objects.get(definition=review, due_on=dt.date(2026, 4, 30))
    assert april.status == OccurrenceStatus.DONE
    assert april.automatic is True
    assert april.completed_on == dt.date(2026, 4, 20)
    assert april.evidence_label == str(evidence)
    assert april.evidence_url == evidence.get_absolute_url()
    assert april.light(dt.date(2026, 12, 1)) == Light.GREEN
    # The same evidence again changes nothing (the October review stays open).
    control_fulfilled.send(
        sender=type(evidence),
        kind="access_review",
        organisation=town.orgs["muni"],
        target=town.items["sys"],
        on=dt.date(2026, 4, 21),
        evidence=evidence,
    )
    assert ControlOccurrence.objects.filter(definition=review, status="open").count() == 3
    assert not ControlOccurrence.objects.filter(definition=elsewhere).exclude(status="open")
    # A held council meeting (no target) fulfils the organisation's council control.
    control_fulfilled.send(
        sender=type(evidence),
        kind="council_meeting",
        organisation=town.orgs["muni"],
        target=None,
        on=dt.date(2026, 6, 20),
        evidence=town.items["obj"],
    )
    june = ControlOccurrence.objects.get(definition=council, due_on=dt.date(2026, 6, 15))
    assert june.status == OccurrenceStatus.DONE
    assert june.light(dt.date(2026, 12, 1)) == Light.RED  # done late
    assert AuditEvent.objects.filter(action="compliance.controloccurrence.fulfilled").count() == 2


def test_traffic_lights():
    town = build_town()
    control = define(town, "Återläsningstest", "restore_test", "03-31", warn_days=30)
    occ = ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 3, 31))
    assert occ.light(dt.date(2026, 2, 28)) == Light.PLANNED
    assert occ.light(dt.date(2026, 3, 1)) == Light.YELLOW
    assert occ.light(dt.date(2026, 3, 31)) == Light.YELLOW
    assert occ.light(dt.date(2026, 4, 1)) == Light.RED
    occ.status, occ.completed_on = OccurrenceStatus.DONE, dt.date(2026, 3, 31)
    assert occ.light(dt.date(2026, 4, 1)) == Light.GREEN
    occ.status = OccurrenceStatus.DONE_WITH_REMARK
    assert occ.light(dt.date(2026, 4, 1)) == Light.RED


def test_manual_completion_needs_evidence_and_the_right_role(client):
    town = build_town()
    control = define(
        town,
        "Återläsningstest",
        "restore_test",
        "03-31",
        system=town.items["sys"],
        responsible_role=role_type("system_manager"),
    )
    occ = ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 3, 31))
    url = reverse("compliance:controloccurrence_complete", args=[occ.pk])
    client.force_login(town.users["colleague"])
    assert (
        client.post(
            url, {"completed_on": "2026-03-20", "evidence_link": "https://x.se/a"}
        ).status_code
        == 403
    )
    client.force_login(town.users["otherdpc"])
    assert (
        client.post(
            url, {"completed_on": "2026-03-20", "evidence_link": "https://x.se/a"}
        ).status_code
        == 404
    )
    client.force_login(town.users["manager"])
    assert client.post(url, {"completed_on": "2026-03-20"}).status_code == 400
    assert (
        client.post(
            url, {"completed_on": "2999-03-20", "evidence_link": "https://x.se/a"}
        ).status_code
        == 400
    )
    occ.refresh_from_db()
    assert occ.status == OccurrenceStatus.OPEN
    upload = SimpleUploadedFile("protokoll.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        url, {"completed_on": "2026-03-20", "evidence_file": upload, "remark": ""}
    )
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.status == OccurrenceStatus.DONE
    assert occ.completed_by == town.users["manager"]
    assert occ.evidence_file.name.endswith("protokoll.pdf")
    assert occ.automatic is False
    # Done already: a second completion is refused.
    assert (
        client.post(
            url, {"completed_on": "2026-03-21", "evidence_link": "https://x.se/b"}
        ).status_code
        == 400
    )


def test_escalation_tells_the_process_owner_once():
    town = build_town()
    control = define(town, "RSA", "risk_analysis", "01-31", escalate_days=14)
    occ = ControlOccurrence.objects.create(definition=control, due_on=dt.date(2026, 1, 31))
    assert escalate_overdue(dt.date(2026, 2, 14)) == 0
    assert escalate_overdue(dt.date(2026, 2, 15)) == 1
    assert escalate_overdue(dt.date(2026, 2, 16)) == 0
    told = Notification.objects.filter(kind="control_escalated")
    assert list(told.values_list("recipient_id", flat=True)) == [town.users["owner"].pk]
    assert "RSA" not in told.get().title
    occ.refresh_from_db()
    assert occ.escalated_on == dt.date(2026, 2, 15)


def test_the_calendar_feed_holds_the_open_controls_of_ones_own_organisation():
    from forvalta.core.models import today

    town = build_town()
    due = today() + dt.timedelta(days=20)
    mine = define(town, "Egen kontroll", "other", due.strftime("%m-%d"), first_year=due.year)
    theirs = define(
        town, "Deras kontroll", "other", due.strftime("%m-%d"), org="other", first_year=due.year
    )
    ControlOccurrence.objects.create(definition=mine, due_on=due)
    ControlOccurrence.objects.create(definition=theirs, due_on=due)
    summaries = [i.summary for i in items_for(town.users["colleague"]) if i.kind == "control"]
    assert summaries == ["Kontroll att göra: Egen kontroll"] or summaries == [
        "Control due: Egen kontroll"
    ]
    assert [i for i in items_for(town.users["otherdpc"]) if "Egen" in i.summary] == []


def _year(town):
    review = define(town, "Behörighetskontroll", "access_review", "04-30,10-31")
    rsa = define(town, "Risk- och sårbarhetsanalys", "risk_analysis", "03-31")
    generate_ahead(dt.date(2026, 1, 10))
    control_fulfilled.send(
        sender=ControlDefinition,
        kind="access_review",
        organisation=town.orgs["muni"],
        target=None,
        on=dt.date(2026, 4, 10),
        evidence=review,
    )
    return review, rsa


def test_the_report_page_excel_and_tagged_pdf(client):
    town = build_town()
    _year(town)
    client.force_login(town.users["colleague"])
    query = f"?organisation={town.orgs['muni'].pk}&year=2026"
    page = client.get(reverse("compliance:report") + query)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-light="green"' in text and 'data-light="red"' in text
    assert "Sign the report" not in text and "Signera" not in text  # not a process owner
    xlsx = client.get(reverse("compliance:report") + query + "&export=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert rows[1][0] == "Risk- och sårbarhetsanalys" and rows[1][3] == "2026-03-31"
    pdf = client.get(reverse("compliance:report") + query + "&export=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    title = page.context["title"]
    assert_tagged_pdf(pdf.content, title=title)
    assert "Behörighetskontroll" in pdf_text(pdf.content)
    # Another organisation's report is not offered.
    client.force_login(town.users["otherdpc"])
    other = client.get(reverse("compliance:report") + query)
    assert other.status_code == 400
    assert "Behörighetskontroll" not in other.content.decode()


def test_the_process_owner_signs_and_the_report_is_frozen(client):
    town = build_town()
    _review, rsa = _year(town)
    sign = reverse("compliance:report_sign")
    data = {"organisation": town.orgs["muni"].pk, "year": 2026, "statement": "Alla kontroller"}
    client.force_login(town.users["colleague"])
    assert client.post(sign, data).status_code == 403
    assert AnnualReport.objects.count() == 0
    client.force_login(town.users["owner"])
    response = client.post(sign, data)
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.signed_by == town.users["owner"]
    assert [r["control"] for r in report.rows] == [
        "Risk- och sårbarhetsanalys",
        "Behörighetskontroll",
        "Behörighetskontroll",
    ]
    frozen = list(report.rows)
    # Signing again is refused; occurrences of the signed year are closed.
    assert client.post(sign, data).status_code == 303
    assert AnnualReport.objects.count() == 1
    occ = ControlOccurrence.objects.get(definition=rsa, due_on=dt.date(2026, 3, 31))
    url = reverse("compliance:controloccurrence_complete", args=[occ.pk])
    assert (
        client.post(
            url, {"completed_on": "2026-04-02", "evidence_link": "https://x.se/r"}
        ).status_code
        == 400
    )
    control_fulfilled.send(
        sender=ControlDefinition,
        kind="risk_analysis",
        organisation=town.orgs["muni"],
        target=None,
        on=dt.date(2026, 4, 3),
        evidence=rsa,
    )
    occ.refresh_from_db()
    assert occ.status == OccurrenceStatus.OPEN
    report.refresh_from_db()
    assert report.rows == frozen
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="signed"' in page.content.decode()
    assert AuditEvent.objects.filter(action="compliance.annualreport.signed").count() == 1
    # Not seen by another organisation.
    client.force_login(town.users["otherdpc"])
    assert client.get(report.get_absolute_url()).status_code == 404


def test_lists_cost_the_same_queries_at_any_size(client, django_assert_max_num_queries):
    town = build_town()
    client.force_login(town.users["owner"])
    define(town, "K0", "other", "01-31")
    generate_ahead(dt.date(2026, 1, 1))
    urls = [
        reverse("compliance:controloccurrence_list"),
        reverse("compliance:controldefinition_list"),
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(30) as ctx:
            client.get(url)
        counts[url] = len(ctx.captured_queries)
    for n in range(1, 20):
        define(
            town,
            f"K{n}",
            "other",
            "01-31,07-31",
            system=town.items["sys"],
            responsible_role=role_type("system_manager"),
        )
    generate_ahead(dt.date(2026, 1, 1))
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
