"""Review on suspicion (seed 004 section 7) through HTTP: the full flow; need to know
(the case is 404 and absent from lists and menu facts for everyone not named: the
organisation's administrator, a controller not named, another unit's manager, the person
reviewed, another organisation); only the reviewed person's manager's manager enters
the person and the period (refused, recorded and nothing changed for anyone else); who
is shown the person; the documentation of section 7.5; every view recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forvalta.access.tests.helpers import _member
from forvalta.audit.models import AuditEvent
from forvalta.core.tenancy import forget_scope, scope_for
from forvalta.logreview import services, suspicion
from forvalta.logreview.models import (
    LogEntry,
    LogLoad,
    SuspicionCase,
    SuspicionJudgment,
    SuspicionOutcome,
)
from forvalta.logreview.rules import MANAGER, SUSPICION_NAMED
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db

A, B, C = "19121212-1212", "19700101-1233", "19800101-1231"
REASON = "Uppgifter har spridits utanför verksamheten."


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row(time: str, account: str, client: str, unit: str = "Hemtjänst Norr") -> tuple[str, ...]:
    return (time, account, account[2:].title(), unit, client, "", "Läsa", "Journal")


EXTRACT = [
    row("2026-11-03 09:00", "u-anna", A),  # placed in her unit: explained
    row("2026-11-03 10:00", "u-anna", C),  # nothing explains it
    row("2026-11-08 12:00", "u-anna", A),  # placed, but a Sunday: outside the hours
    row("2026-12-01 09:00", "u-anna", B),  # after the period
    row("2026-11-03 09:00", "u-bert", A),  # another account
]


def world() -> Any:
    aw = build_access_world()
    p = aw.people
    p["rita"] = _member(aw.org, "rita", first="Rita", last="Mottagare")
    p["orgadmin"] = _member(aw.org, "orgadmin", first="Ada", last="Admin", is_org_admin=True)
    # Another line: boss2 -> mgr_x -> xena.
    p["boss2"] = _member(aw.org, "boss2", first="Berit", last="Chef")
    p["mgr_x"] = _member(aw.org, "mgr_x", manager=p["boss2"], first="Max", last="Mellan")
    p["xena"] = _member(aw.org, "xena", manager=p["mgr_x"], first="Xena", last="Xsson")
    aw.source = make_source(aw)
    aw.other_source = make_source(aw, aw.other, name="Annan logg")
    return aw


def case_state() -> list[tuple[Any, ...]]:
    return list(SuspicionCase.objects.order_by("pk").values_list())


def denied() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def request_case(aw: Any, **names: Any) -> SuspicionCase:
    p = aw.people
    return suspicion.case_request(
        actor=names.get("actor", p["mgr_north"]),
        source=aw.source,
        attestant=names.get("attestant", p["mgr_north"]),
        recipient=names.get("recipient", p["rita"]),
        senior_manager=names.get("senior_manager", p["boss"]),
        reason=REASON,
    )


def test_the_full_flow(django_capture_on_commit_callbacks: Any) -> None:
    aw = world()
    p = aw.people
    # The reference data: client A placed in Hemtjänst Norr.
    with django_capture_on_commit_callbacks(execute=True):
        services.reference_upload(
            actor=p["sysadmin"],
            source=aw.source,
            kind="placements",
            filename="placeringar.csv",
            data=(
                f"Personnummer;Användar-id;Enhet;Från;Till\n{A};;Hemtjänst Norr;2026-01-01;\n"
            ).encode(),
        )
    # 1. The unit manager requests, naming only the attestant, the recipient and the
    #    manager's manager.
    north = login(p["mgr_north"])
    page = north.get("/logreview/suspicion/new/").content.decode()
    assert "Mottagare" in page and 'name="subject' not in page
    response = north.post(
        "/logreview/suspicion/new/",
        {
            "source": aw.source.pk,
            "attestant": p["mgr_north"].pk,
            "recipient": p["rita"].pk,
            "senior_manager": p["boss"].pk,
            "reason": REASON,
        },
    )
    case = SuspicionCase.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/logreview/suspicion/{case.pk}/"
    )
    assert (
        case.organisation_id,
        case.source_id,
        case.status,
        case.requested_by_id,
        case.attestant_id,
        case.recipient_id,
        case.senior_manager_id,
        case.subject_user_id,
        case.subject_account,
        case.period_from,
        case.reason,
    ) == (
        aw.org.pk,
        aw.source.pk,
        "requested",
        p["mgr_north"].pk,
        p["mgr_north"].pk,
        p["rita"].pk,
        p["boss"].pk,
        None,
        "",
        None,
        REASON,
    )
    event = AuditEvent.objects.get(action="logreview.suspicioncase.requested")
    assert event.changes == {
        "status": [None, "requested"],
        "source": [None, aw.source.pk],
        "attestant": [None, p["mgr_north"].pk],
        "recipient": [None, p["rita"].pk],
        "senior_manager": [None, p["boss"].pk],
    }
    url = f"/logreview/suspicion/{case.pk}/"
    # The manager's manager is told (a neutral notification) and sees the case.
    assert list(Notification.objects.values_list("recipient_id", "link")) == [(p["boss"].pk, url)]
    boss = login(p["boss"])
    page = boss.get(url).content.decode()
    assert REASON in page and f'href="{url}subject/"' in page
    # 2. Only the manager's manager enters the person: the direct manager (named as the
    #    attestant) is refused, recorded, nothing changed.
    before, refusals = case_state(), denied()
    form = {
        "subject": p["anna"].pk,
        "account": "u-anna",
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
    }
    assert north.post(f"{url}subject/", form).status_code == 403
    assert north.get(f"{url}subject/").status_code == 403
    assert case_state() == before and denied() == refusals + 2
    # The form offers the manager's manager only the people two steps below them.
    offered = boss.get(f"{url}subject/").context["form"].fields["subject"].widget.choices
    assert [label for _value, label in offered] == [
        "---------",
        "Anna Andersson",
        "Bert Berg",
        "Cia Carlsson",
        "Dan Dahl",
    ]
    # Someone not two steps below them is refused (recorded, nothing changed).
    assert boss.post(f"{url}subject/", {**form, "subject": p["xena"].pk}).status_code == 403
    assert boss.post(f"{url}subject/", {**form, "subject": p["mgr_north"].pk}).status_code == 403
    assert case_state() == before and denied() == refusals + 4
    # Bad input: a message, nothing changed.
    response = boss.post(f"{url}subject/", {**form, "period_to": "2026-10-01"})
    assert response.status_code == 200
    assert "Perioden måste sluta på eller efter sin första dag." in response.content.decode()
    assert case_state() == before
    response = boss.post(f"{url}subject/", form)
    assert response.status_code == 302 and response["Location"] == url
    case.refresh_from_db()
    assert (
        case.status,
        case.subject_user_id,
        case.subject_account,
        case.period_from,
        case.period_to,
        case.entered_by_id,
    ) == (
        "subject_entered",
        p["anna"].pk,
        "u-anna",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        p["boss"].pk,
    )
    event = AuditEvent.objects.get(action="logreview.suspicioncase.subject_entered")
    # The person reviewed only sealed (a keyed digest) in the trail.
    assert event.changes == {
        "status": ["requested", "subject_entered"],
        "period": [None, ["2026-11-01", "2026-11-30"]],
        "subject_sealed": [None, suspicion.sealed(aw.org.pk, f"{case.pk}:{p['anna'].pk}:u-anna")],
    }
    # 3. The attestant sees the period, never the person; the recipient neither yet.
    page = north.get(url).content.decode()
    assert "2026-11-01 – 2026-11-30" in page
    assert "Andersson" not in page and "u-anna" not in page
    page = login(p["rita"]).get(url).content.decode()
    assert REASON in page and "Andersson" not in page and "u-anna" not in page
    assert "2026-11-01" not in page
    # The log administrator does not see it before the attestation.
    assert login(p["sysadmin"]).get(url).status_code == 404
    # Only the attestant attests.
    before, refusals = case_state(), denied()
    assert login(p["rita"]).post(f"{url}attest/").status_code == 403
    assert case_state() == before and denied() == refusals + 1
    assert north.post(f"{url}attest/").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.attested_by_id) == ("attested", p["mgr_north"].pk)
    # 4. The log administrator sees what fulfilling needs: the person, account, period;
    #    not the reason nor who is named.
    admin = login(p["sysadmin"])
    page = admin.get(url).content.decode()
    assert "Anna Andersson" in page and "u-anna" in page and "2026-11-01 – 2026-11-30" in page
    assert REASON not in page and "Mottagare" not in page and "Bo Chef" not in page
    data = log_csv(EXTRACT)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"{url}fulfil/",
            {"file": SimpleUploadedFile("uttag.csv", data, content_type="text/csv")},
        )
    load = LogLoad.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == f"/logreview/loads/{load.pk}/"
    case.refresh_from_db()
    assert (case.status, case.fulfilled_by_id, load.status, load.row_count, bytes(load.data)) == (
        "fulfilled",
        p["sysadmin"].pk,
        "loaded",
        5,
        b"",
    )
    # The extract is the log administrators' and the case's: the controller does not
    # see the load, its rows, nor its name on the source's page.
    controller = login(p["controller"])
    assert controller.get(f"/logreview/loads/{load.pk}/").status_code == 404
    assert "uttag.csv" not in controller.get(f"/logreview/sources/{aw.source.pk}/").content.decode()
    assert not LogEntry.objects.visible_to(p["controller"]).filter(load=load).exists()
    assert admin.get(f"/logreview/loads/{load.pk}/").status_code == 200
    # 5. The recipient reviews: the account's accesses in the period.
    rita = login(p["rita"])
    page = rita.get(url).content.decode()
    assert "Anna Andersson" in page and f'href="{url}review/"' in page
    response = rita.get(f"{url}review/")
    assert response.status_code == 200
    review = response.context["review"]
    got = {
        (a.entry.account, f"{a.entry.time.astimezone():%d %H:%M}"): (a.explanations, a.flags)
        for a in review.accesses
    }
    placed = "Klienten var placerad på medarbetarens enhet"
    assert got == {
        ("u-anna", "03 09:00"): ([placed], []),
        ("u-anna", "03 10:00"): ([], []),
        ("u-anna", "08 12:00"): ([placed], ["Utanför enhetens öppettider"]),
    }
    assert "1 av 3 åtkomster förklarades automatiskt (33 %)." in response.content.decode()
    # Nobody else named sees the review.
    for person in ("mgr_north", "boss", "sysadmin"):
        assert login(p[person]).get(f"{url}review/").status_code == 403, person
    # Documenting is refused until each unexplained access is judged.
    outcome = {
        "completed_on": "2026-12-02",
        "persons_reviewed": "1",
        "logs_reviewed": "3",
        "with_remark": "1",
        "incident_reported": "1",
        "incident_persons": "2",
    }
    response = rita.post(f"{url}review/document/", outcome)
    assert "2 oförklarade åtkomster saknar fortfarande bedömning." in response.content.decode()
    assert not SuspicionOutcome.objects.exists()
    for access in review.accesses:
        if not access.explained:
            assert (
                rita.post(
                    f"{url}review/judge/",
                    {"entry": access.entry.pk, "verdict": "follow_up", "comment": "Ingen grund"},
                ).status_code
                == 302
            )
    assert SuspicionJudgment.objects.count() == 2
    response = rita.post(f"{url}review/document/", outcome)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "documented"
    assert list(
        SuspicionOutcome.objects.values_list(
            "case_id",
            "completed_on",
            "reviewer_id",
            "persons_reviewed",
            "logs_reviewed",
            "with_remark",
            "incident_reported",
            "incident_persons",
        )
    ) == [(case.pk, dt.date(2026, 12, 2), p["rita"].pk, 1, 3, True, True, 2)]
    # Immutable once documented.
    before, refusals = (case_state(), list(SuspicionJudgment.objects.values_list())), denied()
    entry_id = review.accesses[1].entry.pk
    judge = {"entry": entry_id, "verdict": "reasonable", "comment": "Ändrat"}
    assert rita.post(f"{url}review/judge/", judge).status_code == 403
    assert rita.post(f"{url}review/document/", outcome).status_code == 403
    assert (case_state(), list(SuspicionJudgment.objects.values_list())) == before
    assert denied() == refusals + 2
    # The documentation is shown to the named, the person still not to the attestant.
    page = north.get(url).content.decode()
    assert "2026-12-02" in page and "Andersson" not in page
    # The audit trail (read by the organisation's administrators) never shows the
    # person, the reason, the extract's file name nor the judgments' comments.
    trail = " ".join(
        f"{e.object_repr} {e.changes} {e.reason}" for e in AuditEvent.objects.all()
    ).casefold()
    for secret in ("u-anna", "andersson", REASON, "uttag.csv", "ingen grund"):
        assert secret.casefold() not in trail, secret
    judged = AuditEvent.objects.filter(action="logreview.suspicionjudgment.made").first()
    assert judged is not None and judged.changes["comment_sealed"] == [
        None,
        suspicion.sealed(aw.org.pk, "Ingen grund"),
    ]
    # Each next person was told, neutrally, with a link to the case.
    assert list(
        Notification.objects.order_by("pk").values_list("recipient_id", "kind", "link", "title")
    ) == [
        (p["boss"].pk, "step_assigned", url, "Du har fått ett steg eller en uppgift"),
        (p["mgr_north"].pk, "step_assigned", url, "Du har fått ett steg eller en uppgift"),
        (p["sysadmin"].pk, "step_assigned", url, "Du har fått ett steg eller en uppgift"),
        (p["rita"].pk, "review_waiting", url, "En granskning väntar på dig"),
    ]
    # Every successful view of a case page was recorded.
    viewed = AuditEvent.objects.filter(action="logreview.suspicioncase.viewed")
    assert {(e.actor_id, e.object_id) for e in viewed} == {
        (p[name].pk, str(case.pk)) for name in ("boss", "mgr_north", "rita", "sysadmin")
    }
    assert viewed.count() == 6
    reviews = AuditEvent.objects.filter(action="logreview.suspicionreview.viewed")
    assert list(reviews.values_list("actor_id", "object_type", "object_id")) == [
        (p["rita"].pk, "logreview.suspicioncase", str(case.pk))
    ]


def test_need_to_know(django_capture_on_commit_callbacks: Any) -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    url = f"/logreview/suspicion/{case.pk}/"
    outsiders = ("orgadmin", "controller", "mgr_south", "anna", "bert", "owner", "procowner")
    for name in (*outsiders, "other_controller", "sysadmin"):
        client = login(p[name])
        assert client.get(url).status_code == 404, name
        assert client.get(f"{url}subject/").status_code == 404, name
        assert client.post(f"{url}attest/").status_code == 404, name
        assert not SuspicionCase.objects.visible_to(p[name]).exists(), name
        forget_scope(p[name])
        assert not any(r[3] == SUSPICION_NAMED for r in scope_for(p[name]).access_roles), name
    # Absent from the list; the list itself shows no trace.
    for name in ("orgadmin", "controller", "mgr_south", "other_controller"):
        response = login(p[name]).get("/logreview/suspicion/")
        assert response.status_code == 200, name
        assert list(response.context["cases"]) == [], name
        assert url not in response.content.decode(), name
    # The named see it, have it in their list and their menu.
    for name in ("mgr_north", "rita", "boss"):
        client = login(p[name])
        assert client.get(url).status_code == 200, name
        assert list(client.get("/logreview/suspicion/").context["cases"]) == [case], name
        forget_scope(p[name])
        assert any(r[3] == SUSPICION_NAMED for r in scope_for(p[name]).access_roles), name
    # The menu: "Granskning vid misstanke" for the named and those who may request, not
    # for the organisation's administrator.
    menu = 'href="/logreview/suspicion/"'
    assert menu in login(p["rita"]).get("/logreview/suspicion/").content.decode()
    assert menu not in login(p["orgadmin"]).get("/logreview/suspicion/").content.decode()
    forget_scope(p["mgr_south"])
    assert any(r[3] == MANAGER for r in scope_for(p["mgr_south"]).access_roles)
    # Once attested, the log administrators see it; never the person reviewed, even
    # when they are a log administrator.
    case = suspicion.subject_enter(
        actor=p["boss"],
        case=case,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    case = suspicion.case_attest(actor=p["mgr_north"], case=case)
    from forvalta.access.tests.helpers import _role

    _role(p["anna"], "system_administrator", aw.org, aw.system)
    forget_scope(p["anna"])
    assert login(p["anna"]).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        suspicion.case_from_store(actor=p["anna"], case=case)
    assert login(p["sysadmin"]).get(url).status_code == 200
    for name in outsiders:
        assert login(p[name]).get(url).status_code == 404, name


def test_only_the_managers_manager_enters_the_subject() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    # Whoever is not the named manager's manager: refused, recorded, nothing changed.
    for name in ("mgr_north", "orgadmin", "anna", "bert", "controller", "rita", "boss2"):
        before, refusals = case_state(), denied()
        with pytest.raises(PermissionDenied):
            suspicion.subject_enter(
                actor=p[name],
                case=case,
                subject=p["anna"],
                account="u-anna",
                period_from=dt.date(2026, 11, 1),
                period_to=dt.date(2026, 11, 30),
            )
        assert case_state() == before, name
        assert denied() == refusals + 1, name
    # Over HTTP the unnamed do not even find the case.
    for name in ("orgadmin", "anna", "bert"):
        before = case_state()
        response = login(p[name]).post(
            f"/logreview/suspicion/{case.pk}/subject/",
            {
                "subject": p["anna"].pk,
                "account": "u-anna",
                "period_from": "2026-11-01",
                "period_to": "2026-11-30",
            },
        )
        assert response.status_code == 404 and case_state() == before, name
    # A case naming the direct manager as the "manager's manager": still refused, the
    # memberships decide.
    wrong = request_case(aw, senior_manager=p["mgr_north"])
    before, refusals = case_state(), denied()
    response = login(p["mgr_north"]).post(
        f"/logreview/suspicion/{wrong.pk}/subject/",
        {
            "subject": p["anna"].pk,
            "account": "u-anna",
            "period_from": "2026-11-01",
            "period_to": "2026-11-30",
        },
    )
    assert response.status_code == 403
    assert case_state() == before and denied() == refusals + 1
    # The person reviewed cannot be one named on the case.
    named = request_case(aw, recipient=p["anna"])
    before = case_state()
    response = login(p["boss"]).post(
        f"/logreview/suspicion/{named.pk}/subject/",
        {
            "subject": p["anna"].pk,
            "account": "u-anna",
            "period_from": "2026-11-01",
            "period_to": "2026-11-30",
        },
    )
    assert response.status_code == 200
    assert "Den som granskas kan inte vara en av dem som namnges i ärendet." in (
        response.content.decode()
    )
    assert case_state() == before


def test_who_may_request() -> None:
    aw = world()
    p = aw.people
    form = {
        "source": aw.source.pk,
        "attestant": p["mgr_north"].pk,
        "recipient": p["rita"].pk,
        "senior_manager": p["boss"].pk,
        "reason": REASON,
    }
    # Neither a member who manages nobody nor the organisation's administrator.
    for name in ("anna", "orgadmin"):
        client = login(p[name])
        assert client.get("/logreview/suspicion/new/").status_code == 403, name
        assert client.post("/logreview/suspicion/new/", form).status_code == 403, name
    # Another organisation's controller cannot name Kommun Ett's source or people.
    response = login(p["other_controller"]).post("/logreview/suspicion/new/", form)
    assert response.status_code == 200 and response.context["form"].errors
    assert not SuspicionCase.objects.exists()
    refusals = denied()
    with pytest.raises(PermissionDenied):
        request_case(aw, actor=p["anna"])
    assert denied() == refusals + 1 and not SuspicionCase.objects.exists()
    # The controller of the system may (and is then named).
    response = login(p["controller"]).post("/logreview/suspicion/new/", form)
    assert response.status_code == 302
    assert list(SuspicionCase.objects.values_list("requested_by_id", flat=True)) == [
        p["controller"].pk
    ]


def test_fulfilled_from_the_stored_log(django_capture_on_commit_callbacks: Any) -> None:
    aw = world()
    p = aw.people
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=p["sysadmin"], source=aw.source, filename="hela.csv", data=log_csv(EXTRACT)
        )
    case = request_case(aw)
    url = f"/logreview/suspicion/{case.pk}/"
    admin = login(p["sysadmin"])
    # Not before the attestation.
    assert admin.post(f"{url}from-store/").status_code == 404
    case = suspicion.subject_enter(
        actor=p["boss"],
        case=case,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    suspicion.case_attest(actor=p["mgr_north"], case=case)
    # Only a log administrator fulfils.
    before, refusals = case_state(), denied()
    assert login(p["rita"]).post(f"{url}from-store/").status_code == 403
    assert case_state() == before and denied() == refusals + 1
    assert admin.post(f"{url}from-store/").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.from_store, case.fulfilled_by_id) == (
        "fulfilled",
        True,
        p["sysadmin"].pk,
    )
    event = AuditEvent.objects.get(action="logreview.suspicioncase.fulfilled")
    assert event.changes == {
        "status": ["attested", "fulfilled"],
        "from_store": [False, True],
        "rows": [0, 3],
    }
    review = login(p["rita"]).get(f"{url}review/").context["review"]
    assert sorted(f"{a.entry.time.astimezone():%d %H:%M}" for a in review.accesses) == [
        "03 09:00",
        "03 10:00",
        "08 12:00",
    ]
    # Fulfilled once: a second time is refused.
    before, refusals = case_state(), denied()
    assert admin.post(f"{url}from-store/").status_code == 403
    assert case_state() == before and denied() == refusals + 1


def test_a_bad_extract_fails_and_may_be_uploaded_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    case = suspicion.subject_enter(
        actor=p["boss"],
        case=case,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    case = suspicion.case_attest(actor=p["mgr_north"], case=case)
    url = f"/logreview/suspicion/{case.pk}/"
    admin = login(p["sysadmin"])
    bad = log_csv([("igår", "u-anna", "Anna", "Hemtjänst Norr", A, "", "Läsa", "Journal")])
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"{url}fulfil/",
            {"file": SimpleUploadedFile("anna.csv", bad, content_type="text/csv")},
        )
    load = LogLoad.objects.get(case=case)
    case.refresh_from_db()
    assert (load.status, bytes(load.data), case.status) == ("failed", b"", "attested")
    assert load.error.splitlines() == [
        "Filen lästes inte in; ingenting av den har sparats.",
        "Rad 2: kolumnen ”Tidpunkt” innehåller ingen tidpunkt (ÅÅÅÅ-MM-DD TT:MM).",
    ]
    assert not LogEntry.objects.filter(load=load).exists()
    page = admin.get(f"/logreview/loads/{load.pk}/").content.decode()
    assert "Rad 2:" in page
    # Uploaded again, it loads and fulfils the case.
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"{url}fulfil/",
            {"file": SimpleUploadedFile("anna.csv", log_csv(EXTRACT), content_type="text/csv")},
        )
    case.refresh_from_db()
    assert case.status == "fulfilled"
    assert sorted(LogLoad.objects.filter(case=case).values_list("status", flat=True)) == [
        "failed",
        "loaded",
    ]
    assert "anna.csv" not in " ".join(
        f"{e.object_repr} {e.changes}" for e in AuditEvent.objects.all()
    )


def test_the_review_costs_the_same_queries_for_more_accesses(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = world()
    p = aw.people
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=p["sysadmin"], source=aw.source, filename="hela.csv", data=log_csv(EXTRACT)
        )
    case = request_case(aw)
    case = suspicion.subject_enter(
        actor=p["boss"],
        case=case,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    case = suspicion.case_attest(actor=p["mgr_north"], case=case)
    case = suspicion.case_from_store(actor=p["sysadmin"], case=case)
    rita = login(p["rita"])
    url = f"/logreview/suspicion/{case.pk}/review/"
    counts = []
    for more in (0, 30):
        if more:
            template = LogEntry.objects.filter(account="u-anna").order_by("pk").first()
            assert template is not None
            LogEntry.objects.bulk_create(
                [
                    LogEntry(
                        organisation_id=template.organisation_id,
                        source_id=template.source_id,
                        load_id=template.load_id,
                        time=template.time,
                        account="u-anna",
                        unit=template.unit,
                        client_hash=f"{i:064d}",
                        client_masked="19500101-****",
                    )
                    for i in range(more)
                ]
            )
        with CaptureQueriesContext(connection) as queries:
            response = rita.get(url)
        assert response.status_code == 200
        assert response.context["review"].total == 3 + more
        counts.append(len(queries))
    assert counts[0] == counts[1]
