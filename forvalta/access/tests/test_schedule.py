"""The scheduled creation of the twice-yearly reviews (the `access.daily` task): exactly
the campaigns due within the lead days, from the latest snapshot, by a controller who
may still run reviews, once per season and year however often the job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from forvalta.access.models import (
    AccessSettings,
    Campaign,
    CampaignStatus,
    ListKind,
    ListStatus,
    ReviewList,
    Season,
    Snapshot,
)
from forvalta.access.services import scheduled_campaigns
from forvalta.access.tasks import access_review_daily
from forvalta.access.tests.helpers import FIRST, _member, _role, build_access_world, upload
from forvalta.audit.models import AuditEvent
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def aw():
    return build_access_world()


def _settings(client: Any, aw: Any, **values: Any) -> AccessSettings:
    """The controller turns the schedule on (through the settings page)."""
    client.force_login(aw.people["controller"])
    data = {
        "organisation": aw.org.pk,
        "system": aw.system.pk,
        "role_separator": ",",
        "inactive_days": 90,
        "spring_due": "04-30",
        "autumn_due": "10-31",
        "lead_days": 30,
        "scheduled": "on",
        "col_account_id": "Användar-id",
        "col_name": "Namn",
        "col_email": "E-post",
        "col_personal_number": "Personnummer",
        "col_unit": "Enhet",
        "col_roles": "Roller",
        "col_protected_access": "Skyddade personuppgifter",
        "col_last_login": "Senaste inloggning",
        **values,
    }
    response = client.post(reverse("access:accesssettings_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return AccessSettings.objects.get()


def _on(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr("forvalta.access.services.today", lambda: day)


def _campaigns() -> list[tuple[Any, ...]]:
    return list(
        Campaign.objects.order_by("pk").values_list(
            "organisation_id", "system_id", "season", "year", "due_on", "controller_id", "status"
        )
    )


def test_the_daily_job_creates_the_autumn_review_once_within_the_lead_days(client, aw, monkeypatch):
    _settings(client, aw)
    assert upload(client, aw, FIRST, taken_on="2026-09-01").status_code == 302
    newest = [r for r in FIRST if r[0] != "u-okand"]
    assert upload(client, aw, newest, taken_on="2026-09-20").status_code == 302
    latest = Snapshot.objects.get(taken_on=dt.date(2026, 9, 20))
    # 31 days before the due date: not yet.
    _on(monkeypatch, dt.date(2026, 9, 30))
    assert access_review_daily.call() == "0 campaigns, 0 escalations"
    assert Campaign.objects.count() == 0
    # 30 days before: the autumn review, from the latest snapshot, by the controller.
    _on(monkeypatch, dt.date(2026, 10, 1))
    assert access_review_daily.call() == "1 campaigns, 0 escalations"
    assert _campaigns() == [
        (
            aw.org.pk,
            aw.system.pk,
            Season.AUTUMN,
            2026,
            dt.date(2026, 10, 31),
            aw.people["controller"].pk,
            CampaignStatus.OPEN,
        )
    ]
    campaign = Campaign.objects.get()
    assert campaign.snapshot == latest
    assert campaign.name == f"{aw.system.name} Höst 2026"
    # Split and sent as by hand: one list per unit to its manager (who is told), the
    # protected-identity list kept for the controller to prepare.
    lists = ReviewList.objects.filter(campaign=campaign)
    assert {(rl.unit_id, rl.kind, rl.reviewer_id, rl.status) for rl in lists} == {
        (aw.units["north"].pk, ListKind.UNIT, aw.people["mgr_north"].pk, ListStatus.SENT),
        (aw.units["south"].pk, ListKind.UNIT, aw.people["mgr_south"].pk, ListStatus.SENT),
        (aw.units["home"].pk, ListKind.UNIT, aw.people["mgr_home"].pk, ListStatus.SENT),
        (aw.units["north"].pk, ListKind.PROTECTED, aw.people["mgr_north"].pk, ListStatus.DRAFT),
    }
    assert sorted(
        Notification.objects.filter(kind="access_review_waiting").values_list(
            "recipient_id", flat=True
        )
    ) == sorted(aw.people[k].pk for k in ("mgr_north", "mgr_south", "mgr_home"))
    created = AuditEvent.objects.get(action="access.campaign.created")
    assert created.actor_id == aw.people["controller"].pk
    # Again the same day, the next days and up to the due date: nothing more.
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 31)):
        _on(monkeypatch, day)
        assert scheduled_campaigns() == 0
    assert Campaign.objects.count() == 1
    assert ReviewList.objects.count() == 4
    assert Notification.objects.filter(kind="access_review_waiting").count() == 3
    # After the due date and until the spring's lead days: nothing.
    _on(monkeypatch, dt.date(2027, 3, 30))
    assert scheduled_campaigns() == 0
    # The spring review of the next year, 30 days before 30 April.
    _on(monkeypatch, dt.date(2027, 3, 31))
    assert scheduled_campaigns() == 1
    assert scheduled_campaigns() == 0
    assert [(c[2], c[3], c[4]) for c in _campaigns()] == [
        (Season.AUTUMN, 2026, dt.date(2026, 10, 31)),
        (Season.SPRING, 2027, dt.date(2027, 4, 30)),
    ]


def test_a_review_made_by_hand_for_the_season_is_not_made_again(client, aw, monkeypatch):
    _settings(client, aw)
    upload(client, aw, FIRST, taken_on="2026-09-20")
    data = {
        "snapshot": Snapshot.objects.get().pk,
        "season": "autumn",
        "year": 2026,
        "due_on": "2026-10-15",
    }
    assert client.post(reverse("access:campaign_add"), data).status_code == 302
    _on(monkeypatch, dt.date(2026, 10, 1))
    assert scheduled_campaigns() == 0
    assert [(c[2], c[3], c[4]) for c in _campaigns()] == [
        (Season.AUTUMN, 2026, dt.date(2026, 10, 15))
    ]


def test_the_spring_review_of_next_year_is_made_when_the_lead_days_reach_it(
    client, aw, monkeypatch
):
    _settings(client, aw, lead_days=150)
    upload(client, aw, FIRST, taken_on="2026-12-01")
    _on(monkeypatch, dt.date(2026, 12, 1))  # 150 days before 30 April 2027
    assert scheduled_campaigns() == 1
    assert scheduled_campaigns() == 0
    assert [(c[2], c[3], c[4]) for c in _campaigns()] == [
        (Season.SPRING, 2027, dt.date(2027, 4, 30))
    ]


def test_nothing_is_made_without_the_schedule_a_snapshot_or_a_controller(client, aw, monkeypatch):
    settings = _settings(client, aw, scheduled="")
    assert settings.scheduled is False
    upload(client, aw, FIRST, taken_on="2026-09-20")
    _on(monkeypatch, dt.date(2026, 10, 1))
    assert scheduled_campaigns() == 0
    # Kommun Två: scheduled, but no account list of its own.
    AccessSettings.objects.create(organisation=aw.other, system=aw.system, scheduled=True)
    assert scheduled_campaigns() == 0
    # Kommun Ett scheduled, its only controller no longer active: nothing, and no error.
    AccessSettings.objects.filter(pk=settings.pk).update(scheduled=True)
    controller = aw.people["controller"]
    controller.is_active = False
    controller.save(update_fields=["is_active"])
    assert scheduled_campaigns() == 0
    assert Campaign.objects.count() == 0
    # Another controller of the system who may run reviews is chosen instead.
    second = _member(aw.org, "controller2", first="Viktor", last="Kontroll")
    _role(second, "access_controller", aw.org, aw.system)
    assert scheduled_campaigns() == 1
    assert [(c[0], c[2], c[5]) for c in _campaigns()] == [(aw.org.pk, Season.AUTUMN, second.pk)]
    assert scheduled_campaigns() == 0
