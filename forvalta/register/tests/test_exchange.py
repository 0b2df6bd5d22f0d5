"""Moving a register between instances (issue 9, point 12): an organisation's own
register as one workbook, imported into an empty instance and exported again; rows of
another organisation's skipped, not refused; environments, integrations, participations
and memberships imported through their pages' forms."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.core.models import ApiToken, Membership, Organisation, Unit, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.imports import KINDS
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    Service,
    System,
)
from forvalta.register.tests.factories import (
    EnvironmentFactory,
    IntegrationFactory,
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)
from forvalta.register.tests.importing import commit, csv_bytes, preview, read_csv, upload
from forvalta.register.tests.test_roundtrip import ADMIN, build_register

pytestmark = pytest.mark.django_db

SKIPPED_TAG = '<strong class="tag">Inte er, hoppas över</strong>'


def build_exchange() -> dict[str, Any]:
    """The round trip's register, with environments, integrations and a participation,
    beside a neighbour's register that the municipality partly sees."""
    build_register()
    kommun = Organisation.objects.get(name="Sundsvalls kommun")
    cgi = Organisation.objects.get(name="CGI Sverige AB")
    timra = Organisation.objects.get(name="Timrå kommun")
    lifecare = System.objects.get(name="Lifecare")
    personec = System.objects.get(name="Visma Personec P")
    usk = User.objects.get(username="anna.aberg")
    EnvironmentFactory(system=lifecare, kind="production", name="Produktion",
                       url="https://lifecare.sundsvall.se", operated_by=cgi,
                       service_hours="Dygnet runt", description="Drift hos CGI")  # fmt: skip
    EnvironmentFactory(system=lifecare, kind="test", name="")
    IntegrationFactory(source=lifecare, target=personec, external_system="", method="file",
                       responsible_organisation=kommun, responsible_person=usk,
                       description="Lönefil varje natt")  # fmt: skip
    IntegrationFactory(source=System.objects.get(name="Lifecare Mobil Omsorg"),
                       method="api", responsible_organisation=kommun)  # fmt: skip
    tjanst = Service.objects.get(name="Trygghetslarm")
    ParticipationFactory(service=tjanst, organisation=kommun, status="active",
                         valid_from=dt.date(2022, 1, 1), cost_share=Decimal("12.5"),
                         note="Hela kommunen")  # fmt: skip
    # The neighbour's: a shared e-archive the municipality takes part in, and a system
    # of its own that the municipality does not see.
    arkiv_objekt = ManagementObjectFactory(owner_organisation=timra, name="E-arkiv Timrå")
    arkiv = ServiceFactory(management_object=arkiv_objekt, name="E-arkiv",
                           description="ZZTimråsHemligaZZ")  # fmt: skip
    ParticipationFactory(service=arkiv, organisation=kommun, valid_from=dt.date(2023, 1, 1))
    dolt = SystemFactory(management_object=arkiv_objekt, name="Timrå Ärende",
                         description="ZZDoldBeskrivningZZ")  # fmt: skip
    # A supplier's consultant in a supplier role on the municipality's system, appointed
    # by the supplier: the supplier's row, not the municipality's.
    konsult = UserFactory(username="cgi.konsult", first_name="Klas", last_name="Konsult")
    MembershipFactory(user=konsult, organisation=cgi)
    RoleAssignmentFactory(person=konsult, organisation=cgi, system=lifecare,
                          role_type=role_type("management_partner"),
                          valid_from=dt.date(2024, 1, 1))  # fmt: skip
    neighbour = UserFactory(username="timra.admin", first_name="Tore", last_name="Timrå")
    MembershipFactory(user=neighbour, organisation=timra, is_org_admin=True)
    return {"kommun": kommun, "timra": timra, "arkiv": arkiv, "dolt": dolt, "neighbour": neighbour}


def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(username=ADMIN["username"]))
    return client


def export_whole(client: Client) -> bytes:
    response = client.get(reverse("register:import_export", args=["register", "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="forvalta-hela-')
    return response.content


def sheets_of(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def import_whole(client: Client, data: bytes, filename: str = "registret.xlsx") -> tuple[str, str]:
    response = upload(client, "register", filename, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    token = response["Location"].rstrip("/").split("/")[-2]
    page = client.get(reverse("register:import_preview", args=[token]))
    assert page.status_code == 200
    return token, page.content.decode()


def sheet_section(html: str, key: str) -> str:
    start = html.index(f'data-sheet="{key}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def counts_in(section: str) -> dict[str, int]:
    out = {}
    for name in ("create", "update", "unchanged", "skipped", "error"):
        marker = f'<span data-count="{name}">'
        i = section.index(marker) + len(marker)
        out[name] = int(section[i : section.index("<", i)])
    return out


def empty_instance_but(kommun: Organisation, admin: User) -> None:
    """Everything goes but the municipality and its administrator (and the audit trail
    and the role catalogue)."""
    for model in (RoleAssignment, Agreement, Participation, Integration, Environment, Service):
        model.objects.all().delete()
    for model in (System, ManagementObject, ApiToken):
        model.objects.all().delete()
    Membership.objects.exclude(user=admin, organisation=kommun).delete()
    Membership.objects.filter(user=admin).update(unit=None, manager=None, title="")
    while Unit.objects.exists():
        Unit.objects.filter(children__isnull=True).delete()
    User.objects.exclude(pk=admin.pk).delete()
    Organisation.objects.exclude(pk=kommun.pk).delete()


def test_whole_register_into_an_empty_instance_and_back_cell_by_cell():
    world = build_exchange()
    kommun = world["kommun"]
    client = admin_client()
    first = export_whole(client)
    sheets = sheets_of(first)
    # One sheet per kind, in the order a register is loaded, and nothing else.
    assert list(sheets) == [k.sheet_title for k in KINDS.values()]
    rows = {title: len(content) - 1 for title, content in sheets.items()}
    assert rows == {"Organisationer": 3, "Enheter": 4, "Personer": 3, "Medlemskap": 3,
                    "Förvaltningsobjekt": 2, "System": 4, "Miljöer": 2, "Integrationer": 2,
                    "Tjänster": 1, "Anslutningar": 1, "Avtal": 2, "Roller": 3}  # fmt: skip
    # The own register only: not the neighbour, its service or the participation in it.
    text = repr(sheets)
    for foreign in ("Timrå", "E-arkiv", "ZZTimråsHemligaZZ", "ZZDoldBeskrivningZZ", "timra",
                    "cgi.konsult", "Förvaltningspartner"):  # fmt: skip
        assert foreign not in text
    assert sheets["Anslutningar"][1] == (
        kommun.org_number, "Trygghetslarm", kommun.org_number, "Ansluten", "2022-01-01",
        None, "12.5", "Hela kommunen",
    )  # fmt: skip
    assert sheets["Integrationer"][0] == (
        "Systemets ägare (organisationsnummer)", "System", "Målsystem",
        "Målsystemets ägare (organisationsnummer)", "Externt system", "Metod", "Beskrivning",
        "Ansvarig part (organisationsnummer)", "Ansvarig person (användarnamn)",
    )  # fmt: skip

    admin = User.objects.get(username=ADMIN["username"])
    empty_instance_but(kommun, admin)
    assert list(Organisation.objects.all()) == [kommun]
    assert list(User.objects.all()) == [admin]
    assert not System.objects.exists() and not Unit.objects.exists()

    client = admin_client()
    token, html = import_whole(client, first)
    assert 'data-count="error">0<' in html, html[:5000]
    assert counts_in(sheet_section(html, "systems")) == {
        "create": 4, "update": 0, "unchanged": 0, "skipped": 0, "error": 0
    }  # fmt: skip
    assert counts_in(sheet_section(html, "integrations"))["create"] == 2
    # The preview wrote nothing.
    assert not System.objects.exists() and not Unit.objects.exists()
    assert User.objects.count() == 1
    response = commit(client, token)
    assert response.status_code == 302, response.content.decode()[:5000]
    assert response["Location"] == reverse("register:import")
    # The imported people are invited to set a password (the administrator already was).
    invited = AuditEvent.objects.filter(action="core.user.invited")
    assert sorted(e.object_repr for e in invited) == ["Anna Åberg", "Göran Östberg"]
    assert not User.objects.get(username="anna.aberg").has_usable_password()

    second = export_whole(client)
    after = sheets_of(second)
    assert list(after) == list(sheets)
    for title in sheets:
        assert len(sheets[title]) == len(after[title]), title
        for row_before, row_after in zip(sheets[title], after[title], strict=True):
            assert row_before == row_after, title

    # And the workbook once more changes nothing.
    events = AuditEvent.objects.count()
    _token, html = import_whole(client, second)
    assert 'data-count="create">0<' in html and 'data-count="update">0<' in html
    assert 'data-count="skipped">0<' in html and 'data-count="error">0<' in html
    assert "Det finns inget att läsa in: registret innehåller redan det som står i filen." in html
    assert AuditEvent.objects.count() == events + 1  # the preview's, nothing else


def test_a_neighbours_rows_are_skipped_and_left_as_they_are():
    world = build_exchange()
    kommun, timra, dolt = world["kommun"], world["timra"], world["dolt"]
    client = admin_client()
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Förvaltningsobjekt", "Beskrivning"],
        [timra.org_number, "Timrå Ärende", "E-arkiv Timrå", "Ändrad av grannen"],
        [timra.org_number, "Finns inte hos Timrå", "", "Ny"],
        [kommun.org_number, "Nytt system", "Vård och omsorg", "Eget"],
    ]
    token, page = preview(client, "systems", "system.csv", csv_bytes(rows))
    html = page.content.decode()
    assert '<dd data-count="skipped">2</dd>' in html
    assert '<dd data-count="create">1</dd>' in html
    assert '<dd data-count="error">0</dd>' in html
    assert html.count(SKIPPED_TAG) == 2
    assert (
        '<tr id="row-2" data-action="skipped">\n        <td>2</td>\n'
        "        <td>Timrå Ärende</td>\n"
        f"        <td>{SKIPPED_TAG}</td>"
    ) in html
    # Nothing of the neighbour's row beyond what the file says.
    assert "ZZDoldBeskrivningZZ" not in html and "E-arkiv" not in html.replace("E-arkiv Timrå", "")
    before = AuditEvent.objects.filter(organisation_id=timra.pk).count()
    response = commit(client, token)
    assert response.status_code == 302
    dolt.refresh_from_db()
    assert dolt.description == "ZZDoldBeskrivningZZ"
    assert not System.objects.filter(name="Finns inte hos Timrå").exists()
    assert System.objects.get(name="Nytt system").owner_organisation == kommun
    assert AuditEvent.objects.filter(organisation_id=timra.pk).count() == before
    assert (
        client.get(response["Location"])
        .content.decode()
        .count(
            "Inläsningen är klar: 1 nya, 0 ändrade, 0 oförändrade. "
            "2 rader som tillhör andra organisationer hoppades över."
        )
        == 1
    )
    committed = AuditEvent.objects.get(action="register.import.committed")
    assert committed.changes["skipped"] == [None, 2]
    assert committed.changes["create"] == [None, 1]


def _csv_import(client: Client, kind: str, rows: list[list[Any]]) -> tuple[str, str]:
    token, page = preview(client, kind, f"{kind}.csv", csv_bytes(rows))
    assert page.status_code == 200
    return token, page.content.decode()


def _count(html: str, name: str) -> int:
    marker = f'<dd data-count="{name}">'
    i = html.index(marker) + len(marker)
    return int(html[i : html.index("<", i)])


def test_environments_create_update_and_a_system_out_of_sight():
    world = build_exchange()
    org = world["kommun"].org_number
    client = admin_client()
    heads = ["Systemets ägare (organisationsnummer)", "System", "Typ", "Namn", "Adress",
             "Drivs av (organisationsnummer)", "Servicetider"]  # fmt: skip
    rows = [heads, [org, "Lifecare", "Utbildning", "Utb", "https://utb.sundsvall.se", "", "Kontor"],
            [org, "Lifecare", "Produktion", "Produktion", "https://lifecare.sundsvall.se", "",
             "Vardagar"]]  # fmt: skip
    token, html = _csv_import(client, "environments", rows)
    assert (_count(html, "create"), _count(html, "update")) == (1, 1)
    assert "Servicetider: Dygnet runt → Vardagar" in html
    assert "Drivs av (organisationsnummer): CGI Sverige AB → –" in html
    assert commit(client, token).status_code == 302
    created = Environment.objects.get(name="Utb")
    assert (created.kind, created.url, created.system.name) == (
        "training", "https://utb.sundsvall.se", "Lifecare"
    )  # fmt: skip
    assert Environment.objects.get(name="Produktion").operated_by is None
    assert AuditEvent.objects.filter(action="register.environment.created").count() == 1

    count = Environment.objects.count()
    # The neighbour's system, named as if it were the municipality's: not found, in the
    # words used for a system that does not exist.
    rows = [heads, [org, "Timrå Ärende", "Test", "", "", "", ""]]
    token, html = _csv_import(client, "environments", rows)
    assert ("Rad 2: System: ”Timrå Ärende” finns inte bland de system som du kan välja.") in html
    assert commit(client, token).status_code == 409
    assert Environment.objects.count() == count


def test_integrations_create_update_and_a_target_out_of_sight():
    world = build_exchange()
    org, timra = world["kommun"].org_number, world["timra"].org_number
    client = admin_client()
    heads = ["Systemets ägare (organisationsnummer)", "System", "Målsystem",
             "Målsystemets ägare (organisationsnummer)", "Externt system", "Metod",
             "Ansvarig part (organisationsnummer)", "Ansvarig person (användarnamn)"]  # fmt: skip
    rows = [heads,
            [org, "Lifecare", "", "", "Försäkringskassan", "Filöverföring", org, "goran.ostberg"],
            [org, "Lifecare", "Visma Personec P", org, "", "API/webbtjänst", org, ""]]  # fmt: skip
    token, html = _csv_import(client, "integrations", rows)
    assert (_count(html, "create"), _count(html, "update")) == (1, 1), html[:4000]
    assert "Ansvarig person (användarnamn): Anna Åberg → –" in html
    assert commit(client, token).status_code == 302
    new = Integration.objects.get(external_system="Försäkringskassan")
    assert (new.method, new.responsible_person.username) == ("file", "goran.ostberg")
    changed = Integration.objects.get(target__name="Visma Personec P")
    assert (changed.method, changed.responsible_person) == ("api", None)

    count = Integration.objects.count()
    rows = [heads, [org, "Lifecare", "Timrå Ärende", timra, "", "API", org, ""]]
    token, html = _csv_import(client, "integrations", rows)
    assert ("Rad 2: Målsystem: ”Timrå Ärende” finns inte bland de system som du kan välja.") in html
    assert "ZZDoldBeskrivningZZ" not in html
    assert commit(client, token).status_code == 409
    assert Integration.objects.count() == count


def test_participations_create_update_and_a_service_out_of_sight():
    world = build_exchange()
    org = world["kommun"].org_number
    client = admin_client()
    heads = ["Tjänstens ägare (organisationsnummer)", "Tjänst",
             "Ansluten organisation (organisationsnummer)", "Status", "Giltig från",
             "Giltig till", "Kostnadsandel (%)"]  # fmt: skip
    rows = [heads, [org, "Trygghetslarm", org, "Uppsagd", "2022-01-01", "2026-12-31", "15,25"]]
    token, html = _csv_import(client, "participations", rows)
    assert _count(html, "update") == 1
    assert "Status: Ansluten → Uppsagd" in html
    assert commit(client, token).status_code == 302
    p = Participation.objects.get(service__name="Trygghetslarm")
    assert (p.status, p.valid_to, p.cost_share) == (
        "notice_given", dt.date(2026, 12, 31), Decimal("15.25")
    )  # fmt: skip
    rows = [heads, [org, "Trygghetslarm", org, "", "2027-01-01", "", ""]]
    token, html = _csv_import(client, "participations", rows)
    assert _count(html, "create") == 1
    assert commit(client, token).status_code == 302
    assert Participation.objects.filter(service__name="Trygghetslarm").count() == 2

    # "sNaN", "NaN" and "Infinity" read as numbers to Python, not to the import.
    for bad in ("sNaN", "NaN", "Infinity"):
        rows = [heads, [org, "Trygghetslarm", org, "", "2027-01-01", "", bad]]
        token, html = _csv_import(client, "participations", rows)
        assert f"Kostnadsandel (%): ”{bad}” är inte ett tal (t.ex. 12,5)." in html
    assert Participation.objects.get(valid_from=dt.date(2027, 1, 1)).cost_share is None

    count, arkiv = Participation.objects.count(), world["arkiv"]
    rows = [heads, [org, "E-arkiv Timrå", org, "", "2024-01-01", "", ""]]
    token, html = _csv_import(client, "participations", rows)
    assert ("Rad 2: Tjänst: ”E-arkiv Timrå” finns inte bland de tjänster som du kan välja.") in html
    assert commit(client, token).status_code == 409
    assert Participation.objects.count() == count
    assert arkiv.participations.count() == 1


def test_memberships_create_update_and_a_person_out_of_sight():
    world = build_exchange()
    org = world["kommun"].org_number
    client = admin_client()
    # Someone of another organisation that the administrator administers too.
    elnat = OrganisationFactory(name="Sundsvall Elnät AB", kind="other")
    MembershipFactory(user=User.objects.get(username=ADMIN["username"]), organisation=elnat,
                      is_org_admin=True)  # fmt: skip
    newcomer = UserFactory(username="ny.person")
    MembershipFactory(user=newcomer, organisation=elnat)
    heads = ["Användarnamn", "Organisation (organisationsnummer)", "Enhet", "Titel",
             "Chef (användarnamn)", "Giltig från"]  # fmt: skip
    rows = [heads,
            ["anna.aberg", org, "Vård- och omsorgsförvaltningen", "Samordnare", "", "2020-02-01"],
            ["ny.person", org, "", "Praktikant", "goran.ostberg", ""]]  # fmt: skip
    token, html = _csv_import(client, "memberships", rows)
    assert (_count(html, "create"), _count(html, "update")) == (1, 1)
    assert "Titel: Systemförvaltare → Samordnare" in html
    assert commit(client, token).status_code == 302
    anna = Membership.objects.get(user__username="anna.aberg")
    assert (anna.unit.name, anna.title, anna.valid_from) == (
        "Vård- och omsorgsförvaltningen", "Samordnare", dt.date(2020, 2, 1)
    )  # fmt: skip
    new = Membership.objects.get(user=newcomer, organisation=world["kommun"])
    assert (new.title, new.manager.username, new.is_org_admin) == (
        "Praktikant", "goran.ostberg", False
    )  # fmt: skip

    count = Membership.objects.count()
    rows = [heads, ["timra.admin", org, "", "", "", ""]]
    token, html = _csv_import(client, "memberships", rows)
    assert (
        "Rad 2: Användarnamn: ”timra.admin” finns inte bland de personer som du kan välja." in html
    )
    assert "Tore" not in html
    assert commit(client, token).status_code == 409
    assert Membership.objects.count() == count


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _state() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Organisation, Unit, User, Membership, ManagementObject, System, Environment)
    )


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        (
            {"System": [["Ägare (organisationsnummer)", "Namn"]], "Blad1": [["Namn"], ["X"]]},
            "Bladet ”Blad1” är inte ett av registrets slag som du får läsa in.",
        ),
        (
            {
                "Förvaltningsobjekt": [["Ägare (organisationsnummer)", "Namn"]],
                "System": [["Ägaren", "Namn"], ["x", "Nytt"]],
            },
            "Bladet ”System”: Kolumner saknas: “Ägare (organisationsnummer)”.",
        ),
    ],
)
def test_a_bad_workbook_is_refused_with_a_clear_message_and_nothing_changes(sheets, message):
    build_exchange()
    client = admin_client()
    state = _state()
    response = upload(client, "register", "registret.xlsx", _workbook(sheets))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == state
    assert not AuditEvent.objects.filter(action__startswith="register.import.").exists()


def test_the_whole_register_is_a_workbook_not_a_csv_file():
    build_exchange()
    client = admin_client()
    response = upload(client, "register", "registret.csv", b"Namn\nX\n")
    assert response.status_code == 400
    assert "Hela registret läses in från en Excel-arbetsbok (.xlsx)" in response.content.decode()
    response = client.get(reverse("register:import_export", args=["register", "csv"]))
    assert response.status_code == 404


def test_the_upload_form_offers_the_whole_register():
    build_exchange()
    client = admin_client()
    html = client.get(reverse("register:import")).content.decode()
    assert 'value="register"' in html
    assert "Hela registret (en Excel-arbetsbok med ett blad per slag)" in html
    template = client.get(reverse("register:import_template", args=["register", "xlsx"]))
    assert list(sheets_of(template.content)) == [k.sheet_title for k in KINDS.values()]
    neighbour = Client()
    neighbour.force_login(User.objects.get(username="timra.admin"))
    assert not any("Lifecare" in repr(rows) for rows in sheets_of(export_whole(neighbour)).values())


def test_another_organisations_workbook_is_skipped_row_by_row_and_changes_nothing():
    world = build_exchange()
    workbook = export_whole(admin_client())
    neighbour = Client()
    neighbour.force_login(world["neighbour"])
    state, events = _state(), AuditEvent.objects.count()
    token, html = import_whole(neighbour, workbook)
    assert 'data-count="create">0<' in html and 'data-count="update">0<' in html
    assert 'data-count="error">0<' in html
    # The organisations as the file names them are as the directory holds them; every
    # other row is the municipality's.
    assert counts_in(sheet_section(html, "organisations"))["unchanged"] == 3
    assert counts_in(sheet_section(html, "systems")) == {
        "create": 0, "update": 0, "unchanged": 0, "skipped": 4, "error": 0
    }  # fmt: skip
    assert 'data-count="skipped">27<' in html
    assert "Det finns inget att läsa in: registret innehåller redan det som står i filen." in html
    assert commit(neighbour, token).status_code == 302
    assert _state() == state
    assert AuditEvent.objects.count() == events + 1  # the preview


@pytest.mark.parametrize("key", ["memberships", "environments", "integrations", "participations"])
def test_each_new_kind_has_a_template_and_an_export(key):
    build_exchange()
    client = admin_client()
    kind = KINDS[key]
    headings = [c.heading for c in kind.columns]
    template = client.get(reverse("register:import_template", args=[key, "xlsx"]))
    assert sheets_of(template.content)[kind.sheet_title] == [tuple(headings)]
    template = client.get(reverse("register:import_template", args=[key, "csv"]))
    assert read_csv(template.content) == [headings]
    export = read_csv(client.get(reverse("register:import_export", args=[key, "csv"])).content)
    assert export[0] == headings
    assert len(export) - 1 == {"memberships": 3, "environments": 2, "integrations": 2,
                               "participations": 1}[key]  # fmt: skip


def test_the_platform_administrator_imports_no_memberships():
    world = build_exchange()
    platform = Client()
    platform.force_login(UserFactory(is_platform_admin=True))
    rows = [["Användarnamn", "Organisation (organisationsnummer)"],
            ["timra.admin", world["kommun"].org_number]]  # fmt: skip
    count = Membership.objects.count()
    token, page = preview(platform, "memberships", "m.csv", csv_bytes(rows))
    html = page.content.decode()
    assert '<dd data-count="error">1</dd>' in html
    assert "Rad 2: Du har inte behörighet att göra detta." in html
    assert commit(platform, token).status_code == 409
    assert Membership.objects.count() == count
