"""A body's meeting rhythm: set through its page (Swedish messages, only by those who set
the body up), meetings created ahead at once and by the scheduled task, idempotently,
skipping public holidays and stopping at the rhythm's last date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from forvalta.audit.models import AuditEvent
from forvalta.background import scheduler
from forvalta.background.models import ScheduledJob
from forvalta.governance import services
from forvalta.governance.models import Body, Meeting
from forvalta.governance.tests.helpers import governance_world

pytestmark = pytest.mark.django_db

# Thursday 10 December 2026, noon in Stockholm. Christmas Day and New Year's Day 2027
# are Fridays.
NOW = "2026-12-10 11:00:00+00:00"


def weekly_fridays(**extra):
    return {
        "rhythm": "weeks",
        "rhythm_interval": 1,
        "rhythm_weekday": 4,
        "rhythm_time": "09:00",
        "rhythm_minutes": 45,
        "rhythm_from": "2026-12-11",
        "rhythm_until": "",
        "rhythm_place": "",
        "rhythm_video_link": "https://video.example.se/avstamning",
        "rhythm_days_ahead": 30,
        **extra,
    }


def local_starts(body):
    return [
        timezone.localtime(m.starts_at).strftime("%Y-%m-%d %H:%M")
        for m in Meeting.objects.filter(body=body).order_by("starts_at")
    ]


@freeze_time(NOW)
def test_the_lead_sets_a_weekly_rhythm_and_the_meetings_come_at_once(client):
    world, body = governance_world()
    client.force_login(world.users["lead"])
    page = client.get(body.get_absolute_url()).content.decode()
    rhythm_url = reverse("governance:body_rhythm", args=[body.pk])
    assert f'href="{rhythm_url}">Mötesrytm</a>' in page
    form = client.get(rhythm_url).content.decode()
    assert "<h1>Mötesrytm – Förvaltningsråd ZZBODYZZ</h1>" in form
    response = client.post(rhythm_url, weekly_fridays())
    assert response.status_code == 302
    body.refresh_from_db()
    assert (body.rhythm, body.rhythm_weekday, body.rhythm_time) == ("weeks", 4, dt.time(9, 0))
    # Fridays within 30 days; 25 December and 1 January are public holidays.
    assert local_starts(body) == ["2026-12-11 09:00", "2026-12-18 09:00", "2027-01-08 09:00"]
    first = Meeting.objects.filter(body=body).order_by("starts_at").first()
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=45)
    assert first.video_link == "https://video.example.se/avstamning"
    assert first.occurrence_on == dt.date(2026, 12, 11)
    assert first.status == "planned"
    assert AuditEvent.objects.filter(action="governance.body.updated").count() == 1
    created = AuditEvent.objects.filter(action="governance.meeting.created")
    assert created.count() == 3
    assert {e.actor_id for e in created} == {world.users["lead"].pk}
    page = client.get(body.get_absolute_url()).content.decode()
    assert "var 1:e vecka på fredag 09:00 från 2026-12-11" in page

    # Saving the same rhythm again creates nothing more.
    assert client.post(rhythm_url, weekly_fridays()).status_code == 302
    assert Meeting.objects.filter(body=body).count() == 3


@freeze_time(NOW)
def test_a_new_rhythm_removes_only_the_empty_meetings_the_old_one_made(client):
    world, body = governance_world()
    lead = world.users["lead"]
    client.force_login(lead)
    rhythm_url = reverse("governance:body_rhythm", args=[body.pk])
    client.post(rhythm_url, weekly_fridays())
    on_18th = Meeting.objects.get(body=body, occurrence_on=dt.date(2026, 12, 18))
    services.agenda_item_create(
        actor=lead, data={"meeting": on_18th, "order": 1, "title": "Julavslutning"}
    )
    response = client.post(rhythm_url, weekly_fridays(rhythm_interval=2, rhythm_days_ahead=60))
    assert response.status_code == 302
    # Every second Friday from 11 December: 11/12, (25/12 a holiday), 8/1, 22/1, 5/2;
    # the 18th stays because it has an agenda.
    assert local_starts(body) == [
        "2026-12-11 09:00",
        "2026-12-18 09:00",
        "2027-01-08 09:00",
        "2027-01-22 09:00",
        "2027-02-05 09:00",
    ]
    # Clearing the rhythm removes the empty ones ahead and creates nothing.
    response = client.post(rhythm_url, weekly_fridays(rhythm=""))
    assert response.status_code == 302
    assert local_starts(body) == ["2026-12-18 09:00"]
    assert AuditEvent.objects.filter(action="governance.meeting.deleted").count() == 4


@freeze_time(NOW)
def test_a_wrong_rhythm_gets_swedish_messages_and_nothing_changes(client):
    world, body = governance_world()
    client.force_login(world.users["lead"])
    rhythm_url = reverse("governance:body_rhythm", args=[body.pk])
    response = client.post(
        rhythm_url,
        weekly_fridays(
            rhythm="monthly",
            rhythm_week_of_month="",
            rhythm_time="",
            rhythm_until="2026-12-01",
            rhythm_days_ahead=1000,
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Välj vilken vecka i månaden.",
        "Ange vilket klockslag mötena börjar.",
        "Rytmen kan inte sluta innan den börjar.",
        "Skapa möten mellan 7 och 400 dagar framåt.",
    ):
        assert message in html, message
    bad_day = client.post(rhythm_url, weekly_fridays(rhythm_weekday=9))
    assert bad_day.status_code == 400
    assert (
        "Det valda alternativet för veckodag kan inte användas här. Välj ett i listan."
        in bad_day.content.decode()
    )
    assert "Välj vilken veckodag mötena hålls." not in bad_day.content.decode()
    # The end of the calendar is no date for a rhythm (it overflowed before).
    far = client.post(rhythm_url, weekly_fridays(rhythm_from="9999-12-31"))
    assert far.status_code == 400
    assert "Ange ett datum under åren 2000 till 2100." in far.content.decode()
    body.refresh_from_db()
    assert body.rhythm == ""
    assert Meeting.objects.filter(body=body).count() == 0
    assert not AuditEvent.objects.filter(action="governance.body.updated").exists()


@freeze_time(NOW)
@pytest.mark.parametrize("persona", ["owner1", "staff2", "sup", "staff3"])
def test_only_those_who_set_the_body_up_change_its_rhythm(client, persona):
    world, body = governance_world()
    client.force_login(world.users[persona])
    rhythm_url = reverse("governance:body_rhythm", args=[body.pk])
    assert client.get(rhythm_url).status_code in {403, 404}
    response = client.post(rhythm_url, weekly_fridays())
    assert response.status_code in {403, 404}
    body.refresh_from_db()
    assert body.rhythm == ""
    assert Meeting.objects.count() == 0
    if persona != "staff3":
        page = client.get(body.get_absolute_url()).content.decode()
        assert rhythm_url not in page


def _run_job(capture, now):
    name = "governance.plan_recurring_meetings"
    scheduler.sync_jobs(now=now)
    ScheduledJob.objects.exclude(name=name).update(next_run_at=now + dt.timedelta(days=365))
    ScheduledJob.objects.filter(name=name).update(next_run_at=now)
    with capture(execute=True):
        return scheduler.tick(now=now)


def test_the_scheduled_task_plans_ahead_idempotently_within_the_dates(
    django_capture_on_commit_callbacks,
):
    world, body = governance_world()
    # The council: monthly, the second Tuesday at 10:00, until the end of February.
    Body.objects.filter(pk=body.pk).update(
        rhythm="monthly",
        rhythm_weekday=1,
        rhythm_week_of_month=2,
        rhythm_time=dt.time(10, 0),
        rhythm_minutes=120,
        rhythm_from=dt.date(2026, 12, 1),
        rhythm_until=dt.date(2027, 2, 28),
        rhythm_days_ahead=120,
        rhythm_place="Kansliet",
    )
    # A forum without a rhythm, and one whose rhythm has ended.
    plain = Body.objects.create(
        organisation=world.orgs["assoc"], name="Utan rytm", kind="other", service=body.service
    )
    ended = Body.objects.create(
        organisation=world.orgs["assoc"],
        name="Avslutad",
        kind="management_team",
        service=body.service,
        rhythm="weeks",
        rhythm_weekday=0,
        rhythm_time=dt.time(8, 30),
        rhythm_from=dt.date(2026, 1, 5),
        rhythm_until=dt.date(2026, 11, 30),
    )
    with freeze_time(NOW):
        now = timezone.now()
        assert _run_job(django_capture_on_commit_callbacks, now) == [
            "governance.plan_recurring_meetings"
        ]
        # 8 December has passed; March is after the last date.
        assert local_starts(body) == ["2027-01-12 10:00", "2027-02-09 10:00"]
        assert [m.place for m in Meeting.objects.filter(body=body)] == ["Kansliet", "Kansliet"]
        assert Meeting.objects.filter(body__in=[plain, ended]).count() == 0
        events = AuditEvent.objects.filter(action="governance.meeting.created")
        assert events.count() == 2
        assert {e.actor_id for e in events} == {None}
        # Twice: nothing more.
        _run_job(django_capture_on_commit_callbacks, now)
        assert Meeting.objects.filter(body=body).count() == 2
        assert AuditEvent.objects.filter(action="governance.meeting.created").count() == 2
    # A meeting moved by hand keeps its date of the rhythm: no second one for it.
    moved = Meeting.objects.get(body=body, occurrence_on=dt.date(2027, 1, 12))
    moved.starts_at += dt.timedelta(days=1)
    moved.save()
    with freeze_time("2027-01-20 08:00:00+00:00"):
        services.plan_recurring()
    assert local_starts(body) == ["2027-01-13 10:00", "2027-02-09 10:00"]


def test_a_quarterly_rhythm_takes_the_last_weekday_of_its_months():
    body = Body(
        rhythm="quarterly",
        rhythm_weekday=3,
        rhythm_week_of_month=-1,
        rhythm_time=dt.time(13, 0),
        rhythm_from=dt.date(2027, 1, 1),
    )
    assert services.rhythm_dates(body, dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == [
        dt.date(2027, 1, 28),
        dt.date(2027, 4, 29),
        dt.date(2027, 7, 29),
        dt.date(2027, 10, 28),
    ]
    # Counted from the first date, not from the day asked.
    assert services.rhythm_dates(body, dt.date(2027, 5, 1), dt.date(2027, 9, 30)) == [
        dt.date(2027, 7, 29)
    ]
    every_other = Body(
        rhythm="weeks",
        rhythm_interval=2,
        rhythm_weekday=0,
        rhythm_time=dt.time(8, 0),
        rhythm_from=dt.date(2027, 1, 6),  # a Wednesday: the first Monday is the 11th
    )
    assert services.rhythm_dates(every_other, dt.date(2027, 1, 20), dt.date(2027, 2, 10)) == [
        dt.date(2027, 1, 25),
        dt.date(2027, 2, 8),
    ]


@freeze_time(NOW)
def test_a_forums_rhythm_meetings_are_in_its_responsible_roles_feed(client):
    from forvalta.calendarfeed.services import feed_token_create

    world, _body = governance_world()
    lead = world.users["lead"]
    forum = Body.objects.create(
        organisation=world.orgs["assoc"],
        name="Veckoavstämning",
        kind="management_team",
        management_object=world.items["OBJ_A"],
        responsible_role_id=world.items["RA_LEAD"].role_type_id,
    )
    client.force_login(lead)
    response = client.post(
        reverse("governance:body_rhythm", args=[forum.pk]),
        weekly_fridays(rhythm_weekday=0, rhythm_from="2026-12-14", rhythm_days_ahead=14),
    )
    assert response.status_code == 302
    assert local_starts(forum) == ["2026-12-14 09:00", "2026-12-21 09:00"]
    _token, key = feed_token_create(actor=lead)
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    for meeting in Meeting.objects.filter(body=forum):
        assert f"UID:meeting-{meeting.pk}@" in feed
    _token, key = feed_token_create(actor=world.users["staff2"])
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    assert "Veckoavstämning" not in feed
