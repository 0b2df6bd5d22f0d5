"""List exports (CSV and Excel): format, values, formula neutralising, filter and sort, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from openpyxl import load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Organisation, OrganisationKind, User, today
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import Agreement, ManagementObject, System
from forvalta.register.tests.factories import (
    AgreementFactory,
    ManagementObjectFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return gettext(msgid)


def header_of(model: Any, fields: list[str]) -> list[str]:
    with translation.override("sv"):
        return [str(capfirst(model._meta.get_field(f).verbose_name)) for f in fields]


def plural(model: Any) -> str:
    with translation.override("sv"):
        return str(model._meta.verbose_name_plural)


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw[:3] == b"\xef\xbb\xbf"  # UTF-8 byte order mark, for Excel
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))


def xlsx_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


@pytest.fixture
def kommun() -> Organisation:
    return OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)


@pytest.fixture
def admin(kommun: Organisation) -> User:
    user = UserFactory(username="admin")
    MembershipFactory(user=user, organisation=kommun, is_org_admin=True)
    return user


OBJECT_FIELDS = ["name", "identifier", "owner_organisation", "business_area"]


def test_csv_export_is_semicolon_separated_utf8_with_bom_and_exact_rows(client, kommun, admin):
    ManagementObjectFactory(
        owner_organisation=kommun, name="Alfa", identifier="FO-1", business_area="Vård; omsorg"
    )
    ManagementObjectFactory(
        owner_organisation=kommun, name="Beta", identifier="", business_area='Bygg "och" miljö'
    )
    ManagementObjectFactory(owner_organisation=OrganisationFactory(), name="Främmande")
    client.force_login(admin)
    response = client.get(reverse("register:managementobject_list") + "?export=csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{plural(ManagementObject).replace(" ", "-")}-'
        f'{today():%Y-%m-%d}.csv"'
    )
    header = ";".join(header_of(ManagementObject, OBJECT_FIELDS))
    expected = (
        "\ufeff"
        f"{header}\r\n"
        'Alfa;FO-1;Kommun A;"Vård; omsorg"\r\n'
        'Beta;;Kommun A;"Bygg ""och"" miljö"\r\n'
    )
    assert response.content == expected.encode("utf-8")


def test_excel_export_opens_with_the_same_values(client, kommun, admin):
    ManagementObjectFactory(
        owner_organisation=kommun, name="Alfa", identifier="FO-1", business_area="Vård; omsorg"
    )
    ManagementObjectFactory(
        owner_organisation=kommun, name="Beta", identifier="", business_area='Bygg "och" miljö'
    )
    client.force_login(admin)
    url = reverse("register:managementobject_list")
    from_csv = csv_rows(client.get(url + "?export=csv"))
    response = client.get(url + "?export=xlsx")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{plural(ManagementObject).replace(" ", "-")}-'
        f'{today():%Y-%m-%d}.xlsx"'
    )
    rows = xlsx_rows(response)
    assert rows == from_csv
    assert rows == [
        header_of(ManagementObject, OBJECT_FIELDS),
        ["Alfa", "FO-1", "Kommun A", "Vård; omsorg"],
        ["Beta", "", "Kommun A", 'Bygg "och" miljö'],
    ]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == plural(ManagementObject)[:31]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_values_a_spreadsheet_would_run_are_neutralised(client, kommun, admin, fmt):
    dangerous = {
        "1": '=HYPERLINK("https://example.org";"Klicka")',
        "2": "+46 8 123 45",
        "3": "-2+3",
        "4": "@SUMMA(A1:A9)",
        "5": "Vanlig = text",
    }
    for identifier, name in dangerous.items():
        ManagementObjectFactory(
            owner_organisation=kommun, name=name, identifier=identifier, business_area=name
        )
    client.force_login(admin)
    response = client.get(
        reverse("register:managementobject_list") + f"?sort=identifier&export={fmt}"
    )
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    expected = [
        '\'=HYPERLINK("https://example.org";"Klicka")',
        "'+46 8 123 45",
        "'-2+3",
        "'@SUMMA(A1:A9)",
        "Vanlig = text",
    ]
    assert [row[0] for row in rows[1:]] == expected
    assert [row[3] for row in rows[1:]] == expected
    assert [row[1] for row in rows[1:]] == ["1", "2", "3", "4", "5"]


def test_export_honours_the_filter_and_the_sort_and_ignores_paging(client, kommun, admin):
    for i in range(60):
        ManagementObjectFactory(
            owner_organisation=kommun,
            name=f"Objekt {i:02d}",
            business_area="Skola" if i % 2 else "Vård",
        )
    client.force_login(admin)
    expected = [f"Objekt {i:02d}" for i in range(59, 0, -2)]
    assert len(expected) == 30  # more than one page
    url = reverse("register:managementobject_list") + "?q=Skola&sort=-name"
    before = last_event_id()
    rows = csv_rows(client.get(url + "&export=csv"))
    assert [r[0] for r in rows[1:]] == expected
    assert {r[3] for r in rows[1:]} == {"Skola"}
    assert [r[0] for r in xlsx_rows(client.get(url + "&export=xlsx"))[1:]] == expected
    # The page itself shows the first 25 of the same selection, in the same order.
    page = client.get(url)
    assert [o.name for o in page.context["table"].page.object_list.data] == expected[:25]
    csv_event, xlsx_event = AuditEvent.objects.filter(id__gt=before).order_by("id")
    assert csv_event.action == "register.managementobject.exported"
    assert csv_event.actor_id == admin.pk
    assert csv_event.object_repr == "30 rows"
    assert csv_event.changes == {
        "format": [None, "csv"],
        "query": [None, "q=Skola&sort=-name&export=csv"],
    }
    assert xlsx_event.changes["format"] == [None, "xlsx"]


def test_export_of_dates_and_numbers(client, kommun, admin):
    supplier = OrganisationFactory(name="Leverantören AB", kind=OrganisationKind.SUPPLIER)
    AgreementFactory(
        owner_organisation=kommun,
        supplier=supplier,
        kind="sla",
        title="SLA",
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2027, 12, 31),
        notice_period_months=6,
        renewal_decision_by=dt.date(2027, 6, 30),
    )
    client.force_login(admin)
    url = reverse("register:agreement_list")
    fields = [
        "title",
        "kind",
        "owner_organisation",
        "supplier",
        "valid_from",
        "valid_to",
        "notice_period_months",
        "renewal_decision_by",
    ]
    with translation.override("sv"):
        kind = str(Agreement(kind="sla").get_kind_display())
    rows = csv_rows(client.get(url + "?export=csv"))
    assert rows == [
        header_of(Agreement, fields),
        ["SLA", kind, "Kommun A", "Leverantören AB", "2025-01-01", "2027-12-31", "6", "2027-06-30"],
    ]
    xrows = xlsx_rows(client.get(url + "?export=xlsx"))
    assert xrows[1][6] == 6  # a number stays a number in Excel
    assert [str(v) for v in xrows[1]] == rows[1]


def test_boolean_columns_export_the_words_the_list_shows(client, kommun, admin):
    SystemFactory(
        management_object__owner_organisation=kommun,
        name="Procapita",
        processes_personal_data=True,
    )
    client.force_login(admin)
    rows = csv_rows(client.get(reverse("register:system_list") + "?export=csv"))
    header = rows[0]
    values = dict(zip(header, rows[1], strict=True))
    labels = header_of(System, ["processes_personal_data", "holds_protected_identities"])
    assert values[labels[0]] == sv("Yes")
    assert values[labels[1]] == sv("No")


def test_people_export_of_the_core_app(client, kommun, admin):
    colleague = UserFactory(username="berit", first_name="Berit", last_name="Bok")
    MembershipFactory(user=colleague, organisation=kommun)
    outsider = UserFactory(username="olle", last_name="Utanför")
    MembershipFactory(user=outsider, organisation=OrganisationFactory())
    client.force_login(admin)
    before = last_event_id()
    rows = csv_rows(client.get(reverse("core:user_list") + "?sort=name&export=csv"))
    assert rows[0][1:] == header_of(User, ["username", "email"])
    assert rows[1:] == [
        ["Berit Bok", "berit", "berit@example.org"],
        [str(admin), "admin", "admin@example.org"],
    ]
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert (event.action, event.object_repr) == ("core.user.exported", "2 rows")


def test_export_headers_are_capitalised_like_the_page(client, kommun, admin):
    client.force_login(admin)
    rows = csv_rows(client.get(reverse("core:user_list") + "?export=csv"))
    assert rows[0] == [str(capfirst(sv("name"))), *header_of(User, ["username", "email"])]


EXPORTING_LISTS = [
    ("core", "organisation"),
    ("core", "unit"),
    ("core", "user"),
    ("core", "membership"),
    ("register", "managementobject"),
    ("register", "service"),
    ("register", "system"),
    ("register", "environment"),
    ("register", "integration"),
    ("register", "participation"),
    ("register", "roleassignment"),
    ("register", "agreement"),
    ("register", "roletype"),
]


@pytest.mark.parametrize(("app", "model"), EXPORTING_LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_export_is_recorded(client, kommun, admin, app, model, fmt):
    client.force_login(admin)
    before = last_event_id()
    response = client.get(reverse(f"{app}:{model}_list") + f"?export={fmt}")
    assert response.status_code == 200
    body = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert event.action == f"{app}.{model}.exported"
    assert event.object_type == f"{app}.{model}"
    assert event.actor_id == admin.pk
    assert event.object_repr == f"{len(body) - 1} rows"
    assert event.changes == {"format": [None, fmt], "query": [None, f"export={fmt}"]}
    match = re.search(r'filename="([^"]+)"', response["Content-Disposition"])
    assert match is not None and match.group(1).endswith(f"{today():%Y-%m-%d}.{fmt}")


def test_export_refused_to_the_platform_admin_is_recorded_and_exports_nothing(client, kommun):
    ManagementObjectFactory(owner_organisation=kommun, name="Hemligt")
    platform = UserFactory(is_platform_admin=True)
    client.force_login(platform)
    before = last_event_id()
    response = client.get(reverse("register:managementobject_list") + "?export=csv")
    assert response.status_code == 403
    assert "Hemligt" not in response.content.decode()
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert (event.action, event.actor_id) == ("access.denied", platform.pk)
