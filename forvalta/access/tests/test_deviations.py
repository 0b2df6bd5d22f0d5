"""Deviations (secrecy shortcomings) through HTTP: raised from an account, edited by the
controller with Swedish validation, an audit event and a history on the page; refused
for anyone else, for another municipality and once the review is signed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from forvalta.access.models import Account, Campaign, CampaignStatus, Deviation, Snapshot
from forvalta.access.tests.helpers import FIRST, build_access_world, upload
from forvalta.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def aw():
    return build_access_world()


def _login(client: Any, user: Any) -> Any:
    client.logout()
    client.force_login(user)
    return client


def _raised(client: Any, aw: Any) -> Deviation:
    _login(client, aw.people["controller"])
    assert upload(client, aw, FIRST).status_code == 302
    data = {"snapshot": Snapshot.objects.get().pk, "season": "autumn", "year": 2026}
    assert client.post(reverse("access:campaign_add"), data).status_code == 302
    campaign = Campaign.objects.get()
    account = Account.objects.get(account_id="u-bert")
    response = client.post(
        reverse("access:deviation_add"),
        {
            "campaign": campaign.pk,
            "account": account.pk,
            "description": "Bert ser skyddade personer utan att behöva det",
            "is_personal_data_incident": "no",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Deviation.objects.get()


def _row(deviation: Deviation) -> tuple[Any, ...]:
    return tuple(
        Deviation.objects.filter(pk=deviation.pk).values_list(
            "organisation_id",
            "system_id",
            "campaign_id",
            "account_id",
            "description",
            "is_personal_data_incident",
            "assessment",
            "incident_reference",
            "incident_url",
            "raised_by_id",
        )[0]
    )


def _edit(client: Any, deviation: Deviation, **values: Any) -> Any:
    data = {
        "campaign": deviation.campaign_id,
        "account": deviation.account_id,
        "description": deviation.description,
        "is_personal_data_incident": "yes" if deviation.is_personal_data_incident else "no",
        "assessment": deviation.assessment,
        "incident_reference": deviation.incident_reference,
        "incident_url": deviation.incident_url,
        **values,
    }
    return client.post(reverse("access:deviation_edit", args=[deviation.pk]), data)


def test_the_controller_edits_a_deviation_recorded_and_shown_in_its_history(client, aw):
    deviation = _raised(client, aw)
    p = aw.people
    url = reverse("access:deviation_edit", args=[deviation.pk])
    # The page links the edit page; the form opens on the stored assessment.
    detail = client.get(deviation.get_absolute_url()).content.decode()
    assert f'href="{url}"' in detail
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="no" selected>' in html
    assert "Bert ser skyddade personer utan att behöva det" in html
    # What it is about stays as raised, whatever is posted.
    other_account = Account.objects.get(account_id="u-anna")
    response = _edit(
        client,
        deviation,
        account=other_account.pk,
        campaign="",
        description="Bert har sett skyddade personer i tre ärenden",
        is_personal_data_incident="yes",
        assessment="Obehörig åtkomst till skyddade personuppgifter.",
        incident_reference="PUI-2026-4",
        incident_url="https://intranat.example.se/pui/4",
    )
    assert response.status_code == 302
    assert response["Location"] == deviation.get_absolute_url()
    assert _row(deviation) == (
        aw.org.pk,
        aw.system.pk,
        deviation.campaign_id,
        deviation.account_id,
        "Bert har sett skyddade personer i tre ärenden",
        True,
        "Obehörig åtkomst till skyddade personuppgifter.",
        "PUI-2026-4",
        "https://intranat.example.se/pui/4",
        p["controller"].pk,
    )
    event = AuditEvent.objects.get(action="access.deviation.updated")
    assert event.actor_id == p["controller"].pk
    assert event.object_id == str(deviation.pk)
    assert event.changes["description"] == [
        "Bert ser skyddade personer utan att behöva det",
        "Bert har sett skyddade personer i tre ärenden",
    ]
    assert event.changes["is_personal_data_incident"] == [False, True]
    assert set(event.changes) == {
        "description",
        "is_personal_data_incident",
        "assessment",
        "incident_reference",
        "incident_url",
    }
    # The history: raised, then changed, by whom, before and after.
    html = client.get(deviation.get_absolute_url()).content.decode()
    assert "Historik" in html
    assert html.count('class="history-entry"') == 2
    assert "Ändrad – Vera Kontroll" in html and "Skapad – Vera Kontroll" in html
    assert "Bert har sett skyddade personer i tre ärenden" in html
    # Saving it unchanged records nothing more.
    fresh = Deviation.objects.get()
    assert _edit(client, fresh).status_code == 302
    assert AuditEvent.objects.filter(action="access.deviation.updated").count() == 1


def test_a_deviation_is_validated_in_swedish_and_a_refused_edit_changes_nothing(client, aw):
    deviation = _raised(client, aw)
    before = _row(deviation)
    response = _edit(client, deviation, is_personal_data_incident="yes", assessment="")
    assert response.status_code == 400
    assert (
        "Säg varför det är en personuppgiftsincident: bedömningen är en del av underlaget."
        in response.content.decode()
    )
    response = _edit(client, deviation, incident_url="http://intranat.example.se/pui/4")
    assert response.status_code == 400
    assert (
        "Ange länken som en webbadress som börjar med https:// eller som en adress i "
        "Forvalta som börjar med /." in response.content.decode()
    )
    response = _edit(client, deviation, description="", is_personal_data_incident="")
    assert response.status_code == 400
    # Both in the error summary and at the two fields.
    assert response.content.decode().count("Det här fältet är obligatoriskt.") == 4
    assert _row(deviation) == before
    assert AuditEvent.objects.filter(action="access.deviation.updated").count() == 0
    # A link inside Forvalta is fine.
    assert _edit(client, deviation, incident_url="/compliance/incidents/4/").status_code == 302
    assert Deviation.objects.get().incident_url == "/compliance/incidents/4/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("sysadmin", 403),  # sees deviations, does not raise or edit them
        ("owner", 403),
        ("procowner", 403),
        ("mgr_north", 404),
        ("bert", 404),
        ("other_controller", 404),  # Kommun Två's controller of the same shared system
    ],
)
def test_only_the_controller_edits_a_deviation(client, aw, persona, status):
    deviation = _raised(client, aw)
    before = _row(deviation)
    _login(client, aw.people[persona])
    url = reverse("access:deviation_edit", args=[deviation.pk])
    assert client.get(url).status_code == status
    assert _edit(client, deviation, description="Ändrad av fel person").status_code == status
    assert _row(deviation) == before
    assert AuditEvent.objects.filter(action="access.deviation.updated").count() == 0
    if status == 200 or status == 403:
        page = client.get(deviation.get_absolute_url()).content.decode()
        assert url not in page
    else:
        assert client.get(deviation.get_absolute_url()).status_code == 404
        listed = client.get(reverse("access:deviation_list")).content.decode()
        assert "Bert ser skyddade" not in listed


def test_a_deviation_of_a_signed_review_no_longer_changes(client, aw):
    deviation = _raised(client, aw)
    Campaign.objects.filter(pk=deviation.campaign_id).update(status=CampaignStatus.SIGNED)
    before = _row(deviation)
    url = reverse("access:deviation_edit", args=[deviation.pk])
    assert url not in client.get(deviation.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 403
    assert _edit(client, deviation, description="Efter signering").status_code == 403
    assert _row(deviation) == before
    assert AuditEvent.objects.filter(action="access.deviation.updated").count() == 0
