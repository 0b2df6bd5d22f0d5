"""The load_demo_data command: what it creates, that it respects the rules, and idempotency."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from stdnum.se import orgnr

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, Organisation, Unit, User, today
from forvalta.register import demo
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
from forvalta.register.selectors import documentation_gaps

pytestmark = pytest.mark.django_db

MODELS = (
    Organisation,
    Unit,
    User,
    Membership,
    ManagementObject,
    Service,
    System,
    Environment,
    Integration,
    Participation,
    Agreement,
    RoleAssignment,
    AuditEvent,
)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def loaded() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def test_webcare_is_shared_by_the_region_and_26_municipalities(loaded):
    webcare = Service.objects.get(name="WebCare", owner_organisation__name="Region Stockholm")
    assert webcare.management_object.name == "Samverkan vid vårdövergångar"
    parts = Participation.objects.filter(service=webcare)
    assert parts.count() == 27
    assert parts.filter(organisation__kind="municipality").count() == 26
    assert parts.filter(organisation__kind="region").count() == 1
    names = set(parts.values_list("organisation__short_name", flat=True))
    assert {"Stockholm", "Upplands-Bro", "Upplands Väsby", "Österåker", "Region Stockholm"} <= names
    system = System.objects.get(name="WebCare")
    assert set(system.environments.values_list("kind", flat=True)) == {
        "production",
        "test",
        "training",
    }
    assert all("8–17" in e.service_hours for e in system.environments.all())


def test_sambruk_has_three_services_and_a_dozen_members(loaded):
    sambruk = Organisation.objects.get(name="Sambruk")
    assert sambruk.kind == "association"
    assert Service.objects.filter(owner_organisation=sambruk).count() == 3
    parts = Participation.objects.filter(service__owner_organisation=sambruk)
    assert parts.values("organisation").distinct().count() == 12
    assert parts.filter(organisation__name="Kungälvs kommun", status="active").exists()
    assert parts.filter(organisation__name="Ale kommun", status="active").exists()
    applied = parts.get(status="applied")
    assert applied.valid_from > today() and applied.valid_from.day == 1
    for notice in parts.filter(status="notice_given"):
        assert notice.valid_to is not None
        assert today() < notice.valid_to < today() + dt.timedelta(days=160)


def test_organisation_numbers_are_valid_and_by_kind(loaded):
    prefixes = {"municipality": "21", "region": "23", "association": "8", "supplier": "55"}
    for org in Organisation.objects.all():
        assert orgnr.is_valid(org.org_number), org
        assert org.org_number[6] == "-"
        assert org.org_number.startswith(prefixes[org.kind]), org
    assert Organisation.objects.filter(kind="municipality").count() == 36
    assert Organisation.objects.filter(kind="supplier").count() == len(demo.SUPPLIERS)


def test_kungalv_units_staff_systems_and_care_system(loaded):
    kungalv = Organisation.objects.get(name="Kungälvs kommun")
    ytterby = Unit.objects.get(organisation=kungalv, name="Hemtjänst Ytterby")
    assert ytterby.path == "Sektor Omsorg och stöd / Hemtjänst / Hemtjänst Ytterby"
    unit_manager = Membership.objects.get(organisation=kungalv, unit=ytterby)
    assert unit_manager.manager is not None
    assert unit_manager.manager.username == "malin.grahn"
    systems = System.objects.filter(owner_organisation=kungalv)
    assert systems.count() >= 12
    assert len(set(systems.values_list("lifecycle", flat=True))) == 6
    treserva = systems.get(name="Treserva")
    assert treserva.lifecycle == "operation"
    assert treserva.processes_personal_data and treserva.holds_protected_identities
    assert treserva.environments.count() == 3
    navet = Integration.objects.get(source=treserva, external_system="Skatteverket Navet")
    assert navet.responsible_organisation == kungalv
    assert Integration.objects.filter(source__owner_organisation=kungalv, target__isnull=False)


def test_agreements_of_every_kind_and_renewals_due(loaded):
    kinds = set(Agreement.objects.values_list("kind", flat=True))
    assert kinds == {"framework", "dpa", "sla", "licence", "support"}
    due = Agreement.objects.filter(renewal_decision_by__lte=today() + dt.timedelta(days=90))
    assert due.filter(renewal_decision_by__lt=today()).exists()
    assert due.filter(renewal_decision_by__gte=today()).exists()
    for agreement in Agreement.objects.all():
        agreement.full_clean()


def test_role_assignments_respect_the_rules(loaded):
    for assignment in RoleAssignment.objects.select_related("role_type", "organisation"):
        assignment.full_clean()  # membership, supplier/non-supplier, target kind
    codes = set(RoleAssignment.objects.values_list("role_type__code", flat=True))
    assert {
        "object_owner",
        "management_lead",
        "system_owner",
        "system_manager",
        "system_administrator",
        "management_partner",
        "operations_partner",
    } <= codes


def test_personas(loaded):
    users = {u.username: u for u in User.objects.filter(username__in=demo.PERSONAS)}
    assert set(users) == set(demo.PERSONAS)
    assert users["plattform"].is_platform_admin
    assert not users["plattform"].memberships.exists()

    def membership(username: str) -> Membership:
        return users[username].memberships.get()

    assert membership("orgadmin").organisation.name == "Sambruk"
    assert membership("orgadmin").is_org_admin
    assert membership("kungalvadmin").organisation.name == "Kungälvs kommun"
    assert membership("kungalvadmin").is_org_admin
    for name in ("forvaltningsledare", "systemagare", "kommun2", "leverantor", "regionledare"):
        assert not membership(name).is_org_admin
    assert RoleAssignment.objects.filter(
        person=users["forvaltningsledare"],
        role_type__code="management_lead",
        management_object__owner_organisation__name="Sambruk",
    ).exists()
    assert RoleAssignment.objects.filter(
        person=users["systemagare"], role_type__code="system_owner", system__name="Treserva"
    ).exists()
    assert RoleAssignment.objects.filter(
        person=users["regionledare"],
        role_type__code="management_lead",
        management_object__name="Samverkan vid vårdövergångar",
    ).exists()
    assert not RoleAssignment.objects.filter(person=users["kommun2"]).exists()
    assert membership("kommun2").organisation.name == "Ale kommun"
    supplier = membership("leverantor").organisation
    assert supplier.kind == "supplier"
    role = RoleAssignment.objects.get(person=users["leverantor"])
    assert role.role_type.code == "management_partner"
    assert role.service is not None
    assert role.service.owner_organisation.name == "Sambruk"
    covered = Agreement.objects.active().filter(supplier=supplier, services=role.service)
    assert covered.exists()
    assert set(Service.objects.visible_to(users["leverantor"])) == {role.service}
    assert "Sambruk" in loaded and demo.LOGIN_URL in loaded


def test_every_persona_logs_in_with_the_demo_password(loaded):
    for username in demo.PERSONAS:
        response = Client().post("/login/", {"username": username, "password": demo.PASSWORD})
        assert response.status_code == 302, username
    response = Client().post("/login/", {"username": "orgadmin", "password": "wrong"})
    assert response.status_code == 200


def test_documentation_gaps_page_has_content(loaded):
    user = User.objects.get(username="kungalvadmin")
    gaps = {g.system.name: g.missing for g in documentation_gaps(user)}
    assert "system_manager" in gaps["Nyckelfri hemtjänst"]
    assert "Treserva" not in gaps


def test_second_call_changes_nothing_and_audit_event_recorded_once(loaded):
    before = _counts()
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert _counts() == before
    assert "finns redan" in out.getvalue()
    event = AuditEvent.objects.get(action="demo.loaded")
    assert event.actor_id is None
    assert event.changes["register.participation"] == [0, Participation.objects.count()]
    assert event.user_agent == "manage.py load_demo_data"


def test_clashing_data_is_refused_without_changes():
    Organisation.objects.create(
        name="Kungälvs kommun", kind="municipality", org_number=demo.org_number("212009999")
    )
    before = _counts()
    with pytest.raises(CommandError, match="Kungälvs kommun"):
        call_command("load_demo_data", stdout=StringIO())
    assert _counts() == before
