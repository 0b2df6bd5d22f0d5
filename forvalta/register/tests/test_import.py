"""Import from Excel and CSV: encodings, the preview, all-or-nothing commits, idempotency,
scope and limits. Files are built here as a municipality would make them: Swedish
letters, semicolons, a BOM from Excel, Windows-1252 from older tools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.exports import safe_cell
from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.imports import KINDS
from forvalta.register.models import Agreement, RoleAssignment, Service, System
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    SystemFactory,
    role_type,
)
from forvalta.register.tests.importing import (
    commit,
    csv_bytes,
    import_file,
    in_english,
    preview,
    read_csv,
    read_xlsx,
    token_of,
    upload,
    xlsx_bytes,
)
from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db

SYSTEM_HEADINGS = [
    "Ägare (organisationsnummer)",
    "Namn",
    "Förvaltningsobjekt",
    "Beskrivning",
    "Leverantör (organisationsnummer)",
    "Livscykelfas",
    "Kritikalitet",
    "Behandlar personuppgifter",
    "Skyddade personuppgifter",
]


@pytest.fixture
def kommun(db):
    org = OrganisationFactory(name="Ånge kommun", kind=OrganisationKind.MUNICIPALITY)
    supplier = OrganisationFactory(name="Tietoevry Sverige AB", kind=OrganisationKind.SUPPLIER)
    admin = UserFactory(username="asa.oberg", first_name="Åsa", last_name="Öberg")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    vard = ManagementObjectFactory(owner_organisation=org, name="Vård och omsorg")
    skola = ManagementObjectFactory(owner_organisation=org, name="Förskola och grundskola")
    return {"org": org, "supplier": supplier, "admin": admin, "vard": vard, "skola": skola}


def system_rows(k, *extra):
    org, sup = k["org"].org_number, k["supplier"].org_number
    return [
        SYSTEM_HEADINGS,
        [
            org,
            "Lifecare",
            "Vård och omsorg",
            "Verksamhetssystem för äldreomsorg",
            sup,
            "Drift",
            "Hög",
            "Ja",
            "Ja",
        ],
        [
            org,
            "Procapita IFO",
            "Vård och omsorg",
            "Individ- och familjeomsorg; ekonomiskt bistånd",
            sup,
            "Avveckling",
            "Kritisk",
            "Ja",
            "Nej",
        ],
        [
            org,
            "Skolplattformen",
            "Förskola och grundskola",
            "Närvaro, schema och omdömen",
            "",
            "Införande",
            "medium",
            "Ja",
            "Nej",
        ],
        *extra,
    ]


@pytest.fixture
def admin_client(client, kommun):
    client.force_login(kommun["admin"])
    in_english(client)
    return client


def events(action):
    return AuditEvent.objects.filter(action=action).count()


# --- encodings and formats ----------------------------------------------------------------
def test_csv_with_bom_and_semicolons_previews_then_commits(admin_client, kommun):
    data = csv_bytes(system_rows(kommun))
    token, page = preview(admin_client, "systems", "system åäö.csv", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="create">3<' in html
    assert "Lifecare" in html and "Förskola och grundskola" not in html.split("import-rows")[0]
    assert System.objects.count() == 0, "a preview writes nothing"
    assert events("register.system.created") == 0
    assert events("register.import.previewed") == 1

    response = commit(admin_client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("register:system_list")
    lifecare = System.objects.get(name="Lifecare")
    assert lifecare.owner_organisation == kommun["org"]
    assert lifecare.management_object == kommun["vard"]
    assert lifecare.vendor == kommun["supplier"]
    assert lifecare.lifecycle == "operation" and lifecare.criticality == "high"
    assert lifecare.processes_personal_data and lifecare.holds_protected_identities
    procapita = System.objects.get(name="Procapita IFO")
    assert procapita.description == "Individ- och familjeomsorg; ekonomiskt bistånd"
    assert procapita.lifecycle == "decommissioning"
    assert System.objects.get(name="Skolplattformen").criticality == "medium"
    assert events("register.system.created") == 3
    summary = AuditEvent.objects.get(action="register.import.committed")
    assert summary.changes["create"] == [None, 3]
    assert summary.changes["file"] == [None, "system åäö.csv"]
    assert summary.actor_id == kommun["admin"].pk
    # The file is gone once committed.
    assert admin_client.get(reverse("register:import_preview", args=[token])).status_code == 404


def test_windows_1252_with_commas_is_detected(admin_client, kommun):
    data = csv_bytes(system_rows(kommun), delimiter=",", encoding="cp1252", bom=False)
    assert "å".encode("cp1252") in data
    response = import_file(admin_client, "systems", "export från gamla systemet.csv", data)
    assert response.status_code == 302
    assert System.objects.get(name="Lifecare").description == "Verksamhetssystem för äldreomsorg"
    assert System.objects.get(name="Procapita IFO").management_object == kommun["vard"]


def test_utf8_without_bom_and_tab_separated(admin_client, kommun):
    data = csv_bytes(system_rows(kommun), delimiter="\t", bom=False)
    response = import_file(admin_client, "systems", "system.txt", data)
    assert response.status_code == 302
    assert System.objects.filter(owner_organisation=kommun["org"]).count() == 3


def test_xlsx_with_excel_types(admin_client, kommun):
    org, sup = kommun["org"].org_number, kommun["supplier"].org_number
    SystemFactory(management_object=kommun["vard"], name="Lifecare")
    rows = [
        [
            "Kund (organisationsnummer)",
            "Leverantör (organisationsnummer)",
            "Titel",
            "Typ",
            "Referensnummer",
            "Giltig från",
            "Giltig till",
            "Uppsägningstid (månader)",
            "System",
        ],
        [
            org,
            sup,
            "Förvaltningsavtal Lifecare",
            "Ramavtal/förvaltningsavtal",
            "KS 2023/114",
            dt.datetime(2023, 1, 1),
            dt.date(2026, 12, 31),
            6,
            "Lifecare",
        ],
        [org, sup, "PUB Lifecare", "dpa", 20230115, "2023-01-15", None, 3.0, "Lifecare"],
    ]
    response = import_file(admin_client, "agreements", "Avtal.xlsx", xlsx_bytes(rows))
    assert response.status_code == 302
    framework = Agreement.objects.get(title="Förvaltningsavtal Lifecare")
    assert framework.kind == "framework"
    assert framework.valid_from == dt.date(2023, 1, 1)
    assert framework.valid_to == dt.date(2026, 12, 31)
    assert framework.notice_period_months == 6
    assert list(framework.systems.values_list("name", flat=True)) == ["Lifecare"]
    dpa = Agreement.objects.get(title="PUB Lifecare")
    assert dpa.reference == "20230115" and dpa.notice_period_months == 3
    assert dpa.valid_to is None


# --- all or nothing -----------------------------------------------------------------------
def test_broken_row_in_the_middle_writes_nothing(admin_client, kommun):
    org = kommun["org"].org_number
    rows = system_rows(kommun)
    rows.insert(3, [org, "Visma Personec", "Finns inte", "", "", "Drift", "Väldigt hög", "Ja", ""])
    data = csv_bytes(rows)
    token, page = preview(admin_client, "systems", "system.csv", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nothing has been imported" in html
    assert 'id="row-4"' in html and 'data-action="error"' in html
    assert "Row 4: Förvaltningsobjekt: “Finns inte” was not found" in html
    assert "Row 4: Kritikalitet: “Väldigt hög” is not one of the choices" in html
    assert 'data-count="create">3<' in html and 'data-count="error">1<' in html
    assert "import-commit" not in html, "no commit while a row is wrong"

    response = commit(admin_client, token)
    assert response.status_code == 409
    assert System.objects.count() == 0
    assert events("register.system.created") == 0
    assert events("register.import.committed") == 0
    assert events("register.import.rejected") == 1


def test_a_row_refused_by_the_service_rolls_back_the_rows_before_it(admin_client, kommun):
    """The protected-identities rule lives in System.clean(): the form and service refuse it."""
    org = kommun["org"].org_number
    rows = system_rows(
        kommun, [org, "Extens", "Förskola och grundskola", "", "", "Drift", "Hög", "Nej", "Ja"]
    )
    token, page = preview(admin_client, "systems", "system.csv", csv_bytes(rows))
    assert "Row 5: Behandlar personuppgifter: A system that holds protected identities" in (
        page.content.decode()
    )
    assert commit(admin_client, token).status_code == 409
    assert System.objects.count() == 0


def test_duplicate_rows_in_one_file_are_errors(admin_client, kommun):
    org = kommun["org"].org_number
    rows = system_rows(kommun, [org, "lifecare", "Vård och omsorg", "", "", "", "", "", ""])
    _token, page = preview(admin_client, "systems", "system.csv", csv_bytes(rows))
    assert "Row 5: Row 2 of the file already imports the same system." in page.content.decode()


# --- idempotency --------------------------------------------------------------------------
def test_reimporting_the_same_file_changes_nothing(admin_client, kommun):
    data = csv_bytes(system_rows(kommun))
    assert import_file(admin_client, "systems", "system.csv", data).status_code == 302
    stamps = dict(System.objects.values_list("pk", "updated_at"))
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    token, page = preview(admin_client, "systems", "system.csv", data)
    html = page.content.decode()
    assert 'data-count="unchanged">3<' in html
    assert 'data-count="create">0<' in html and 'data-count="update">0<' in html
    assert "Nothing to import" in html and "import-commit" not in html
    response = commit(admin_client, token)
    assert response.status_code == 302

    assert dict(System.objects.values_list("pk", "updated_at")) == stamps
    new = AuditEvent.objects.exclude(pk__in=before)
    assert list(new.values_list("action", flat=True)) == ["register.import.previewed"]


def test_a_changed_cell_is_an_update_with_old_and_new_values(admin_client, kommun):
    import_file(admin_client, "systems", "system.csv", csv_bytes(system_rows(kommun)))
    rows = system_rows(kommun)
    rows[1][6] = "Kritisk"
    token, page = preview(admin_client, "systems", "system.csv", csv_bytes(rows))
    html = page.content.decode()
    assert 'data-count="update">1<' in html and 'data-count="unchanged">2<' in html
    assert "Kritikalitet: High → Critical" in html
    assert commit(admin_client, token).status_code == 302
    assert System.objects.get(name="Lifecare").criticality == "critical"
    event = AuditEvent.objects.get(action="register.system.updated")
    assert event.changes["criticality"] == ["high", "critical"]


def test_columns_left_out_keep_their_values_and_empty_choices_keep_too(admin_client, kommun):
    SystemFactory(
        management_object=kommun["vard"],
        name="Lifecare",
        description="Äldreomsorg",
        lifecycle="operation",
        processes_personal_data=True,
    )
    org = kommun["org"].org_number
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Livscykelfas", "Behandlar personuppgifter"],
        [org, "Lifecare", "", ""],
    ]
    _token, page = preview(admin_client, "systems", "s.csv", csv_bytes(rows))
    assert 'data-count="unchanged">1<' in page.content.decode()


# --- scope --------------------------------------------------------------------------------
def test_references_outside_the_users_scope_are_error_rows_that_reveal_nothing(client):
    world = build_world()
    assoc, muni1 = world.orgs["assoc"], world.orgs["muni1"]
    client.force_login(world.users["assoc_admin"])
    in_english(client)
    hidden_object = world.items["OBJ_M1"].name  # exists, but is another organisation's
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Förvaltningsobjekt"],
        [assoc.org_number, "Nytt A", hidden_object],
        [assoc.org_number, "Nytt B", "Objekt som inte finns"],
        [muni1.org_number, "Nytt C", ""],
    ]
    token, page = preview(client, "systems", "s.csv", csv_bytes(rows))
    html = page.content.decode()
    objects = "was not found among the management objects you can choose."
    assert f"Row 2: Förvaltningsobjekt: “{hidden_object}” {objects}" in html
    assert f"Row 3: Förvaltningsobjekt: “Objekt som inte finns” {objects}" in html
    # A row of another organisation's is skipped, not refused (and nothing of it shown).
    assert muni1.org_number not in html
    assert 'data-count="skipped">1<' in html
    assert '<tr id="row-4" data-action="skipped">' in html
    # Nothing about the hidden object beyond its name, which the file itself gave.
    for key in ("SYS_M1", "ENV_M1", "UNIT_M1", "AGR_M1"):
        assert world.items[key].pk is not None
        assert f"ZZ{key}ZZ" not in html
    assert commit(client, token).status_code == 409
    assert not System.objects.filter(name__startswith="Nytt").exists()

    people = [
        [
            "Person (användarnamn)",
            "Roll",
            "Agerar för (organisationsnummer)",
            "Måltyp",
            "Mål",
            "Målets ägare (organisationsnummer)",
            "Giltig från",
        ],
        [
            "staff3",
            "Systemförvaltare",
            assoc.org_number,
            "System",
            world.items["SYS_A"].name,
            assoc.org_number,
            "2025-01-01",
        ],
        [
            "finns.inte",
            "Systemförvaltare",
            assoc.org_number,
            "System",
            world.items["SYS_A"].name,
            assoc.org_number,
            "2025-01-01",
        ],
    ]
    _token, page = preview(client, "roles", "roller.csv", csv_bytes(people))
    html = page.content.decode()
    assert (
        "Row 2: Person (användarnamn): “staff3” was not found among the people you can choose."
        in html
    )
    assert (
        "Row 3: Person (användarnamn): “finns.inte” was not found among the people you can choose."
        in html
    )


def test_a_manager_imports_only_into_what_they_manage(client):
    world = build_world()
    lead = world.users["lead"]  # förvaltningsledare of OBJ_A, not an administrator
    client.force_login(lead)
    in_english(client)
    assoc = world.orgs["assoc"].org_number
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Förvaltningsobjekt"],
        [assoc, "E-arkiv", world.items["OBJ_A"].name],
        [assoc, "Lönesystem", world.items["OBJ_AP"].name],
    ]
    _token, page = preview(client, "systems", "s.csv", csv_bytes(rows))
    html = page.content.decode()
    assert 'data-count="create">1<' in html and 'data-count="error">1<' in html
    assert "Row 3: Förvaltningsobjekt:" in html


def test_a_manager_imports_an_agreement_allowed_by_what_it_covers(client):
    """Creating an agreement is allowed to those who manage what it covers: a right the
    rules know only once the covered rows are set, checked when the row is written."""
    world = build_world()
    client.force_login(world.users["lead"])  # manages OBJ_A and its system SYS_A
    in_english(client)
    assoc, sup = world.orgs["assoc"], world.orgs["sup"]
    rows = [
        [
            "Kund (organisationsnummer)",
            "Leverantör (organisationsnummer)",
            "Titel",
            "Typ",
            "System",
        ],
        [assoc.org_number, sup.org_number, "Driftavtal", "sla", world.items["SYS_A"].name],
    ]
    token, page = preview(client, "agreements", "avtal.csv", csv_bytes(rows))
    html = page.content.decode()
    assert 'data-count="create">1<' in html
    assert commit(client, token).status_code == 302
    agreement = Agreement.objects.get(title="Driftavtal")
    assert list(agreement.systems.all()) == [world.items["SYS_A"]]
    assert agreement.owner_organisation == assoc
    assert events("register.agreement.created") == 1


def test_import_needs_the_right_to_create(client):
    world = build_world()
    staff = world.users["staff2"]
    client.force_login(staff)
    response = client.get(reverse("register:import"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor_id=staff.pk).exists()
    response = upload(client, "systems", "s.csv", csv_bytes([SYSTEM_HEADINGS]))
    assert response.status_code == 403
    assert (
        client.get(reverse("register:import_template", args=["systems", "xlsx"])).status_code == 403
    )


def test_each_kind_needs_its_own_right(client):
    world = build_world()
    client.force_login(world.users["platform"])
    page = client.get(reverse("register:import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="organisations"' in html and 'value="systems"' not in html
    assert upload(client, "systems", "s.csv", csv_bytes([SYSTEM_HEADINGS])).status_code == 400
    assert (
        client.get(reverse("register:import_template", args=["systems", "csv"])).status_code == 403
    )


def test_another_users_token_finds_nothing(admin_client, kommun, client):
    token = token_of(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    other = UserFactory()
    MembershipFactory(user=other, organisation=kommun["org"], is_org_admin=True)
    from django.test import Client

    intruder = Client()
    intruder.force_login(other)
    assert intruder.get(reverse("register:import_preview", args=[token])).status_code == 404
    assert intruder.post(reverse("register:import_commit", args=[token])).status_code == 404
    assert System.objects.count() == 0
    assert admin_client.get(reverse("register:import_preview", args=[token])).status_code == 200


def test_cancel_removes_the_stored_file(admin_client, kommun):
    token = token_of(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(kommun["admin"].pk)
    assert len(list(folder.iterdir())) == 2
    response = admin_client.post(reverse("register:import_cancel", args=[token]))
    assert response.status_code == 302
    assert list(folder.iterdir()) == []
    assert commit(admin_client, token).status_code == 404
    assert System.objects.count() == 0


# --- limits and file types ----------------------------------------------------------------
def _form_error(response):
    assert response.status_code == 400
    return response.content.decode()


def test_too_large_a_file_is_refused(admin_client, kommun, settings):
    settings.FORVALTA_IMPORT_MAX_BYTES = 200
    html = _form_error(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    assert "The file is too large" in html
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()


def test_too_many_rows_are_refused(admin_client, kommun, settings):
    settings.FORVALTA_IMPORT_MAX_ROWS = 2
    html = _form_error(upload(admin_client, "systems", "s.csv", csv_bytes(system_rows(kommun))))
    assert "more than 2 rows" in html


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("avtal.pdf", b"%PDF-1.7 ...", "Only Excel files (.xlsx) and CSV files can be imported."),
        ("gammal.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "Old Excel files (.xls)"),
        ("trasig.xlsx", b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook"),
        ("konstig.csv", "Namn;Ägare\r\n".encode("utf-16-le"), "not a text file"),
        ("skräp.csv", b"\x81\x8d\x8f\x90\x9d\xff", "characters in the file could not be read"),
        ("tom.csv", b"\xef\xbb\xbf\r\n", "The file is empty."),
        ("fel.csv", b"Namn;Beskrivning\r\nA;B\r\n", "Columns are missing"),
    ],
)
def test_files_that_cannot_be_read_are_refused(admin_client, filename, data, message):
    html = _form_error(upload(admin_client, "systems", filename, data))
    assert message in html


def test_a_zip_that_is_not_a_workbook_is_refused(admin_client):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    html = _form_error(upload(admin_client, "systems", "rapport.xlsx", buffer.getvalue()))
    assert "could not be read as an Excel workbook" in html


def test_unknown_columns_are_named_in_the_preview(admin_client, kommun):
    rows = [[*SYSTEM_HEADINGS, "Kommentar"], *[[*r, "x"] for r in system_rows(kommun)[1:]]]
    _token, page = preview(admin_client, "systems", "s.csv", csv_bytes(rows))
    assert "These columns are not known and were left out: “Kommentar”." in page.content.decode()


# --- templates and export ------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_templates_have_the_swedish_headings(admin_client, kind):
    headings = [c.heading for c in KINDS[kind].columns]
    xlsx = admin_client.get(reverse("register:import_template", args=[kind, "xlsx"]))
    assert xlsx.status_code == 200
    assert list(read_xlsx(xlsx.content)[0]) == headings
    assert read_xlsx(xlsx.content, sheet=1)[0][0] == "Column"  # the instructions sheet
    csv_file = admin_client.get(reverse("register:import_template", args=[kind, "csv"]))
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert read_csv(csv_file.content) == [headings]
    # An empty template imports as nothing.
    _token, page = preview(admin_client, kind, f"{kind}.xlsx", xlsx.content)
    assert "Nothing to import" in page.content.decode()


def test_export_escapes_formulas_and_imports_back_unchanged(admin_client, kommun):
    SystemFactory(
        management_object=kommun["vard"],
        name='=HYPERLINK("http://example.com")',
        description="+46 690 250 100 är supporten",
        product="@risk 8",
    )
    SystemFactory(management_object=kommun["vard"], name="-Minus", description="-")
    for fmt in ("xlsx", "csv"):
        response = admin_client.get(reverse("register:import_export", args=["systems", fmt]))
        assert response.status_code == 200
        rows = read_xlsx(response.content) if fmt == "xlsx" else read_csv(response.content)
        cells = {c for row in rows for c in row if isinstance(c, str)}
        assert '\'=HYPERLINK("http://example.com")' in cells
        assert "'+46 690 250 100 är supporten" in cells and "'@risk 8" in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        _token, page = preview(admin_client, "systems", f"export.{fmt}", response.content)
        assert 'data-count="unchanged">2<' in page.content.decode()
    assert events("register.system.exported") == 2
    assert safe_cell("-Minus") == "'-Minus"


# --- other kinds --------------------------------------------------------------------------
def test_units_as_a_tree_then_people_with_managers_later_in_the_file(admin_client, kommun):
    org = kommun["org"].org_number
    units = [
        ["Organisation (organisationsnummer)", "Överordnad enhet", "Namn", "Kod"],
        [org, "", "Vård- och omsorgsförvaltningen", "VOF"],
        [org, "Vård- och omsorgsförvaltningen", "Hemtjänst", "VOF-HT"],
        [org, "Vård- och omsorgsförvaltningen / Hemtjänst", "Hemtjänst Norr", "VOF-HT-N"],
        [org, "", "Barn- och utbildningsförvaltningen", "BUF"],
    ]
    # The preview writes nothing, yet knows the units that earlier rows create.
    _token, page = preview(admin_client, "units", "e.csv", csv_bytes(units))
    assert 'data-count="create">4<' in page.content.decode()
    assert 'data-count="error">0<' in page.content.decode()
    assert not Unit.objects.exists()
    assert import_file(admin_client, "units", "enheter.csv", csv_bytes(units)).status_code == 302
    norr = Unit.objects.get(name="Hemtjänst Norr")
    assert norr.path == "Vård- och omsorgsförvaltningen / Hemtjänst / Hemtjänst Norr"

    people = [
        [
            "Användarnamn",
            "Förnamn",
            "Efternamn",
            "E-post",
            "Telefon",
            "Organisation (organisationsnummer)",
            "Enhet",
            "Titel",
            "Chef (användarnamn)",
        ],
        [
            "bjorn.angstrom",
            "Björn",
            "Ångström",
            "Bjorn.Angstrom@ange.se",
            "0690-250 100",
            org,
            "Vård- och omsorgsförvaltningen / Hemtjänst / Hemtjänst Norr",
            "Undersköterska",
            "goran.ost",
        ],
        [
            "goran.ost",
            "Göran",
            "Öst",
            "goran.ost@ange.se",
            "",
            org,
            "Vård- och omsorgsförvaltningen / Hemtjänst",
            "Enhetschef",
            "",
        ],
        [
            kommun["admin"].username,
            "Åsa",
            "Öberg",
            kommun["admin"].email,
            "",
            org,
            "Barn- och utbildningsförvaltningen",
            "Systemförvaltare",
            "",
        ],
    ]
    _token, page = preview(admin_client, "users", "p.xlsx", xlsx_bytes(people))
    html = page.content.decode()
    assert 'data-count="create">2<' in html and 'data-count="update">1<' in html, html[:4000]
    assert 'data-count="error">0<' in html
    assert not User.objects.filter(username="bjorn.angstrom").exists()
    response = import_file(admin_client, "users", "personal.xlsx", xlsx_bytes(people))
    assert response.status_code == 302, response.content.decode()[:3000]
    bjorn = User.objects.get(username="bjorn.angstrom")
    assert bjorn.email == "bjorn.angstrom@ange.se"  # as the person form stores it
    membership = Membership.objects.get(user=bjorn)
    assert membership.unit == norr and membership.title == "Undersköterska"
    assert membership.manager.username == "goran.ost"
    assert not membership.is_org_admin
    admin_membership = Membership.objects.get(user=kommun["admin"])
    assert admin_membership.is_org_admin, "an import never takes administrator rights away"
    assert admin_membership.title == "Systemförvaltare"

    _token, page = preview(admin_client, "units", "e.csv", csv_bytes(units))
    assert 'data-count="unchanged">4<' in page.content.decode()
    _token, page = preview(admin_client, "users", "p.xlsx", xlsx_bytes(people))
    assert 'data-count="unchanged">3<' in page.content.decode()


def test_people_with_a_taken_email_are_refused(admin_client, kommun):
    org = kommun["org"].org_number
    rows = [
        ["Användarnamn", "Förnamn", "Efternamn", "E-post", "Organisation (organisationsnummer)"],
        ["ny.person", "Ny", "Person", kommun["admin"].email.upper(), org],
    ]
    _token, page = preview(admin_client, "users", "p.csv", csv_bytes(rows))
    html = page.content.decode()
    assert (
        "Row 2: E-post: the e-mail address belongs to the person with the user name “asa.oberg”."
        in html
    )
    outsider = UserFactory(email="hemlig@annan.se")
    rows[1][3] = outsider.email
    _token, page = preview(admin_client, "users", "p.csv", csv_bytes(rows))
    html = page.content.decode()
    # Someone the importer cannot see: answered as a free address (a separate account
    # would be created), so the file tells nothing about other organisations' people.
    assert 'data-count="create">1<' in html and 'data-count="error">0<' in html
    assert outsider.username not in html


def test_organisations_an_administrator_may_add_suppliers_only(admin_client, kommun):
    from forvalta.core.tests.factories import org_number

    rows = [
        ["Organisationsnummer", "Namn", "Typ", "Webbplats"],
        [org_number(9001), "Sambruk Leverantör AB", "Leverantör", "sambruk.se"],
        [org_number(9002), "Nya kommunen", "Kommun", ""],
        [kommun["org"].org_number, kommun["org"].name, "Region", ""],
        ["123", "Fel nummer", "Leverantör", ""],
        [kommun["supplier"].org_number, "Tietoevry AB (nytt namn)", "Leverantör", ""],
    ]
    token, page = preview(admin_client, "organisations", "org.csv", csv_bytes(rows))
    html = page.content.decode()
    assert 'data-count="create">1<' in html
    # A municipality the administrator may not create, and another organisation the file
    # would change: not theirs, skipped (the supplier's page would refuse the change).
    assert 'data-count="skipped">2<' in html
    assert '<tr id="row-3" data-action="skipped">' in html
    assert '<tr id="row-6" data-action="skipped">' in html
    assert "Row 4: Typ: cannot be changed here." in html
    assert "Row 5: Organisationsnummer: “123” is not a valid Swedish organisation number" in html
    previewed = AuditEvent.objects.get(action="register.import.previewed")
    assert previewed.changes["refused_rows"] == [None, []]
    assert previewed.changes["error_rows"] == [None, [4, 5]]
    assert previewed.changes["skipped"] == [None, 2]
    assert commit(admin_client, token).status_code == 409
    assert AuditEvent.objects.filter(action="register.import.rejected").count() == 1
    assert Organisation.objects.get(pk=kommun["supplier"].pk).name == "Tietoevry Sverige AB"


def test_services_agreements_and_roles(admin_client, kommun):
    org, sup = kommun["org"].org_number, kommun["supplier"].org_number
    SystemFactory(management_object=kommun["vard"], name="Lifecare")
    SystemFactory(management_object=kommun["vard"], name="Lifecare Mobil Omsorg")
    services = [
        ["Ägare (organisationsnummer)", "Namn", "Förvaltningsobjekt", "System"],
        [org, "E-tjänst för hemtjänst", "Vård och omsorg", "Lifecare; Lifecare Mobil Omsorg"],
    ]
    assert import_file(admin_client, "services", "t.csv", csv_bytes(services)).status_code == 302
    service = Service.objects.get(name="E-tjänst för hemtjänst")
    assert sorted(service.systems.values_list("name", flat=True)) == [
        "Lifecare",
        "Lifecare Mobil Omsorg",
    ]
    agreements = [
        [
            "Kund (organisationsnummer)",
            "Leverantör (organisationsnummer)",
            "Titel",
            "Typ",
            "Giltig från",
            "Tjänster",
            "Förvaltningsobjekt",
        ],
        [
            org,
            sup,
            "SLA hemtjänst",
            "Servicenivåavtal (SLA)",
            "2024-03-01",
            "E-tjänst för hemtjänst",
            "Vård och omsorg",
        ],
    ]
    assert (
        import_file(admin_client, "agreements", "a.csv", csv_bytes(agreements)).status_code == 302
    )
    sla = Agreement.objects.get(title="SLA hemtjänst")
    assert sla.kind == "sla" and list(sla.services.all()) == [service]
    roles = [
        [
            "Person (användarnamn)",
            "Roll",
            "Agerar för (organisationsnummer)",
            "Måltyp",
            "Mål",
            "Målets ägare (organisationsnummer)",
            "Giltig från",
            "Anteckning",
        ],
        [
            kommun["admin"].username,
            "Systemförvaltare",
            org,
            "System",
            "Lifecare",
            org,
            "2024-01-01",
            "Utsedd av förvaltningsgruppen",
        ],
        [
            kommun["admin"].email,
            "object_owner",
            org,
            "Förvaltningsobjekt",
            "Vård och omsorg",
            org,
            "2024-01-01",
            "",
        ],
    ]
    assert import_file(admin_client, "roles", "r.csv", csv_bytes(roles)).status_code == 302
    assert RoleAssignment.objects.filter(
        role_type=role_type("system_manager"), system__name="Lifecare"
    ).exists()
    assert RoleAssignment.objects.filter(role_type=role_type("object_owner")).count() == 1
    _token, page = preview(admin_client, "roles", "r.csv", csv_bytes(roles))
    assert 'data-count="unchanged">2<' in page.content.decode()


def test_organisation_lookup_also_takes_the_exact_name(admin_client, kommun):
    rows = [["Ägare (organisationsnummer)", "Namn"], ["Ånge kommun", "Diariet"]]
    assert import_file(admin_client, "systems", "s.csv", csv_bytes(rows)).status_code == 302
    assert System.objects.get(name="Diariet").owner_organisation == kommun["org"]
    assert Organisation.objects.count() == 2
