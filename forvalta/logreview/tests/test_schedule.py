"""The quarterly rounds drawn by the daily job (on fixed dates), and who is told of an
extract order at each step (exactly; another organisation nobody)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services
from forvalta.logreview.models import (
    ExtractOrder,
    LogEntry,
    LogLoad,
    SamplingRound,
    SamplingSchedule,
)
from forvalta.logreview.scheduling import quarterly_rounds, sampled_month
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source, month_rows
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2026, 9, 1)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored_log(source: Any, month: dt.date, uploader: Any) -> None:
    """The month's activity of `month_rows` stored in the source's log."""
    load = LogLoad.objects.create(
        organisation_id=source.organisation_id,
        source=source,
        filename="full.csv",
        data=b"",
        status="loaded",
        uploaded_by=uploader,
    )
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                organisation_id=source.organisation_id,
                source=source,
                load=load,
                time=timezone.make_aware(dt.datetime.fromisoformat(row[0])),
                account=row[1],
                employee_name=row[2],
                unit=row[3],
                client_hash="0" * 64,
                client_masked="19121212-****",
            )
            for row in month_rows(month)
        ]
    )


def schedule_of(source: Any, kind: str = "provider", created: str = "2026-06-01") -> Any:
    schedule = SamplingSchedule.objects.create(
        organisation_id=source.organisation_id,
        source=source,
        kind=kind,
        unit_count=2 if kind == "authority" else 3,
    )
    moment = timezone.make_aware(dt.datetime.fromisoformat(f"{created} 12:00"))
    SamplingSchedule.objects.filter(pk=schedule.pk).update(created_at=moment)
    schedule.refresh_from_db()
    return schedule


def rounds() -> list[tuple[Any, ...]]:
    return sorted(
        SamplingRound.objects.values_list(
            "schedule_id", "year", "quarter", "month", "drawn_by_id", "status"
        )
    )


def test_the_months_drawn_by_date() -> None:
    assert sampled_month(dt.date(2026, 10, 1)) == dt.date(2026, 9, 1)
    assert sampled_month(dt.date(2026, 10, 31)) == dt.date(2026, 9, 1)
    assert sampled_month(dt.date(2027, 1, 1)) == dt.date(2026, 12, 1)
    assert sampled_month(dt.date(2026, 4, 2)) == dt.date(2026, 3, 1)
    assert sampled_month(dt.date(2026, 7, 15)) == dt.date(2026, 6, 1)
    for day in (dt.date(2026, 9, 30), dt.date(2026, 11, 1), dt.date(2026, 2, 1)):
        assert sampled_month(day) is None
    with override_settings(LOGREVIEW_DRAW_DAY=5):
        assert sampled_month(dt.date(2026, 10, 4)) is None
        assert sampled_month(dt.date(2026, 10, 5)) == dt.date(2026, 9, 1)


def test_the_quarter_start_draws_each_schedule_once() -> None:
    from forvalta.background.scheduler import declared_jobs

    assert declared_jobs()["logreview.quarterly_rounds"].task_path == (
        "forvalta.logreview.scheduling.draw_quarterly_rounds"
    )
    aw = build_access_world()
    p = aw.people
    provider = schedule_of(make_source(aw))
    authority = schedule_of(make_source(aw, name="Myndighetslogg"), "authority")
    late = schedule_of(make_source(aw, name="Ny logg"), created="2026-10-01")  # after Q3
    quiet = schedule_of(make_source(aw, name="Tyst logg"))  # no log in September yet
    theirs = schedule_of(make_source(aw, org=aw.other, name="Tvås logg"))
    for schedule in (provider, authority, late):
        stored_log(schedule.source, SEPTEMBER, p["sysadmin"])
    stored_log(theirs.source, SEPTEMBER, p["other_controller"])
    stored_log(quiet.source, dt.date(2026, 8, 1), p["sysadmin"])  # August only
    # Not the start of a quarter: nothing.
    assert quarterly_rounds(on=dt.date(2026, 9, 30)) == 0
    assert quarterly_rounds(on=dt.date(2026, 11, 1)) == 0
    assert rounds() == []
    assert quarterly_rounds(on=dt.date(2026, 10, 1)) == 3
    assert rounds() == sorted(
        [
            (provider.pk, 2026, 3, SEPTEMBER, p["controller"].pk, "drawn"),
            (authority.pk, 2026, 3, SEPTEMBER, p["controller"].pk, "drawn"),
            (theirs.pk, 2026, 3, SEPTEMBER, p["other_controller"].pk, "drawn"),
        ]
    )
    provider_round = SamplingRound.objects.get(schedule=provider)
    assert ExtractOrder.objects.filter(round=provider_round).count() == 3
    assert ExtractOrder.objects.filter(round__schedule=authority).count() == 2
    drawn = AuditEvent.objects.filter(action="logreview.samplinground.drawn")
    assert sorted(drawn.values_list("actor_id", "object_id")) == sorted(
        (r.drawn_by_id, str(r.pk)) for r in SamplingRound.objects.all()
    )
    scheduled = AuditEvent.objects.filter(action="logreview.samplinground.scheduled")
    assert sorted(scheduled.values_list("actor_id", "object_id", "changes")) == sorted(
        (
            None,
            str(r.pk),
            {"month": [None, "2026-09-01"], "drawn_by": [None, r.drawn_by_id]},
        )
        for r in SamplingRound.objects.all()
    )
    # Idempotent: the same day again and the days after draw nothing more.
    events = AuditEvent.objects.count()
    for day in (1, 2, 20):
        assert quarterly_rounds(on=dt.date(2026, 10, day)) == 0
    assert len(rounds()) == 3
    assert AuditEvent.objects.count() == events
    # The quiet source's September log arrives: its round is drawn the next day.
    stored_log(quiet.source, SEPTEMBER, p["sysadmin"])
    assert quarterly_rounds(on=dt.date(2026, 10, 21)) == 1
    assert SamplingRound.objects.get(schedule=quiet).month == SEPTEMBER
    assert not SamplingRound.objects.filter(schedule=late).exists()
    # The next quarter draws December.
    for schedule in (provider, late):
        stored_log(schedule.source, dt.date(2026, 12, 1), p["sysadmin"])
    assert quarterly_rounds(on=dt.date(2027, 1, 1)) == 2
    assert sorted(
        SamplingRound.objects.filter(quarter=4).values_list("schedule_id", "month")
    ) == sorted([(provider.pk, dt.date(2026, 12, 1)), (late.pk, dt.date(2026, 12, 1))])


def test_a_round_drawn_by_hand_counts_and_no_controller_no_draw() -> None:
    from forvalta.register.models import RoleAssignment

    aw = build_access_world()
    p = aw.people
    by_hand = schedule_of(make_source(aw))
    orphan = schedule_of(make_source(aw, org=aw.other, name="Tvås logg"))
    stored_log(by_hand.source, SEPTEMBER, p["sysadmin"])
    stored_log(by_hand.source, dt.date(2026, 8, 1), p["sysadmin"])
    stored_log(orphan.source, SEPTEMBER, p["other_controller"])
    services.round_draw(actor=p["controller"], schedule=by_hand, month=dt.date(2026, 8, 1))
    # Kommun Två's controller no longer holds the role.
    RoleAssignment.objects.filter(person=p["other_controller"]).update(valid_to=dt.date(2026, 9, 1))
    before = rounds()
    with override_settings(LOGREVIEW_DRAW_DAY=3):
        assert quarterly_rounds(on=dt.date(2026, 10, 2)) == 0
        assert quarterly_rounds(on=dt.date(2026, 10, 3)) == 0
    assert rounds() == before
    assert [r[3] for r in before] == [dt.date(2026, 8, 1)]


# --- notifications ----------------------------------------------------------------------------
def told() -> list[tuple[Any, ...]]:
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "link", "organisation_id")
    )


def test_who_is_told_of_an_order_at_each_step(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    p = aw.people
    source = make_source(aw)
    stored_log(source, dt.date(2026, 11, 1), p["sysadmin"])
    schedule = services.schedule_create(actor=p["controller"], source=source, kind="provider")
    # Kommun Två has its own round of the same system: its people are told of nothing here.
    theirs = schedule_of(make_source(aw, org=aw.other, name="Tvås logg"))
    assert Notification.objects.count() == 0
    controller = login(p["controller"])
    response = controller.post(f"/logreview/schedules/{schedule.pk}/draw/", {"month": "2026-11-15"})
    assert response.status_code == 302
    orders = {o.drawn_unit.unit_name: o for o in ExtractOrder.objects.select_related("drawn_unit")}
    assert sorted(orders) == ["Boende Ekbacken", "Hemtjänst Norr", "Hemtjänst Söder"]
    org = aw.org.pk
    waiting = [
        ("mgr_home", "log_extract_to_attest", orders["Boende Ekbacken"].get_absolute_url(), org),
        ("mgr_north", "log_extract_to_attest", orders["Hemtjänst Norr"].get_absolute_url(), org),
        ("mgr_south", "log_extract_to_attest", orders["Hemtjänst Söder"].get_absolute_url(), org),
    ]
    assert told() == sorted(waiting)
    # A refused attestation tells nobody.
    north = orders["Hemtjänst Norr"]
    url = north.get_absolute_url()
    assert login(p["mgr_south"]).post(url + "attest/").status_code == 404
    assert login(p["controller"]).post(url + "attest/").status_code == 403
    assert told() == sorted(waiting)
    # Attested: the log administrator is told.
    assert login(p["mgr_north"]).post(url + "attest/").status_code == 302
    attested = [("sysadmin", "log_extract_attested", url, org)]
    assert told() == sorted(waiting + attested)
    # Fulfilled when the extract has loaded: the recipient (the unit manager) is told.
    upload = SimpleUploadedFile("norr.csv", log_csv(month_rows()[:4]), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(p["sysadmin"]).post(url + "fulfil/", {"file": upload})
    assert response.status_code == 302
    north.refresh_from_db()
    assert north.status == "fulfilled"
    fulfilled = [("mgr_north", "log_extract_fulfilled", url, org)]
    assert told() == sorted(waiting + attested + fulfilled)
    assert not Notification.objects.filter(
        recipient__in=[p["other_controller"], p["controller"], p["anna"]]
    ).exists()
    assert not SamplingRound.objects.filter(schedule=theirs).exists()


def test_an_authority_order_tells_the_controllers(django_capture_on_commit_callbacks: Any) -> None:
    from forvalta.access.tests.helpers import _member, _role

    aw = build_access_world()
    p = aw.people
    second = _member(aw.org, "controller2", first="Kim", last="Kontroll")
    _role(second, "access_controller", aw.org, aw.system)
    source = make_source(aw)
    stored_log(source, dt.date(2026, 9, 1), p["sysadmin"])
    by_hand = services.schedule_create(actor=p["controller"], source=source, kind="authority")
    round_ = services.round_draw(actor=p["controller"], schedule=by_hand, month=SEPTEMBER)
    orders = list(ExtractOrder.objects.filter(round=round_).order_by("pk"))
    assert len(orders) == 2
    # Drawn by hand: the other controller is told, not the one who drew.
    assert told() == sorted(
        ("controller2", "log_extract_to_attest", o.get_absolute_url(), aw.org.pk) for o in orders
    )
    # Drawn by the job: the controller it was drawn in the name of is told too.
    Notification.objects.all().delete()
    scheduled_source = make_source(aw, name="Myndighetslogg")
    stored_log(scheduled_source, SEPTEMBER, p["sysadmin"])
    scheduled = schedule_of(scheduled_source, "authority")
    assert quarterly_rounds(on=dt.date(2026, 10, 1)) == 1
    orders = list(ExtractOrder.objects.filter(round__schedule=scheduled).order_by("pk"))
    assert told() == sorted(
        (person, "log_extract_to_attest", o.get_absolute_url(), aw.org.pk)
        for o in orders
        for person in ("controller", "controller2")
    )
    assert Notification.objects.filter(recipient=p["other_controller"]).count() == 0
