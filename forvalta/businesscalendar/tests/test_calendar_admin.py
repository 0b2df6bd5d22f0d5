"""The business calendar's administration through HTTP: an organisation administrator
keeps their organisation's service hours and exceptions; members read them; another
organisation's administrator neither sees nor changes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(name="Kommun Ett")


@pytest.fixture
def other_org():
    return OrganisationFactory(name="Kommun Två")


def _person(org, admin=False):
    user = UserFactory()
    MembershipFactory(user=user, organisation=org, is_org_admin=admin)
    return user


@pytest.fixture
def admin(org):
    return _person(org, admin=True)


@pytest.fixture
def member(org):
    return _person(org)


@pytest.fixture
def other_admin(other_org):
    return _person(other_org, admin=True)


def _events():
    """The calendar's write events (logins and refusals are recorded too)."""
    return list(
        AuditEvent.objects.filter(action__startswith="businesscalendar.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_admin_adds_edits_and_deletes_service_hours(client, org, admin):
    client.force_login(admin)
    response = client.post(
        reverse("businesscalendar:servicehours_add"),
        {"organisation": org.pk, "weekday": 4, "opens": "07:00", "closes": "16:00"},
    )
    assert response.status_code == 302
    hours = ServiceHours.objects.get()
    assert (hours.organisation, hours.weekday, hours.opens, hours.closes) == (
        org,
        4,
        dt.time(7),
        dt.time(16),
    )
    response = client.post(
        reverse("businesscalendar:servicehours_edit", args=[hours.pk]),
        {"organisation": org.pk, "weekday": 4, "opens": "07:30", "closes": "16:00"},
    )
    assert response.status_code == 302
    hours.refresh_from_db()
    assert hours.opens == dt.time(7, 30)
    response = client.get(reverse("businesscalendar:servicehours_list"))
    assert response.status_code == 200
    assert "07:30" in response.content.decode()
    response = client.post(reverse("businesscalendar:servicehours_delete", args=[hours.pk]))
    assert response.status_code == 302
    assert ServiceHours.objects.count() == 0
    assert _events() == [
        "businesscalendar.servicehours.created",
        "businesscalendar.servicehours.updated",
        "businesscalendar.servicehours.deleted",
    ]
    assert set(
        AuditEvent.objects.filter(action__startswith="businesscalendar.").values_list(
            "organisation_id", flat=True
        )
    ) == {org.pk}


def test_closing_before_opening_is_refused_in_swedish(client, org, admin):
    client.force_login(admin)
    response = client.post(
        reverse("businesscalendar:servicehours_add"),
        {"organisation": org.pk, "weekday": 0, "opens": "17:00", "closes": "08:00"},
    )
    assert response.status_code == 400
    assert "Stängningstiden måste vara senare än öppningstiden." in response.content.decode()
    assert ServiceHours.objects.count() == 0
    assert _events() == []


def test_admin_keeps_a_bridge_day_and_a_shortened_day(client, org, admin):
    client.force_login(admin)
    response = client.post(
        reverse("businesscalendar:calendarexception_add"),
        {"organisation": org.pk, "date": "2026-05-15", "is_closed": "on", "reason": "Klämdag"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("businesscalendar:calendarexception_add"),
        {
            "organisation": org.pk,
            "date": "2026-04-02",
            "opens": "08:00",
            "closes": "12:00",
            "reason": "Skärtorsdag",
        },
    )
    assert response.status_code == 302
    rows = list(
        CalendarException.objects.order_by("date").values_list(
            "date", "is_closed", "opens", "closes", "reason"
        )
    )
    assert rows == [
        (dt.date(2026, 4, 2), False, dt.time(8), dt.time(12), "Skärtorsdag"),
        (dt.date(2026, 5, 15), True, None, None, "Klämdag"),
    ]
    assert _events() == ["businesscalendar.calendarexception.created"] * 2
    # A closed day with hours is refused, in Swedish, and nothing is stored.
    response = client.post(
        reverse("businesscalendar:calendarexception_add"),
        {"organisation": org.pk, "date": "2026-06-01", "is_closed": "on", "opens": "08:00"},
    )
    assert response.status_code == 400
    assert "En stängd dag har inga öppettider" in response.content.decode()
    assert CalendarException.objects.count() == 2


def test_member_reads_but_may_not_write(client, org, member):
    hours = ServiceHours.objects.create(
        organisation=org, weekday=0, opens=dt.time(8), closes=dt.time(17)
    )
    client.force_login(member)
    assert client.get(reverse("businesscalendar:servicehours_list")).status_code == 200
    assert client.get(hours.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("businesscalendar:servicehours_edit", args=[hours.pk]),
        {"organisation": org.pk, "weekday": 0, "opens": "09:00", "closes": "17:00"},
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("businesscalendar:servicehours_delete", args=[hours.pk])).status_code
        == 403
    )
    response = client.post(
        reverse("businesscalendar:servicehours_add"),
        {"organisation": org.pk, "weekday": 1, "opens": "08:00", "closes": "17:00"},
    )
    assert response.status_code == 403
    assert list(ServiceHours.objects.values_list("weekday", "opens")) == [(0, dt.time(8))]
    assert _events() == []


def test_other_organisations_admin_is_refused_and_nothing_changes(
    client, org, other_org, other_admin
):
    hours = ServiceHours.objects.create(
        organisation=org, weekday=0, opens=dt.time(8), closes=dt.time(17)
    )
    day = CalendarException.objects.create(
        organisation=org, date=dt.date(2026, 5, 15), reason="Klämdag HEMLIG"
    )
    client.force_login(other_admin)
    for name, pk in [
        ("servicehours_detail", hours.pk),
        ("servicehours_edit", hours.pk),
        ("servicehours_delete", hours.pk),
        ("calendarexception_detail", day.pk),
        ("calendarexception_edit", day.pk),
        ("calendarexception_delete", day.pk),
    ]:
        assert client.get(reverse(f"businesscalendar:{name}", args=[pk])).status_code == 404
    response = client.post(
        reverse("businesscalendar:servicehours_edit", args=[hours.pk]),
        {"organisation": org.pk, "weekday": 0, "opens": "09:00", "closes": "17:00"},
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("businesscalendar:calendarexception_delete", args=[day.pk])).status_code
        == 404
    )
    # Adding to the other organisation: not among the choices.
    response = client.post(
        reverse("businesscalendar:servicehours_add"),
        {"organisation": org.pk, "weekday": 1, "opens": "08:00", "closes": "17:00"},
    )
    assert response.status_code == 400
    # Lists and the calendar page show nothing of the other organisation.
    for url in [
        reverse("businesscalendar:servicehours_list"),
        reverse("businesscalendar:calendarexception_list"),
        reverse("businesscalendar:calendar") + f"?organisation={org.pk}",
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert "HEMLIG" not in response.content.decode()
        assert "Kommun Ett" not in response.content.decode()
    assert list(ServiceHours.objects.values_list("organisation", "weekday", "opens")) == [
        (org.pk, 0, dt.time(8))
    ]
    assert list(CalendarException.objects.values_list("organisation", "reason")) == [
        (org.pk, "Klämdag HEMLIG")
    ]
    assert _events() == []


def test_calendar_page_shows_the_coming_weeks(client, org, member, monkeypatch):
    monkeypatch.setattr("forvalta.businesscalendar.views.today", lambda: dt.date(2026, 12, 21))
    ServiceHours.objects.create(organisation=org, weekday=0, opens=dt.time(8), closes=dt.time(17))
    ServiceHours.objects.create(organisation=org, weekday=1, opens=dt.time(8), closes=dt.time(12))
    ServiceHours.objects.create(organisation=org, weekday=1, opens=dt.time(13), closes=dt.time(17))
    CalendarException.objects.create(
        organisation=org, date=dt.date(2026, 12, 28), reason="Mellandagsstängt"
    )
    client.force_login(member)
    response = client.get(reverse("businesscalendar:calendar"))
    assert response.status_code == 200
    days = {d["date"]: d for d in response.context["days"]}
    assert len(days) == 42
    assert (days[dt.date(2026, 12, 21)]["working"], days[dt.date(2026, 12, 21)]["hours"]) == (
        True,
        "08:00–17:00",
    )
    assert days[dt.date(2026, 12, 22)]["hours"] == "08:00–12:00, 13:00–17:00"
    assert days[dt.date(2026, 12, 23)]["working"] is False  # Wednesday: no service hours
    assert days[dt.date(2026, 12, 24)]["working"] is False
    assert days[dt.date(2026, 12, 24)]["holiday"] == "Julafton"
    assert days[dt.date(2026, 12, 28)]["working"] is False
    assert days[dt.date(2026, 12, 28)]["exception"] == "Mellandagsstängt"
    assert days[dt.date(2027, 1, 4)]["working"] is True
    html = response.content.decode()
    assert "Julafton" in html and "Mellandagsstängt" in html
