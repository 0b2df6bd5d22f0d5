"""Reminders of extract orders left waiting (forvalta.logreview.reminders) through the
daily deadline reminders: whoever the order's step waits on is told before the step is
due and once it has passed, once per step; nobody else, no other organisation; the
order's page shows the due day. Through HTTP (the inbox and the order's page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from forvalta.access.tests.helpers import build_access_world
from forvalta.logreview.models import (
    DrawnUnit,
    ExtractOrder,
    ReviewOutcome,
    SamplingRound,
    SamplingSchedule,
)
from forvalta.logreview.tests.helpers import make_source
from forvalta.notifications.models import Notification
from forvalta.notifications.services import remind_deadlines

pytestmark = pytest.mark.django_db

START = dt.date(2026, 10, 1)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def world(kind: str = "provider") -> tuple[Any, ExtractOrder]:
    aw = build_access_world()
    source = make_source(aw)
    schedule = SamplingSchedule.objects.create(organisation=aw.org, source=source, kind=kind)
    round_ = SamplingRound.objects.create(
        organisation=aw.org,
        schedule=schedule,
        year=2026,
        quarter=4,
        month=dt.date(2026, 9, 1),
        seed=1,
        drawn_by=aw.people["controller"],
    )
    unit = DrawnUnit.objects.create(
        round=round_, position=0, unit_name="Hemtjänst Norr", unit=aw.units["north"]
    )
    order = ExtractOrder.objects.create(
        organisation=aw.org,
        round=round_,
        drawn_unit=unit,
        month=dt.date(2026, 9, 1),
        recipient=aw.people["mgr_north"],
        attestant=aw.people["mgr_north"] if kind == "provider" else None,
        requested_by=aw.people["controller"],
    )
    ExtractOrder.objects.filter(pk=order.pk).update(requested_at=at(START))
    order.refresh_from_db()
    return aw, order


def told_with_pk() -> list[tuple[Any, ...]]:
    return list(
        Notification.objects.order_by("pk").values_list(
            "pk", "recipient__username", "kind", "link", "title"
        )
    )


def told() -> list[tuple[Any, ...]]:
    """(recipient, kind, link, title) of every notification, oldest first."""
    return [n[1:] for n in told_with_pk()]


def test_each_step_reminds_whom_it_waits_on(django_capture_on_commit_callbacks: Any) -> None:
    aw, order = world()
    p = aw.people
    url = order.get_absolute_url()
    # Attestation due 7 days after the order: nothing 4 days before (3 days ahead by
    # default), "approaching" 3 days before, "passed" the day after; once each.
    assert remind_deadlines(on=START + dt.timedelta(days=3)) == 0
    assert remind_deadlines(on=START + dt.timedelta(days=4)) == 1
    assert remind_deadlines(on=START + dt.timedelta(days=5)) == 0
    assert remind_deadlines(on=START + dt.timedelta(days=8)) == 1
    assert remind_deadlines(on=START + dt.timedelta(days=9)) == 0
    assert told() == [
        ("mgr_north", "deadline_approaching", url, "En tidsfrist närmar sig"),
        ("mgr_north", "deadline_passed", url, "En tidsfrist har passerat"),
    ]
    inbox = login(p["mgr_north"]).get("/notifications/").content.decode()
    assert "En tidsfrist har passerat" in inbox
    assert login(p["controller"]).get("/notifications/").context["page"].object_list == []
    page = login(p["mgr_north"]).get(url).content.decode()
    assert "Nästa steg senast" in page
    assert "2026-10-08" in page
    assert "(försenat)" in page  # today is past it

    # Attested: the log administrators are told about the extract, due 7 days on.
    Notification.objects.all().delete()
    ExtractOrder.objects.filter(pk=order.pk).update(
        status="attested",
        attested_by=p["mgr_north"],
        attested_at=at(START + dt.timedelta(days=9)),
    )
    assert remind_deadlines(on=START + dt.timedelta(days=17)) == 1
    assert told() == [("sysadmin", "deadline_passed", url, "En tidsfrist har passerat")]
    assert "2026-10-17" in login(p["sysadmin"]).get(url).content.decode()

    # Fulfilled: the recipient is told about the review, due 30 days on; not once the
    # review is documented.
    Notification.objects.all().delete()
    ExtractOrder.objects.filter(pk=order.pk).update(
        status="fulfilled",
        fulfilled_by=p["sysadmin"],
        fulfilled_at=at(START + dt.timedelta(days=10)),
    )
    assert remind_deadlines(on=START + dt.timedelta(days=36)) == 0
    assert remind_deadlines(on=START + dt.timedelta(days=41)) == 1
    assert told() == [("mgr_north", "deadline_passed", url, "En tidsfrist har passerat")]
    Notification.objects.all().delete()
    ReviewOutcome.objects.create(
        organisation=aw.org,
        order=order,
        completed_on=START + dt.timedelta(days=42),
        reviewer=p["mgr_north"],
        persons_reviewed=4,
        logs_reviewed=4,
        with_remark=False,
        incident_reported=False,
    )
    assert remind_deadlines(on=START + dt.timedelta(days=80)) == 0
    assert told() == []
    page = login(p["mgr_north"]).get(url).content.decode()
    assert "Nästa steg senast" not in page


def test_an_authority_order_reminds_the_controllers_of_its_own_organisation() -> None:
    aw, order = world(kind="authority")
    assert remind_deadlines(on=START + dt.timedelta(days=8)) == 1
    # The other organisation's controller of the same system is never told.
    assert told() == [
        ("controller", "deadline_passed", order.get_absolute_url(), "En tidsfrist har passerat")
    ]
    assert (
        login(aw.people["other_controller"]).get("/notifications/").context["page"].object_list
        == []
    )


def test_the_steps_can_be_given_other_days(settings: Any) -> None:
    settings.LOGREVIEW_ATTEST_DAYS = 2
    aw, order = world()
    assert remind_deadlines(on=START + dt.timedelta(days=3)) == 1
    assert told()[0][:2] == ("mgr_north", "deadline_passed")
    page = login(aw.people["mgr_north"]).get(order.get_absolute_url()).content.decode()
    assert "2026-10-03" in page


def test_a_review_on_suspicion_reminds_each_named_step() -> None:
    """The manager's manager (whom and when), the attestant, the case's log
    administrators (never the person reviewed, though one of them) and the recipient,
    each in turn; nobody who is not named on the case."""
    from forvalta.access.tests.helpers import _role
    from forvalta.logreview import suspicion
    from forvalta.logreview.models import SuspicionCase
    from forvalta.logreview.tests.test_suspicion import request_case
    from forvalta.logreview.tests.test_suspicion import world as suspicion_world

    aw = suspicion_world()
    p = aw.people
    _role(p["anna"], "system_administrator", aw.org, aw.system)  # reviewed, and a log admin
    case = request_case(aw)
    url = case.get_absolute_url()
    Notification.objects.all().delete()  # the case's own notifications
    SuspicionCase.objects.filter(pk=case.pk).update(requested_at=at(START))

    def step(day: int) -> list[tuple[str, str, str, str]]:
        before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        remind_deadlines(on=START + dt.timedelta(days=day))
        return [tuple(n[1:]) for n in told_with_pk() if n[0] > before]

    passed = "En tidsfrist har passerat"
    assert step(8) == [("boss", "deadline_passed", url, passed)]
    page = login(p["boss"]).get(url).content.decode()
    assert "Nästa steg senast" in page and "2026-10-08" in page and "(försenat)" in page
    case = suspicion.subject_enter(
        actor=p["boss"],
        case=case,
        subject=p["anna"],
        account="u-anna",
        period_from=dt.date(2026, 9, 1),
        period_to=dt.date(2026, 9, 30),
    )
    SuspicionCase.objects.filter(pk=case.pk).update(entered_at=at(START + dt.timedelta(days=10)))
    Notification.objects.exclude(kind="deadline_passed").delete()  # the case's own
    assert step(18) == [("mgr_north", "deadline_passed", url, passed)]
    case = suspicion.case_attest(actor=p["mgr_north"], case=case)
    Notification.objects.exclude(kind="deadline_passed").delete()  # the case's own
    SuspicionCase.objects.filter(pk=case.pk).update(attested_at=at(START + dt.timedelta(days=20)))
    # No administrator named: the system's log administrators, never anna.
    assert step(28) == [("sysadmin", "deadline_passed", url, passed)]
    SuspicionCase.objects.filter(pk=case.pk).update(
        status="fulfilled", fulfilled_at=at(START + dt.timedelta(days=30))
    )
    assert step(50) == []
    assert step(61) == [("rita", "deadline_passed", url, passed)]
    SuspicionCase.objects.filter(pk=case.pk).update(status="documented")
    assert step(90) == []
    # Over all the steps: one reminder each, to the named only.
    assert [(n[1], n[2]) for n in told_with_pk()] == [
        ("boss", "deadline_passed"),
        ("mgr_north", "deadline_passed"),
        ("sysadmin", "deadline_passed"),
        ("rita", "deadline_passed"),
    ]
    for name in ("orgadmin", "controller", "anna", "mgr_south"):
        assert login(p[name]).get("/notifications/").context["page"].object_list == [], name


def test_the_horizon_is_exact(settings: Any) -> None:
    """A step due exactly as many days ahead as the person chose (the most: 30) is
    reminded; one day later it is not yet."""
    from forvalta.notifications.models import MAX_DAYS_AHEAD, NotificationPreference

    aw, order = world()
    NotificationPreference.objects.create(
        user=aw.people["mgr_north"],
        kind="deadline_approaching",
        channel="inbox",
        days_ahead=MAX_DAYS_AHEAD,
    )
    on = START - dt.timedelta(days=MAX_DAYS_AHEAD)  # the order was made in the future
    settings.LOGREVIEW_ATTEST_DAYS = 1  # due START + 1 = on + 31: not yet
    assert remind_deadlines(on=on) == 0
    settings.LOGREVIEW_ATTEST_DAYS = 0  # at least one day: still START + 1
    assert remind_deadlines(on=on) == 0
    assert remind_deadlines(on=on + dt.timedelta(days=1)) == 1  # due on + 30
    assert told() == [
        ("mgr_north", "deadline_approaching", order.get_absolute_url(), "En tidsfrist närmar sig")
    ]


def test_with_nobody_to_act_the_controllers_are_reminded() -> None:
    """A provider order without an attestant (a unit without a manager), and one whose
    attestant has left the organisation, remind the organisation's controllers of the
    system instead; never another organisation's."""
    from forvalta.core.models import Membership

    aw, order = world()
    ExtractOrder.objects.filter(pk=order.pk).update(attestant=None)
    url = order.get_absolute_url()
    assert remind_deadlines(on=START + dt.timedelta(days=8)) == 1
    assert told() == [("controller", "deadline_passed", url, "En tidsfrist har passerat")]
    Notification.objects.all().delete()
    ExtractOrder.objects.filter(pk=order.pk).update(attestant=aw.people["mgr_north"])
    Membership.objects.filter(user=aw.people["mgr_north"]).delete()
    assert remind_deadlines(on=START + dt.timedelta(days=8)) == 1
    assert told() == [("controller", "deadline_passed", url, "En tidsfrist har passerat")]
    Notification.objects.all().delete()
    aw.people["controller"].is_active = False
    aw.people["controller"].save()
    assert remind_deadlines(on=START + dt.timedelta(days=8)) == 0  # nobody left to tell
    assert told() == []
