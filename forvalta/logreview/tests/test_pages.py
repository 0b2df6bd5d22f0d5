"""Log review through HTTP as its users work: sources and their mapping, the draw,
attestation and fulfilment; every refusal changes nothing; another organisation gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services
from forvalta.logreview.draw import candidates
from forvalta.logreview.models import (
    DrawnEmployee,
    ExtractOrder,
    LoadStatus,
    LogEntry,
    LogLoad,
    LogSource,
    OrderStatus,
    SamplingRound,
    SamplingSchedule,
    default_mapping,
    default_reference_mapping,
)
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source, month_rows

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state() -> tuple[Any, ...]:
    return (
        list(LogSource.objects.values_list("pk", "name", "mapping")),
        list(SamplingSchedule.objects.values_list("pk")),
        list(SamplingRound.objects.values_list("pk")),
        list(ExtractOrder.objects.values_list("pk", "status", "attested_by", "fulfilled_by")),
        list(LogLoad.objects.values_list("pk", "status")),
        LogEntry.objects.count(),
    )


def source_post(aw: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "organisation": aw.org.pk,
        "system": aw.system.pk,
        "name": "Treserva händelselogg",
        **{f"map_{k}": v for k, v in default_mapping().items()},
        **{f"ref_{k}": v for k, v in default_reference_mapping().items()},
    }
    data["map_client_unit"] = ""
    data.update(extra)
    return data


def test_the_controller_creates_and_edits_a_source_with_its_mapping() -> None:
    aw = build_access_world()
    client = login(aw.people["controller"])
    page = client.get("/logreview/")
    assert page.status_code == 200
    assert "Loggkällor" in page.content.decode()
    assert '<a href="/logreview/" aria-current="page">Logguppföljning</a>' in page.content.decode()
    response = client.post("/logreview/sources/new/", source_post(aw))
    source = LogSource.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/logreview/sources/{source.pk}/"
    )
    assert (source.organisation, source.system, source.name) == (
        aw.org,
        aw.system,
        "Treserva händelselogg",
    )
    assert source.mapping == {**default_mapping(), "client_unit": ""}
    edit = {
        "name": "Treserva",
        **{f"map_{k}": v for k, v in default_mapping().items()},
        **{f"ref_{k}": v for k, v in default_reference_mapping().items()},
    }
    edit["map_client_id"] = "Klient"
    response = client.post(f"/logreview/sources/{source.pk}/edit/", edit)
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.name, source.mapping["client_id"]) == ("Treserva", "Klient")
    assert sorted(
        AuditEvent.objects.filter(action__startswith="logreview.logsource").values_list(
            "action", flat=True
        )
    ) == ["logreview.logsource.created", "logreview.logsource.updated"]
    # A second source of the same name for the system is refused, nothing stored.
    again = client.post("/logreview/sources/new/", source_post(aw, name="Treserva"))
    assert again.status_code == 200
    assert again.context["form"].errors["name"] == [
        "Organisationen har redan en loggkälla med det namnet för systemet."
    ]
    assert LogSource.objects.count() == 1
    detail = client.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert "Kolumn: klientens personnummer" in detail and "<dd>Klient</dd>" in detail


def test_the_sources_retention_is_set_on_its_form_within_bounds() -> None:
    aw = build_access_world()
    client = login(aw.people["controller"])
    created = client.post(
        "/logreview/sources/new/",
        source_post(aw, extract_retention_days="30", log_retention_days="1095"),
    )
    assert created.status_code == 302
    source = LogSource.objects.get()
    assert (source.extract_retention_days, source.log_retention_days) == (30, 1095)
    event = AuditEvent.objects.get(action="logreview.logsource.created")
    assert (event.changes["extract_retention_days"], event.changes["log_retention_days"]) == (
        [None, 30],
        [None, 1095],
    )
    url = f"/logreview/sources/{source.pk}/edit/"
    edit = {
        "name": source.name,
        **{f"map_{k}": v for k, v in source.mapping.items()},
        **{f"ref_{k}": v for k, v in source.reference_mapping.items()},
    }
    form = client.get(url).context["form"]
    assert (form["extract_retention_days"].value(), form["log_retention_days"].value()) == (
        30,
        1095,
    )
    # Refused: no day, more than ten years; nothing changes.
    for field, value in (("extract_retention_days", "0"), ("log_retention_days", "3651")):
        refused = client.post(url, {**edit, field: value})
        assert refused.status_code == 200
        assert list(refused.context["form"].errors) == [field]
    source.refresh_from_db()
    assert (source.extract_retention_days, source.log_retention_days) == (30, 1095)
    assert AuditEvent.objects.filter(action="logreview.logsource.updated").count() == 0
    # Empty: the defaults.
    assert client.post(url, {**edit, "log_retention_days": "1825"}).status_code == 302
    source.refresh_from_db()
    assert (source.extract_retention_days, source.log_retention_days) == (90, 1825)
    event = AuditEvent.objects.get(action="logreview.logsource.updated")
    assert (event.changes["extract_retention_days"], event.changes["log_retention_days"]) == (
        [30, 90],
        [1095, 1825],
    )
    detail = client.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert "<dt>Uttag sparas efter granskningen</dt><dd>90 dagar</dd>" in detail
    assert "<dt>Hela loggen sparas</dt><dd>1825 dagar</dd>" in detail
    # The service refuses what the form would (the API and other callers).
    with pytest.raises(ValidationError):
        services.source_update(
            actor=aw.people["controller"],
            source=source,
            name=source.name,
            mapping=source.mapping,
            extract_retention_days=0,
        )
    source.refresh_from_db()
    assert source.extract_retention_days == 90


def test_others_may_not_create_or_change_a_source() -> None:
    aw = build_access_world()
    source = make_source(aw)
    before = state()
    anna = login(aw.people["anna"])
    assert anna.get("/logreview/sources/new/").status_code == 403
    assert anna.post("/logreview/sources/new/", source_post(aw)).status_code == 403
    assert anna.post(f"/logreview/sources/{source.pk}/edit/", {"name": "x"}).status_code == 403
    other = login(aw.people["other_controller"])
    # Kommun Ett is not among the other controller's organisations to choose.
    response = other.post("/logreview/sources/new/", source_post(aw))
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert other.get(f"/logreview/sources/{source.pk}/").status_code == 404
    edit = {"name": "Stulen", **{f"map_{k}": "x" for k in default_mapping()}}
    assert other.post(f"/logreview/sources/{source.pk}/edit/", edit).status_code == 404
    upload = SimpleUploadedFile("l.csv", log_csv(month_rows()), content_type="text/csv")
    assert (
        other.post(f"/logreview/sources/{source.pk}/upload/", {"file": upload}).status_code == 404
    )
    assert "Treserva-logg" not in other.get("/logreview/").content.decode()
    assert state() == before


def test_a_bad_file_is_refused_with_a_swedish_message(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    client = login(aw.people["sysadmin"])
    rows = [
        *month_rows()[:3],
        ("2026-11-05 25:00", "u-x", "X", "Norr", "19121212-1212", "", "", ""),
    ]
    upload = SimpleUploadedFile("logg.csv", log_csv(rows), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/logreview/sources/{source.pk}/upload/", {"file": upload})
    load = LogLoad.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logreview/loads/{load.pk}/"
    assert load.status == LoadStatus.FAILED
    assert LogEntry.objects.count() == 0
    page = client.get(f"/logreview/loads/{load.pk}/").content.decode()
    assert "<li>Filen lästes inte in; ingenting av den har sparats.</li>" in page
    assert (
        "<li>Rad 5: kolumnen ”Tidpunkt” innehåller ingen tidpunkt (ÅÅÅÅ-MM-DD TT:MM).</li>" in page
    )
    # The log file and its rows are not shown to a member without the staff role.
    assert login(aw.people["anna"]).get(f"/logreview/loads/{load.pk}/").status_code == 404
    assert (
        login(aw.people["other_controller"]).get(f"/logreview/loads/{load.pk}/").status_code == 404
    )


def _with_november_log(aw: Any, capture: Any) -> LogSource:
    source = make_source(aw)
    with capture(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"],
            source=source,
            filename="nov.csv",
            data=log_csv(month_rows()),
        )
    return source


def test_the_controller_draws_a_round_and_orders_the_extracts(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = _with_november_log(aw, django_capture_on_commit_callbacks)
    client = login(aw.people["controller"])
    response = client.post(
        f"/logreview/sources/{source.pk}/schedules/new/",
        {
            "kind": "provider",
            "unit_count": "",
            "employees_per_unit": 4,
            "day_count": 3,
            "day_mode": "active",
        },
    )
    schedule = SamplingSchedule.objects.get()
    assert response.status_code == 302
    assert (schedule.unit_count, schedule.employees_per_unit, schedule.day_count) == (3, 4, 3)
    page = client.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert f'href="/logreview/schedules/{schedule.pk}/draw/">Dra urval</a>' in page
    form = client.get(f"/logreview/schedules/{schedule.pk}/draw/")
    assert form.status_code == 200 and "Dra urval" in form.content.decode()
    # Nobody else draws.
    before = state()
    assert (
        login(aw.people["sysadmin"])
        .post(f"/logreview/schedules/{schedule.pk}/draw/", {"month": "2026-11-15"})
        .status_code
        == 403
    )
    assert (
        login(aw.people["other_controller"])
        .post(f"/logreview/schedules/{schedule.pk}/draw/", {"month": "2026-11-15"})
        .status_code
        == 404
    )
    assert state() == before
    response = client.post(f"/logreview/schedules/{schedule.pk}/draw/", {"month": "2026-11-15"})
    round_ = SamplingRound.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logreview/rounds/{round_.pk}/"
    assert (round_.month, round_.quarter, round_.drawn_by) == (
        dt.date(2026, 11, 1),
        4,
        aw.people["controller"],
    )
    assert ExtractOrder.objects.filter(round=round_, status=OrderStatus.REQUESTED).count() == 3
    page = client.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert f"<dd>{round_.seed}</dd>" in page
    for employee in DrawnEmployee.objects.filter(drawn_unit__round=round_):
        assert f"<td>{employee.account}</td>" in page
    assert AuditEvent.objects.filter(action="logreview.samplinground.drawn").count() == 1
    # Each view of the round that shows it is recorded; a refused one is not.
    viewed = AuditEvent.objects.filter(action="logreview.samplinground.viewed")
    assert list(viewed.values_list("actor_id", "object_type", "object_id")) == [
        (aw.people["controller"].pk, "logreview.samplinground", str(round_.pk))
    ]
    anna_page = login(aw.people["anna"]).get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert not any(
        f"<td>{e.account}</td>" in anna_page
        for e in DrawnEmployee.objects.filter(drawn_unit__round=round_)
    )
    manager_page = (
        login(aw.people["mgr_north"]).get(f"/logreview/rounds/{round_.pk}/").content.decode()
    )
    for employee in DrawnEmployee.objects.filter(drawn_unit__round=round_):
        shown = f"<td>{employee.account}</td>" in manager_page
        assert shown == (employee.drawn_unit.unit_name == "Hemtjänst Norr")
    assert (
        login(aw.people["other_controller"]).get(f"/logreview/rounds/{round_.pk}/").status_code
        == 404
    )


def _round(aw: Any, capture: Any, kind: str = "provider") -> SamplingRound:
    source = _with_november_log(aw, capture)
    schedule = services.schedule_create(actor=aw.people["controller"], source=source, kind=kind)
    return services.round_draw(
        actor=aw.people["controller"], schedule=schedule, month=dt.date(2026, 11, 1), seed=7
    )


def test_the_unit_manager_attests_and_the_log_administrator_fulfils(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    round_ = _round(aw, django_capture_on_commit_callbacks)
    order = ExtractOrder.objects.get(round=round_, drawn_unit__unit_name="Hemtjänst Norr")
    url = f"/logreview/orders/{order.pk}/"
    before = state()
    for person in ("controller", "sysadmin"):
        assert login(aw.people[person]).post(url + "attest/").status_code == 403, person
    # Those not named on the order (another unit's manager, a colleague) do not see it.
    for person in ("anna", "mgr_south", "other_controller"):
        assert login(aw.people[person]).post(url + "attest/").status_code == 404, person
        assert login(aw.people[person]).get(url).status_code == 404, person
    # Nothing to fulfil before attestation.
    upload = SimpleUploadedFile("x.csv", log_csv(month_rows()[:2]), content_type="text/csv")
    assert login(aw.people["sysadmin"]).post(url + "fulfil/", {"file": upload}).status_code == 403
    assert state() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == 3

    manager = login(aw.people["mgr_north"])
    # The menu leads the manager there while an order waits for their attestation.
    assert 'href="/logreview/">Logguppföljning</a>' in manager.get("/").content.decode()
    assert 'href="/logreview/">' not in login(aw.people["anna"]).get("/").content.decode()
    listing = manager.get("/logreview/").content.decode()
    assert f'href="{url}"' in listing
    assert "Attestera beställningen" in manager.get(url).content.decode()
    assert manager.post(url + "attest/").status_code == 302
    order.refresh_from_db()
    assert (order.status, order.attested_by) == (OrderStatus.ATTESTED, aw.people["mgr_north"])
    assert manager.post(url + "attest/").status_code == 403

    before = state()
    for person, status in (("mgr_north", 403), ("controller", 403), ("anna", 404)):
        upload = SimpleUploadedFile("x.csv", log_csv(month_rows()[:2]), content_type="text/csv")
        response = login(aw.people[person]).post(url + "fulfil/", {"file": upload})
        assert response.status_code == status, person
    assert state() == before

    admin = login(aw.people["sysadmin"])
    assert "Ladda upp loggutdraget" in admin.get(url).content.decode()
    # The extract (the same accesses again, and many of one person's on another day and in
    # another unit) does not
    # change what the round's seed draws from.
    pool = candidates(order.round.schedule.source_id, dt.date(2026, 11, 1))
    first = month_rows()[0]
    extra = [("2026-11-28 03:00", *first[1:3], "Hemtjänst Söder", *first[4:])] * 50
    data = log_csv(month_rows()[:4] + extra)
    upload = SimpleUploadedFile("norr.csv", data, content_type="text/csv")
    entries = LogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url + "fulfil/", {"file": upload})
    load = LogLoad.objects.get(order=order)
    assert response["Location"] == f"/logreview/loads/{load.pk}/"
    order.refresh_from_db()
    assert (order.status, order.fulfilled_by, load.status, load.row_count) == (
        OrderStatus.FULFILLED,
        aw.people["sysadmin"],
        LoadStatus.LOADED,
        54,
    )
    assert LogEntry.objects.count() == entries + 54
    assert candidates(order.round.schedule.source_id, dt.date(2026, 11, 1)) == pool
    assert sorted(
        AuditEvent.objects.filter(action__startswith="logreview.extractorder")
        .exclude(action="logreview.extractorder.viewed")
        .values_list("action", flat=True)
    ) == [
        "logreview.extractorder.attested",
        "logreview.extractorder.days_drawn",  # the days are drawn at fulfilment
        "logreview.extractorder.fulfilled",
    ]
    assert (
        AuditEvent.objects.filter(
            action="logreview.extractorder.viewed", object_id=str(order.pk)
        ).count()
        == 2  # the manager and the log administrator opened the order
    )


def test_an_authority_order_is_attested_by_the_controller(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    round_ = _round(aw, django_capture_on_commit_callbacks, kind="authority")
    assert round_.orders.count() == 2
    order = round_.orders.first()
    assert order is not None and order.attestant_id is None
    url = f"/logreview/orders/{order.pk}/attest/"
    before = state()
    assert login(aw.people["sysadmin"]).post(url).status_code == 403
    for person in ("mgr_north", "mgr_south", "mgr_home", "anna", "other_controller"):
        assert login(aw.people[person]).post(url).status_code == 404, person
    assert state() == before
    assert login(aw.people["controller"]).post(url).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.attested_by) == (OrderStatus.ATTESTED, aw.people["controller"])
    # Nobody was named to receive it: the attesting controller receives and reviews it.
    assert order.recipient == aw.people["controller"]
    attested = AuditEvent.objects.get(action="logreview.extractorder.attested")
    assert attested.changes["recipient"] == [None, aw.people["controller"].pk]
