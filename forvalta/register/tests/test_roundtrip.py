"""The round trip: export a municipality's register in the import layout, load it into an
empty instance kind by kind, export again: the files are the same, cell by cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.models import ApiToken, Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
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
    AgreementFactory,
    ManagementObjectFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)
from forvalta.register.tests.importing import import_file, preview, read_csv, read_xlsx

pytestmark = pytest.mark.django_db

ADMIN = {"username": "kerstin.lindqvist", "first_name": "Kerstin", "last_name": "Lindqvist",
         "email": "kerstin.lindqvist@sundsvall.se"}  # fmt: skip


def build_register() -> None:
    """A municipality's register with what tends to break imports."""
    kommun = OrganisationFactory(name="Sundsvalls kommun", short_name="Sundsvall")
    cgi = OrganisationFactory(name="CGI Sverige AB", kind=OrganisationKind.SUPPLIER)
    visma = OrganisationFactory(
        name="Visma Enterprise AB", kind=OrganisationKind.SUPPLIER, website="https://visma.se"
    )
    OrganisationFactory(name="Timrå kommun", description="Grannkommun; samverkar om e-arkiv")

    vof = UnitFactory(organisation=kommun, name="Vård- och omsorgsförvaltningen", code="VOF")
    hemtjanst = UnitFactory(organisation=kommun, parent=vof, name="Hemtjänst")
    norr = UnitFactory(organisation=kommun, parent=hemtjanst, name="Hemtjänst Norr", code="HT-N")
    UnitFactory(organisation=kommun, name="IT/Digitalisering", is_active=False)

    admin = UserFactory(**ADMIN)
    MembershipFactory(user=admin, organisation=kommun, is_org_admin=True, unit=vof,
                      title="Förvaltningsledare")  # fmt: skip
    chef = UserFactory(username="goran.ostberg", first_name="Göran", last_name="Östberg",
                       email="goran.ostberg@sundsvall.se", phone="060-19 10 00")  # fmt: skip
    MembershipFactory(user=chef, organisation=kommun, unit=hemtjanst, title="Enhetschef")
    usk = UserFactory(username="anna.aberg", first_name="Anna", last_name="Åberg",
                      email="anna.aberg@sundsvall.se")  # fmt: skip
    MembershipFactory(user=usk, organisation=kommun, unit=norr, manager=chef,
                      title="Systemförvaltare")  # fmt: skip

    vard = ManagementObjectFactory(owner_organisation=kommun, name="Vård och omsorg",
                                   identifier="FO-12", business_area="Äldreomsorg")  # fmt: skip
    ekonomi = ManagementObjectFactory(owner_organisation=kommun, name="Ekonomi och HR",
                                      description="Rad ett\r\nRad två")  # fmt: skip
    lifecare = SystemFactory(management_object=vard, name="Lifecare", vendor=cgi,
                             product="Lifecare 7.4", lifecycle="operation", criticality="high",
                             processes_personal_data=True, holds_protected_identities=True,
                             is_public=True, description="Dokumentation; planering")  # fmt: skip
    mobil = SystemFactory(management_object=vard, name="Lifecare Mobil Omsorg", vendor=cgi,
                          lifecycle="introduction")  # fmt: skip
    personec = SystemFactory(management_object=ekonomi, name="Visma Personec P", vendor=visma,
                             description="=SUMMA(A1:A3) är inte en formel",
                             product="-beta", criticality="critical")  # fmt: skip
    SystemFactory(management_object=None, owner_organisation=kommun, name="+Växeln",
                  description="@kommunen")  # fmt: skip
    tjanst = ServiceFactory(management_object=vard, name="Trygghetslarm", description="Larm")
    tjanst.systems.add(lifecare, mobil)
    avtal = AgreementFactory(owner_organisation=kommun, supplier=cgi, kind="framework",
                             title="Förvaltningsavtal Lifecare", reference="KS 2021/0456",
                             valid_from=dt.date(2021, 4, 1), valid_to=dt.date(2027, 3, 31),
                             notice_period_months=9,
                             renewal_decision_by=dt.date(2026, 3, 31))  # fmt: skip
    avtal.systems.add(lifecare, mobil)
    avtal.management_objects.add(vard)
    sla = AgreementFactory(owner_organisation=kommun, supplier=visma, kind="sla",
                           title="SLA Personec", valid_from=dt.date(2022, 1, 1))  # fmt: skip
    sla.systems.add(personec)
    sla.services.add(tjanst)
    RoleAssignmentFactory(person=usk, organisation=kommun, role_type=role_type("system_manager"),
                          system=lifecare, valid_from=dt.date(2023, 1, 1),
                          note="Utsedd 2023")  # fmt: skip
    RoleAssignmentFactory(person=chef, organisation=kommun, role_type=role_type("object_owner"),
                          management_object=vard, valid_from=dt.date(2020, 1, 1),
                          valid_to=dt.date(2024, 12, 31))  # fmt: skip
    RoleAssignmentFactory(person=admin, organisation=kommun,
                          role_type=role_type("service_owner"), service=tjanst,
                          valid_from=dt.date(2022, 6, 1))  # fmt: skip


def empty_the_instance() -> None:
    """Everything but the audit trail and the role catalogue goes."""
    for model in (RoleAssignment, Agreement, Participation, Integration, Environment, Service):
        model.objects.all().delete()
    for model in (System, ManagementObject, Membership, ApiToken):
        model.objects.all().delete()
    while Unit.objects.exists():
        Unit.objects.filter(children__isnull=True).delete()
    User.objects.all().delete()
    Organisation.objects.all().delete()


def export_all(client: Client, fmt: str) -> dict[str, bytes]:
    files = {}
    for key in KINDS:
        response = client.get(reverse("register:import_export", args=[key, fmt]))
        assert response.status_code == 200, key
        files[key] = response.content
    return files


def cells(content: bytes, fmt: str) -> list[tuple]:
    if fmt == "xlsx":
        return read_xlsx(content)
    return [tuple(row) for row in read_csv(content)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_import_into_an_empty_instance_export_again(fmt):
    build_register()
    admin = User.objects.get(username=ADMIN["username"])
    client = Client()
    client.force_login(admin)
    first = export_all(client, fmt)
    # Headings plus the rows: the municipality and its 2 suppliers (not its neighbour),
    # 4 units, 3 people, 2 objects, 4 systems …
    expected = {"organisations": 4, "units": 5, "users": 4, "memberships": 4, "objects": 3,
                "systems": 5, "environments": 1, "integrations": 1, "services": 2,
                "participations": 1, "agreements": 3, "roles": 4}  # fmt: skip
    assert {key: len(cells(content, fmt)) for key, content in first.items()} == expected

    empty_the_instance()
    assert not Organisation.objects.exists() and not System.objects.exists()
    events_before = AuditEvent.objects.count()

    # The platform administrator loads the directory and appoints the administrator.
    platform = UserFactory(is_platform_admin=True)
    client = Client()
    client.force_login(platform)
    response = import_file(client, "organisations", f"organisationer.{fmt}", first["organisations"])
    assert response.status_code == 302, response.content.decode()[:3000]
    kommun = Organisation.objects.get(name="Sundsvalls kommun")
    admin = UserFactory(**ADMIN)
    MembershipFactory(user=admin, organisation=kommun, is_org_admin=True)

    # The administrator loads the rest, in order.
    client = Client()
    client.force_login(admin)
    for key in list(KINDS)[1:]:
        response = import_file(client, key, f"{key}.{fmt}", first[key])
        assert response.status_code == 302, (key, response.content.decode()[:3000])
    assert AuditEvent.objects.filter(action="register.import.committed").count() == 8
    assert AuditEvent.objects.filter(action="register.system.created").count() == 4
    assert AuditEvent.objects.count() > events_before

    second = export_all(client, fmt)
    for key in KINDS:
        before, after = cells(first[key], fmt), cells(second[key], fmt)
        assert len(before) == len(after), key
        for row_before, row_after in zip(before, after, strict=True):
            assert row_before == row_after, key
        if fmt == "csv":
            assert first[key] == second[key], key
    # And importing the same files once more changes nothing, kind by kind.
    before = AuditEvent.objects.count()
    for key in KINDS:
        _token, page = preview(client, key, f"{key}.{fmt}", second[key])
        html = page.content.decode()
        rows = expected[key] - 1
        assert f'data-count="unchanged">{rows}<' in html, (key, html[:3000])
        assert 'data-count="create">0<' in html and 'data-count="update">0<' in html, key
    assert AuditEvent.objects.count() == before + len(KINDS)  # one "previewed" each
    assert System.objects.get(name="Visma Personec P").description == (
        "=SUMMA(A1:A3) är inte en formel"
    )
    assert ManagementObject.objects.get(name="Ekonomi och HR").description == "Rad ett\nRad två"
