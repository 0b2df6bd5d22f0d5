# ruff: noqa: F811 - the fixtures of test_import are imported by name
"""Imports under hostile and careless files, and a preview that blocks nobody.

Limits are checked while the file is streamed (a row that spreads over millions of cells
is refused at the limit, quickly and in little memory), a file is parsed once, a formula
without a value is an error, control characters are refused, other organisations'
people cannot be told from unknown ones, and a preview writes and locks nothing."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.models import User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.imports import KINDS, FileRejected, read_table
from forvalta.register.models import System
from forvalta.register.tests.factories import SystemFactory
from forvalta.register.tests.importing import (
    commit,
    csv_bytes,
    preview,
    read_csv,
    token_of,
    upload,
    xlsx_bytes,
)
from forvalta.register.tests.test_import import (  # noqa: F401 - fixtures
    SYSTEM_HEADINGS,
    admin_client,
    kommun,
    system_rows,
)

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{PKG}/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="System" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted_xlsx(rows: Iterable[str | bytes], dimension: str) -> bytes:
    """A workbook written by hand: the sheet's XML as given, streamed into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in PARTS.items():
            archive.writestr(name, xml)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode()
            )
            for part in rows:
                sheet.write(part if isinstance(part, bytes) else part.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def heading_row() -> str:
    letters = "ABCDEFGHIJK"
    cells = "".join(inline(f"{letters[i]}1", h) for i, h in enumerate(SYSTEM_HEADINGS))
    return f'<row r="1">{cells}</row>'


def millions_of_cells() -> Iterable[bytes]:
    """Row 2 lists 6,000,000 empty cells: some 24 MB of XML in a zip of a few dozen KB."""
    yield b'<row r="2">'
    chunk = b"<c/>" * 10_000
    for _ in range(600):
        yield chunk
    yield b"</row>"


def _error(response):
    assert response.status_code == 400
    return response.content.decode()


def test_a_row_of_millions_of_cells_is_refused_at_the_limit_fast_and_small(admin_client):
    data = crafted_xlsx([heading_row(), *millions_of_cells()], dimension="A1:XFD1048576")
    assert len(data) < 200 * 1024
    html = _error(upload(admin_client, "systems", "bomb.xlsx", data))
    assert (
        "The file holds more than 600000 cells. Remove empty formatted cells or split the "
        "file into smaller files."
    ) in html
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()

    # Streamed: the cells already read are dropped, nothing is built for the rest.
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected):
            read_table(KINDS["systems"], "bomb.xlsx", data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak


def test_a_cell_far_out_is_refused_at_once_whatever_the_sheet_declares(admin_client, kommun):
    org = kommun["org"].org_number
    row = f'<row r="2">{inline("A2", org)}{inline("B2", "Lifecare")}{inline("XFD2", "x")}</row>'
    data = crafted_xlsx([heading_row(), row], dimension="A1:XFD1048576")
    html = _error(upload(admin_client, "systems", "bred.xlsx", data))
    assert (
        "Row 2 has values in more than 60 columns. Remove what lies to the right of the "
        "table and try again."
    ) in html
    # Within the limits the same declared dimension is harmless: it sizes nothing.
    row = f'<row r="2">{inline("A2", org)}{inline("B2", "Lifecare")}</row>'
    data = crafted_xlsx([heading_row(), row], dimension="A1:XFD1048576")
    table = read_table(KINDS["systems"], "smal.xlsx", data)
    assert [(n, row["owner"], row["name"]) for n, row in table.rows] == [(2, org, "Lifecare")]


@pytest.mark.parametrize("kind", ["systems", "register"])
def test_a_table_of_millions_of_shared_strings_is_refused_before_it_is_read(admin_client, kind):
    """For one kind's file and for the whole register's workbook (whose sheets are
    listed before any is read)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in PARTS.items():
            archive.writestr(name, xml)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{MAIN}"><sheetData>{heading_row()}</sheetData></worksheet>',
        )
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(f'<sst xmlns="{MAIN}">'.encode())
            for _ in range(300):
                table.write(b"<si><t>a</t></si>" * 10_000)
            table.write(b"</sst>")
    html = _error(upload(admin_client, kind, "strängar.xlsx", buffer.getvalue()))
    assert "The file holds more than 600000 cells." in html


def test_limits_on_columns_and_cells_are_settings(admin_client, kommun, settings):
    rows = system_rows(kommun)
    settings.FORVALTA_IMPORT_MAX_COLUMNS = 8
    html = _error(upload(admin_client, "systems", "s.csv", csv_bytes(rows)))
    assert "Row 1 has values in more than 8 columns." in html
    html = _error(upload(admin_client, "systems", "s.xlsx", xlsx_bytes(rows, title="System")))
    assert "Row 1 has values in more than 8 columns." in html
    settings.FORVALTA_IMPORT_MAX_COLUMNS = 60
    settings.FORVALTA_IMPORT_MAX_CELLS = 20
    html = _error(upload(admin_client, "systems", "s.csv", csv_bytes(rows)))
    assert "The file holds more than 20 cells." in html
    html = _error(upload(admin_client, "systems", "s.xlsx", xlsx_bytes(rows, title="System")))
    assert "The file holds more than 20 cells." in html
    # A CSV line of endless delimiters is refused before it is split into fields.
    line = ";" * 2_000_000
    data = csv_bytes(rows[:1]) + f"{kommun['org'].org_number};X{line}\r\n".encode()
    settings.FORVALTA_IMPORT_MAX_CELLS = 200_000
    html = _error(upload(admin_client, "systems", "s.csv", data))
    assert "Row 2 has values in more than 60 columns." in html
    assert not System.objects.exists()


def test_the_file_is_parsed_once_at_upload(admin_client, kommun, monkeypatch):
    data = xlsx_bytes(system_rows(kommun), title="System")
    token = token_of(upload(admin_client, "systems", "s.xlsx", data))
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(kommun["admin"].pk)
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".rows"]

    def no_reading(*args, **kwargs):
        raise AssertionError("the workbook is read again")

    monkeypatch.setattr("forvalta.register.imports.reading._xlsx_records", no_reading)
    monkeypatch.setattr("forvalta.register.import_views.read_table", no_reading)
    page = admin_client.get(reverse("register:import_preview", args=[token]))
    assert 'data-count="create">3<' in page.content.decode()
    assert commit(admin_client, token).status_code == 302
    assert System.objects.count() == 3


# --- formulas and control characters ------------------------------------------------------
def test_a_formula_without_a_value_is_an_error_and_never_empties_a_cell(admin_client, kommun):
    SystemFactory(
        owner_organisation=kommun["org"],
        management_object=kommun["vard"],
        name="Lifecare",
        description="Gammal beskrivning",
    )
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Beskrivning"],
        [kommun["org"].org_number, "Lifecare", "=A2&B2"],  # openpyxl stores no value
    ]
    token, page = preview(admin_client, "systems", "s.xlsx", xlsx_bytes(rows, title="System"))
    html = page.content.decode()
    assert (
        "Row 2: Beskrivning: the cell holds a formula (=A2&amp;B2) that has no computed value. "
        "Open the file in Excel, save it and upload it again, or type the value."
    ) in html
    assert 'data-count="error">1<' in html
    assert commit(admin_client, token).status_code == 409
    assert System.objects.get(name="Lifecare").description == "Gammal beskrivning"


def test_control_characters_are_refused_in_every_text_cell(admin_client, kommun):
    org = kommun["org"].org_number
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Beskrivning", "Produkt och version"],
        [org, "Lön\x01system", "", ""],
        [org, "Kassa\x85", "", ""],
        [org, "Tab\tnamn", "", ""],
        [org, "Växeln", "Rad ett\tmed tab\r\nrad två", "Version\x1b7"],
        [org, "Ärendehantering", "Rad ett\nrad två\tmed tab", "7.1"],
    ]
    token, page = preview(admin_client, "systems", "s.csv", csv_bytes(rows))
    html = page.content.decode()
    tail = "that cannot be stored. Remove it and try again."
    assert f"Row 2: Namn: contains a control character (U+0001) {tail}" in html
    assert f"Row 3: Namn: contains a control character (U+0085) {tail}" in html
    assert f"Row 4: Namn: contains a control character (U+0009) {tail}" in html
    assert f"Row 5: Produkt och version: contains a control character (U+001B) {tail}" in html
    assert "Row 5: Beskrivning" not in html  # tabs and line breaks are text in a description
    assert 'data-count="error">4<' in html and 'data-count="create">1<' in html
    assert commit(admin_client, token).status_code == 409
    assert not System.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_of_names_with_control_characters_imports_back_unchanged(
    admin_client, kommun, fmt
):
    # Stored before control characters were refused (the API took them).
    for name in ("Lön\x1fsystem", "Kassa\x85", "Tab\tnamn", "Lifecare"):
        SystemFactory(owner_organisation=kommun["org"], management_object=kommun["vard"], name=name)
    export = admin_client.get(reverse("register:import_export", args=["systems", fmt]))
    assert export.status_code == 200
    if fmt == "csv":
        names = [row[1] for row in read_csv(export.content)[1:]]
        assert sorted(names) == ["Kassa", "Lifecare", "Lönsystem", "Tabnamn"]
    token, page = preview(admin_client, "systems", f"s.{fmt}", export.content)
    html = page.content.decode()
    assert 'data-count="unchanged">4<' in html, html[:3000]
    assert 'data-count="create">0<' in html and 'data-count="update">0<' in html
    response = commit(admin_client, token)
    assert response.status_code == 302
    assert System.objects.count() == 4
    assert System.objects.filter(name="Lön\x1fsystem").exists()


# --- no enumeration -----------------------------------------------------------------------
def test_people_of_other_organisations_cannot_be_told_from_anyone(admin_client, kommun):
    hidden = OrganisationFactory(name="Hemliga kommunen")
    outsider = UserFactory(
        username="dold.person",
        email="dold.person@hemliga.se",
        first_name="Dolores",
        last_name="Hemlig",
    )
    MembershipFactory(user=outsider, organisation=hidden)
    org = kommun["org"].org_number
    heading = [
        "Användarnamn",
        "Förnamn",
        "Efternamn",
        "E-post",
        "Organisation (organisationsnummer)",
    ]
    rows = [
        heading,
        ["dold.person", "Ny", "Person", "ny.person@ange.se", org],
        ["ny.person", "Ny", "Person", "dold.person@hemliga.se", org],
        ["dold.person", "Ny", "Person", "Dold.Person@Hemliga.se", "Ånge kommun"],
    ]
    token, page = preview(admin_client, "users", "p.csv", csv_bytes(rows))
    html = page.content.decode()
    # User names are unique on the platform: a taken one gets neutral words.
    assert "Row 2: Användarnamn: “dold.person” cannot be used here. Choose another." in html
    assert "Row 4: Användarnamn: “dold.person” cannot be used here. Choose another." in html
    # An e-mail address used only in another organisation is answered like a free one
    # (the person form checks colleagues only): row 3 would create a separate account.
    assert "Row 3:" not in html
    assert "dold.person@hemliga.se” cannot be used" not in html
    assert 'data-count="create">1<' in html and 'data-count="error">2<' in html
    for secret in ("Hemliga kommunen", "Dolores", "Hemlig ", "already", "exists", "belongs"):
        assert secret not in html, secret
    assert commit(admin_client, token).status_code == 409
    assert User.objects.filter(email__iexact="ny.person@ange.se").count() == 0
    assert User.objects.filter(email__iexact="dold.person@hemliga.se").count() == 1

    # An existing colleague given an address someone outside has: the same as a free one.
    colleague = UserFactory(username="kollega", email="kollega@ange.se")
    MembershipFactory(user=colleague, organisation=kommun["org"])
    rows = [heading, ["kollega", "K", "Ollega", "dold.person@hemliga.se", org]]
    _token, page = preview(admin_client, "users", "p.csv", csv_bytes(rows))
    html = page.content.decode()
    assert 'data-count="update">1<' in html and 'data-count="error">0<' in html
    assert "cannot be used" not in html and "Another person already has" not in html
    assert User.objects.get(pk=colleague.pk).email == "kollega@ange.se"


# --- the preview ------------------------------------------------------------------------------
def test_the_preview_reads_only_no_transaction_no_lock_no_write(admin_client, kommun):
    SystemFactory(
        owner_organisation=kommun["org"],
        management_object=kommun["vard"],
        name="Lifecare",
        description="Gammal",
    )
    token = token_of(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    seen: list[tuple[str, int]] = []

    def spy(execute, sql, params, many, context):
        seen.append((sql, len(connection.atomic_blocks)))
        return execute(sql, params, many, context)

    depth = len(connection.atomic_blocks)
    with connection.execute_wrapper(spy):
        page = admin_client.get(reverse("register:import_preview", args=[token]))
    html = page.content.decode()
    assert 'data-count="update">1<' in html and 'data-count="create">2<' in html
    assert System.objects.get(name="Lifecare").description == "Gammal"

    # Outside the one short transaction of the preview's own audit event, everything is
    # a plain read in autocommit: no transaction, no row lock, no advisory lock.
    def is_savepoint(sql: str) -> bool:
        return sql.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))

    inside = [sql for sql, d in seen if d > depth]
    outside = [sql for sql, d in seen if d == depth and not is_savepoint(sql)]
    assert len([sql for sql, _d in seen if sql.upper().startswith("SAVEPOINT")]) <= 1
    # (A UNION of reads starts with its first SELECT's parenthesis.)
    assert outside and all(sql.lstrip(" (").upper().startswith("SELECT") for sql in outside)
    for sql, _depth in seen:
        assert "FOR UPDATE" not in sql.upper(), sql
    writes = [s for s in inside if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) in (1, 2), writes  # the event's INSERT (and, on PostgreSQL, the lock)
    assert all("audit" in s or "pg_advisory_xact_lock" in s for s in writes), writes
    assert AuditEvent.objects.filter(action="register.import.previewed").count() == 1
    assert not AuditEvent.objects.filter(action__startswith="register.system").exists()
    # The lock, if any, is the audit chain's alone and is taken by that one event only.
    locks = [s for s in inside if "pg_advisory_xact_lock" in s]
    assert len(locks) <= 1


def test_a_commit_stops_when_a_row_changed_after_validation(admin_client, kommun, monkeypatch):
    SystemFactory(
        owner_organisation=kommun["org"],
        management_object=kommun["vard"],
        name="Lifecare",
        description="Gammal",
    )
    token = token_of(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    from forvalta.register.imports import engine

    write_all = engine._write_all

    def meanwhile(ctx):
        System.objects.filter(name="Lifecare").update(product="Ändrad under tiden")
        return write_all(ctx)

    monkeypatch.setattr(engine, "_write_all", meanwhile)
    response = commit(admin_client, token)
    assert response.status_code == 409
    assert (
        "Someone changed or removed this row after the file was checked. Upload the file again."
        in response.content.decode()
    )
    assert System.objects.count() == 1
    assert System.objects.get(name="Lifecare").description == "Gammal"


def test_queries_do_not_grow_with_the_rows_but_for_each_rows_own_write(admin_client, kommun):
    """One scope, one form and bulk lookups per run: a preview costs the same queries for
    5 rows as for 25; a commit adds for each row its INSERT and its audit event only."""
    from django.test.utils import CaptureQueriesContext

    def file(first: int, n: int) -> bytes:
        org, sup = kommun["org"].org_number, kommun["supplier"].org_number
        objects = ["Vård och omsorg", "Förskola och grundskola"]
        rows = [[org, f"System {i}", objects[i % 2], "Text", sup if i % 2 else "", "Drift"]
                for i in range(first, first + n)]  # fmt: skip
        headings = [*SYSTEM_HEADINGS[:5], "Livscykelfas"]
        return xlsx_bytes([headings, *rows], title="System")

    def run(first: int, n: int) -> tuple[list[str], list[str]]:
        token = token_of(upload(admin_client, "systems", "s.xlsx", file(first, n)))
        url = reverse("register:import_preview", args=[token])
        with CaptureQueriesContext(connection) as previewed:
            assert f'data-count="create">{n}<' in admin_client.get(url).content.decode()
        with CaptureQueriesContext(connection) as committed:
            assert commit(admin_client, token).status_code == 302
        return [q["sql"] for q in previewed], [q["sql"] for q in committed]

    def own_writes(queries: list[str]) -> tuple[list[str], list[str]]:
        audit = ("audit_audit", "SAVEPOINT", "pg_advisory_xact_lock", "pg_try_advisory")
        rest = [q for q in queries if not any(a in q for a in audit)]
        inserts = [q for q in rest if q.startswith('INSERT INTO "register_system"')]
        return inserts, [q for q in rest if q not in inserts]

    preview_5, commit_5 = run(0, 5)
    preview_25, commit_25 = run(100, 25)
    assert len(preview_25) == len(preview_5)
    inserts_5, other_5 = own_writes(commit_5)
    inserts_25, other_25 = own_writes(commit_25)
    assert (len(inserts_5), len(inserts_25)) == (5, 25)
    assert len(other_25) == len(other_5)
    events = AuditEvent.objects.filter(action="register.system.created").count()
    assert events == 30
