"""Reports of log review (build 8) through HTTP: the year's figures per organisation,
log source and quarter, exactly; who reads them (the organisation's access staff;
another organisation its own only; a member refused, nothing changed); CSV and Excel
exports (recorded); a constant number of queries; the year sign-off of the access part
requires the year's rounds done; the annual report of the internal control gets the
figures; a round done fulfils the annual cycle's log-review control."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.logreview.models import (
    DrawnUnit,
    ExtractOrder,
    ReviewOutcome,
    SamplingRound,
    SamplingSchedule,
)
from forvalta.logreview.reports import Figures
from forvalta.logreview.tests.helpers import build_access_world, make_source

pytestmark = pytest.mark.django_db

URL = "/logreview/reports/"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def schedule_of(source: Any, kind: str = "provider", created: str = "2025-12-01") -> Any:
    schedule = SamplingSchedule.objects.create(
        organisation_id=source.organisation_id, source=source, kind=kind
    )
    moment = timezone.make_aware(dt.datetime.fromisoformat(f"{created} 12:00"))
    SamplingSchedule.objects.filter(pk=schedule.pk).update(created_at=moment)
    schedule.refresh_from_db()
    return schedule


def round_of(
    schedule: Any,
    quarter: int,
    outcomes: list[tuple[int, int, bool, int | None]],
    *,
    done: bool = True,
    year: int = 2026,
    open_orders: int = 0,
) -> SamplingRound:
    """A round of the quarter with one documented order per outcome (persons, logs,
    with remark, incident persons or None) and `open_orders` orders not documented."""
    round_ = SamplingRound.objects.create(
        organisation_id=schedule.organisation_id,
        schedule=schedule,
        year=year,
        quarter=quarter,
        month=dt.date(year, quarter * 3, 1),
        seed=quarter,
        status="done" if done else "drawn",
    )
    for position, item in enumerate([*outcomes, *([None] * open_orders)], start=1):
        unit = DrawnUnit.objects.create(round=round_, position=position, unit_name=f"E{position}")
        order = ExtractOrder.objects.create(
            organisation_id=schedule.organisation_id,
            round=round_,
            drawn_unit=unit,
            month=round_.month,
            status="fulfilled",
        )
        if item is None:
            continue
        persons, logs, remark, incident = item
        ReviewOutcome.objects.create(
            organisation_id=schedule.organisation_id,
            order=order,
            completed_on=dt.date(year, quarter * 3, 20),
            reviewer=_anyone(),
            persons_reviewed=persons,
            logs_reviewed=logs,
            with_remark=remark,
            incident_reported=incident is not None,
            incident_persons=incident,
        )
    return round_


def _anyone() -> Any:
    from forvalta.core.models import User

    return User.objects.order_by("pk").first()


def world() -> Any:
    """Kommun Ett: Treserva-logg (provider, all of 2026) with Q1 done (two reviews, one
    with remark and an incident for 2 persons), Q2 done, Q3 drawn and half documented,
    Q4 none; Procapita-logg (authority, created in May: Q2-Q4) with Q2 done. Kommun Två:
    its own source of the same system with Q1 done."""
    aw = build_access_world()
    treserva = schedule_of(make_source(aw))
    procapita = schedule_of(make_source(aw, name="Procapita-logg"), "authority", "2026-05-10")
    other = schedule_of(make_source(aw, org=aw.other, name="Tvås logg"))
    round_of(treserva, 1, [(4, 120, False, None), (4, 90, True, 2)])
    round_of(treserva, 2, [(3, 40, False, None)])
    round_of(treserva, 3, [(4, 10, False, None)], done=False, open_orders=1)
    round_of(treserva, 1, [(1, 1, False, None)], year=2025)  # another year
    round_of(procapita, 2, [(2, 30, False, None), (1, 5, False, None)])
    round_of(other, 1, [(9, 999, True, 9)])
    aw.schedules = {"treserva": treserva, "procapita": procapita, "other": other}
    return aw


def flat(figures: Figures) -> tuple[int, ...]:
    return (
        figures.scheduled,
        figures.rounds,
        figures.done,
        figures.reviews,
        figures.persons,
        figures.logs,
        figures.without_remark,
        figures.with_remark,
        figures.incidents,
        figures.incident_persons,
    )


def summary(report: Any) -> list[Any]:
    return [
        (
            str(org.organisation),
            [
                (
                    source.source.name,
                    [flat(source.quarters[q]) for q in (1, 2, 3, 4)],
                    flat(source.total),
                )
                for source in org.sources
            ],
            flat(org.total),
        )
        for org in report
    ]


ETT_2026 = [
    (
        "Kommun Ett",
        [
            (
                "Procapita-logg",
                [
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    (1, 1, 1, 2, 3, 35, 2, 0, 0, 0),
                    (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                ],
                (3, 1, 1, 2, 3, 35, 2, 0, 0, 0),
            ),
            (
                "Treserva-logg",
                [
                    (1, 1, 1, 2, 8, 210, 1, 1, 1, 2),
                    (1, 1, 1, 1, 3, 40, 1, 0, 0, 0),
                    (1, 1, 0, 1, 4, 10, 1, 0, 0, 0),
                    (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                ],
                (4, 3, 2, 4, 15, 260, 3, 1, 1, 2),
            ),
        ],
        (7, 4, 3, 6, 18, 295, 5, 1, 1, 2),
    )
]


def test_the_year_per_organisation_source_and_quarter_exactly() -> None:
    aw = world()
    response = login(aw.people["controller"]).get(URL, {"year": 2026})
    assert response.status_code == 200
    assert summary(response.context["report"]) == ETT_2026
    page = response.content.decode()
    assert "<h1>Rapport över logguppföljning 2026</h1>" in page
    assert "Tvås logg" not in page and "Kommun Två" not in page
    assert '<th scope="row">2026 Q1</th><td>1</td><td>1</td><td>1</td><td>8</td><td>210</td>' in (
        page.replace("\n", "")
    )
    # The year asked for only: 2025 has Treserva's one round.
    earlier = login(aw.people["controller"]).get(URL, {"year": 2025}).context["report"]
    assert [flat(s.total) for s in earlier[0].sources] == [
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # Procapita did not exist
        (1, 1, 1, 1, 1, 1, 1, 0, 0, 0),  # Treserva was created in December 2025: Q4
    ]


def test_who_reads_the_report_and_refusals_change_nothing() -> None:
    aw = world()
    for person in ("controller", "sysadmin", "owner", "procowner"):
        response = login(aw.people[person]).get(URL, {"year": 2026})
        assert response.status_code == 200, person
        assert summary(response.context["report"]) == ETT_2026, person
    # Another organisation's controller of the same system: its own figures only.
    other = login(aw.people["other_controller"]).get(URL, {"year": 2026})
    assert other.status_code == 200
    assert summary(other.context["report"]) == [
        (
            "Kommun Två",
            [
                (
                    "Tvås logg",
                    [
                        (1, 1, 1, 1, 9, 999, 0, 1, 1, 9),
                        (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                        (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                        (1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    ],
                    (4, 1, 1, 1, 9, 999, 0, 1, 1, 9),
                )
            ],
            (4, 1, 1, 1, 9, 999, 0, 1, 1, 9),
        )
    ]
    assert "Treserva-logg" not in other.content.decode()
    # Members without an access-staff role (an employee, a unit manager) are refused.
    before = (SamplingRound.objects.count(), ReviewOutcome.objects.count())
    for person in ("anna", "mgr_north"):
        for query in ({"year": 2026}, {"year": 2026, "export": "csv"}):
            assert login(aw.people[person]).get(URL, query).status_code == 403, person
    denied = AuditEvent.objects.filter(action="access.denied")
    assert sorted(denied.values_list("actor_id", flat=True)) == sorted(
        [aw.people["anna"].pk] * 2 + [aw.people["mgr_north"].pk] * 2
    )
    assert not AuditEvent.objects.filter(action="logreview.report.exported").exists()
    assert (SamplingRound.objects.count(), ReviewOutcome.objects.count()) == before
    assert Client().get(URL).status_code == 302  # not logged in: to the login page
    # The source list links the report to those who read it only.
    assert (
        'href="/logreview/reports/"'
        in login(aw.people["controller"]).get("/logreview/").content.decode()
    )
    assert (
        'href="/logreview/reports/"'
        not in login(aw.people["anna"]).get("/logreview/").content.decode()
    )


def test_a_bad_year_is_refused_with_a_message() -> None:
    aw = world()
    for year in ("abc", "1800"):
        response = login(aw.people["controller"]).get(URL, {"year": year})
        assert response.status_code == 400
        assert "Ange ett år från 1900 till 2100." in response.content.decode()


def test_exports_csv_and_excel_exactly() -> None:
    from openpyxl import load_workbook

    aw = world()
    client = login(aw.people["procowner"])
    response = client.get(URL, {"year": 2026, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Organisation;System;Loggkälla;Period;Planerade omgångar;Dragna omgångar;"
        "Klara omgångar;Dokumenterade granskningar;Granskade personer;Granskade loggar;"
        "Utan anmärkning;Med anmärkning;Anmälda incidenter;Personer i anmälda incidenter"
    )
    system = str(aw.system)
    assert lines[1:] == [
        f"Kommun Ett;{system};Procapita-logg;2026 Q1;0;0;0;0;0;0;0;0;0;0",
        f"Kommun Ett;{system};Procapita-logg;2026 Q2;1;1;1;2;3;35;2;0;0;0",
        f"Kommun Ett;{system};Procapita-logg;2026 Q3;1;0;0;0;0;0;0;0;0;0",
        f"Kommun Ett;{system};Procapita-logg;2026 Q4;1;0;0;0;0;0;0;0;0;0",
        f"Kommun Ett;{system};Procapita-logg;2026;3;1;1;2;3;35;2;0;0;0",
        f"Kommun Ett;{system};Treserva-logg;2026 Q1;1;1;1;2;8;210;1;1;1;2",
        f"Kommun Ett;{system};Treserva-logg;2026 Q2;1;1;1;1;3;40;1;0;0;0",
        f"Kommun Ett;{system};Treserva-logg;2026 Q3;1;1;0;1;4;10;1;0;0;0",
        f"Kommun Ett;{system};Treserva-logg;2026 Q4;1;0;0;0;0;0;0;0;0;0",
        f"Kommun Ett;{system};Treserva-logg;2026;4;3;2;4;15;260;3;1;1;2",
        "Kommun Ett;Alla;Alla;2026;7;4;3;6;18;295;5;1;1;2",
    ]
    xlsx = client.get(URL, {"year": 2026, "export": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "Logguppföljning 2026"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 12
    assert values[10] == [
        "Kommun Ett",
        system,
        "Treserva-logg",
        "2026",
        4,
        3,
        2,
        4,
        15,
        260,
        3,
        1,
        1,
        2,
    ]
    exported = AuditEvent.objects.filter(action="logreview.report.exported")
    assert list(exported.order_by("pk").values_list("actor_id", "object_type", "changes")) == [
        (aw.people["procowner"].pk, "logreview.report", {"format": [None, f], "year": [None, 2026]})
        for f in ("csv", "xlsx")
    ]


def test_the_pdf_is_a_tagged_document_of_the_same_figures() -> None:
    from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text

    aw = world()
    client = login(aw.people["procowner"])
    response = client.get(URL, {"year": 2026, "export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="loggranskning-2026-')
    assert_tagged_pdf(response.content, title="Logguppföljning 2026")
    text = " ".join(pdf_text(response.content).split())
    system = str(aw.system)
    for line in (
        f"{system}: Procapita-logg",
        "2026 Q2 1 1 1 3 35 2 0 0 0",
        "År 2026 3 1 1 3 35 2 0 0 0",
        f"{system}: Treserva-logg",
        "2026 Q1 1 1 1 8 210 1 1 1 2",
        "År 2026 4 3 2 15 260 3 1 1 2",
        "Kommun Ett, alla loggkällor",
        "År 2026 7 4 3 18 295 5 1 1 2",
    ):
        assert line in text, line
    # Only the organisation's own sources (Kommun Två's is not in it).
    assert "Kommun Två" not in text and "Tvås logg" not in text
    exported = AuditEvent.objects.get(action="logreview.report.exported")
    assert (exported.actor_id, exported.changes) == (
        aw.people["procowner"].pk,
        {"format": [None, "pdf"], "year": [None, 2026]},
    )
    # Refused as the page is: a member without the report's right gets no document.
    before = AuditEvent.objects.filter(action="logreview.report.exported").count()
    refused = login(aw.people["anna"]).get(URL, {"year": 2026, "export": "pdf"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="logreview.report.exported").count() == before


def test_a_constant_number_of_queries() -> None:
    aw = world()
    client = login(aw.people["controller"])
    counts = []
    for grow in (False, True):
        if grow:  # three more sources with rounds and outcomes in every quarter
            for n in range(3):
                schedule = schedule_of(make_source(aw, name=f"Extra {n}"))
                for quarter in (1, 2, 3, 4):
                    round_of(schedule, quarter, [(1, 2, n == 0, None)] * 3)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"year": 2026})
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.context["report"][0].sources) == 5
    assert counts[0] == counts[1]


# --- the access part's year sign-off -------------------------------------------------------
def signed_reviews(aw: Any, year: int = 2026) -> None:
    from forvalta.access.models import Campaign, Snapshot

    snapshot = Snapshot.objects.create(
        organisation=aw.org,
        system=aw.system,
        taken_on=dt.date(year, 1, 10),
        status="done",
        imported_by=aw.people["controller"],
    )
    for season, due in (("spring", dt.date(year, 4, 30)), ("autumn", dt.date(year, 10, 31))):
        Campaign.objects.create(
            organisation=aw.org,
            system=aw.system,
            snapshot=snapshot,
            name=f"{season} {year}",
            season=season,
            year=year,
            due_on=due,
            status="signed",
            controller=aw.people["controller"],
        )


def test_the_year_sign_off_requires_every_scheduled_quarter_done() -> None:
    from forvalta.access.models import YearSignOff
    from forvalta.access.services import year_status

    aw = world()
    signed_reviews(aw)
    assert year_status(aw.org, aw.system, 2026) == {
        "spring": True,
        "autumn": True,
        "Logguppföljning 2026 Q2: Procapita-logg": True,
        "Logguppföljning 2026 Q3: Procapita-logg": False,
        "Logguppföljning 2026 Q4: Procapita-logg": False,
        "Logguppföljning 2026 Q1: Treserva-logg": True,
        "Logguppföljning 2026 Q2: Treserva-logg": True,
        "Logguppföljning 2026 Q3: Treserva-logg": False,
        "Logguppföljning 2026 Q4: Treserva-logg": False,
    }
    # Kommun Två's rounds of the same system count for Kommun Två only.
    assert year_status(aw.other, aw.system, 2026) == {
        "spring": False,
        "autumn": False,
        "Logguppföljning 2026 Q1: Tvås logg": True,
        "Logguppföljning 2026 Q2: Tvås logg": False,
        "Logguppföljning 2026 Q3: Tvås logg": False,
        "Logguppföljning 2026 Q4: Tvås logg": False,
    }
    client = login(aw.people["procowner"])
    data = {"organisation": aw.org.pk, "system": aw.system.pk, "year": 2026}
    response = client.post("/access/years/sign/", data)
    assert response.status_code == 400
    assert (
        "Året kan signeras när dessa kontroller är gjorda: Logguppföljning 2026 Q3: "
        "Procapita-logg; Logguppföljning 2026 Q4: Procapita-logg; Logguppföljning 2026 Q3: "
        "Treserva-logg; Logguppföljning 2026 Q4: Treserva-logg."
    ) in response.content.decode()
    assert YearSignOff.objects.count() == 0
    SamplingRound.objects.filter(schedule__source__organisation=aw.org, year=2026).update(
        status="done"
    )
    for schedule in (aw.schedules["treserva"], aw.schedules["procapita"]):
        round_of(schedule, 4, [(1, 1, False, None)])
    round_of(aw.schedules["procapita"], 3, [(1, 1, False, None)])
    response = client.post("/access/years/sign/", data)
    assert response.status_code == 302
    signoff = YearSignOff.objects.get()
    assert (signoff.organisation, signoff.system, signoff.year, signoff.signed_by) == (
        aw.org,
        aw.system,
        2026,
        aw.people["procowner"],
    )


def test_without_a_schedule_the_year_needs_the_reviews_only() -> None:
    from forvalta.access.services import year_status

    aw = build_access_world()
    signed_reviews(aw)
    assert year_status(aw.org, aw.system, 2026) == {"spring": True, "autumn": True}
    # A schedule created in December 2026 asks for its fourth quarter only.
    schedule_of(make_source(aw), created="2026-12-03")
    assert year_status(aw.org, aw.system, 2026) == {
        "spring": True,
        "autumn": True,
        "Logguppföljning 2026 Q4: Treserva-logg": False,
    }
    assert year_status(aw.org, aw.system, 2025) == {"spring": False, "autumn": False}


# --- the compliance part's annual report and annual cycle -----------------------------------
def test_the_annual_report_gets_the_figures() -> None:
    from forvalta.compliance.selectors import report_rows

    aw = world()
    rows = [r.as_json() for r in report_rows(aw.org, 2026, on=dt.date(2026, 12, 3))]
    assert rows == [
        {
            "control": "Logguppföljning: Procapita-logg",
            "kind": "Logguppföljning",
            "target": str(aw.system),
            "due_on": "2026-12-31",
            "status": "1 av 3 omgångar klara",
            "completed_on": "",
            "light": "red",  # the third quarter has ended without its round done
            "light_label": "Röd: försenad eller anmärkning",
            "evidence": "1 av 3 omgångar klara; 3 personer och 35 loggar granskade; "
            "2 utan och 0 med anmärkning; "
            "0 anmälda personuppgiftsincidenter",
            "remark": "",
            "url": "/logreview/reports/?year=2026",
        },
        {
            "control": "Logguppföljning: Treserva-logg",
            "kind": "Logguppföljning",
            "target": str(aw.system),
            "due_on": "2026-12-31",
            "status": "2 av 4 omgångar klara",
            "completed_on": "",
            "light": "red",
            "light_label": "Röd: försenad eller anmärkning",
            "evidence": "2 av 4 omgångar klara; 15 personer och 260 loggar granskade; "
            "3 utan och 1 med anmärkning; "
            "1 anmälda personuppgiftsincidenter",
            "remark": "",
            "url": "/logreview/reports/?year=2026",
        },
    ]
    # The report page of the internal control shows them (to the organisation's own).
    query = {"organisation": aw.org.pk, "year": 2026}
    page = login(aw.people["procowner"]).get("/compliance/report/", query)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/logreview/reports/?year=2026">Logguppföljning: Treserva-logg</a>' in text
    assert "2 av 4 omgångar klara; 15 personer och 260 loggar granskade" in text
    other = login(aw.people["other_controller"]).get("/compliance/report/", query)
    assert other.status_code == 400 and "Treserva-logg" not in other.content.decode()
    # Kommun Två's annual report has its own source only; an organisation without
    # schedules none.
    assert [r.control for r in report_rows(aw.other, 2026)] == ["Logguppföljning: Tvås logg"]
    # Every quarter done without remark: green; a quarter not yet ended: planned.
    SamplingRound.objects.filter(schedule=aw.schedules["procapita"]).update(status="done")
    round_of(aw.schedules["procapita"], 3, [(1, 1, False, None)])
    round_of(aw.schedules["procapita"], 4, [(1, 1, False, None)])
    procapita = report_rows(aw.org, 2026, on=dt.date(2026, 12, 3))[0]
    assert (procapita.status, procapita.light) == ("3 av 3 omgångar klara", "green")
    ReviewOutcome.objects.filter(order__round__quarter=4).delete()
    SamplingRound.objects.filter(schedule=aw.schedules["procapita"], quarter=4).delete()
    procapita = report_rows(aw.org, 2026, on=dt.date(2026, 12, 3))[0]
    assert (procapita.status, procapita.light) == ("2 av 3 omgångar klara", "planned")


def test_a_round_done_fulfils_the_log_review_control(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from forvalta.compliance.models import ControlDefinition, ControlOccurrence

    aw = build_access_world()
    definition = ControlDefinition.objects.create(
        organisation=aw.org,
        name="Loggranskning",
        kind="log_review",
        system=aw.system,
        due_dates="12-31",
        first_year=2026,
    )
    occurrence = ControlOccurrence.objects.create(
        definition=definition, due_on=dt.date(2026, 12, 31)
    )
    schedule = schedule_of(make_source(aw))
    round_ = round_of(schedule, 4, [], done=False, open_orders=1)
    order = ExtractOrder.objects.get(round=round_)
    order.recipient = aw.people["mgr_north"]
    order.save()
    response = login(aw.people["mgr_north"]).post(
        f"/logreview/orders/{order.pk}/review/document/",
        {
            "completed_on": "2026-12-02",
            "persons_reviewed": "4",
            "logs_reviewed": "12",
            "with_remark": "0",
            "incident_reported": "0",
        },
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    occurrence.refresh_from_db()
    assert round_.status == "done"
    assert (occurrence.status, occurrence.automatic, occurrence.evidence_id) == (
        "done",
        True,
        str(round_.pk),
    )
    assert occurrence.evidence_url == f"/logreview/rounds/{round_.pk}/"
