"""The unauthorised access follow-up opened from a review on suspicion (seed 004 sections
7-9), through HTTP: the case's recipient opens it from a needs-follow-up judgment once the
extract is there; it reports the personal-data incident exactly as the quarterly path
does (the same text, never the case, its reason or a client's number) and records the
account only sealed; its decisions (removal request, escalation) work as for the
quarterly follow-up. Need to know: only the case's recipient and the reviewed person's
manager's manager (and whom it is escalated to) see and decide it, the manager's
manager closes it; the organisation's administrator, a controller not named, the
requester/attestant, the case's log administrator, the person reviewed and another
organisation get 404 (or 403 where they see the case) and nothing changes.

The world and the case come from the review on suspicion's tests, the assertions'
helpers from the quarterly follow-up's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from forvalta.access.models import AccessRequest, Account, Snapshot
from forvalta.access.tests.helpers import _member, _role
from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import PersonalDataIncident
from forvalta.core.tenancy import forget_scope
from forvalta.logreview import followup as followups
from forvalta.logreview import services, suspicion
from forvalta.logreview.identity import sealed
from forvalta.logreview.models import (
    FollowUpDecision,
    LogEntry,
    SuspicionCase,
    SuspicionJudgment,
    UnauthorisedAccess,
)
from forvalta.logreview.tests.helpers import log_csv
from forvalta.logreview.tests.test_followup import decide, denied, login, state
from forvalta.logreview.tests.test_review_findings import _fulfilled_case
from forvalta.logreview.tests.test_suspicion import EXTRACT, REASON, request_case, world
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AWARE = "2026-12-01T08:30"


def everything() -> tuple[Any, ...]:
    """The quarterly follow-up's state, the suspicion judgments a follow-up holds and
    the cases' judgments."""
    return (
        *state(),
        list(UnauthorisedAccess.suspicion_judgments.through.objects.values_list()),
        list(SuspicionJudgment.objects.order_by("pk").values_list()),
    )


class CaseSetup:
    """Kommun Ett's review on suspicion of Anna (u-anna), November 2026, taken from the
    stored log: requested and attested by Nora (mgr_north), entered by her manager's
    manager Bo (boss), reviewed by Rita; of Anna's three accesses two are judged as
    needing follow-up (clients A and C) and one reasonable."""

    def __init__(self, capture: Any) -> None:
        aw = world()
        self.aw = aw
        p = aw.people
        p["dpc"] = _member(aw.org, "dpc", first="Dora", last="Dataskydd")
        _role(p["dpc"], "data_protection_contact", aw.org, aw.system)
        with capture(execute=True):
            services.log_upload(
                actor=p["sysadmin"], source=aw.source, filename="hela.csv", data=log_csv(EXTRACT)
            )
        self.case = _fulfilled_case(aw)
        entries = list(
            LogEntry.objects.filter(
                account="u-anna", time__lt=dt.datetime(2026, 12, 1, tzinfo=STOCKHOLM)
            ).order_by("time")
        )
        assert [f"{e.time.astimezone(STOCKHOLM):%d %H:%M}" for e in entries] == [
            "03 09:00",
            "03 10:00",
            "08 12:00",
        ]
        self.entries = entries
        self.j1, self.j2, self.j3 = (
            suspicion.judge(
                actor=p["rita"],
                case=self.case,
                entry_id=entry.pk,
                verdict=verdict,
                comment=comment,
            )
            for entry, verdict, comment in (
                (entries[0], "follow_up", "Ingen koppling till klienten"),
                (entries[1], "follow_up", "Ingen koppling heller"),
                (entries[2], "reasonable", "Helgjour enligt schema"),
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
        self.case_url = f"/logreview/suspicion/{self.case.pk}/"

    def open_url(self, entry: Any, case: SuspicionCase | None = None) -> str:
        entry_id = entry if isinstance(entry, int) else entry.pk
        return f"/logreview/suspicion/{(case or self.case).pk}/review/{entry_id}/followup/"

    def opened(self) -> UnauthorisedAccess:
        response = login(self.aw.people["rita"]).post(
            self.open_url(self.entries[0]), {"aware_at": AWARE}
        )
        followup = UnauthorisedAccess.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/logreview/followups/{followup.pk}/"
        return followup


@pytest.fixture
def s(django_capture_on_commit_callbacks: Any) -> CaseSetup:
    return CaseSetup(django_capture_on_commit_callbacks)


def test_the_recipient_opens_a_follow_up_from_a_needs_follow_up_judgment(s: CaseSetup) -> None:
    p = s.aw.people
    org = s.aw.org.pk
    rita = login(p["rita"])
    review = rita.get(f"{s.case_url}review/").content.decode()
    # "Öppna uppföljning" by each needs-follow-up judgment only.
    assert review.count(">Öppna uppföljning</a>") == 2
    assert f'href="{s.open_url(s.entries[0])}"' in review
    assert f'href="{s.open_url(s.entries[1])}"' in review
    assert f'href="{s.open_url(s.entries[2])}"' not in review
    page = rita.get(s.open_url(s.entries[0]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ingen koppling till klienten" in text and "Ingen koppling heller" in text
    assert "19121212-****" in text and "19121212-1212" not in text
    assert "Helgjour" not in text
    assert (
        f'<a href="{s.case_url}review/">Granskningen: Granskning vid misstanke #{s.case.pk}</a>'
    ) in text
    Notification.objects.all().delete()

    followup = s.opened()
    aware = dt.datetime(2026, 12, 1, 8, 30, tzinfo=STOCKHOLM)
    assert (
        followup.organisation_id,
        followup.order_id,
        followup.case_id,
        followup.system_id,
        followup.account,
        followup.employee_name,
        followup.aware_at,
        followup.opened_by_id,
        followup.status,
        followup.removal_request_id,
    ) == (
        org,
        None,
        s.case.pk,
        s.aw.system.pk,
        "u-anna",
        "Anna",
        aware,
        p["rita"].pk,
        "open",
        None,
    )
    assert sorted(followup.suspicion_judgments.values_list("pk", flat=True)) == [
        s.j1.pk,
        s.j2.pk,
    ]
    assert not followup.judgments.exists()
    # Exactly one personal-data incident, as the quarterly path reports it.
    incident = PersonalDataIncident.objects.get()
    assert followup.incident == incident and incident.unauthorised_access == followup
    assert (
        incident.organisation_id,
        incident.system_id,
        incident.reporter_id,
        incident.aware_at,
        incident.imy_deadline,
        incident.subjects_count,
        incident.records_count,
        incident.sensitive_data,
    ) == (org, s.aw.system.pk, p["rita"].pk, aware, aware + dt.timedelta(hours=72), 2, 2, True)
    assert incident.imy_deadline.strftime("%Y-%m-%d %H:%M") == "2026-12-04 08:30"
    assert incident.title == f"Obehörig åtkomst i {s.aw.system} (logguppföljning)"
    assert incident.what_happened == (
        "Loggranskningen av Hemtjänst Norr 2026-11 visade att kontot u-anna utan godtagbar "
        "förklaring har hanterat personuppgifter: 2 åtkomster till 2 personer. "
        f"Uppföljning: /logreview/followups/{followup.pk}/"
    )
    # Nothing more than the quarterly path tells: not the case, its reason, the person's
    # name, the period nor a client's number.
    told = f"{incident.title} {incident.what_happened}".casefold()
    for secret in (
        "misstanke",
        REASON.casefold(),
        "andersson",
        "2026-11-01",
        "19121212",
        "19800101",
    ):
        assert secret not in told, secret
    # The recipient reported it; the manager's manager, who closes the follow-up, reads it.
    assert list(incident.readers.all()) == [p["boss"]]
    assert login(p["boss"]).get(incident.get_absolute_url()).status_code == 200
    # The data protection contact is told; no removal request yet.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("dpc", "incident_reported")
    ]
    assert AccessRequest.objects.count() == 0
    event = AuditEvent.objects.get(action="logreview.followup.opened")
    assert (event.actor_id, event.object_type, event.object_id, event.object_repr) == (
        p["rita"].pk,
        "logreview.unauthorisedaccess",
        str(followup.pk),
        f"Uppföljning av obehörig åtkomst nr {followup.pk}",
    )
    assert event.changes == {
        "case": [None, s.case.pk],
        # The account only sealed: the trail's readers do not learn whose access it was.
        "account_sealed": [None, sealed(org, f"{followup.pk}:u-anna")],
        "suspicion_judgments": [None, [s.j1.pk, s.j2.pk]],
        "aware_at": [None, aware.isoformat()],
        "incident": [None, incident.pk],
    }
    # The incident's own event holds its text (which names the account) only sealed:
    # the organisation's administrators read the trail.
    created = AuditEvent.objects.get(action="compliance.personaldataincident.created")
    assert "what_happened" not in created.changes
    assert created.changes["what_happened_sealed"] == [None, sealed(org, incident.what_happened)]
    assert "u-anna" not in str(created.changes)
    trail = login(p["orgadmin"]).get("/audit/")
    assert trail.status_code == 200 and "u-anna" not in trail.content.decode()
    url = f"/logreview/followups/{followup.pk}/"
    # The follow-up's page names the case (not an order) and holds the judgments.
    for name in ("rita", "boss"):
        detail = login(p[name]).get(url).content.decode()
        assert f'<a href="{s.case_url}">Granskning vid misstanke #{s.case.pk}</a>' in detail, name
        assert "Ingen koppling till klienten" in detail and "Ingen koppling heller" in detail
        assert "Helgjour" not in detail
        assert f'action="{url}decide/"' in detail, name
    assert "IMY-tidsfrist 2026-12-04 08:30" in rita.get(url).content.decode()
    # Listed for them; the case page lists its follow-up to them only.
    row = (
        f'<tr><td><a href="{url}">u-anna</a></td><td>{s.aw.system}</td>'
        f'<td><a href="{s.case_url}">Granskning vid misstanke #{s.case.pk}</a></td>'
        "<td>2026-12-01 08:30</td><td>2026-12-04 08:30</td><td>Öppen</td></tr>"
    )
    for name in ("rita", "boss"):
        assert row in login(p[name]).get("/logreview/followups/").content.decode(), name
        assert f'href="{url}"' in login(p[name]).get(s.case_url).content.decode(), name
    assert f'href="{url}"' not in login(p["mgr_north"]).get(s.case_url).content.decode()
    # Opening again (from the other judgment) leads to the same follow-up, nothing new.
    before = everything()
    again = rita.post(s.open_url(s.entries[1]), {"aware_at": "2026-12-01T09:00"})
    assert again.status_code == 302 and again["Location"] == url
    assert everything() == before
    # The case's documentation is prefilled: an incident reported, for two persons.
    form = rita.get(f"{s.case_url}review/").context["outcome_form"]
    assert (form.initial["incident_reported"], form.initial["incident_persons"]) == ("1", 2)
    # A judgment in the follow-up keeps its verdict (its comment may still change).
    response = rita.post(
        f"{s.case_url}review/judge/",
        {"entry": s.entries[0].pk, "verdict": "reasonable", "comment": "Ändrat"},
        follow=True,
    )
    assert "Åtkomsten ingår i en uppföljning av olovlig åtkomst." in response.content.decode()
    assert everything() == before


def test_the_removal_request_escalation_and_closing_of_a_case_follow_up(s: CaseSetup) -> None:
    p = s.aw.people
    org = s.aw.org.pk
    followup = s.opened()
    url = f"/logreview/followups/{followup.pk}/"
    rita, boss = login(p["rita"]), login(p["boss"])
    Notification.objects.all().delete()
    assert decide(rita, followup, "remove_access", "1", "Läste grannens journal").status_code == 302
    decision = FollowUpDecision.objects.get(followup=followup, kind="remove_access")
    assert (decision.answer, decision.comment, decision.decided_by) == (
        True,
        "Läste grannens journal",
        p["rita"],
    )
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
        request.named_by_number,
        request.reason,
    ) == (
        s.aw.org,
        s.aw.system,
        "remove",
        "u-anna",
        p["anna"],
        "Anna Andersson",
        "Handläggare, Administratör",
        "requested",
        p["rita"],
        True,
        # Neither why nor from where: the request is seen by the system's access staff
        # and by the person.
        "Behörigheten tas bort omedelbart efter beslut av ledningen.",
    )
    for name in ("anna", "controller"):
        page = login(p[name]).get(request.get_absolute_url())
        assert page.status_code == 200, name
        text = page.content.decode().casefold()
        for secret in (
            "loggransk",
            "olovlig",
            f"misstanke #{s.case.pk}",
            "/logreview/followups",
            "grannens",
        ):
            assert secret not in text, (name, secret)
    created = AuditEvent.objects.get(action="access.accessrequest.created")
    assert created.object_repr == f"Begäran om borttag nr {request.pk}"
    assert created.changes == {
        "organisation": [None, org],
        "system": [None, s.aw.system.pk],
        "kind": [None, "remove"],
        "roles": [None, "Handläggare, Administratör"],
        "status": [None, "requested"],
        "requested_by": [None, p["rita"].pk],
        "requested_at": [None, request.requested_at.isoformat()],
        "named_by_number": [None, True],
        "account_id_sealed": [None, sealed(org, f"{followup.pk}:u-anna")],
        "person_name_sealed": [None, sealed(org, f"{followup.pk}:Anna Andersson")],
        "reason_sealed": [None, sealed(org, request.reason)],
        "person_sealed": [None, sealed(org, f"{followup.pk}:{p['anna'].pk}")],
        "followup": [None, followup.pk],
    }
    assert AuditEvent.objects.get(action="logreview.followup.decided").changes == {
        "kind": [None, "remove_access"],
        "answer": [None, True],
        "comment_sealed": [None, sealed(org, "Läste grannens journal")],
        "removal_request": [None, request.pk],
    }
    # The system owner, who decides the request, is told; a second "yes" makes no second.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("owner", "decision_waiting")
    ]
    assert decide(boss, followup, "remove_access", "1", "Borttagen samma dag").status_code == 302
    assert AccessRequest.objects.count() == 1
    # The manager's manager escalates: the process owner is told and reads the
    # follow-up, though not the case (neither its page nor its name).
    Notification.objects.all().delete()
    assert decide(boss, followup, "escalation", "1", "Processägaren kontaktad").status_code == 302
    assert list(followup.escalated_to.all()) == [p["procowner"]]
    assert list(Notification.objects.values_list("recipient__username", "kind", "link")) == [
        ("procowner", "unauthorised_access_escalated", url)
    ]
    forget_scope(p["procowner"])
    procowner = login(p["procowner"])
    page = procowner.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "u-anna" in text and s.case_url not in text and "misstanke" not in text
    assert procowner.get(s.case_url).status_code == 404
    listing = procowner.get("/logreview/followups/").content.decode()
    assert f'<a href="{url}">u-anna</a>' in listing and "misstanke" not in listing
    # The process owner decides nothing; the recipient does not close.
    before = everything()
    assert decide(procowner, followup, "training", "1", "x").status_code == 403
    assert procowner.post(f"{url}close/").status_code == 403
    assert rita.post(f"{url}close/").status_code == 403
    assert denied(p["procowner"]) == 2 and denied(p["rita"]) == 1
    assert everything() == before
    # The escalation changed to "no": the process owner no longer reads the follow-up
    # (nor lists it); changed back to "yes", reads it again.
    assert decide(boss, followup, "escalation", "0", "Inte längre").status_code == 302
    assert list(followup.escalated_to.all()) == []
    forget_scope(p["procowner"])
    assert procowner.get(url).status_code == 404
    assert url not in procowner.get("/logreview/followups/").content.decode()
    assert decide(boss, followup, "escalation", "1", "Processägaren kontaktad").status_code == 302
    forget_scope(p["procowner"])
    assert procowner.get(url).status_code == 200
    for kind, answer, comment in (
        ("training", "1", "Utbildning i sekretess"),
        ("rules_known", "1", "Reglerna gicks igenom"),
        ("intentional", "1", "Medvetet"),
        ("labour_law", "1", "Skriftlig varning"),
        ("police_report", "0", "Inte aktuellt"),
    ):
        assert decide(rita, followup, kind, answer, comment).status_code == 302
    # The manager's manager closes it; then it is immutable.
    assert boss.post(f"{url}close/").status_code == 302
    fresh = UnauthorisedAccess.objects.get()
    assert (fresh.status, fresh.closed_by) == ("closed", p["boss"])
    assert AuditEvent.objects.get(action="logreview.followup.closed").changes == {
        "status": ["open", "closed"]
    }
    before = everything()
    assert decide(boss, followup, "training", "0", "Ändrat").status_code == 403
    assert boss.post(f"{url}close/").status_code == 403
    assert everything() == before


def test_need_to_know_refusals_change_nothing(s: CaseSetup) -> None:
    p = s.aw.people
    followup = s.opened()
    url = f"/logreview/followups/{followup.pk}/"
    # The person reviewed sees nothing even as a controller of the system.
    _role(p["anna"], "access_controller", s.aw.org, s.aw.system)
    forget_scope(p["anna"])
    before = everything()
    outsiders = (
        "orgadmin",  # the organisation's administrator
        "controller",  # a controller of the system not named on the case
        "anna",  # the person reviewed
        "other_controller",  # another organisation
        "mgr_north",  # requested and attested: never learns the person
        "sysadmin",  # the case's log administrator: not the follow-up's business
        "procowner",  # not escalated to (yet)
        "owner",
    )
    for name in outsiders:
        client = login(p[name])
        assert client.get(url).status_code == 404, name
        assert decide(client, followup, "training", "1", "x").status_code == 404, name
        assert client.post(f"{url}close/").status_code == 404, name
        assert url not in client.get("/logreview/followups/").content.decode(), name
        assert not UnauthorisedAccess.objects.visible_to(p[name]).exists(), name
        assert not SuspicionJudgment.objects.visible_to(p[name]).exists(), name
    # Opening: those who do not see the case get 404; the attestant, who does, 403.
    for name in ("orgadmin", "controller", "anna", "other_controller"):
        response = login(p[name]).post(s.open_url(s.entries[1]), {"aware_at": AWARE})
        assert response.status_code == 404, name
    response = login(p["mgr_north"]).post(s.open_url(s.entries[1]), {"aware_at": AWARE})
    assert response.status_code == 403 and denied(p["mgr_north"]) == 1
    assert everything() == before
    # Nobody but the named reads the incident's link back to the follow-up.
    incident_page = login(p["dpc"]).get(followup.incident.get_absolute_url()).content.decode()
    assert "Öppnad från" not in incident_page and f'href="{url}"' not in incident_page
    assert (
        "Öppnad från" in login(p["rita"]).get(followup.incident.get_absolute_url()).content.decode()
    )


def test_opening_is_refused_where_the_quarterly_path_refuses(s: CaseSetup) -> None:
    p = s.aw.people
    rita = login(p["rita"])
    other = request_case(s.aw, recipient=p["mgr_south"])
    before = everything()
    # A reasonable judgment, an access after the period (not in the case) and hostile
    # entry ids (past bigint, and none such).
    after = LogEntry.objects.get(time__gte=dt.datetime(2026, 12, 1, tzinfo=STOCKHOLM))
    for entry in (s.entries[2], after.pk, 2**63, 2**63 - 1):
        for method in ("get", "post"):
            count = denied(p["rita"])
            response = getattr(rita, method)(s.open_url(entry), {"aware_at": AWARE})
            assert response.status_code == 403, (entry, method)
            assert denied(p["rita"]) == count + 1
    # A case Rita is not named on: not found.
    response = rita.post(s.open_url(s.entries[0], other), {"aware_at": AWARE})
    assert response.status_code == 404
    # An awareness time in the future or before the period.
    for aware, message in (
        ("2099-01-01T08:00", "Tidpunkten då ni fick kännedom kan inte ligga i framtiden."),
        (
            "2026-10-31T23:00",
            "Tidpunkten då ni fick kännedom kan inte ligga före den granskade perioden.",
        ),
    ):
        response = rita.post(s.open_url(s.entries[0]), {"aware_at": aware})
        assert response.status_code == 200 and message in response.content.decode()
    assert everything() == before
    # A case not yet fulfilled: a needs-follow-up judgment planted on it opens nothing.
    waiting = request_case(s.aw)
    waiting = suspicion.subject_enter(
        actor=p["boss"],
        case=waiting,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    waiting = suspicion.case_attest(actor=p["mgr_north"], case=waiting)
    planted = SuspicionJudgment.objects.create(
        organisation=s.aw.org,
        case=waiting,
        entry=s.entries[0],
        verdict="follow_up",
        comment="Planterad",
        judged_by=p["rita"],
    )
    before = everything()
    response = rita.post(s.open_url(s.entries[0], waiting), {"aware_at": AWARE})
    assert response.status_code == 403 and everything() == before
    with pytest.raises(PermissionDenied):
        followups.open_case_followup(actor=p["rita"], judgment=planted)
    assert everything() == before
    # Twice for the same account: the service refuses, the page leads to the one open.
    followup = s.opened()
    before = everything()
    with translation.override("sv"), pytest.raises(ValidationError) as refused:
        followups.open_case_followup(actor=p["rita"], judgment=s.j2)
    assert refused.value.messages == [
        "En uppföljning av kontot är redan öppnad för granskningen vid misstanke."
    ]
    response = rita.post(s.open_url(s.entries[1]), {"aware_at": AWARE})
    assert response["Location"] == f"/logreview/followups/{followup.pk}/"
    assert everything() == before
    # A follow-up has exactly one origin (the database refuses one without).
    with pytest.raises(IntegrityError), transaction.atomic():
        UnauthorisedAccess.objects.create(
            organisation=s.aw.org,
            system=s.aw.system,
            account="u-bert",
            aware_at=followup.aware_at,
            opened_by=p["rita"],
        )
    assert everything() == before


def test_opened_after_the_case_is_documented(s: CaseSetup) -> None:
    """As the quarterly follow-up may be opened after the review is documented."""
    p = s.aw.people
    rita = login(p["rita"])
    response = rita.post(
        f"{s.case_url}review/document/",
        {
            "completed_on": "2026-12-02",
            "persons_reviewed": "1",
            "logs_reviewed": "3",
            "with_remark": "1",
            "incident_reported": "0",
        },
    )
    assert response.status_code == 302
    s.case.refresh_from_db()
    assert s.case.status == "documented"
    followup = s.opened()
    assert (followup.case_id, followup.suspicion_judgments.count()) == (s.case.pk, 2)


def test_the_person_reviewed_is_never_escalated_to_nor_told_as_an_owner(s: CaseSetup) -> None:
    p = s.aw.people
    assert s.case.subject_user == p["anna"]
    for code in ("process_owner", "system_owner"):
        _role(p["anna"], code, s.aw.org, s.aw.system)
    followup = s.opened()
    Notification.objects.all().delete()
    rita = login(p["rita"])
    assert decide(rita, followup, "remove_access", "1", "Läste grannens journal").status_code == 302
    assert decide(rita, followup, "escalation", "1", "Processägaren kontaktad").status_code == 302
    assert list(followup.escalated_to.all()) == [p["procowner"]]
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [
        ("owner", "decision_waiting"),
        ("procowner", "unauthorised_access_escalated"),
    ]
    assert login(p["anna"]).get(f"/logreview/followups/{followup.pk}/").status_code == 404


def test_the_person_reviewed_never_reads_nor_is_told_of_the_incident_as_its_contact(
    s: CaseSetup,
) -> None:
    p = s.aw.people
    assert s.case.subject_user == p["anna"]
    _role(p["anna"], "data_protection_contact", s.aw.org, s.aw.system)
    forget_scope(p["anna"])
    Notification.objects.all().delete()
    followup = s.opened()
    incident = PersonalDataIncident.objects.get()
    assert followup.incident == incident
    assert list(incident.withheld_from.all()) == [p["anna"]]
    # The other data protection contact is told; the person reviewed is not.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("dpc", "incident_reported")
    ]
    url = f"/compliance/incidents/{incident.pk}/"
    dpc = login(p["dpc"])
    assert dpc.get(url).status_code == 200
    assert url in dpc.get("/compliance/incidents/").content.decode()
    anna = login(p["anna"])
    assert anna.get(url).status_code == 404
    listing = anna.get("/compliance/incidents/")
    assert listing.status_code == 200 and url not in listing.content.decode()
    assert dpc.get(f"/api/incidents/{incident.pk}/").status_code == 200
    assert anna.get(f"/api/incidents/{incident.pk}/").status_code == 404
    # Named as a reader later (the form's choice), still withheld; handles nothing.
    incident.readers.add(p["anna"])
    forget_scope(p["anna"])
    assert anna.get(url).status_code == 404
    assert not p["anna"].has_perm("compliance.change_personaldataincident", incident)
    before = list(PersonalDataIncident.objects.values_list())
    for action, data in (("edit/", {"title": "x"}), ("decide/", {"decision": "notify"})):
        assert anna.post(url + action, data).status_code == 404, action
    assert list(PersonalDataIncident.objects.values_list()) == before
    # The trail does not say whom it is withheld from.
    created = AuditEvent.objects.get(action="compliance.personaldataincident.created")
    assert "withheld_from" not in created.changes
    assert created.changes["readers"] == [None, [p["boss"].pk]]


def test_a_disposed_access_keeps_its_copy_on_the_case_judgment(s: CaseSetup) -> None:
    from forvalta.logreview import store

    p = s.aw.people
    followup = s.opened()
    judgments = list(followup.suspicion_judgments.select_related("entry").order_by("pk"))
    assert len(judgments) == 2
    expected = [
        (
            j.pk,
            j.entry.time,
            j.entry.account,
            j.entry.client_masked,
            j.entry.action,
            j.verdict,
            j.comment,
        )
        for j in judgments
    ]
    rows = [
        f"<tr><td>{timezone.localtime(time):%Y-%m-%d %H:%M}</td><td>{masked}</td>"
        f"<td>{action}</td><td>Behöver följas upp: {comment}</td></tr>"
        for _, time, _, masked, action, _, comment in expected
    ]
    # The full log's retention passes: its raw rows go, the judgments keep the access.
    now = max(e[1] for e in expected) + dt.timedelta(days=s.aw.source.log_retention_days + 40)
    assert store.dispose_expired(now)["rows"] > 0
    assert LogEntry.objects.count() == 0
    assert [
        (
            j.pk,
            j.access_time,
            j.access_account,
            j.access_client,
            j.access_action,
            j.verdict,
            j.comment,
        )
        for j in SuspicionJudgment.objects.filter(followups=followup).order_by("pk")
    ] == expected
    # Every judgment of the case (the reasonable one too) keeps its access.
    assert (
        list(SuspicionJudgment.objects.values_list("entry_id", "access_account"))
        == [(None, "u-anna")] * 3
    )
    # The follow-up still shows both accesses, in time order, to the recipient.
    rita = login(p["rita"])
    page = rita.get(f"/logreview/followups/{followup.pk}/").content.decode()
    assert [page.index(row) for row in rows] == sorted(page.index(row) for row in rows)
    # The API gives the same copies, in time order.
    api = rita.get(f"/api/logreview-followups/{followup.pk}/").json()["judgments"]
    assert [(j["time"], j["client"], j["action"], j["record_part"]) for j in api] == [
        (timezone.localtime(time).isoformat(), masked, action, "")
        for _, time, _, masked, action, _, _ in sorted(expected, key=lambda e: e[1])
    ]
    # The case and its review page still answer (the review without the raw rows).
    assert rita.get(s.case_url).status_code == 200
    assert rita.get(f"{s.case_url}review/").status_code == 200
    # A follow-up is no longer opened from a disposed access; nothing changes.
    before = everything()
    with translation.override("sv"), pytest.raises(ValidationError) as refused:
        followups.open_case_followup(
            actor=p["rita"], judgment=SuspicionJudgment.objects.get(pk=judgments[0].pk)
        )
    assert refused.value.messages == [
        "Åtkomsten är gallrad; en uppföljning kan inte längre öppnas från den."
    ]
    assert everything() == before


def test_a_partial_disposal_keeps_the_copies_of_exactly_the_rows_that_go(s: CaseSetup) -> None:
    from forvalta.logreview import store

    p = s.aw.people
    followup = s.opened()
    kept_entry = s.j3.entry_id
    first, second, _third = s.entries
    # The full log's retention passes between the 3rd's and the 8th's accesses.
    cutoff = dt.datetime(2026, 11, 5, tzinfo=STOCKHOLM)
    now = cutoff + dt.timedelta(days=s.aw.source.log_retention_days)
    before_rows = LogEntry.objects.count()
    assert store.dispose_expired(now)["rows"] == before_rows - LogEntry.objects.count() > 0
    assert not LogEntry.objects.filter(time__lt=cutoff).exists()
    assert LogEntry.objects.filter(pk=kept_entry).exists()
    rows = {
        j.pk: (j.entry_id, j.access_time, j.access_account, j.access_client, j.access_action)
        for j in SuspicionJudgment.objects.all()
    }
    assert rows == {
        s.j1.pk: (None, first.time, "u-anna", first.client_masked, first.action),
        s.j2.pk: (None, second.time, "u-anna", second.client_masked, second.action),
        # Its row stays: linked, no copy.
        s.j3.pk: (kept_entry, None, "", "", ""),
    }
    page = login(p["rita"]).get(f"/logreview/followups/{followup.pk}/").content.decode()
    for entry in (first, second):
        row = (
            f"<tr><td>{timezone.localtime(entry.time):%Y-%m-%d %H:%M}</td>"
            f"<td>{entry.client_masked}</td><td>{entry.action}</td>"
        )
        assert row in page


def test_the_opener_is_warned_when_no_contact_can_be_told(s: CaseSetup) -> None:
    """Section 9: an incident is always reported to the data protection contact; when the
    organisation's only one is the person reviewed, nobody is told and the recipient is
    asked to report it another way."""
    from forvalta.register.models import RoleAssignment

    p = s.aw.people
    RoleAssignment.objects.filter(person=p["dpc"]).delete()
    _role(p["anna"], "data_protection_contact", s.aw.org, s.aw.system)
    Notification.objects.all().delete()
    rita = login(p["rita"])
    page = rita.post(s.open_url(s.entries[0]), {"aware_at": AWARE}, follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ingen dataskyddskontakt i organisationen kunde underrättas" in text
    assert UnauthorisedAccess.objects.count() == 1
    assert Notification.objects.filter(kind="incident_reported").count() == 0
