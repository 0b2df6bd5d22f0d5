"""The calendar feed end to end through HTTP: the address is created, regenerated and
revoked on the person's page (each an audit event), the feed answers without a session
only for a valid key of an active member, entries are exact RFC 5545 fields, SEQUENCE
goes up on change only, and the feed is scoped exactly like the pages (markers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from forvalta.audit.models import AuditEvent
from forvalta.calendarfeed.models import FeedItemState, FeedToken
from forvalta.core.models import Membership
from forvalta.processes.models import ProcessRun, ProcessStep
from forvalta.processes.tests.test_tenancy import build, visible_process_keys
from forvalta.register.models import Agreement
from forvalta.register.tests.world import MANAGES, PERSONAS, VISIBLE, World, build_world

pytestmark = pytest.mark.django_db

MARKER = re.compile(r"ZZ[A-Z0-9_]+ZZ")


def feed_url_for(client: Client, user: Any) -> str:
    """Create (or regenerate) the person's address through their page; the path."""
    client.force_login(user)
    response = client.post(reverse("calendarfeed:create"))
    assert response.status_code == 201
    url = response.context["feed_url"]
    assert url in response.content.decode()
    client.logout()
    return url.removeprefix("http://testserver")


def fetch(path: str) -> Calendar:
    response = Client().get(path)  # no session: a calendar client
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def text_of(response: Any) -> str:
    # Unfold the 75-octet lines so a marker split over two lines is still found.
    return response.content.decode().replace("\r\n ", "")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def items(world: World) -> dict[str, Any]:
    items = build(world)
    # Reopen the steps the build finished, so every step is an open deadline.
    ProcessStep.objects.update(status="todo")
    Agreement.objects.update(renewal_decision_by=dt.date.today() + dt.timedelta(days=30))
    return items


def give_everything_to(user: Any) -> None:
    """Assign every step and run in the instance to one person: only the scoped
    querysets can keep another organisation's out of their feed."""
    ProcessStep.objects.update(assignee=user)
    ProcessRun.objects.update(manager=user)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"anonymous", "platform"}])
def test_feed_shows_exactly_what_the_pages_show(client, world, items, persona):
    user = world.users[persona]
    give_everything_to(user)
    path = feed_url_for(client, user)
    response = Client().get(path)
    assert response.status_code == 200
    found = set(MARKER.findall(text_of(response)))
    runs = {k for k in visible_process_keys(persona) if k.startswith("RUN_")}
    agreements = {k for k in VISIBLE[persona] & MANAGES[persona] if k.startswith("AGR_")}
    expected = (
        {f"ZZ{k}ZZ" for k in runs}  # the run's own entry and its name in the step's
        | {f"ZZSTEP_{k}ZZ" for k in runs}
        | {f"ZZ{k}ZZ" for k in agreements}
    )
    assert found == expected
    cal = Calendar.from_ical(response.content)
    uids = set(events(cal))
    host = "forvalta.local"
    assert uids == (
        {f"process-step-{items['STEP_' + k].pk}@{host}" for k in runs}
        | {f"process-run-{items[k].pk}@{host}" for k in runs}
        | {f"agreement-renewal-{world.items[k].pk}@{host}" for k in agreements}
    )


def test_platform_admin_without_membership_gets_no_feed(client, world, items):
    path = feed_url_for(client, world.users["platform"])
    assert Client().get(path).status_code == 404


def test_exact_fields_and_sequence(client, world, items):
    owner = world.users["owner1"]
    step = items["STEP_RUN_M1"]
    ProcessStep.objects.filter(pk=step.pk).update(assignee=owner, due_on=dt.date(2026, 3, 2))
    path = feed_url_for(client, owner)
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Forvalta – mina tidsgränser"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    uid = f"process-step-{step.pk}@forvalta.local"
    event = events(cal)[uid]
    assert str(event["SUMMARY"]) == "Steg: Steg ZZSTEP_RUN_M1ZZ (Körning ZZRUN_M1ZZ)"
    assert event["DTSTART"].dt == dt.date(2026, 3, 2)
    assert event["DTEND"].dt == dt.date(2026, 3, 3)
    assert event["SEQUENCE"] == 0
    assert isinstance(event["DTSTAMP"].dt, dt.datetime)
    assert event["DTSTAMP"].dt.utcoffset() == dt.timedelta(0)
    assert str(event["URL"]) == f"http://testserver/processes/steps/{step.pk}/"
    # The agreement owner1 manages (through the system owner role on SYS_M1).
    agreement = world.items["AGR_M1"]
    renewal = events(cal)[f"agreement-renewal-{agreement.pk}@forvalta.local"]
    assert str(renewal["SUMMARY"]) == "Besluta om förlängning: PUB ZZAGR_M1ZZ"

    # A re-fetch without change keeps SEQUENCE; a change bumps it once.
    assert events(fetch(path))[uid]["SEQUENCE"] == 0
    ProcessStep.objects.filter(pk=step.pk).update(due_on=dt.date(2026, 3, 9))
    changed = events(fetch(path))[uid]
    assert changed["SEQUENCE"] == 1
    assert changed["DTSTART"].dt == dt.date(2026, 3, 9)
    assert events(fetch(path))[uid]["SEQUENCE"] == 1
    ProcessStep.objects.filter(pk=step.pk).update(name="Nytt namn")
    assert events(fetch(path))[uid]["SEQUENCE"] == 2
    # A client asking in English, or under another host name, sees the same entries and
    # bumps nothing.
    other = Client().get(path, HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="localhost")
    assert other.status_code == 200
    assert events(Calendar.from_ical(other.content))[uid]["SEQUENCE"] == 2
    assert events(fetch(path))[uid]["SEQUENCE"] == 2


def test_entries_leave_the_feed_with_the_assignment_and_the_role(client, world, items):
    owner = world.users["owner1"]
    step = items["STEP_RUN_M1"]
    ProcessStep.objects.filter(pk=step.pk).update(assignee=owner)
    path = feed_url_for(client, owner)
    step_uid = f"process-step-{step.pk}@forvalta.local"
    agreement_uid = f"agreement-renewal-{world.items['AGR_M1'].pk}@forvalta.local"
    assert {step_uid, agreement_uid} <= set(events(fetch(path)))
    # The step goes to a colleague: it leaves owner1's feed.
    ProcessStep.objects.filter(pk=step.pk).update(assignee=world.users["colleague1"])
    assert step_uid not in events(fetch(path))
    # owner1 loses the system owner role: no longer manages the agreement.
    world.items["RA_OWNER1"].delete()
    assert agreement_uid not in events(fetch(path))
    # A finished step is no deadline.
    ProcessStep.objects.filter(pk=step.pk).update(assignee=owner, status="done")
    assert step_uid not in events(fetch(path))


def test_token_lifecycle_is_audited_and_fetches_are_not(client, world):
    user = world.users["owner1"]
    client.force_login(user)
    page = client.get(reverse("calendarfeed:settings"))
    assert page.status_code == 200
    assert "Skapa en adress" in page.content.decode()

    first = feed_url_for(client, user)
    assert feed_actions() == ["calendarfeed.token.created"]
    token = FeedToken.objects.get(user=user)
    key = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert token.prefix == key.split("_", 1)[0]
    assert token.key_hash != key and key not in token.key_hash  # only a hash is stored

    before = AuditEvent.objects.count()
    for _ in range(3):
        fetch(first)
    assert AuditEvent.objects.count() == before  # polling is not an audit event

    second = feed_url_for(client, user)
    assert feed_actions() == ["calendarfeed.token.created", "calendarfeed.token.regenerated"]
    assert second != first
    assert Client().get(first).status_code == 404
    fetch(second)

    client.force_login(user)
    response = client.post(reverse("calendarfeed:revoke"))
    assert response.status_code == 302
    assert feed_actions() == [
        "calendarfeed.token.created",
        "calendarfeed.token.regenerated",
        "calendarfeed.token.revoked",
    ]
    assert FeedToken.objects.usable().count() == 0
    assert Client().get(second).status_code == 404


def feed_actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="calendarfeed.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_wrong_or_unusable_keys_answer_404_and_change_nothing(client, world, items):
    user = world.users["owner1"]
    ProcessStep.objects.filter(pk=items["STEP_RUN_M1"].pk).update(assignee=user)
    path = feed_url_for(client, user)
    key = path.rsplit("/", 1)[1].removesuffix(".ics")
    events_before = AuditEvent.objects.count()
    states_before = list(FeedItemState.objects.values_list("uid", "fingerprint", "sequence"))
    tokens_before = list(FeedToken.objects.values_list("pk", "revoked_at"))
    prefix, secret = key.split("_", 1)
    wrong = [
        reverse("calendarfeed:feed", args=[f"{prefix}_{'A' * len(secret)}"]),
        reverse("calendarfeed:feed", args=[f"deadbeef_{secret}"]),
        reverse("calendarfeed:feed", args=["nonsense"]),
    ]
    for url in wrong:
        assert Client().get(url).status_code == 404
    # An ended membership, then an inactive person: the right key stops working too.
    Membership.objects.filter(user=user).update(valid_to=dt.date.today() - dt.timedelta(days=1))
    assert Client().get(path).status_code == 404
    Membership.objects.filter(user=user).update(valid_to=None)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client().get(path).status_code == 404
    assert AuditEvent.objects.count() == events_before
    assert list(FeedItemState.objects.values_list("uid", "fingerprint", "sequence")) == (
        states_before
    )
    assert list(FeedToken.objects.values_list("pk", "revoked_at")) == tokens_before
    assert states_before == []  # nothing was ever fetched successfully


def test_feed_and_actions_need_the_right_method_and_login(client, world):
    assert client.get(reverse("calendarfeed:settings")).status_code == 302
    assert client.post(reverse("calendarfeed:create")).status_code == 302
    assert FeedToken.objects.count() == 0
    client.force_login(world.users["owner1"])
    assert client.get(reverse("calendarfeed:create")).status_code == 405
    assert FeedToken.objects.count() == 0


def test_another_part_adds_timed_entries_with_a_provider(client, world, monkeypatch):
    """A part registers a provider; its timed entries are shown in Europe/Stockholm."""
    from forvalta.calendarfeed import registry

    monkeypatch.setattr(registry, "_providers", dict(registry._providers))
    owner = world.users["owner1"]

    def meetings(user: Any) -> list[registry.FeedItem]:
        if user != owner:
            return []
        start = dt.datetime(2026, 3, 29, 8, 30, tzinfo=dt.UTC)  # the day summer time starts
        return [registry.FeedItem(kind="meeting", pk=7, summary="Förvaltningsråd", start=start)]

    registry.register(meetings)
    path = feed_url_for(client, owner)
    response = Client().get(path)
    assert "DTSTART;TZID=Europe/Stockholm:20260329T103000" in text_of(response)
    event = events(Calendar.from_ical(response.content))["meeting-7@forvalta.local"]
    assert str(event["SUMMARY"]) == "Förvaltningsråd"
    assert event["DTSTART"].dt == dt.datetime(2026, 3, 29, 8, 30, tzinfo=dt.UTC)
    assert event["DTEND"].dt == dt.datetime(2026, 3, 29, 9, 30, tzinfo=dt.UTC)
    assert str(event["DTSTART"].dt.tzinfo) == "Europe/Stockholm"
    # Another person's feed does not get them.
    other = feed_url_for(client, world.users["colleague1"])
    assert "meeting-7@forvalta.local" not in events(fetch(other))


def test_a_feed_address_is_seen_by_its_own_person_only(client, world):
    owner, admin = world.users["owner1"], world.users["assoc_admin"]
    feed_url_for(client, owner)
    token = FeedToken.objects.get(user=owner)
    assert list(FeedToken.objects.visible_to(owner)) == [token]
    assert list(FeedToken.objects.visible_to(admin)) == []
    assert list(FeedToken.objects.visible_to(world.users["platform"])) == []
    client.force_login(admin)
    page = client.get(reverse("calendarfeed:settings")).content.decode()
    assert token.prefix not in page
    assert "Du har ingen adress till kalenderflödet." in page
