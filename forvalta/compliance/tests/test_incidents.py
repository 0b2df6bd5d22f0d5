"""Personal-data incidents: the 72-hour clock across DST, need-to-know visibility, every
view recorded, the decision not to notify, phased reports, through HTTP."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import (
    IncidentReport,
    IncidentStatus,
    NotifyDecision,
    PersonalDataIncident,
    imy_deadline,
)
from forvalta.compliance.services import incident_create
from forvalta.compliance.tests.helpers import build_town
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STHLM)


# --- the 72-hour clock ---------------------------------------------------------------------
def test_deadline_friday_before_the_october_change_is_one_wall_hour_earlier():
    # Summer time ends Sunday 25 October 2026 at 03:00 (clocks go back to 02:00).
    aware = at(2026, 10, 23, 10, 0)  # Friday 10:00 CEST = 08:00 UTC
    deadline = imy_deadline(aware)
    assert deadline.astimezone(UTC) == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert deadline.strftime("%Y-%m-%d %H:%M %Z") == "2026-10-26 09:00 CET"
    assert deadline.astimezone(UTC) - aware.astimezone(UTC) == dt.timedelta(hours=72)
    # On the wall clock (Python subtracts same-zone times by wall time) it is 71 hours.
    assert deadline - aware == dt.timedelta(hours=71)


def test_deadline_across_the_march_change_is_one_wall_hour_later():
    aware = at(2026, 3, 27, 10, 0)  # Friday 10:00 CET; summer time from Sunday 29 March
    deadline = imy_deadline(aware)
    assert deadline.strftime("%Y-%m-%d %H:%M %Z") == "2026-03-30 11:00 CEST"


def test_deadline_without_a_change_keeps_the_wall_time():
    assert imy_deadline(at(2026, 11, 6, 16, 45)).strftime("%Y-%m-%d %H:%M") == "2026-11-09 16:45"


def test_deadline_in_the_repeated_hour():
    # 02:30 on 25 October happens twice; the first (CEST, fold=0) is 00:30 UTC.
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=STHLM, fold=0)
    second = dt.datetime(2026, 10, 25, 2, 30, tzinfo=STHLM, fold=1)
    assert imy_deadline(first).astimezone(UTC) == dt.datetime(2026, 10, 28, 0, 30, tzinfo=UTC)
    assert imy_deadline(second).astimezone(UTC) == dt.datetime(2026, 10, 28, 1, 30, tzinfo=UTC)
    assert imy_deadline(first).strftime("%H:%M") == "01:30"


def _report_data(town, **overrides):
    data = {
        "organisation": town.orgs["muni"].pk,
        "title": "Journal skickad till fel mottagare",
        "aware_at": "2026-10-23T10:00",
        "what_happened": "Ett utdrag skickades med e-post till fel person.",
        "subjects_informed": "undecided",
        "subjects_count": "1",
    }
    data.update(overrides)
    return data


def test_reported_on_the_friday_before_the_change_shows_the_deadline_in_swedish_time(client):
    town = build_town()
    client.force_login(town.users["reporter"])
    response = client.post(reverse("compliance:personaldataincident_add"), _report_data(town))
    assert response.status_code == 302
    incident = PersonalDataIncident.objects.get()
    assert incident.aware_at == dt.datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert incident.reporter == town.users["reporter"]
    client.force_login(town.users["dpc"])
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    assert '<strong data-testid="imy-deadline">2026-10-26 09:00</strong>' in page.content.decode()


def test_an_awareness_time_in_the_repeated_hour_is_refused_and_nothing_is_saved(client):
    town = build_town()
    client.force_login(town.users["reporter"])
    response = client.post(
        reverse("compliance:personaldataincident_add"),
        _report_data(town, aware_at="2026-10-25T02:30"),
    )
    assert response.status_code == 400
    assert "aware_at" in response.context["form"].errors
    assert PersonalDataIncident.objects.count() == 0


def test_a_late_first_report_needs_the_reasons_for_the_delay(client):
    town = build_town()
    incident = incident_create(
        actor=town.users["reporter"],
        organisation=town.orgs["muni"],
        title="Fel mottagare",
        aware_at=at(2026, 10, 23, 10, 0),
        what_happened="Utdrag till fel person.",
    )
    client.force_login(town.users["dpc"])
    client.post(
        reverse("compliance:incident_decide", args=[incident.pk]),
        {"decision": "notify", "reason": ""},
    )
    url = reverse("compliance:incident_report_add", args=[incident.pk])
    late = {"kind": "first", "submitted_at": "2026-10-26T09:01", "content": "Första anmälan"}
    response = client.post(url, late)
    assert response.status_code == 400
    assert "delay_reason" in response.context["form"].errors
    assert IncidentReport.objects.count() == 0
    in_time = {"kind": "first", "submitted_at": "2026-10-26T09:00", "content": "Första anmälan"}
    assert client.post(url, in_time).status_code == 302
    report = IncidentReport.objects.get()
    assert report.is_late is False
    # A second first report is refused; a supplement follows.
    assert client.post(url, in_time).status_code == 400
    supplement = {
        "kind": "supplement",
        "submitted_at": "2026-10-28T14:00",
        "content": "Komplettering",
    }
    assert client.post(url, supplement).status_code == 302
    assert list(IncidentReport.objects.values_list("kind", flat=True)) == ["first", "supplement"]


# --- need-to-know ----------------------------------------------------------------------------
def _incident(town, **extra):
    incident = incident_create(
        actor=town.users["reporter"],
        organisation=town.orgs["muni"],
        title="Obehörig åtkomst ZZINCZZ",
        aware_at=timezone.now() - dt.timedelta(hours=2),
        what_happened="En medarbetare läste en journal utan behörighet.",
        readers=[town.users["named"]],
        **extra,
    )
    return incident


SEES = {"reporter", "dpc", "named"}
NOT_SEES = {"admin", "colleague", "owner", "manager", "otherdpc"}


@pytest.mark.parametrize("persona", sorted(SEES | NOT_SEES))
def test_only_the_reporter_the_contacts_and_the_named_see_an_incident(client, persona):
    town = build_town()
    incident = _incident(town)
    client.force_login(town.users[persona])
    detail = client.get(incident.get_absolute_url())
    listing = client.get(reverse("compliance:personaldataincident_list") + "?export=csv")
    assert listing.status_code == 200
    text = listing.content.decode("utf-8-sig")
    if persona in SEES:
        assert detail.status_code == 200
        assert "ZZINCZZ" in detail.content.decode()
        assert "ZZINCZZ" in text
    else:
        assert detail.status_code == 404
        assert "ZZINCZZ" not in text
        page = client.get(reverse("compliance:personaldataincident_list"))
        assert "ZZINCZZ" not in page.content.decode()
    assert PersonalDataIncident.objects.visible_to(town.users[persona]).count() == (
        1 if persona in SEES else 0
    )


def test_every_view_of_an_incident_is_recorded(client):
    town = build_town()
    incident = _incident(town)
    client.force_login(town.users["dpc"])
    for _ in range(2):
        assert client.get(incident.get_absolute_url()).status_code == 200
    events = AuditEvent.objects.filter(action="compliance.personaldataincident.viewed")
    assert events.count() == 2
    assert set(events.values_list("actor_id", flat=True)) == {town.users["dpc"].pk}
    assert set(events.values_list("object_id", flat=True)) == {str(incident.pk)}
    client.get(reverse("compliance:personaldataincident_list"))
    assert (
        AuditEvent.objects.filter(
            action="compliance.personaldataincident.listed", actor_id=town.users["dpc"].pk
        ).count()
        == 1
    )
    # A refused view (404) records no reading.
    client.force_login(town.users["admin"])
    client.get(incident.get_absolute_url())
    assert events.count() == 2


def test_the_contact_is_told_and_the_reporter_is_not(client):
    town = build_town()
    incident = _incident(town)
    told = Notification.objects.filter(kind="incident_reported")
    assert list(told.values_list("recipient_id", flat=True)) == [town.users["dpc"].pk]
    assert "Obehörig" not in told.get().title
    assert told.get().link == incident.get_absolute_url()


def test_the_reporter_reads_but_does_not_decide_and_an_administrator_is_not_found(client):
    town = build_town()
    incident = _incident(town)
    url = reverse("compliance:incident_decide", args=[incident.pk])
    data = {"decision": "not_notify", "reason": "Låg risk"}
    client.force_login(town.users["reporter"])
    assert client.post(url, data).status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=town.users["reporter"].pk
    ).exists()
    client.force_login(town.users["admin"])
    assert client.post(url, data).status_code == 404
    assert (
        client.get(reverse("compliance:personaldataincident_edit", args=[incident.pk])).status_code
        == 404
    )
    incident.refresh_from_db()
    assert incident.decision == NotifyDecision.UNDECIDED
    assert incident.decided_by is None


def test_a_decision_not_to_notify_needs_its_reason_and_the_incident_stays_documented(client):
    town = build_town()
    incident = _incident(town)
    client.force_login(town.users["dpc"])
    url = reverse("compliance:incident_decide", args=[incident.pk])
    response = client.post(url, {"decision": "not_notify", "reason": "  "})
    assert response.status_code == 303
    incident.refresh_from_db()
    assert incident.decision == NotifyDecision.UNDECIDED
    # Closing before the decision is refused.
    close = reverse("compliance:incident_close", args=[incident.pk])
    assert client.post(close).status_code == 303
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    response = client.post(
        url, {"decision": "not_notify", "reason": "Uppgifterna var krypterade; låg risk."}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.decision == NotifyDecision.NOT_NOTIFY
    assert incident.decision_reason == "Uppgifterna var krypterade; låg risk."
    assert incident.decided_by == town.users["dpc"]
    assert client.post(close).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert (
        AuditEvent.objects.filter(
            action="compliance.personaldataincident.decided", object_id=str(incident.pk)
        ).count()
        == 1
    )
    # Closed: no more changes, and still listed for the contact.
    assert client.post(url, {"decision": "notify", "reason": ""}).status_code == 303
    incident.refresh_from_db()
    assert incident.decision == NotifyDecision.NOT_NOTIFY
    assert (
        "Obehörig" in client.get(reverse("compliance:personaldataincident_list")).content.decode()
    )


def test_the_processor_notice_makes_the_controllers_contact_see_it():
    town = build_town()
    incident = _incident(town, as_processor=True, controller=town.orgs["other"])
    assert PersonalDataIncident.objects.visible_to(town.users["otherdpc"]).get() == incident
    assert not PersonalDataIncident.objects.visible_to(town.users["admin"]).exists()


def test_bad_input_changes_nothing(client):
    town = build_town()
    client.force_login(town.users["reporter"])
    url = reverse("compliance:personaldataincident_add")
    # Another organisation's incident, an end before the start, no reason for not informing.
    for bad in (
        {"organisation": town.orgs["other"].pk},
        {"started_at": "2026-10-22T10:00", "ended_at": "2026-10-21T10:00"},
        {"subjects_informed": "no"},
    ):
        response = client.post(url, _report_data(town, **bad))
        assert response.status_code == 400, bad
    assert PersonalDataIncident.objects.count() == 0


def test_the_list_costs_the_same_queries_at_any_size(client, django_assert_max_num_queries):
    town = build_town()
    # The reporter reads (the contact's inbox fills with a notice per incident).
    client.force_login(town.users["reporter"])
    for _n in range(3):
        _incident(town)
    # (+ 1 for the menu's access-review facts and + 2 for the list's columns and saved
    # filters, forvalta/core/list_preferences.py)
    with django_assert_max_num_queries(17) as small:
        client.get(reverse("compliance:personaldataincident_list"))
    for _n in range(30):
        _incident(town)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("compliance:personaldataincident_list"))
