"""Loading an extract: all or nothing per file, the mapping, the hash and the mask."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from forvalta.audit.models import AuditEvent
from forvalta.logreview import identity, services
from forvalta.logreview.models import LoadStatus, LogEntry, LogLoad
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source

pytestmark = pytest.mark.django_db

ROWS = [
    (
        "2026-11-03 09:15",
        "u-anna",
        "Anna Andersson",
        "Hemtjänst Norr",
        "191212121212",
        "",
        "Läsa",
        "Journal",
    ),
    (
        "2026-11-03 10:00",
        "u-bert",
        "Bert Berg",
        "Hemtjänst Norr",
        "19700101-1233",
        "Norr",
        "Skriva",
        "",
    ),
]


def test_a_file_loads_with_hash_and_mask_only(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="logg.csv", data=log_csv(ROWS)
        )
    load.refresh_from_db()
    assert (load.status, load.row_count, load.error) == (LoadStatus.LOADED, 2, "")
    rows = list(
        LogEntry.objects.order_by("time").values_list(
            "account",
            "employee_name",
            "unit",
            "client_hash",
            "client_masked",
            "action",
            "record_part",
        )
    )
    assert rows == [
        (
            "u-anna",
            "Anna Andersson",
            "Hemtjänst Norr",
            identity.client_hash(aw.org.pk, "19121212-1212"),
            "19121212-****",
            "Läsa",
            "Journal",
        ),
        (
            "u-bert",
            "Bert Berg",
            "Hemtjänst Norr",
            identity.client_hash(aw.org.pk, "19700101-1233"),
            "19700101-****",
            "Skriva",
            "",
        ),
    ]
    assert AuditEvent.objects.filter(action="logreview.logload.loaded").count() == 1
    # The file (with full personal identity numbers) is not kept once loaded.
    assert bytes(load.data) == b""
    # The full number is stored nowhere in the row.
    for values in LogEntry.objects.values_list():
        assert not any("1212-1212" in str(v) or "191212121212" in str(v) for v in values)


def test_a_bad_row_refuses_the_whole_file(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    bad = [*ROWS, ("2026-13-03 09:15", "u-cia", "Cia", "Söder", "19121212-1213", "", "", "")]
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="logg.csv", data=log_csv(bad)
        )
    load.refresh_from_db()
    assert load.status == LoadStatus.FAILED
    assert load.row_count == 0
    assert bytes(load.data) == b""
    assert LogEntry.objects.count() == 0
    assert load.error.splitlines() == [
        "Filen lästes inte in; ingenting av den har sparats.",
        "Rad 4: kolumnen ”Tidpunkt” innehåller ingen tidpunkt (ÅÅÅÅ-MM-DD TT:MM); "
        "klientens personnummer är inte giltigt.",
    ]


def test_a_missing_mapped_column_refuses_the_file(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    data = log_csv(ROWS).replace(b"Personnummer", b"Pnr")
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="l.csv", data=data
        )
    load.refresh_from_db()
    assert load.status == LoadStatus.FAILED
    assert (
        load.error
        == "Filen saknar kolumnen/kolumnerna ”Personnummer” som loggkällans mappning anger."
    )
    assert LogEntry.objects.count() == 0


def test_another_organisation_cannot_load_into_a_source() -> None:
    aw = build_access_world()
    source = make_source(aw)
    for person in ("other_controller", "anna", "mgr_north"):
        with pytest.raises(PermissionDenied):
            services.log_upload(
                actor=aw.people[person], source=source, filename="l.csv", data=log_csv(ROWS)
            )
    assert LogLoad.objects.count() == 0
    assert LogEntry.objects.count() == 0
    assert AuditEvent.objects.filter(action="access.denied").count() == 3


def test_the_hash_differs_per_organisation(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    mine, theirs = make_source(aw), make_source(aw, org=aw.other)
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"], source=mine, filename="a.csv", data=log_csv(ROWS[:1])
        )
    from forvalta.access.tests.helpers import _role
    from forvalta.core.tests.factories import MembershipFactory, UserFactory

    admin2 = UserFactory(username="admin2")
    MembershipFactory(user=admin2, organisation=aw.other)
    _role(admin2, "system_administrator", aw.other, aw.system)
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(actor=admin2, source=theirs, filename="a.csv", data=log_csv(ROWS[:1]))
    hashes = dict(LogEntry.objects.values_list("organisation_id", "client_hash"))
    assert len(hashes) == 2 and hashes[aw.org.pk] != hashes[aw.other.pk]
    assert list(LogEntry.objects.visible_to(admin2).values_list("source_id", flat=True)) == [
        theirs.pk
    ]


def test_a_comma_separated_windows_1252_file_loads(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    text = (
        "Tidpunkt,Användar-id,Namn,Enhet,Personnummer,Klientens enhet,Händelse,Journaldel\n"
        "2026-11-03 09:15:30,u-åsa,Åsa Öberg,Hemtjänst Söder,19121212-1212,,Läsa,Journal\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="l.csv", data=text.encode("cp1252")
        )
    load.refresh_from_db()
    assert (load.status, load.row_count) == (LoadStatus.LOADED, 1)
    entry = LogEntry.objects.get()
    assert (entry.account, entry.employee_name, entry.unit, entry.time.second) == (
        "u-åsa",
        "Åsa Öberg",
        "Hemtjänst Söder",
        30,
    )


def test_an_empty_file_is_refused(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="l.csv", data=log_csv([])
        )
    load.refresh_from_db()
    assert (load.status, load.error) == (LoadStatus.FAILED, "Filen innehåller inga loggrader.")
    assert LogEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # A quote never closed runs to the end; a bare carriage return inside a cell.
        (log_csv(ROWS).replace(b"Anna Andersson", b'"Anna Andersson'), None),
        (log_csv(ROWS).replace(b"Anna Andersson", b"Anna\rAndersson"), None),
        (log_csv(ROWS).replace(b"Journal", b"Jour\x00nal"), "NUL"),
        # Shifted columns: the number where the time should be is not repeated.
        (log_csv([(r[4], *r[1:4], r[0], *r[5:]) for r in ROWS]), "shifted"),
        (log_csv([("0001-01-01 00:00", *ROWS[0][1:])]), "year"),
    ],
    ids=["open-quote", "bare-cr", "nul", "shifted", "year-1"],
)
def test_a_hostile_file_fails_visibly_and_nothing_of_it_is_kept(
    django_capture_on_commit_callbacks: Any, data: bytes, message: str | None
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="l.csv", data=data
        )
    load.refresh_from_db()
    assert (load.status, load.row_count, bytes(load.data)) == (LoadStatus.FAILED, 0, b"")
    assert LogEntry.objects.count() == 0
    assert "191212121212" not in load.error and "1212-1212" not in load.error
    if message == "NUL":
        assert "Filen innehåller ett NUL-tecken: den är ingen textexport." in load.error
    if message == "year":
        assert "kolumnen ”Tidpunkt” innehåller ingen tidpunkt" in load.error


def test_an_unexpected_failure_fails_the_load_and_drops_the_file(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    aw = build_access_world()
    source = make_source(aw)

    def broken(load: Any) -> int:
        raise RuntimeError("the database said no")

    monkeypatch.setattr("forvalta.logreview.ingest.load_file", broken)
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="l.csv", data=log_csv(ROWS)
        )
    load.refresh_from_db()
    assert (load.status, bytes(load.data)) == (LoadStatus.FAILED, b"")
    assert load.error.endswith(
        "Filen kunde inte läsas in. Kontrollera formatet och läs in den igen."
    )
    assert LogEntry.objects.count() == 0
