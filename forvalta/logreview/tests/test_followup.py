"""The unauthorised access follow-up through HTTP (seed 004 sections 8-9): opened from a
needs-follow-up judgment by the recipient or the controller, it always reports one
personal-data incident with the 72-hour deadline from the awareness time; each decision
is documented with who and when; removing the access makes one removal request in the
access part, escalating tells the process owner; need-to-know; closed by the controller
and then immutable. Every refusal records `access.denied` and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from forvalta.access.models import AccessRequest, Account, Snapshot
from forvalta.access.tests.helpers import _member, _role
from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import PersonalDataIncident
from forvalta.logreview import services
from forvalta.logreview.identity import hash_and_mask, sealed
from forvalta.logreview.models import (
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    FollowUpDecision,
    Judgment,
    LogEntry,
    LogLoad,
    ReferenceRow,
    SamplingRound,
    SamplingSchedule,
    UnauthorisedAccess,
)
from forvalta.logreview.tests.helpers import build_access_world, make_source
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
A, B, C, D = "19121212-1212", "19700101-1233", "19800101-1231", "19900101-1239"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=STOCKHOLM)


class Setup:
    def __init__(self) -> None:
        aw = build_access_world()
        self.aw = aw
        p = aw.people
        p["member"] = _member(aw.org, "member", first="Maj", last="Medlem")
        p["dpc"] = _member(aw.org, "dpc", first="Dora", last="Dataskydd")
        _role(p["dpc"], "data_protection_contact", aw.org, aw.system)
        source = make_source(aw)
        schedule = SamplingSchedule.objects.create(
            organisation=aw.org, source=source, kind="provider"
        )
        round_ = SamplingRound.objects.create(
            organisation=aw.org,
            schedule=schedule,
            year=2026,
            quarter=4,
            month=dt.date(2026, 11, 1),
            seed=1,
            drawn_by=p["controller"],
        )
        unit = DrawnUnit.objects.create(
            round=round_, position=0, unit_name="Hemtjänst Norr", unit=aw.units["north"]
        )
        anna = DrawnEmployee.objects.create(
            drawn_unit=unit, position=0, account="u-anna", employee_name="Anna Andersson"
        )
        DrawnDay.objects.create(employee=anna, day=dt.date(2026, 11, 3))
        self.order = ExtractOrder.objects.create(
            organisation=aw.org,
            round=round_,
            drawn_unit=unit,
            month=dt.date(2026, 11, 1),
            recipient=p["mgr_north"],
            attestant=p["mgr_north"],
            status="fulfilled",
            requested_by=p["controller"],
        )
        load = LogLoad.objects.create(
            organisation=aw.org,
            source=source,
            order=self.order,
            filename="norr.csv",
            data=b"",
            status="loaded",
            uploaded_by=p["sysadmin"],
        )
        self.entries = [
            LogEntry.objects.create(
                organisation=aw.org,
                source=source,
                load=load,
                time=time,
                account="u-anna",
                employee_name="Anna Andersson",
                unit="Hemtjänst Norr",
                client_hash=hash_and_mask(aw.org.pk, client)[0],
                client_masked=hash_and_mask(aw.org.pk, client)[1],
                action="Läsa",
                record_part="Journal",
            )
            for time, client in (
                (_at(3, 10), A),  # needs follow-up
                (_at(3, 10, 30), B),  # needs follow-up
                (_at(3, 11), C),  # reasonable
                (_at(3, 12), D),  # explained: placed in the unit
            )
        ]
        placements = LogLoad.objects.create(
            organisation=aw.org,
            source=source,
            kind="placements",
            filename="placeringar.csv",
            data=b"",
            status="loaded",
            uploaded_by=p["sysadmin"],
        )
        ReferenceRow.objects.create(
            organisation=aw.org,
            source=source,
            load=placements,
            kind="placements",
            client_hash=hash_and_mask(aw.org.pk, D)[0],
            unit="Hemtjänst Norr",
            valid_from=dt.date(2026, 1, 1),
        )
        manager = p["mgr_north"]
        self.j1, self.j2, self.j3 = (
            services.judge(
                actor=manager,
                order=self.order,
                entry_id=entry.pk,
                verdict=verdict,
                comment=comment,
            )
            for entry, verdict, comment in (
                (self.entries[0], "follow_up", "Ingen koppling till klienten"),
                (self.entries[1], "follow_up", "Ingen koppling heller"),
                (self.entries[2], "reasonable", "Vikarierade på enheten"),
            )
        )
        # The system's list of accounts: Anna holds two roles.
        snapshot = Snapshot.objects.create(
            organisation=aw.org,
            system=aw.system,
            taken_on=dt.date(2026, 11, 30),
            status="done",
            imported_by=p["controller"],
        )
        Account.objects.create(
            snapshot=snapshot,
            account_id="u-anna",
            name="Anna Andersson",
            roles="Handläggare|Administratör",
            person=p["anna"],
        )

    def open_url(self, entry: LogEntry) -> str:
        return f"/logreview/orders/{self.order.pk}/review/{entry.pk}/followup/"


def state() -> tuple[Any, ...]:
    return (
        list(UnauthorisedAccess.objects.values_list()),
        list(FollowUpDecision.objects.values_list()),
        list(UnauthorisedAccess.judgments.through.objects.values_list()),
        list(UnauthorisedAccess.escalated_to.through.objects.values_list()),
        list(PersonalDataIncident.objects.values_list("pk", "aware_at", "status")),
        list(AccessRequest.objects.values_list("pk", "kind", "status")),
        Notification.objects.count(),
        AuditEvent.objects.exclude(action__in=("access.denied", "auth.login"))
        .exclude(action__endswith=".viewed")
        .count(),
    )


def denied(user: Any) -> int:
    return AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).count()


def opened(s: Setup, user: Any = None, aware: str = "2026-12-01T08:30") -> UnauthorisedAccess:
    user = user or s.aw.people["mgr_north"]
    response = login(user).post(s.open_url(s.entries[0]), {"aware_at": aware})
    followup = UnauthorisedAccess.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/logreview/followups/{followup.pk}/"
    return followup


def test_opened_from_a_needs_follow_up_judgment_reports_one_incident() -> None:
    s = Setup()
    p = s.aw.people
    manager = login(p["mgr_north"])
    review = manager.get(f"/logreview/orders/{s.order.pk}/review/").content.decode()
    # "Öppna uppföljning" next to each needs-follow-up judgment only.
    assert review.count(">Öppna uppföljning</a>") == 2
    assert f'href="{s.open_url(s.entries[0])}"' in review
    assert f'href="{s.open_url(s.entries[1])}"' in review
    assert f'href="{s.open_url(s.entries[2])}"' not in review
    page = manager.get(s.open_url(s.entries[0]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ingen koppling till klienten" in text and "Ingen koppling heller" in text
    assert "19121212-****" in text and "19121212-1212" not in text
    assert "Vikarierade" not in text

    followup = opened(s)
    aware = dt.datetime(2026, 12, 1, 8, 30, tzinfo=STOCKHOLM)
    assert (followup.account, followup.employee_name) == ("u-anna", "Anna Andersson")
    assert (followup.order_id, followup.system_id, followup.organisation_id) == (
        s.order.pk,
        s.aw.system.pk,
        s.aw.org.pk,
    )
    assert followup.aware_at == aware
    assert followup.opened_by == p["mgr_north"] and followup.status == "open"
    assert sorted(followup.judgments.values_list("pk", flat=True)) == [s.j1.pk, s.j2.pk]
    # Exactly one personal-data incident, aware when the follow-up is, 72 hours to IMY.
    incident = PersonalDataIncident.objects.get()
    assert followup.incident == incident and incident.unauthorised_access == followup
    assert incident.aware_at == aware
    assert incident.imy_deadline == aware + dt.timedelta(hours=72)
    assert incident.imy_deadline.strftime("%Y-%m-%d %H:%M") == "2026-12-04 08:30"
    assert (incident.organisation, incident.system, incident.reporter) == (
        s.aw.org,
        s.aw.system,
        p["mgr_north"],
    )
    assert (incident.subjects_count, incident.records_count, incident.sensitive_data) == (
        2,
        2,
        True,
    )
    assert incident.title == f"Obehörig åtkomst i {s.aw.system} (logguppföljning)"
    assert incident.what_happened == (
        "Loggranskningen av Hemtjänst Norr 2026-11 visade att kontot u-anna utan godtagbar "
        "förklaring har hanterat personuppgifter: 2 åtkomster till 2 personer. "
        f"Uppföljning: /logreview/followups/{followup.pk}/"
    )
    assert f"/logreview/followups/{followup.pk}/" in incident.what_happened
    assert "u-anna" in incident.what_happened and "19121212" not in incident.what_happened
    # The incident's own event holds that text only sealed.
    created = AuditEvent.objects.get(action="compliance.personaldataincident.created")
    assert created.changes["what_happened_sealed"] == [
        None,
        sealed(s.aw.org.pk, incident.what_happened),
    ]
    assert "what_happened" not in created.changes and "u-anna" not in str(created.changes)
    # The data protection contact is told; no removal request yet.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("dpc", "incident_reported")
    ]
    assert AccessRequest.objects.count() == 0
    event = AuditEvent.objects.get(action="logreview.followup.opened")
    assert event.actor_id == p["mgr_north"].pk and event.object_id == str(followup.pk)
    assert event.changes == {
        "order": [None, s.order.pk],
        # The account only sealed: the trail's readers do not learn whose access it was.
        "account_sealed": [None, sealed(s.aw.org.pk, f"{followup.pk}:u-anna")],
        "judgments": [None, [s.j1.pk, s.j2.pk]],
        "aware_at": [None, aware.isoformat()],
        "incident": [None, incident.pk],
    }
    assert AuditEvent.objects.filter(action="compliance.personaldataincident.created").count() == 1
    detail = manager.get(f"/logreview/followups/{followup.pk}/").content.decode()
    assert "IMY-tidsfrist 2026-12-04 08:30" in detail
    assert AuditEvent.objects.filter(action="logreview.followup.viewed").count() == 1
    # Opening again (from the other judgment) leads to the same follow-up, nothing new.
    before = state()
    again = manager.post(s.open_url(s.entries[1]), {"aware_at": "2026-12-01T09:00"})
    assert again.status_code == 302
    assert again["Location"] == f"/logreview/followups/{followup.pk}/"
    assert state() == before
    # The review's documentation is prefilled: an incident reported, for two persons.
    form = manager.get(f"/logreview/orders/{s.order.pk}/review/").context["outcome_form"]
    assert (form.initial["incident_reported"], form.initial["incident_persons"]) == ("1", 2)


def test_the_controller_opens_and_the_recipient_reads_the_incident() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s, p["controller"], "2026-11-30T23:15")
    incident = followup.incident
    assert incident.reporter == p["controller"]
    assert list(incident.readers.all()) == [p["mgr_north"]]
    assert incident.imy_deadline.strftime("%Y-%m-%d %H:%M") == "2026-12-03 23:15"
    assert login(p["mgr_north"]).get(f"/logreview/followups/{followup.pk}/").status_code == 200
    assert login(p["mgr_north"]).get(incident.get_absolute_url()).status_code == 200


def test_opening_is_refused_elsewhere_and_changes_nothing() -> None:
    s = Setup()
    p = s.aw.people
    before = state()
    manager = login(p["mgr_north"])
    # A reasonable judgment, and an access explained automatically (no judgment).
    for entry in (s.entries[2], s.entries[3]):
        for method in ("get", "post"):
            count = denied(p["mgr_north"])
            response = getattr(manager, method)(s.open_url(entry), {"aware_at": "2026-12-01T08:30"})
            assert response.status_code == 403
            assert denied(p["mgr_north"]) == count + 1
    # The log administrator sees the review's rows but does not open follow-ups.
    response = login(p["sysadmin"]).post(s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"})
    assert response.status_code == 403 and denied(p["sysadmin"]) == 1
    # Another organisation's controller and a member: not found.
    for key in ("other_controller", "member", "anna", "mgr_south"):
        response = login(p[key]).post(s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"})
        assert response.status_code == 404, key
    # An awareness time in the future.
    response = manager.post(s.open_url(s.entries[0]), {"aware_at": "2099-01-01T08:00"})
    assert response.status_code == 200
    assert "Tidpunkten då ni fick kännedom kan inte ligga i framtiden." in response.content.decode()
    assert state() == before


def decide(
    client: Client, followup: UnauthorisedAccess, kind: str, answer: str, comment: str
) -> Any:
    return client.post(
        f"/logreview/followups/{followup.pk}/decide/",
        {"kind": kind, "answer": answer, "comment": comment},
    )


def test_each_decision_documented_removal_request_and_escalation() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    manager = login(p["mgr_north"])
    Notification.objects.all().delete()
    response = decide(manager, followup, "remove_access", "1", "Behörigheten tas bort")
    assert response.status_code == 302
    decision = FollowUpDecision.objects.get(followup=followup, kind="remove_access")
    assert (decision.answer, decision.comment, decision.decided_by) == (
        True,
        "Behörigheten tas bort",
        p["mgr_north"],
    )
    assert decision.decided_at is not None
    # Exactly one removal request for the account's roles on the system.
    request = AccessRequest.objects.get()
    followup.refresh_from_db()
    assert followup.removal_request == request
    assert (
        request.organisation,
        request.system,
        request.kind,
        request.account_id,
        request.person,
        request.person_name,
        request.roles,
        request.status,
        request.requested_by,
    ) == (
        s.aw.org,
        s.aw.system,
        "remove",
        "u-anna",
        p["anna"],
        "Anna Andersson",
        "Handläggare, Administratör",
        "requested",
        p["mgr_north"],
    )
    assert f"/logreview/followups/{followup.pk}/" in request.reason
    assert request.reason.endswith(": Behörigheten tas bort")
    created = AuditEvent.objects.get(action="access.accessrequest.created")
    assert created.changes["followup"] == [None, followup.pk]
    # The account, the name and the reason (with the comment) only sealed.
    org = s.aw.org.pk
    assert created.changes == {
        "organisation": [None, org],
        "system": [None, s.aw.system.pk],
        "kind": [None, "remove"],
        "roles": [None, "Handläggare, Administratör"],
        "status": [None, "requested"],
        "requested_by": [None, p["mgr_north"].pk],
        "requested_at": [None, request.requested_at.isoformat()],
        "named_by_number": [None, True],
        "account_id_sealed": [None, sealed(org, f"{followup.pk}:u-anna")],
        "person_name_sealed": [None, sealed(org, f"{followup.pk}:Anna Andersson")],
        "reason_sealed": [None, sealed(org, request.reason)],
        "person_sealed": [None, sealed(org, f"{followup.pk}:{p['anna'].pk}")],
        "followup": [None, followup.pk],
    }
    # Nor does the trail's name of the objects tell the account or the person.
    assert created.object_repr == f"Begäran om borttag nr {request.pk}"
    names = AuditEvent.objects.filter(action__startswith="logreview.followup").values_list(
        "object_repr", flat=True
    )
    assert len(names) >= 2  # opened, decided
    assert set(names) == {f"Uppföljning av obehörig åtkomst nr {followup.pk}"}
    # The system owner, who decides the request, is told.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("owner", "decision_waiting")
    ]
    event = AuditEvent.objects.get(action="logreview.followup.decided")
    assert event.changes == {
        "kind": [None, "remove_access"],
        "answer": [None, True],
        "comment_sealed": [None, sealed(org, "Behörigheten tas bort")],
        "removal_request": [None, request.pk],
    }
    # Documenting it again changes the comment, never makes a second request; "no" is refused.
    decide(manager, followup, "remove_access", "1", "Borttagen samma dag")
    assert AccessRequest.objects.count() == 1
    last = AuditEvent.objects.filter(action="logreview.followup.decided").order_by("pk").last()
    assert last.changes == {
        "kind": [None, "remove_access"],
        "answer": [True, True],
        "comment_sealed": [
            sealed(org, "Behörigheten tas bort"),
            sealed(org, "Borttagen samma dag"),
        ],
    }
    before = state()
    response = decide(manager, followup, "remove_access", "0", "Ångrar")
    assert response.status_code == 200
    assert (
        "Begäran om borttag är gjord; den beslutas i behörighetsdelen." in response.content.decode()
    )
    assert state() == before
    # Escalation tells the system's process owner, recorded on the follow-up.
    Notification.objects.all().delete()
    controller = login(p["controller"])
    decide(controller, followup, "escalation", "1", "Processägaren kontaktad")
    assert list(followup.escalated_to.all()) == [p["procowner"]]
    assert list(Notification.objects.values_list("recipient__username", "kind", "link")) == [
        ("procowner", "unauthorised_access_escalated", f"/logreview/followups/{followup.pk}/")
    ]
    escalated = FollowUpDecision.objects.get(followup=followup, kind="escalation")
    assert escalated.decided_by == p["controller"]
    # The process owner (access staff of the system) reads it.
    procowner = login(p["procowner"])
    page = procowner.get(f"/logreview/followups/{followup.pk}/")
    assert page.status_code == 200 and "Petra Process" in page.content.decode()
    # Changed to "no": no longer escalated (the process owner still reads it as the
    # system's access staff); changed back, told again.
    assert decide(controller, followup, "escalation", "0", "Inte längre").status_code == 302
    assert list(followup.escalated_to.all()) == []
    withdrawn = AuditEvent.objects.filter(action="logreview.followup.decided").latest("pk")
    assert withdrawn.changes["escalated_to"] == [[p["procowner"].pk], []]
    assert withdrawn.changes["answer"] == [True, False]
    assert Notification.objects.count() == 1
    assert (
        decide(controller, followup, "escalation", "1", "Processägaren kontaktad").status_code
        == 302
    )
    assert list(followup.escalated_to.all()) == [p["procowner"]]
    assert Notification.objects.count() == 2
    assert procowner.get(f"/logreview/followups/{followup.pk}/").status_code == 200
    # Every other decision, each with who and when on the page.
    for kind, answer, comment in (
        ("training", "1", "Utbildning i sekretess"),
        ("rules_known", "1", "Reglerna gicks igenom på APT"),
        ("intentional", "0", "Av misstag"),
        ("labour_law", "0", "Inte aktuellt"),
        ("police_report", "0", "Inte aktuellt"),
    ):
        assert decide(manager, followup, kind, answer, comment).status_code == 302
    assert FollowUpDecision.objects.filter(followup=followup).count() == 7
    detail = manager.get(f"/logreview/followups/{followup.pk}/").content.decode()
    assert "<strong>Nej</strong>: Av misstag (Nora Norr " in detail
    assert "<strong>Ja</strong>: Processägaren kontaktad (Vera Kontroll " in detail
    # A comment is required.
    before = state()
    response = decide(manager, followup, "training", "1", "  ")
    assert response.status_code == 200 and state() == before


def test_need_to_know_and_refusals_change_nothing() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    url = f"/logreview/followups/{followup.pk}/"
    before = state()
    for key in ("other_controller", "member", "anna", "mgr_south", "boss"):
        client = login(p[key])
        assert client.get(url).status_code == 404, key
        assert decide(client, followup, "training", "1", "x").status_code == 404
        assert client.post(url + "close/").status_code == 404
        assert url not in client.get("/logreview/followups/").content.decode()
    # The log administrator sees it (access staff) but decides nothing.
    admin = login(p["sysadmin"])
    assert admin.get(url).status_code == 200
    assert decide(admin, followup, "training", "1", "x").status_code == 403
    assert admin.post(url + "close/").status_code == 403
    assert denied(p["sysadmin"]) == 2
    # The recipient does not close it.
    assert login(p["mgr_north"]).post(url + "close/").status_code == 403
    assert denied(p["mgr_north"]) == 1
    assert state() == before
    listing = login(p["controller"]).get("/logreview/followups/").content.decode()
    assert (
        f'<tr><td><a href="{url}">u-anna</a></td><td>{s.aw.system}</td>'
        "<td>Hemtjänst Norr 2026-11</td><td>2026-12-01 08:30</td><td>2026-12-04 08:30</td>"
        "<td>Öppen</td></tr>"
    ) in listing


def test_the_list_is_paged_newest_first_at_the_same_cost(
    django_assert_max_num_queries: Any,
) -> None:
    s = Setup()
    p = s.aw.people
    first = opened(s)
    # 60 more of the same order (the list reads rows, never how they were opened).
    fields = {
        f.attname: getattr(first, f.attname)
        for f in UnauthorisedAccess._meta.concrete_fields
        if f.attname not in ("id", "incident_id")
    }
    UnauthorisedAccess.objects.bulk_create(
        UnauthorisedAccess(**{**fields, "account": f"u-{n:02}", "opened_at": first.opened_at})
        for n in range(60)
    )
    controller = login(p["controller"])
    controller.get("/logreview/followups/")
    with django_assert_max_num_queries(12) as one:
        page1 = controller.get("/logreview/followups/").content.decode()
    with django_assert_max_num_queries(12) as two:
        page2 = controller.get("/logreview/followups/?page=2").content.decode()
    assert len(one.captured_queries) == len(two.captured_queries)
    rows1 = re.findall(r'<a href="/logreview/followups/\d+/">([\w-]+)</a>', page1)
    rows2 = re.findall(r'<a href="/logreview/followups/\d+/">([\w-]+)</a>', page2)
    # Newest first: the same opening time, then the highest id.
    assert rows1 == [f"u-{n:02}" for n in range(59, 9, -1)]
    assert rows2 == [f"u-{n:02}" for n in range(9, -1, -1)] + ["u-anna"]
    assert "Sida 1 av 2" in page1 and "Sida 2 av 2" in page2
    # A hostile page number gives the last page, never an error.
    assert controller.get("/logreview/followups/?page=99").content.decode().count(
        'href="/logreview/followups/'
    ) == page2.count('href="/logreview/followups/')


def test_closed_by_the_controller_when_complete_then_immutable() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    url = f"/logreview/followups/{followup.pk}/"
    manager, controller = login(p["mgr_north"]), login(p["controller"])
    decide(manager, followup, "intentional", "1", "Medvetet")
    # Not every decision documented: refused with a message.
    response = controller.post(url + "close/", follow=True)
    assert "Dokumentera varje beslut innan uppföljningen avslutas:" in response.content.decode()
    assert UnauthorisedAccess.objects.get().status == "open"
    for kind, answer in (
        ("remove_access", "1"),
        ("training", "1"),
        ("rules_known", "1"),
        ("escalation", "0"),
        ("labour_law", "1"),
        ("police_report", "0"),
    ):
        decide(manager, followup, kind, answer, "Dokumenterat")
    # Intentional but not escalated to the process owner: refused.
    response = controller.post(url + "close/", follow=True)
    assert "En avsiktlig åtkomst ska eskaleras till processägaren" in response.content.decode()
    assert UnauthorisedAccess.objects.get().status == "open"
    decide(manager, followup, "escalation", "1", "Kontaktad")
    response = controller.post(url + "close/")
    assert response.status_code == 302
    fresh = UnauthorisedAccess.objects.get()
    assert (fresh.status, fresh.closed_by) == ("closed", p["controller"])
    assert fresh.closed_at is not None
    assert AuditEvent.objects.get(action="logreview.followup.closed").changes == {
        "status": ["open", "closed"]
    }
    page = manager.get(url).content.decode()
    assert "Avslutad" in page and 'name="comment"' not in page
    # Immutable: no decision, no second closing.
    before = state()
    assert decide(manager, followup, "training", "0", "Ändrat").status_code == 403
    assert decide(controller, followup, "training", "0", "Ändrat").status_code == 403
    assert controller.post(url + "close/").status_code == 403
    assert denied(p["mgr_north"]) == 1 and denied(p["controller"]) == 2
    assert state() == before


def test_a_judgment_in_a_follow_up_keeps_its_verdict() -> None:
    s = Setup()
    followup = opened(s)
    manager = login(s.aw.people["mgr_north"])
    url = f"/logreview/orders/{s.order.pk}/review/judge/"
    before = (state(), list(Judgment.objects.values_list("pk", "verdict", "comment")))
    response = manager.post(
        url, {"entry": s.entries[0].pk, "verdict": "reasonable", "comment": "Ändrat"}, follow=True
    )
    assert "Åtkomsten ingår i en uppföljning av olovlig åtkomst." in response.content.decode()
    assert (state(), list(Judgment.objects.values_list("pk", "verdict", "comment"))) == before
    # The comment may still be changed; the follow-up holds the same judgment.
    manager.post(url, {"entry": s.entries[0].pk, "verdict": "follow_up", "comment": "Förtydligat"})
    assert Judgment.objects.get(pk=s.j1.pk).comment == "Förtydligat"
    assert sorted(followup.judgments.values_list("pk", flat=True)) == [s.j1.pk, s.j2.pk]


def test_the_trail_holds_the_account_and_comments_only_sealed() -> None:
    s = Setup()
    p = s.aw.people
    followup = opened(s)
    manager = login(p["mgr_north"])
    comments = {"remove_access": "Tas bort genast", "training": "Kurs i sekretess"}
    for kind, comment in comments.items():
        assert decide(manager, followup, kind, "1", comment).status_code == 302
    org = s.aw.org.pk
    events = AuditEvent.objects.filter(
        action__in=(
            "logreview.followup.opened",
            "logreview.followup.decided",
            "access.accessrequest.created",
        )
    ).order_by("pk")
    assert [e.action for e in events] == [
        "logreview.followup.opened",
        "access.accessrequest.created",
        "logreview.followup.decided",
        "logreview.followup.decided",
    ]
    for event in events:
        text = str(event.changes)
        for plain in ("u-anna", "Anna Andersson", *comments.values()):
            assert plain not in text, (event.action, plain)
        assert not {"account", "account_id", "person_name", "reason", "comment"} & set(
            event.changes
        )
    decided = [e.changes for e in events if e.action == "logreview.followup.decided"]
    assert [d["comment_sealed"] for d in decided] == [
        [None, sealed(org, comments["remove_access"])],
        [None, sealed(org, comments["training"])],
    ]
    assert events[0].changes["account_sealed"] == [None, sealed(org, f"{followup.pk}:u-anna")]
    # Sealed per follow-up and organisation: not the bare account's digest.
    assert events[0].changes["account_sealed"][1] != sealed(org, "u-anna")
    # Those allowed still read the account and the comments on the follow-up's page.
    for key in ("mgr_north", "controller", "procowner"):
        page = login(p[key]).get(f"/logreview/followups/{followup.pk}/")
        assert page.status_code == 200, key
        text = page.content.decode()
        assert "u-anna" in text and "Anna Andersson" in text, key
        assert all(comment in text for comment in comments.values()), key


def test_an_edit_of_the_incident_holds_its_texts_only_sealed() -> None:
    """The incident's texts name the person (its description the account); an edit through
    the incident's form records them only sealed, as its creation did; an incident no
    follow-up opened keeps its changes in clear."""
    from forvalta.compliance.services import incident_create
    from forvalta.core.tests.test_security import post_data

    s = Setup()
    p = s.aw.people
    followup = opened(s)
    incident = followup.incident
    handler = login(p["dpc"])
    url = f"/compliance/incidents/{incident.pk}/edit/"
    form = handler.get(url)
    assert form.status_code == 200
    data = post_data(form)
    old_text = incident.what_happened
    new_text = old_text + " Kontot u-anna användes även från hemmet."
    data.update(what_happened=new_text, measures_taken="Samtal med Anna Andersson.")
    response = handler.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    incident.refresh_from_db()
    assert (incident.what_happened, incident.measures_taken) == (
        new_text,
        "Samtal med Anna Andersson.",
    )
    org = s.aw.org.pk
    event = AuditEvent.objects.get(action="compliance.personaldataincident.updated")
    assert event.changes == {
        "what_happened_sealed": [sealed(org, old_text), sealed(org, new_text)],
        "measures_taken_sealed": [None, sealed(org, "Samtal med Anna Andersson.")],
    }
    assert "u-anna" not in str(event.changes) and "Anna" not in str(event.changes)
    # The decision on notifying IMY and the report to IMY: their texts only sealed too.
    reason = "Anna Andersson läste journaler utan uppdrag."
    decided = handler.post(
        f"/compliance/incidents/{incident.pk}/decide/", {"decision": "notify", "reason": reason}
    )
    assert decided.status_code == 302
    incident.refresh_from_db()
    assert (incident.decision, incident.decision_reason) == ("notify", reason)
    event = AuditEvent.objects.get(action="compliance.personaldataincident.decided")
    assert event.changes["decision_reason_sealed"] == [None, sealed(org, reason)]
    assert "decision_reason" not in event.changes and "Anna" not in str(event.changes)
    content = "Anmälan om Anna Anderssons åtkomst (u-anna)."
    reported = handler.post(
        f"/compliance/incidents/{incident.pk}/report/",
        {"kind": "first", "submitted_at": "2026-12-02T09:00", "content": content},
    )
    assert reported.status_code == 302
    event = AuditEvent.objects.get(action="compliance.incidentreport.created")
    assert event.changes["content_sealed"] == [None, sealed(org, content)]
    assert "u-anna" not in str(event.changes) and "Anna" not in str(event.changes)
    # An incident reported by hand: its edit is recorded as it was.
    other = incident_create(
        actor=p["mgr_north"],
        organisation=s.aw.org,
        title="Fel mottagare",
        aware_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM),
        what_happened="Ett brev gick till fel adress.",
    )
    url = f"/compliance/incidents/{other.pk}/edit/"
    data = post_data(handler.get(url))
    data.update(what_happened="Ett brev gick till fel adress i Norr.")
    assert handler.post(url, data).status_code == 302
    plain = AuditEvent.objects.filter(
        action="compliance.personaldataincident.updated", object_id=str(other.pk)
    ).get()
    assert plain.changes == {
        "what_happened": [
            "Ett brev gick till fel adress.",
            "Ett brev gick till fel adress i Norr.",
        ]
    }


def test_the_removal_request_is_named_by_its_number_through_its_decision() -> None:
    """The removal request a follow-up makes keeps its neutral name in every event of
    the audit trail (created, approved), never the person; its own page still shows the
    person to those who decide it."""
    from django.urls import reverse

    s = Setup()
    p = s.aw.people
    followup = opened(s)
    decide(login(p["mgr_north"]), followup, "remove_access", "1", "Behörigheten tas bort")
    request = AccessRequest.objects.get()
    assert request.named_by_number is True
    owner = login(p["owner"])
    url = reverse("workflow:transition", args=["access.accessrequest", request.pk, "approve"])
    assert owner.post(url, {"comment": ""}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", p["owner"])
    events = AuditEvent.objects.filter(
        object_type="access.accessrequest", object_id=str(request.pk)
    ).values_list("action", "object_repr")
    assert len(events) >= 2, list(events)
    assert {name for _action, name in events} == {f"Begäran om borttag nr {request.pk}"}
    page = owner.get(request.get_absolute_url()).content.decode()
    assert f"Begäran om borttag nr {request.pk}" in page
    assert "Anna Andersson" in page and "u-anna" in page
    # Other requests keep their descriptive name.
    other = AccessRequest.objects.create(
        organisation=s.aw.org,
        system=s.aw.system,
        kind="remove",
        person_name="Bert Berg",
        requested_by=p["owner"],
    )
    assert str(other) == "Ta bort behörighet: Bert Berg"


def test_the_opener_is_not_warned_when_the_contact_is_told() -> None:
    s = Setup()
    p = s.aw.people
    page = login(p["mgr_north"]).post(
        s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"}, follow=True
    )
    assert page.status_code == 200 and UnauthorisedAccess.objects.count() == 1
    assert "Ingen dataskyddskontakt" not in page.content.decode()
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("dpc", "incident_reported")
    ]
