"""What an agenda item or paragraph concerns: the picker offers only what the user sees,
stores a generic reference, refuses anything else, and shows the link only to readers
who see the target (others get a neutral text, never its name)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.governance import services
from forvalta.governance.models import AgendaItem, Paragraph
from forvalta.governance.tests.helpers import governance_world, meeting_in
from forvalta.register.models import Agreement, ManagementObject, System
from forvalta.register.tests.world import ALL_ITEMS, PERSONAS, VISIBLE, marker

pytestmark = pytest.mark.django_db

NEUTRAL = 'Gäller: <span class="muted">något du inte har åtkomst till</span>'


def key(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def test_the_lead_links_an_agenda_item_to_a_system_through_the_picker(client):
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    system = world.items["SYS_A"]
    client.force_login(world.users["lead"])
    url = reverse("governance:agendaitem_add") + f"?meeting={meeting.pk}"
    form = client.get(url).content.decode()
    assert f'<option value="{key(system)}">Plattform ZZSYS_AZZ</option>' in form
    response = client.post(
        url,
        {"meeting": meeting.pk, "order": 1, "title": "Uppgradering", "concerns": key(system)},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting)
    assert (item.concerns_type, item.concerns_id) == (
        ContentType.objects.get_for_model(System),
        system.pk,
    )
    event = AuditEvent.objects.get(action="governance.agendaitem.created")
    assert event.changes["concerns_id"] == [None, system.pk]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'Gäller: <a href="{system.get_absolute_url()}">Plattform ZZSYS_AZZ</a>' in page


def test_the_search_button_shows_the_matches_without_saving(client):
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    client.force_login(world.users["lead"])
    url = reverse("governance:agendaitem_add") + f"?meeting={meeting.pk}"
    response = client.post(
        url,
        {
            "meeting": meeting.pk,
            "order": 2,
            "title": "Avtal",
            "concerns_search": "SLA",
            "_concerns_search": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    agreement = world.items["AGR_SUP2"]
    assert f'<option value="{key(agreement)}">SLA ZZAGR_SUP2ZZ</option>' in html
    assert "ZZSYS_AZZ" not in html  # not a match
    assert 'value="Avtal"' in html  # what was typed stays
    assert AgendaItem.objects.count() == 0


def test_the_options_for_htmx_keep_the_current_choice(client):
    world, _body = governance_world()
    client.force_login(world.users["lead"])
    system = world.items["SYS_A"]
    response = client.get(
        reverse("governance:concern_options"),
        {"concerns_search": "Förvaltningsavtal", "concerns": key(system)},
    )
    html = response.content.decode()
    assert html.startswith('<option value="">– inget valt –</option>')
    assert f'<option value="{key(system)}" selected>Plattform ZZSYS_AZZ</option>' in html
    assert f'value="{key(world.items["AGR_SUP"])}">Förvaltningsavtal ZZAGR_SUPZZ<' in html


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_the_picker_offers_only_what_the_user_sees(client, persona):
    world, _body = governance_world()
    client.force_login(world.users[persona])
    response = client.get(reverse("governance:concern_options"), {"concerns_search": "ZZ"})
    assert response.status_code == 200
    html = response.content.decode()
    pickable = {"OBJ_", "SVC_", "SYS_", "AGR_"}
    for item in ALL_ITEMS:
        if not any(item.startswith(p) for p in pickable):
            continue
        assert (marker(item) in html) == (item in VISIBLE[persona]), (persona, item)


def test_the_picker_page_is_for_logged_in_users_only(client):
    response = client.get(reverse("governance:concern_options"), {"concerns_search": "ZZ"})
    assert response.status_code == 302
    assert "ZZ" not in response.content.decode()


def test_a_row_the_user_cannot_see_is_refused_and_nothing_changes(client):
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    foreign = world.items["OBJ_M1"]  # Kommun Ett's own object: the lead does not see it
    client.force_login(world.users["lead"])
    response = client.post(
        reverse("governance:agendaitem_add"),
        {"meeting": meeting.pk, "order": 1, "title": "Smyg", "concerns": key(foreign)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Det valda kan inte länkas. Sök och välj i listan." in html
    assert "ZZOBJ_M1ZZ" not in html
    assert AgendaItem.objects.count() == 0
    # Nor through the service, nor to a kind that is not offered.
    with pytest.raises(Exception, match="kan inte länkas"):
        services.agenda_item_create(
            actor=world.users["lead"],
            data={
                "meeting": meeting,
                "order": 1,
                "title": "Smyg",
                "concerns_type": ContentType.objects.get_for_model(ManagementObject),
                "concerns_id": foreign.pk,
            },
        )
    bad = client.post(
        reverse("governance:agendaitem_add"),
        {"meeting": meeting.pk, "order": 1, "title": "Smyg", "concerns": f"core.user:{1}"},
    )
    assert bad.status_code == 400
    assert AgendaItem.objects.count() == 0


def test_readers_who_cannot_see_the_target_get_a_neutral_text(client):
    world, body = governance_world()
    meeting = meeting_in(body, -1)
    sla = world.items["AGR_SUP2"]  # the association's SLA with another supplier
    lead = world.users["lead"]
    services.agenda_item_create(
        actor=lead,
        data={
            "meeting": meeting,
            "order": 1,
            "title": "SLA-uppföljning",
            "concerns_type": ContentType.objects.get_for_model(Agreement),
            "concerns_id": sla.pk,
        },
    )
    services.meeting_hold(actor=lead, meeting=meeting)
    client.force_login(lead)
    response = client.post(
        reverse("governance:paragraph_add", args=[meeting.pk]),
        {"title": "SLA-uppföljning", "discussion": "Genomgång.", "concerns": key(sla)},
    )
    assert response.status_code == 302
    paragraph = Paragraph.objects.get(meeting=meeting, title="SLA-uppföljning")
    assert paragraph.concerns_id == sla.pk
    link = f'Gäller: <a href="{sla.get_absolute_url()}">SLA ZZAGR_SUP2ZZ</a>'
    assert client.get(meeting.get_absolute_url()).content.decode().count(link) == 2
    minutes = client.get(reverse("governance:minutes", args=[meeting.pk])).content.decode()
    assert link in minutes
    for persona in ("owner1", "staff2", "sup"):
        client.force_login(world.users[persona])
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert page.count(NEUTRAL) == 2, persona
        assert "ZZAGR_SUP2ZZ" not in page
        assert sla.get_absolute_url() not in page
        minutes = client.get(reverse("governance:minutes", args=[meeting.pk])).content.decode()
        assert NEUTRAL in minutes
        assert "ZZAGR_SUP2ZZ" not in minutes


def test_an_editor_who_cannot_see_the_target_keeps_it_unseen(client):
    world, body = governance_world()
    owner1 = world.users["owner1"]
    body.chair = owner1  # the chair runs the body's meetings too
    body.save()
    meeting = meeting_in(body, 10)
    sla = world.items["AGR_SUP2"]
    item = services.agenda_item_create(
        actor=world.users["lead"],
        data={
            "meeting": meeting,
            "order": 1,
            "title": "SLA",
            "concerns_type": ContentType.objects.get_for_model(Agreement),
            "concerns_id": sla.pk,
        },
    )
    client.force_login(owner1)
    url = reverse("governance:agendaitem_edit", args=[item.pk])
    form = client.get(url).content.decode()
    assert '<option value="keep" selected>oförändrat: något du inte ser</option>' in form
    assert "ZZAGR_SUP2ZZ" not in form
    response = client.post(
        url, {"meeting": meeting.pk, "order": 1, "title": "SLA och drift", "concerns": "keep"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.concerns_id) == ("SLA och drift", sla.pk)
    # Choosing "nothing" clears it.
    response = client.post(
        url, {"meeting": meeting.pk, "order": 1, "title": "SLA och drift", "concerns": ""}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.concerns_type, item.concerns_id) == (None, None)


def test_an_archived_target_still_shows_and_stays_on_save_but_is_not_offered(client):
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    system = world.items["SYS_A"]
    lead = world.users["lead"]
    item = services.agenda_item_create(
        actor=lead,
        data={
            "meeting": meeting,
            "order": 1,
            "title": "Avveckling",
            "concerns_type": ContentType.objects.get_for_model(System),
            "concerns_id": system.pk,
        },
    )
    System.objects.filter(pk=system.pk).update(archived_at=timezone.now())
    client.force_login(lead)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'Gäller: <a href="{system.get_absolute_url()}">Plattform ZZSYS_AZZ</a>' in page
    options = client.get(reverse("governance:concern_options"), {"concerns_search": "Plattform"})
    assert "ZZSYS_AZZ" not in options.content.decode()
    url = reverse("governance:agendaitem_edit", args=[item.pk])
    response = client.post(
        url, {"meeting": meeting.pk, "order": 1, "title": "Avveckling", "concerns": key(system)}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.concerns_id == system.pk
    # A new item cannot pick it.
    response = client.post(
        reverse("governance:agendaitem_add"),
        {"meeting": meeting.pk, "order": 2, "title": "Ny", "concerns": key(system)},
    )
    assert response.status_code == 400
    assert AgendaItem.objects.count() == 1


def test_searching_while_editing_a_paragraph_keeps_the_text_and_saves_nothing(client):
    world, body = governance_world()
    meeting = meeting_in(body, -1)
    lead = world.users["lead"]
    services.meeting_hold(actor=lead, meeting=meeting)
    paragraph = services.paragraph_create(
        actor=lead, data={"meeting": meeting, "title": "Avtal", "discussion": "Före."}
    )
    client.force_login(lead)
    url = reverse("governance:paragraph_edit", args=[paragraph.pk])
    response = client.post(
        url,
        {
            "title": "Avtalsuppföljning",
            "discussion": "Efter.",
            "concerns_search": "Förvaltningsavtal",
            "_concerns_search": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    agreement = world.items["AGR_SUP"]
    assert f'<option value="{key(agreement)}">Förvaltningsavtal ZZAGR_SUPZZ</option>' in html
    assert 'value="Avtalsuppföljning"' in html
    assert "Efter.</textarea>" in html
    paragraph.refresh_from_db()
    assert (paragraph.title, paragraph.discussion, paragraph.concerns_id) == (
        "Avtal",
        "Före.",
        None,
    )
    response = client.post(
        url, {"title": "Avtalsuppföljning", "discussion": "Efter.", "concerns": key(agreement)}
    )
    assert response.status_code == 302
    paragraph.refresh_from_db()
    assert (paragraph.title, paragraph.concerns_id) == ("Avtalsuppföljning", agreement.pk)
    event = AuditEvent.objects.filter(action="governance.paragraph.updated").latest("pk")
    assert event.changes["concerns_id"] == [None, agreement.pk]
