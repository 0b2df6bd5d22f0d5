"""The tenancy matrix for governance: the register's world (forvalta/register/tests/world.py)
with a council of the shared service SVC_A (members Kommun Ett and Kommun Två, the
supplier Leverantör Ett adjoined), its meeting with published minutes (one paragraph
confidential), decisions, a circulation with a vote, and a body of Kommun Ett's own
object, each carrying a marker. No persona may meet a marker it should not see on any
governance page, export, API list, minutes PDF, calendar feed or e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from forvalta.calendarfeed.services import feed_token_create
from forvalta.core.tests.pdf import pdf_text
from forvalta.governance import services
from forvalta.governance.models import Body, Decision, Paragraph
from forvalta.governance.tests.helpers import governance_world, meeting_in
from forvalta.register.models import Agreement
from forvalta.register.tests.test_tenancy_matrix import body_text, login
from forvalta.register.tests.world import (
    ALL_ITEMS,
    ALL_PEOPLE,
    PERSONAS,
    VISIBLE,
    VISIBLE_PEOPLE,
    build_world,
    marker,
)

pytestmark = pytest.mark.django_db

SHARED_KEYS = {"BODY", "MEET", "AGENDA", "PARA", "DEC", "CIRC", "VOTE"}
CONFIDENTIAL_KEYS = {"PARA_CONF", "DEC_CONF"}
OWN_KEYS = {"BODY_M1", "DEC_M1"}
ALL_KEYS = SHARED_KEYS | CONFIDENTIAL_KEYS | OWN_KEYS
PARTICIPANTS = {"assoc_admin", "lead", "owner1", "staff2"}
ADJOINED = {"sup"}
# People named on the council (members' representatives and substitutes, the secretary,
# the adjoined person) are named to everyone who sees the council.
NAMED = {"owner1", "colleague1", "staff2", "lead", "sup"}


def visible_keys(persona: str) -> set[str]:
    keys: set[str] = set()
    if persona in PARTICIPANTS | ADJOINED:
        keys |= SHARED_KEYS
    if persona in PARTICIPANTS:
        keys |= CONFIDENTIAL_KEYS
    if persona == "owner1":
        keys |= OWN_KEYS
    return keys


def forbidden(persona: str) -> list[str]:
    people = set(VISIBLE_PEOPLE[persona])
    if persona in PARTICIPANTS | ADJOINED:
        people |= NAMED
    return (
        [marker(k) for k in ALL_ITEMS if k not in VISIBLE[persona]]
        + [marker("P" + p.upper()) for p in ALL_PEOPLE if p not in people]
        + [marker(k) for k in sorted(ALL_KEYS - visible_keys(persona))]
    )


def build() -> tuple[Any, dict[str, Any]]:
    world, body = governance_world(build_world())
    u, i = world.users, world.items
    lead = u["lead"]
    items: dict[str, Any] = {"BODY": body}
    meeting = meeting_in(body, -2, title=f"Vårmöte {marker('MEET')}", place="Kansliet")
    meeting.adjusters.set([u["owner1"]])
    items["MEET"] = meeting
    items["AGENDA"] = services.agenda_item_create(
        actor=lead,
        data={
            "meeting": meeting,
            "order": 1,
            "title": f"Punkt {marker('AGENDA')}",
            # What it concerns is seen by the association's people only (and sup2).
            "concerns_type": ContentType.objects.get_for_model(Agreement),
            "concerns_id": i["AGR_SUP2"].pk,
        },
    )
    services.meeting_hold(actor=lead, meeting=meeting)
    items["PARA"] = services.paragraph_create(
        actor=lead,
        data={
            "meeting": meeting,
            "title": f"Prioritering {marker('PARA')}",
            "decision_text": f"Beslut {marker('DEC')}",
            "decision_kind": "prioritisation",
        },
    )
    items["PARA_CONF"] = services.paragraph_create(
        actor=lead,
        data={
            "meeting": meeting,
            "title": f"Upphandling {marker('PARA_CONF')}",
            "decision_text": f"Hemligt beslut {marker('DEC_CONF')}",
            "decision_kind": "agreement",
            "confidential": True,
        },
    )
    services.minutes_submit(actor=lead, meeting=meeting)
    services.minutes_approve(actor=u["owner1"], meeting=meeting)
    services.minutes_publish(actor=lead, meeting=meeting)
    items["DEC"] = Decision.objects.get(paragraph=items["PARA"])
    items["DEC_CONF"] = Decision.objects.get(paragraph=items["PARA_CONF"])
    circulation = services.circulation_create(
        actor=lead,
        data={
            "body": body,
            "title": f"Release {marker('CIRC')}",
            "kind": "change",
            "proposal": "Release i juni.",
            "deadline": timezone.now() + dt.timedelta(days=6),
        },
    )
    items["CIRC"] = circulation
    items["VOTE"] = services.vote_cast(
        actor=u["owner1"], circulation=circulation, choice="yes", reason=marker("VOTE")
    )
    own = Body.objects.create(
        organisation=world.orgs["muni1"],
        name=f"Objektägarråd {marker('BODY_M1')}",
        kind="owner_council",
        management_object=i["OBJ_M1"],
    )
    items["BODY_M1"] = own
    items["DEC_M1"] = Decision.objects.create(
        body=own,
        year=2026,
        sequence=1,
        number="2026:1",
        decided_on=dt.date(2026, 3, 1),
        kind="other",
        title=f"Eget beslut {marker('DEC_M1')}",
        text="Text",
        made_by="delegation",
        recorded_by=u["owner1"],
    )
    return world, items


def urls(items: dict[str, Any]) -> list[str]:
    result = []
    for name in ("body_list", "meeting_list", "decision_list", "circulation_list", "vote_list"):
        base = reverse(f"governance:{name}")
        result += [base, base + "?export=csv", base + "?export=xlsx"]
    for name in ("body_add", "bodymember_add", "bodyadjoined_add", "meeting_plan"):
        result.append(reverse(f"governance:{name}"))
    for name in ("circulation_add", "decision_add", "agendaitem_add", "meetingdocument_add"):
        result.append(reverse(f"governance:{name}"))
    meeting = items["MEET"]
    result += [
        reverse("governance:minutes", args=[meeting.pk]),
        reverse("governance:minutes_pdf", args=[meeting.pk, "pdf"]),
        reverse("governance:attendance_add", args=[meeting.pk]),
        reverse("governance:paragraph_add", args=[meeting.pk]),
        reverse("governance:meeting_edit", args=[meeting.pk]),
        reverse("governance:body_edit", args=[items["BODY"].pk]),
        reverse("governance:body_rhythm", args=[items["BODY"].pk]),
        reverse("governance:body_rhythm", args=[items["BODY_M1"].pk]),
        reverse("governance:paragraph_edit", args=[items["PARA_CONF"].pk]),
        reverse("governance:agendaitem_edit", args=[items["AGENDA"].pk]),
        reverse("governance:concern_options") + "?concerns_search=ZZ",
        reverse("governance:concern_options")
        + "?concerns=register.agreement:"
        + str(items["AGENDA"].concerns_id),
    ]
    for key in ("BODY", "MEET", "DEC", "DEC_CONF", "CIRC", "BODY_M1", "DEC_M1"):
        result.append(items[key].get_absolute_url())
    result.append(reverse("register:service_detail", args=[items["BODY"].service_id]))
    return result


def text_of(response: Any) -> str:
    if response.get("Content-Type", "") == "application/pdf":
        return pdf_text(response.content)
    return body_text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_foreign_governance_marker_anywhere(client, persona):
    world, items = build()
    login(client, world, persona)
    banned = forbidden(persona)
    for url in urls(items):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302, url
            continue
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        leaks = [m for m in banned if m in text_of(response)]
        assert leaks == [], f"{persona} sees {leaks} at {url}"
    if persona == "anonymous":
        return
    api = APIClient()
    api.force_authenticate(world.users[persona])
    for endpoint in (
        "governance-bodies",
        "governance-meetings",
        "governance-decisions",
        "governance-circulations",
        "governance-votes",
    ):
        response = api.get(f"/api/{endpoint}/")
        assert response.status_code in {200, 403}, endpoint
        leaks = [m for m in banned if m in response.content.decode()]
        assert leaks == [], f"{persona} sees {leaks} at /api/{endpoint}/"
    user = world.users[persona]
    if not user.is_platform_admin:
        _token, key = feed_token_create(actor=user)
        feed = client.get(reverse("calendarfeed:feed", args=[key]))
        assert feed.status_code == 200
        leaks = [m for m in banned if m in feed.content.decode()]
        assert leaks == [], f"{persona} sees {leaks} in the calendar feed"


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_governance_pages_open_exactly_for_visible_items(client, persona):
    world, items = build()
    login(client, world, persona)
    expected = visible_keys(persona)
    for key in ("BODY", "MEET", "DEC", "DEC_CONF", "CIRC", "BODY_M1", "DEC_M1"):
        response = client.get(items[key].get_absolute_url())
        if key in expected:
            assert response.status_code == 200, (persona, key)
            assert marker(key) in response.content.decode()
        else:
            assert response.status_code == 404, (persona, key, response.status_code)
    decisions = client.get(reverse("governance:decision_list") + "?export=csv")
    text = decisions.content.decode("utf-8-sig")
    # A decision made at a meeting carries its paragraph's heading as its title.
    titles = {"DEC": "PARA", "DEC_CONF": "PARA_CONF", "DEC_M1": "DEC_M1"}
    shown = {k for k, title in titles.items() if marker(title) in text}
    assert shown == {k for k in ("DEC", "DEC_CONF", "DEC_M1") if k in expected}
    minutes = client.get(reverse("governance:minutes", args=[items["MEET"].pk]))
    if "MEET" in expected:
        html = minutes.content.decode()
        assert (marker("PARA_CONF") in html) == ("PARA_CONF" in expected)
        assert marker("PARA") in html
    else:
        assert minutes.status_code == 404


def test_the_calendar_feed_has_the_meeting_for_those_called(client):
    world, items = build()
    _token, key = feed_token_create(actor=world.users["staff2"])
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    assert f"UID:meeting-{items['MEET'].pk}@" in feed
    assert "SUMMARY:Möte: Förvaltningsråd ZZBODYZZ" in feed
    # Kommun Tre takes no part: no meeting in its feed.
    _token, key = feed_token_create(actor=world.users["staff3"])
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    assert "UID:meeting-" not in feed


def test_no_governance_email_names_what_it_is_about(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        build()
    assert mail.outbox, "notices and minutes were e-mailed"
    for message in mail.outbox:
        text = message.subject + message.body
        for alternative in getattr(message, "alternatives", []):
            text += str(alternative[0])
        assert "ZZ" not in text, message.subject


def test_confidential_paragraphs_are_not_in_the_suppliers_rows():
    world, items = build()
    sup = world.users["sup"]
    assert set(Paragraph.objects.visible_to(sup).values_list("pk", flat=True)) == {items["PARA"].pk}


def test_a_forums_meetings_are_in_the_feed_of_its_responsible_role(client):
    world, _items = build()
    lead = world.users["lead"]
    forum = Body.objects.create(
        organisation=world.orgs["assoc"],
        name="Veckoavstämning",
        kind="management_team",
        management_object=world.items["OBJ_A"],
        responsible_role_id=world.items["RA_LEAD"].role_type_id,
        frequency="weekly",
    )
    weekly = meeting_in(forum, 3)
    _token, key = feed_token_create(actor=lead)
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    assert f"UID:meeting-{weekly.pk}@" in feed
    _token, key = feed_token_create(actor=world.users["owner1"])
    feed = client.get(reverse("calendarfeed:feed", args=[key])).content.decode()
    assert f"UID:meeting-{weekly.pk}@" not in feed
