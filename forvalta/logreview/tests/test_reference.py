"""Reference data through HTTP: placements, case assignments, protected identities and
employees' own numbers, loaded all or nothing by the source's reference mapping, client
ids hashed with the organisation's key; a new file of a kind replaces the earlier one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forvalta.audit.models import AuditEvent
from forvalta.logreview import identity
from forvalta.logreview.models import LoadStatus, LogLoad, ReferenceRow
from forvalta.logreview.tests.helpers import build_access_world, make_source

pytestmark = pytest.mark.django_db

REF_HEADER = "Personnummer;Användar-id;Enhet;Från;Till\n"


def ref_csv(rows: list[tuple[str, ...]]) -> bytes:
    return (REF_HEADER + "".join(";".join(r) + "\n" for r in rows)).encode("utf-8")


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, source: Any, kind: str, data: bytes, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            f"/logreview/sources/{source.pk}/reference/",
            {"kind": kind, "file": SimpleUploadedFile("ref.csv", data, content_type="text/csv")},
        )


def rows() -> list[tuple[Any, ...]]:
    return list(
        ReferenceRow.objects.order_by("kind", "pk").values_list(
            "kind", "client_hash", "account", "unit", "valid_from", "valid_to"
        )
    )


def test_the_log_administrator_loads_each_kind_of_reference_data(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    admin = login(aw.people["sysadmin"])
    page = admin.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert "Ladda upp referensdata" in page
    h = lambda n: identity.client_hash(aw.org.pk, n)  # noqa: E731
    capture = django_capture_on_commit_callbacks
    response = upload(
        admin,
        source,
        "placements",
        ref_csv(
            [
                ("191212121212", "", "Hemtjänst Norr", "2026-01-01", ""),
                ("19700101-1233", "", "Hemtjänst Söder", "2026-01-01", "2026-11-10"),
            ]
        ),
        capture,
    )
    load = LogLoad.objects.get(kind="placements")
    assert response.status_code == 302 and response["Location"] == f"/logreview/loads/{load.pk}/"
    assert (load.status, load.row_count, bytes(load.data)) == (LoadStatus.LOADED, 2, b"")
    upload(
        admin,
        source,
        "assignments",
        ref_csv([("19800101-1231", "u-anna", "", "2026-11-01", "2026-11-30")]),
        capture,
    )
    upload(admin, source, "protected", ref_csv([("199001011239", "", "", "", "")]), capture)
    upload(admin, source, "employees", ref_csv([("19121212-1212", "u-bert", "", "", "")]), capture)
    assert rows() == [
        (
            "assignments",
            h("19800101-1231"),
            "u-anna",
            "",
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 30),
        ),
        ("employees", h("19121212-1212"), "u-bert", "", None, None),
        ("placements", h("19121212-1212"), "", "Hemtjänst Norr", dt.date(2026, 1, 1), None),
        (
            "placements",
            h("19700101-1233"),
            "",
            "Hemtjänst Söder",
            dt.date(2026, 1, 1),
            dt.date(2026, 11, 10),
        ),
        ("protected", h("19900101-1239"), "", "", None, None),
    ]
    # A new placements file replaces the earlier one; the other kinds stay.
    upload(
        admin,
        source,
        "placements",
        ref_csv([("19800101-1231", "", "Boende Ekbacken", "2026-02-01", "")]),
        capture,
    )
    assert [r for r in rows() if r[0] == "placements"] == [
        ("placements", h("19800101-1231"), "", "Boende Ekbacken", dt.date(2026, 2, 1), None)
    ]
    assert len(rows()) == 4
    queued = AuditEvent.objects.filter(action="logreview.logload.queued")
    assert sorted(e.changes["kind"][1] for e in queued) == [
        "assignments",
        "employees",
        "placements",
        "placements",
        "protected",
    ]


def test_a_bad_reference_file_is_refused_whole(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    admin = login(aw.people["sysadmin"])
    capture = django_capture_on_commit_callbacks
    upload(
        admin,
        source,
        "placements",
        ref_csv([("191212121212", "", "Hemtjänst Norr", "2026-01-01", "")]),
        capture,
    )
    before = rows()
    upload(
        admin,
        source,
        "placements",
        ref_csv(
            [
                ("19700101-1233", "", "Hemtjänst Söder", "2026-01-01", ""),
                ("19700101-1234", "", "", "1 jan", ""),
            ]
        ),
        capture,
    )
    load = LogLoad.objects.filter(kind="placements").order_by("-pk").first()
    assert load is not None and load.status == LoadStatus.FAILED
    assert load.error == (
        "Filen lästes inte in; ingenting av den har sparats.\n"
        "Rad 3: personnumret är inte giltigt; kolumnen ”Från” innehåller inget datum "
        "(ÅÅÅÅ-MM-DD); "
        "kolumnen ”Enhet” är tom."
    )
    assert rows() == before
    # A file without the column the kind needs.
    with capture(execute=True):
        admin.post(
            f"/logreview/sources/{source.pk}/reference/",
            {
                "kind": "assignments",
                "file": SimpleUploadedFile(
                    "a.csv", b"Personnummer;Enhet\n191212121212;Norr\n", content_type="text/csv"
                ),
            },
        )
    failed = LogLoad.objects.get(kind="assignments")
    assert failed.error == (
        "Filen saknar kolumnen/kolumnerna ”Användar-id”, ”Från” som loggkällans mappning anger."
    )
    assert rows() == before


def test_others_may_not_load_reference_data(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    source = make_source(aw)
    data = ref_csv([("191212121212", "", "", "", "")])
    for person, status in (("controller", 403), ("anna", 403), ("other_controller", 404)):
        response = upload(
            login(aw.people[person]), source, "protected", data, django_capture_on_commit_callbacks
        )
        assert response.status_code == status, person
    assert LogLoad.objects.count() == 0 and ReferenceRow.objects.count() == 0
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


def test_the_reference_mapping_is_edited_on_the_sources_form(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A system whose reference files have other headings: the controller names them on
    the source's form; the files then load by them. The client's number column is
    required; a refusal changes nothing."""
    from forvalta.logreview.models import default_reference_mapping

    aw = build_access_world()
    source = make_source(aw)
    assert source.reference_mapping == default_reference_mapping()
    controller = login(aw.people["controller"])
    url = f"/logreview/sources/{source.pk}/edit/"
    form = controller.get(url)
    assert form.status_code == 200
    assert form.context["form"]["ref_client_id"].value() == "Personnummer"
    edit = {
        "name": source.name,
        **{f"map_{k}": v for k, v in source.mapping.items()},
        "ref_client_id": "PNR",
        "ref_account": "Användar-id",
        "ref_unit": "Avdelning",
        "ref_valid_from": "Från",
        "ref_valid_to": "",
    }
    # Without the client's number column: refused, nothing changes.
    refused = controller.post(url, {**edit, "ref_client_id": "  "})
    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["ref_client_id"]
    source.refresh_from_db()
    assert source.reference_mapping == default_reference_mapping()
    assert not AuditEvent.objects.filter(action="logreview.logsource.updated").exists()
    assert controller.post(url, edit).status_code == 302
    source.refresh_from_db()
    new = {
        "client_id": "PNR",
        "account": "Användar-id",
        "unit": "Avdelning",
        "valid_from": "Från",
        "valid_to": "",
    }
    assert source.reference_mapping == new
    event = AuditEvent.objects.get(action="logreview.logsource.updated")
    assert event.changes == {"reference_mapping": [default_reference_mapping(), new]}
    detail = controller.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert "<dt>Referensfiler, kolumn: klientens personnummer</dt><dd>PNR</dd>" in detail
    assert "<dt>Referensfiler, kolumn: till (datum)</dt><dd>—</dd>" in detail
    # A placements file with those headings loads; one with the old headings is refused.
    admin = login(aw.people["sysadmin"])
    data = "PNR;Avdelning;Från\n19121212-1212;Hemtjänst Norr;2026-01-01\n".encode()
    loaded = upload(admin, source, "placements", data, django_capture_on_commit_callbacks)
    assert loaded.status_code == 302
    assert LogLoad.objects.get().status == LoadStatus.LOADED
    assert list(ReferenceRow.objects.values_list("kind", "unit", "valid_from", "valid_to")) == [
        ("placements", "Hemtjänst Norr", dt.date(2026, 1, 1), None)
    ]
    old = ref_csv([("19121212-1212", "", "Hemtjänst Syd", "2026-01-01", "")])
    upload(admin, source, "placements", old, django_capture_on_commit_callbacks)
    failed = LogLoad.objects.order_by("pk").last()
    assert failed is not None and failed.status == LoadStatus.FAILED
    assert list(ReferenceRow.objects.values_list("unit", flat=True)) == ["Hemtjänst Norr"]
    # A column the kind needs left unnamed on the form: refused, saying where to name it.
    assert controller.post(url, {**edit, "ref_unit": ""}).status_code == 302
    upload(admin, source, "placements", data, django_capture_on_commit_callbacks)
    unnamed = LogLoad.objects.order_by("pk").last()
    assert unnamed is not None and unnamed.status == LoadStatus.FAILED
    assert unnamed.error == (
        "Loggkällan anger ingen kolumn för enheten, som den här sortens fil behöver: "
        "ange den i källans formulär."
    )
    assert list(ReferenceRow.objects.values_list("unit", flat=True)) == ["Hemtjänst Norr"]
