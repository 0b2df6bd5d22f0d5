"""Findings of the fresh-eye review of the log review code (2026-12-03), through HTTP:
each test pins one defect found and fixed; a refusal records `access.denied` and changes
nothing, bad input gets a message (never a 500) and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forvalta.audit.models import AuditEvent
from forvalta.logreview import suspicion
from forvalta.logreview.models import SuspicionCase, SuspicionOutcome
from forvalta.logreview.tests.test_followup import Setup
from forvalta.logreview.tests.test_followup import state as followup_state
from forvalta.logreview.tests.test_suspicion import login, request_case, world

pytestmark = pytest.mark.django_db


def _denied(user: Any) -> int:
    return AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).count()


def _cases() -> list[tuple[Any, ...]]:
    return list(SuspicionCase.objects.order_by("pk").values_list())


def _fulfilled_case(aw: Any) -> SuspicionCase:
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
    return suspicion.case_from_store(actor=p["sysadmin"], case=case)


def test_a_named_person_refused_the_review_on_suspicion_is_recorded() -> None:
    """views_suspicion._review_case raised a bare PermissionDenied: no access.denied."""
    aw = world()
    p = aw.people
    case = _fulfilled_case(aw)
    url = f"/logreview/suspicion/{case.pk}/review/"
    for name in ("mgr_north", "boss", "sysadmin"):  # attestant/requester, manager's manager
        user = p[name]
        before, refusals = _cases(), _denied(user)
        assert login(user).get(url).status_code == 403, name
        assert _cases() == before
        assert _denied(user) == refusals + 1, name
        event = AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).latest("seq")
        assert (event.object_type, event.object_id, event.object_repr) == (
            "logreview.suspicioncase",
            str(case.pk),
            f"Granskning vid misstanke #{case.pk}",
        )


def test_a_period_out_of_range_is_refused_with_a_message() -> None:
    """subject_enter took a period from year 1: the extract's query overflowed (500)."""
    aw = world()
    p = aw.people
    case = request_case(aw)
    url = f"/logreview/suspicion/{case.pk}/subject/"
    before = _cases()
    form = {
        "subject": p["anna"].pk,
        "account": "u-anna",
        "period_from": "0001-01-01",
        "period_to": "2026-11-30",
        "administrator": p["sysadmin"].pk,
    }
    response = login(p["boss"]).post(url, form)
    assert response.status_code == 200
    assert "Perioden kan inte börja före 1900." in response.content.decode()
    assert _cases() == before


def test_an_awareness_time_before_the_reviewed_month_is_refused_with_a_message() -> None:
    """open_followup stored an awareness time of year 1: a 500 at the INSERT."""
    s = Setup()
    user = s.aw.people["mgr_north"]
    before, refusals = followup_state(), _denied(user)
    for aware in ("0001-01-01T00:00", "2026-10-31T23:59"):
        response = login(user).post(s.open_url(s.entries[0]), {"aware_at": aware})
        assert response.status_code == 200, aware
        assert (
            "Tidpunkten då ni fick kännedom kan inte ligga före den granskade månaden."
            in response.content.decode()
        )
    assert followup_state() == before and _denied(user) == refusals


def test_an_entry_id_out_of_range_in_the_follow_up_url_is_refused() -> None:
    """followup_open filtered by an entry id past bigint: a 500 (OverflowError)."""
    s = Setup()
    user = s.aw.people["mgr_north"]
    before, refusals = followup_state(), _denied(user)
    url = f"/logreview/orders/{s.order.pk}/review/{'9' * 25}/followup/"
    client = login(user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"aware_at": "2026-12-01T08:30"}).status_code == 403
    assert followup_state() == before and _denied(user) == refusals + 2


def test_a_count_past_the_column_is_refused_with_a_message() -> None:
    """OutcomeForm's counts had no upper bound: documenting 10**20 persons was a 500."""
    aw = world()
    p = aw.people
    case = _fulfilled_case(aw)
    before = _cases()
    outcome = {
        "completed_on": "2026-12-02",
        "persons_reviewed": str(10**20),
        "logs_reviewed": "0",
        "with_remark": "0",
        "incident_reported": "1",
        "incident_persons": "2147483648",
    }
    response = login(p["rita"]).post(f"/logreview/suspicion/{case.pk}/review/document/", outcome)
    assert response.status_code == 200
    errors = response.context["outcome_form"].errors
    assert errors == {
        "persons_reviewed": ["Ange ett tal som är högst 2147483647."],
        "incident_persons": ["Ange ett tal som är högst 2147483647."],
    }
    assert _cases() == before and not SuspicionOutcome.objects.exists()


def test_the_follow_up_names_its_incident_and_removal_request_only_to_their_readers() -> None:
    """The follow-up page showed the incident's title and the removal request's name and
    status to everyone who sees the follow-up, not only to those who see them."""
    from forvalta.access.models import AccessRequest
    from forvalta.compliance.models import PersonalDataIncident

    s = Setup()
    p = s.aw.people
    controller = login(p["controller"])
    response = controller.post(s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"})
    assert response.status_code == 302
    url = response["Location"]
    response = controller.post(
        f"{url}decide/",
        {"kind": "remove_access", "answer": "1", "comment": "Behörigheten tas bort"},
    )
    assert response.status_code == 302
    incident = PersonalDataIncident.objects.get()
    request = AccessRequest.objects.get()
    incident_link = f'href="{incident.get_absolute_url()}"'
    request_link = f'href="{request.get_absolute_url()}"'
    # The controller opened it (the incident's reporter) and is access staff: both.
    page = controller.get(url).content.decode()
    assert incident_link in page and incident.title in page and request_link in page
    # The system administrator (access staff, not a reader of the incident).
    assert not PersonalDataIncident.objects.visible_to(p["sysadmin"]).exists()
    page = login(p["sysadmin"]).get(url).content.decode()
    assert incident_link not in page and incident.title not in page
    assert request_link in page
    # The order's recipient (a reader of the incident, not of the request).
    assert not AccessRequest.objects.visible_to(p["mgr_north"]).exists()
    page = login(p["mgr_north"]).get(url).content.decode()
    assert incident_link in page and incident.title in page
    assert request_link not in page and str(request) not in page


def test_a_decision_or_closing_on_a_follow_up_closed_meanwhile_is_recorded() -> None:
    """decide/close refused a follow-up closed meanwhile (a page read before the close:
    a stale object) inside their transaction: the access.denied event rolled back with
    it. Only a concurrent request reaches this, hence the service with the stale row."""
    from django.core.exceptions import PermissionDenied

    from forvalta.logreview import followup as followups
    from forvalta.logreview.models import UnauthorisedAccess

    s = Setup()
    p = s.aw.people
    controller = login(p["controller"])
    response = controller.post(s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"})
    assert response.status_code == 302
    stale = UnauthorisedAccess.objects.get()  # read by a page before the close
    UnauthorisedAccess.objects.filter(pk=stale.pk).update(status="closed")
    user = p["controller"]
    before, refusals = followup_state(), _denied(user)
    with pytest.raises(PermissionDenied):
        followups.decide(actor=user, followup=stale, kind="training", answer=True, comment="x")
    with pytest.raises(PermissionDenied):
        followups.close(actor=user, followup=stale)
    assert followup_state() == before
    assert _denied(user) == refusals + 2


def test_order_steps_refused_on_an_order_changed_meanwhile_are_recorded() -> None:
    """order_set_recipient/_set_attestant/_draw_days refused an order changed meanwhile
    (a stale object) inside their transaction: no access.denied survived (a bare
    PermissionDenied, or an event rolled back with the transaction)."""
    from django.core.exceptions import PermissionDenied

    from forvalta.logreview import services
    from forvalta.logreview.models import ExtractOrder, ReviewOutcome
    from forvalta.logreview.tests.helpers import build_access_world
    from forvalta.logreview.tests.test_review2 import _order

    aw = build_access_world()
    p = aw.people
    user = p["controller"]

    def orders() -> list[tuple[Any, ...]]:
        return list(ExtractOrder.objects.order_by("pk").values_list())

    requested = _order(aw, "requested")
    ExtractOrder.objects.filter(pk=requested.pk).update(status="attested")
    before, refusals = orders(), _denied(user)
    with pytest.raises(PermissionDenied):
        services.order_set_attestant(actor=user, order=requested, attestant=p["boss"])
    assert orders() == before and _denied(user) == refusals + 1

    attested = ExtractOrder.objects.get(pk=requested.pk)
    ExtractOrder.objects.filter(pk=attested.pk).update(status="fulfilled")
    sysadmin = p["sysadmin"]
    before, refusals = orders(), _denied(sysadmin)
    with pytest.raises(PermissionDenied):
        services.order_draw_days(actor=sysadmin, order=attested)
    assert orders() == before and _denied(sysadmin) == refusals + 1

    fulfilled = ExtractOrder.objects.get(pk=requested.pk)
    ReviewOutcome.objects.create(
        organisation=aw.org,
        order=fulfilled,
        completed_on=dt.date(2026, 12, 2),
        reviewer=p["mgr_north"],
        persons_reviewed=1,
        logs_reviewed=1,
        with_remark=False,
        incident_reported=False,
    )
    before, refusals = orders(), _denied(user)
    with pytest.raises(PermissionDenied):
        services.order_set_recipient(actor=user, order=fulfilled, recipient=p["boss"])
    assert orders() == before and _denied(user) == refusals + 1


def test_requesting_a_review_on_suspicion_refused_is_recorded() -> None:
    """case_create raised a bare PermissionDenied for someone who may not request one."""
    aw = world()
    p = aw.people
    user = p["anna"]  # a member who manages no one and holds no controller role
    before, refusals = _cases(), _denied(user)
    client = login(user)
    assert client.get("/logreview/suspicion/new/").status_code == 403
    form = {
        "source": aw.source.pk,
        "attestant": p["mgr_north"].pk,
        "recipient": p["rita"].pk,
        "senior_manager": p["boss"].pk,
    }
    assert client.post("/logreview/suspicion/new/", form).status_code == 403
    assert _cases() == before and _denied(user) == refusals + 2
    event = AuditEvent.objects.filter(action="access.denied", actor_id=user.pk).latest("seq")
    assert (event.object_type, event.object_id, event.changes) == (
        "logreview.suspicioncase",
        "",
        {"attempted": [None, "request review on suspicion"]},
    )


def test_the_pages_refusals_are_recorded() -> None:
    """views.py's own refusals (source create/edit, schedule, draw, review) raised a bare
    PermissionDenied: now each records `access.denied` and changes nothing."""
    from forvalta.logreview.models import LogSource, SamplingRound, SamplingSchedule
    from forvalta.logreview.tests.helpers import build_access_world, make_source

    aw = build_access_world()
    source = make_source(aw)
    schedule = SamplingSchedule.objects.create(organisation=aw.org, source=source, kind="provider")
    anna = aw.people["anna"]  # a member of the organisation without any access role
    client = login(anna)
    attempts = [
        ("post", "/logreview/sources/new/", "add", "logreview.logsource", ""),
        (
            "post",
            f"/logreview/sources/{source.pk}/edit/",
            "change",
            "logreview.logsource",
            str(source.pk),
        ),
        (
            "get",
            f"/logreview/schedules/{schedule.pk}/draw/",
            "draw sampling round",
            "logreview.samplingschedule",
            str(schedule.pk),
        ),
    ]
    before = (
        list(LogSource.objects.values_list()),
        SamplingRound.objects.count(),
        SamplingSchedule.objects.count(),
    )
    for method, url, verb, object_type, object_id in attempts:
        refusals = _denied(anna)
        response = getattr(client, method)(url, {"name": "X"} if method == "post" else None)
        assert response.status_code == 403, url
        assert _denied(anna) == refusals + 1, url
        event = AuditEvent.objects.filter(action="access.denied", actor_id=anna.pk).latest("seq")
        assert event.changes == {"attempted": [None, verb]}, url
        assert (event.object_type, event.object_id) == (object_type, object_id), url
    assert (
        list(LogSource.objects.values_list()),
        SamplingRound.objects.count(),
        SamplingSchedule.objects.count(),
    ) == before


def test_only_the_administrator_named_on_the_case_takes_out_the_log() -> None:
    """Seed 004 section 7.3: the case names its log administrator; every other log
    administrator of the system saw the person reviewed once the case was attested."""
    from forvalta.access.tests.helpers import _member, _role
    from forvalta.notifications.models import Notification

    aw = world()
    p = aw.people
    other_admin = _member(aw.org, "sysadmin2", first="Siv", last="Andra")
    _role(other_admin, "system_administrator", aw.org, aw.system)
    case = request_case(aw)
    url = f"/logreview/suspicion/{case.pk}/"
    form = {
        "subject": p["anna"].pk,
        "account": "u-anna",
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
    }
    boss = login(p["boss"])
    # Someone who is not a log administrator of the system cannot be named.
    before = _cases()
    response = boss.post(f"{url}subject/", {**form, "administrator": p["bert"].pk})
    assert response.status_code == 200
    assert response.context["form"].errors["administrator"]
    assert _cases() == before
    response = boss.post(f"{url}subject/", {**form, "administrator": p["sysadmin"].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.administrator_id == p["sysadmin"].pk
    before_notices = Notification.objects.filter(recipient=other_admin).count()
    suspicion.case_attest(actor=p["mgr_north"], case=case)
    # Only the named administrator is told, sees the case and may fulfil it.
    assert Notification.objects.filter(recipient=other_admin).count() == before_notices
    assert login(other_admin).get(url).status_code == 404
    assert login(other_admin).post(f"{url}from-store/").status_code == 404
    case.refresh_from_db()
    assert case.status == "attested"
    page = login(p["sysadmin"]).get(url)
    assert page.status_code == 200
    assert "Siv Andra" not in page.content.decode()
    assert login(p["sysadmin"]).post(f"{url}from-store/").status_code == 302
    case.refresh_from_db()
    assert case.status == "fulfilled"


def test_the_incident_links_back_to_its_follow_up_only_for_its_readers() -> None:
    """The personal-data incident a follow-up opened names and links the follow-up
    ("Öppnad från") to those who see the follow-up; the data protection contact, who
    reads the incident but not the follow-up, sees neither."""
    from forvalta.compliance.models import PersonalDataIncident
    from forvalta.logreview.models import UnauthorisedAccess

    s = Setup()
    p = s.aw.people
    controller = login(p["controller"])
    response = controller.post(s.open_url(s.entries[0]), {"aware_at": "2026-12-01T08:30"})
    assert response.status_code == 302
    followup = UnauthorisedAccess.objects.get()
    incident = PersonalDataIncident.objects.get()
    page_url = incident.get_absolute_url()
    link = (
        f'<a href="{followup.get_absolute_url()}">'
        f"Uppföljning av obehörig åtkomst nr {followup.pk}</a>"
    )
    for name in ("controller", "mgr_north"):  # opened it; the order's recipient
        page = login(p[name]).get(page_url).content.decode()
        assert "Öppnad från" in page and link in page, name
    assert PersonalDataIncident.objects.visible_to(p["dpc"]).filter(pk=incident.pk).exists()
    assert not UnauthorisedAccess.objects.visible_to(p["dpc"]).exists()
    response = login(p["dpc"]).get(page_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Öppnad från" not in page and f'href="{followup.get_absolute_url()}"' not in page
