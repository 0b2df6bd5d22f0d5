"""Documentation gaps: the selector, the register-wide page, the per-object page and the export.

A system in operation must have a system owner, a system manager, an agreement with its
supplier, a data processing agreement (PUB) when it processes personal data, and an SLA
(seed 001, seed 000 4.1.2). Agreements count when they cover the system directly, its
management object, or a service the system is part of, and are in force today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Organisation, OrganisationKind, User, today
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import AgreementKind, Lifecycle, ManagementObject, System
from forvalta.register.selectors import GAP_LABELS, agreements_due, documentation_gaps
from forvalta.register.tests.factories import (
    AgreementFactory,
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)

pytestmark = pytest.mark.django_db

ALL_GAPS = ["system_owner", "system_manager", "supplier_agreement", "dpa", "sla"]
LONG_AGO = dt.date(2020, 1, 1)


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return gettext(msgid)


def sv_label(code: str) -> str:
    with translation.override("sv"):
        return str(GAP_LABELS[code])


def gaps_of(user: User, **kwargs: Any) -> dict[str, list[str]]:
    return {g.system.name: g.missing for g in documentation_gaps(user, **kwargs)}


@dataclass
class Env:
    kommun: Organisation
    supplier: Organisation
    user: User
    obj: ManagementObject
    system: System


@pytest.fixture
def env() -> Env:
    kommun = OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)
    supplier = OrganisationFactory(name="Leverantören AB", kind=OrganisationKind.SUPPLIER)
    user = UserFactory(username="granskare")
    MembershipFactory(user=user, organisation=kommun)
    obj = ManagementObjectFactory(owner_organisation=kommun, name="Vård och omsorg")
    system = SystemFactory(
        management_object=obj,
        name="Procapita",
        lifecycle=Lifecycle.OPERATION,
        processes_personal_data=True,
    )
    return Env(kommun, supplier, user, obj, system)


def agreement(env: Env, kind: str, **kwargs: Any) -> Any:
    kwargs.setdefault("valid_from", LONG_AGO)
    return AgreementFactory(
        owner_organisation=env.kommun, supplier=env.supplier, kind=kind, **kwargs
    )


def role(env: Env, code: str, system: System, **kwargs: Any) -> Any:
    person = UserFactory()
    MembershipFactory(user=person, organisation=env.kommun)
    kwargs.setdefault("valid_from", LONG_AGO)
    return RoleAssignmentFactory(
        person=person, organisation=env.kommun, role_type=role_type(code), system=system, **kwargs
    )


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


# --- the selector ---------------------------------------------------------------------------
def test_system_with_nothing_lacks_everything(env):
    assert gaps_of(env.user) == {"Procapita": ALL_GAPS}


def test_system_without_personal_data_needs_no_dpa(env):
    env.system.processes_personal_data = False
    env.system.save()
    assert gaps_of(env.user) == {
        "Procapita": ["system_owner", "system_manager", "supplier_agreement", "sla"]
    }


def test_roles_close_their_gaps_only_while_active(env):
    role(env, "system_owner", env.system)
    role(env, "system_manager", env.system, valid_to=today() - dt.timedelta(days=1))
    role(env, "system_manager", env.system, valid_from=today() + dt.timedelta(days=1))
    assert gaps_of(env.user) == {
        "Procapita": ["system_manager", "supplier_agreement", "dpa", "sla"]
    }
    role(env, "system_manager", env.system, valid_to=today())
    assert gaps_of(env.user) == {"Procapita": ["supplier_agreement", "dpa", "sla"]}


def test_roles_on_another_system_or_of_another_kind_do_not_count(env):
    other = SystemFactory(management_object=env.obj, name="Annat", lifecycle=Lifecycle.NEED)
    role(env, "system_owner", other)
    role(env, "system_administrator", env.system)
    assert gaps_of(env.user) == {"Procapita": ALL_GAPS}


def test_agreement_directly_on_the_system_counts(env):
    agreement(env, AgreementKind.SLA).systems.add(env.system)
    agreement(env, AgreementKind.LICENCE).systems.add(env.system)
    assert gaps_of(env.user) == {"Procapita": ["system_owner", "system_manager", "dpa"]}


def test_agreement_through_the_management_object_counts(env):
    agreement(env, AgreementKind.FRAMEWORK).management_objects.add(env.obj)
    agreement(env, AgreementKind.DPA).management_objects.add(env.obj)
    assert gaps_of(env.user) == {"Procapita": ["system_owner", "system_manager", "sla"]}


def test_agreement_through_a_service_counts(env):
    service = ServiceFactory(management_object=env.obj, name="Hemtjänst")
    service.systems.add(env.system)
    agreement(env, AgreementKind.SUPPORT).services.add(service)
    agreement(env, AgreementKind.SLA).services.add(service)
    assert gaps_of(env.user) == {"Procapita": ["system_owner", "system_manager", "dpa"]}


def test_agreement_through_a_service_without_the_system_does_not_count(env):
    service = ServiceFactory(management_object=env.obj, name="Hemtjänst")
    agreement(env, AgreementKind.SLA).services.add(service)
    assert gaps_of(env.user) == {"Procapita": ALL_GAPS}


def test_agreements_not_in_force_do_not_count(env):
    agreement(env, AgreementKind.SLA, valid_to=today() - dt.timedelta(days=1)).systems.add(
        env.system
    )
    agreement(env, AgreementKind.DPA, valid_from=today() + dt.timedelta(days=1)).systems.add(
        env.system
    )
    assert gaps_of(env.user) == {"Procapita": ALL_GAPS}


def test_fully_documented_system_is_not_listed(env):
    role(env, "system_owner", env.system)
    role(env, "system_manager", env.system)
    agreement(env, AgreementKind.FRAMEWORK).management_objects.add(env.obj)
    agreement(env, AgreementKind.DPA).systems.add(env.system)
    agreement(env, AgreementKind.SLA, valid_to=today()).systems.add(env.system)
    assert gaps_of(env.user) == {}


@pytest.mark.parametrize(
    "lifecycle",
    [
        Lifecycle.NEED,
        Lifecycle.PROCUREMENT,
        Lifecycle.DECOMMISSIONING,
        Lifecycle.RETIRED,
    ],
)
def test_system_in_a_phase_without_requirements_is_not_listed(env, lifecycle):
    env.system.lifecycle = lifecycle
    env.system.save()
    assert gaps_of(env.user) == {}


def test_system_in_introduction_needs_an_owner_and_a_manager_by_default(env):
    """Issue 9, point 2: a system in introduction without an owner appears."""
    env.system.lifecycle = Lifecycle.INTRODUCTION
    env.system.save()
    assert gaps_of(env.user) == {"Procapita": ["system_owner", "system_manager"]}


def test_other_organisations_systems_are_not_listed(env):
    other = OrganisationFactory(name="Kommun B")
    SystemFactory(
        management_object__owner_organisation=other, name="Främmande", lifecycle="operation"
    )
    assert gaps_of(env.user) == {"Procapita": ALL_GAPS}


def test_per_object_selection(env):
    other_obj = ManagementObjectFactory(owner_organisation=env.kommun, name="Skola")
    SystemFactory(management_object=other_obj, name="Elevregister", lifecycle="operation")
    assert set(gaps_of(env.user)) == {"Procapita", "Elevregister"}
    assert gaps_of(env.user, management_object=env.obj) == {"Procapita": ALL_GAPS}
    assert gaps_of(env.user, management_object=other_obj) == {
        "Elevregister": ["system_owner", "system_manager", "supplier_agreement", "sla"]
    }


# --- agreements due for renewal ---------------------------------------------------------------
def test_agreements_due_within_the_warning_window_or_past(env, settings):
    settings.FORVALTA_RENEWAL_WARNING_DAYS = 30
    day = today()
    past = agreement(env, "sla", title="Förfallet", renewal_decision_by=day - dt.timedelta(days=3))
    edge = agreement(env, "sla", title="Kanten", renewal_decision_by=day + dt.timedelta(days=30))
    agreement(env, "sla", title="Senare", renewal_decision_by=day + dt.timedelta(days=31))
    agreement(env, "sla", title="Utan datum")
    agreement(
        env,
        "sla",
        title="Avslutat",
        renewal_decision_by=day - dt.timedelta(days=60),
        valid_to=day - dt.timedelta(days=1),
    )
    ends_today = agreement(
        env,
        "dpa",
        title="Slutar i dag",
        renewal_decision_by=day - dt.timedelta(days=10),
        valid_to=day,
    )
    foreign = OrganisationFactory(name="Kommun B")
    AgreementFactory(
        owner_organisation=foreign,
        supplier=env.supplier,
        title="Annans",
        renewal_decision_by=day,
    )
    assert list(agreements_due(env.user)) == [ends_today, past, edge]
    assert list(agreements_due(env.user, within_days=0)) == [ends_today, past]


def test_gaps_page_lists_gaps_and_agreements_due(client, env, settings):
    settings.FORVALTA_RENEWAL_WARNING_DAYS = 30
    day = today()
    agreement(env, "sla", title="Snart", renewal_decision_by=day + dt.timedelta(days=5))
    agreement(env, "sla", title="Förfallet", renewal_decision_by=day - dt.timedelta(days=5))
    agreement(env, "sla", title="Långt bort", renewal_decision_by=day + dt.timedelta(days=40))
    agreement(
        env,
        "sla",
        title="Avslutat",
        renewal_decision_by=day - dt.timedelta(days=40),
        valid_to=day - dt.timedelta(days=1),
    )
    SystemFactory(management_object=env.obj, name="Under upphandling", lifecycle="procurement")
    client.force_login(env.user)
    response = client.get(reverse("register:documentation_gaps"))
    assert response.status_code == 200
    assert [(g.system.name, g.missing) for g in response.context["gaps"]] == [
        ("Procapita", ALL_GAPS)
    ]
    assert [a.title for a in response.context["agreements_due"]] == ["Förfallet", "Snart"]
    html = response.content.decode()
    for code in ALL_GAPS:
        assert escape(sv_label(code)) in html
    assert "Under upphandling" not in html
    assert "Långt bort" not in html
    assert "Avslutat" not in html
    assert html.count(escape(sv("Overdue"))) == 1


def test_gaps_appear_on_the_system_and_object_pages(client, env):
    role(env, "system_owner", env.system)
    client.force_login(env.user)
    for url in (env.system.get_absolute_url(), env.obj.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert [(g.system.name, g.missing) for g in response.context["gaps"]] == [
            ("Procapita", ["system_manager", "supplier_agreement", "dpa", "sla"])
        ]
        html = response.content.decode()
        assert escape(sv_label("system_manager")) in html
        assert escape(sv_label("system_owner")) not in html


def test_per_object_gaps_page(client, env, settings):
    settings.FORVALTA_RENEWAL_WARNING_DAYS = 30
    day = today()
    other_obj = ManagementObjectFactory(owner_organisation=env.kommun, name="Skola")
    SystemFactory(management_object=other_obj, name="Elevregister", lifecycle="operation")
    on_object = agreement(env, "sla", title="På objektet", renewal_decision_by=day)
    on_object.management_objects.add(env.obj)
    on_system = agreement(env, "dpa", title="På systemet", renewal_decision_by=day)
    on_system.systems.add(env.system)
    elsewhere = agreement(env, "sla", title="På skolan", renewal_decision_by=day)
    elsewhere.management_objects.add(other_obj)
    client.force_login(env.user)
    response = client.get(reverse("register:managementobject_gaps", args=[env.obj.pk]))
    assert response.status_code == 200
    assert response.context["management_object"] == env.obj
    assert [g.system.name for g in response.context["gaps"]] == ["Procapita"]
    assert sorted(a.title for a in response.context["agreements_due"]) == [
        "På objektet",
        "På systemet",
    ]
    assert "Elevregister" not in response.content.decode()


def test_per_object_gaps_page_lists_agreements_covering_its_services(client, env, settings):
    settings.FORVALTA_RENEWAL_WARNING_DAYS = 30
    service = ServiceFactory(management_object=env.obj, name="Hemtjänst")
    on_service = agreement(env, "support", title="På tjänsten", renewal_decision_by=today())
    on_service.services.add(service)
    client.force_login(env.user)
    response = client.get(reverse("register:managementobject_gaps", args=[env.obj.pk]))
    assert [a.title for a in response.context["agreements_due"]] == ["På tjänsten"]


def test_per_object_gaps_page_of_an_invisible_object_is_404(client, env):
    other = OrganisationFactory(name="Kommun B")
    foreign = ManagementObjectFactory(owner_organisation=other)
    client.force_login(env.user)
    assert (
        client.get(reverse("register:managementobject_gaps", args=[foreign.pk])).status_code == 404
    )
    assert client.get(reverse("register:managementobject_gaps", args=[999999])).status_code == 404


def test_participant_sees_gaps_of_shared_systems_not_of_the_owners_private_ones(client):
    assoc = OrganisationFactory(name="Förbundet", kind=OrganisationKind.ASSOCIATION)
    muni = OrganisationFactory(name="Kommun Ett")
    obj = ManagementObjectFactory(owner_organisation=assoc, name="Gemensamt")
    private_obj = ManagementObjectFactory(owner_organisation=assoc, name="Internt")
    service = ServiceFactory(management_object=obj)
    shared = SystemFactory(management_object=obj, name="Delat", lifecycle="operation")
    service.systems.add(shared)
    SystemFactory(management_object=private_obj, name="Privat", lifecycle="operation")
    ParticipationFactory(service=service, organisation=muni, valid_from=LONG_AGO)
    member = UserFactory()
    MembershipFactory(user=member, organisation=muni)
    assert set(gaps_of(member)) == {"Delat"}


def test_platform_admin_is_refused_the_gaps_page(client):
    admin = UserFactory(is_platform_admin=True)
    client.force_login(admin)
    before = last_event_id()
    assert client.get(reverse("register:documentation_gaps")).status_code == 403
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert (event.action, event.actor_id) == ("access.denied", admin.pk)


# --- export ---------------------------------------------------------------------------------
def export_header() -> list[str]:
    return [sv("System"), sv("Owner organisation"), sv("Management object"), sv("Missing")]


def test_gaps_csv_export(client, env):
    second = SystemFactory(
        management_object=None,
        owner_organisation=env.kommun,
        name="=Kalkyl",
        lifecycle="operation",
    )
    role(env, "system_owner", second)
    client.force_login(env.user)
    before = last_event_id()
    response = client.get(reverse("register:documentation_gaps") + "?export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dokumentationsluckor-{today():%Y-%m-%d}.csv"'
    )
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    labels = {code: sv_label(code) for code in ALL_GAPS}
    assert rows == [
        export_header(),
        [
            "'=Kalkyl",
            "Kommun A",
            "",
            "; ".join(labels[c] for c in ["system_manager", "supplier_agreement", "sla"]),
        ],
        ["Procapita", "Kommun A", "Vård och omsorg", "; ".join(labels[c] for c in ALL_GAPS)],
    ]
    assert text.endswith("\r\n")
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert event.action == "register.documentation_gaps.exported"
    assert (event.actor_id, event.object_repr) == (env.user.pk, "2 rows")
    assert event.changes == {"format": [None, "csv"]}


def test_per_object_gaps_xlsx_export(client, env):
    other_obj = ManagementObjectFactory(owner_organisation=env.kommun, name="Skola")
    SystemFactory(management_object=other_obj, name="Elevregister", lifecycle="operation")
    client.force_login(env.user)
    url = reverse("register:managementobject_gaps", args=[env.obj.pk]) + "?export=xlsx"
    before = last_event_id()
    response = client.get(url)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert rows == [
        export_header(),
        [
            "Procapita",
            "Kommun A",
            "Vård och omsorg",
            "; ".join(sv_label(c) for c in ALL_GAPS),
        ],
    ]
    [event] = AuditEvent.objects.filter(id__gt=before)
    assert event.action == "register.documentation_gaps.exported"
    assert (event.actor_id, event.object_repr) == (env.user.pk, "1 rows")
    assert event.changes == {"format": [None, "xlsx"]}
