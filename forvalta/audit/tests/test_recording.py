"""What the audit trail records for writes and refusals, and that its rows cannot be changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import MASK, diff, record
from forvalta.core.models import Organisation, OrganisationKind, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import Agreement, System
from forvalta.register.tests.factories import (
    AgreementFactory,
    ParticipationFactory,
    ServiceFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def events_since(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def row(instance: Any) -> dict[str, Any]:
    return model_to_dict(type(instance).objects.get(pk=instance.pk))


@pytest.fixture
def kommun() -> Organisation:
    return OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)


@pytest.fixture
def admin(kommun: Organisation) -> User:
    user = UserFactory(username="admin", first_name="Ada", last_name="Admin")
    MembershipFactory(user=user, organisation=kommun, is_org_admin=True)
    return user


@pytest.fixture
def staff(kommun: Organisation) -> User:
    user = UserFactory(username="staff", first_name="Sture", last_name="Stab")
    MembershipFactory(user=user, organisation=kommun)
    return user


@pytest.fixture
def system(kommun: Organisation) -> System:
    return SystemFactory(
        management_object__owner_organisation=kommun,
        name="Procapita",
        description="Gammal text",
        lifecycle="introduction",
    )


def system_form(system: System, **overrides: Any) -> dict[str, Any]:
    data = {
        "owner_organisation": system.owner_organisation_id,
        "management_object": system.management_object_id,
        "name": system.name,
        "description": system.description,
        "vendor": system.vendor_id or "",
        "product": system.product,
        "lifecycle": system.lifecycle,
        "criticality": system.criticality,
    }
    for flag in ("processes_personal_data", "holds_protected_identities", "is_public"):
        if getattr(system, flag):
            data[flag] = "on"
    data.update(overrides)
    return data


# --- updates -------------------------------------------------------------------------------
def test_update_records_exactly_the_changed_fields_with_old_and_new_values(
    client, admin, system, kommun
):
    vendor = OrganisationFactory(name="Leverantören AB", kind=OrganisationKind.SUPPLIER)
    client.force_login(admin)
    events = last_event_id()
    response = client.post(
        reverse("register:system_edit", args=[system.pk]),
        system_form(
            system,
            description="Ny text",
            lifecycle="operation",
            vendor=vendor.pk,
            processes_personal_data="on",
        ),
        HTTP_USER_AGENT="Granskningsläsare/2.0",
        HTTP_X_REQUEST_ID="req-4711",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-4711"
    [event] = events_since(events)
    assert event.action == "register.system.updated"
    assert event.changes == {
        "description": ["Gammal text", "Ny text"],
        "lifecycle": ["introduction", "operation"],
        "vendor": [None, vendor.pk],
        "processes_personal_data": [False, True],
    }
    assert (event.actor_id, event.actor_name) == (admin.pk, "Ada Admin")
    assert (event.organisation_id, event.organisation_name) == (kommun.pk, "Kommun A")
    assert (event.object_type, event.object_id, event.object_repr) == (
        "register.system",
        str(system.pk),
        "Procapita",
    )
    assert (event.client_address, event.user_agent, event.request_id) == (
        "127.0.0.1",
        "Granskningsläsare/2.0",
        "req-4711",
    )


def test_update_of_dates_decimals_and_choices(client, admin, kommun):
    service = ServiceFactory(management_object__owner_organisation=kommun)
    part = ParticipationFactory(
        service=service, organisation=OrganisationFactory(), valid_from=dt.date(2024, 1, 1)
    )
    client.force_login(admin)
    events = last_event_id()
    response = client.post(
        reverse("register:participation_edit", args=[part.pk]),
        {
            "service": service.pk,
            "organisation": part.organisation_id,
            "status": "notice_given",
            "valid_from": "2024-01-01",
            "valid_to": "2026-06-30",
            "cost_share": "7.25",
            "note": "",
        },
    )
    assert response.status_code == 302
    [event] = events_since(events)
    assert event.action == "register.participation.updated"
    assert event.changes == {
        "status": ["active", "notice_given"],
        "valid_to": [None, "2026-06-30"],
        "cost_share": [None, "7.25"],
    }
    part.refresh_from_db()
    assert (part.status, part.valid_to) == ("notice_given", dt.date(2026, 6, 30))


def test_update_of_many_to_many_records_the_id_lists(client, admin, kommun, system):
    second = SystemFactory(management_object=system.management_object, name="Lifecare")
    supplier = OrganisationFactory(kind=OrganisationKind.SUPPLIER)
    agreement = AgreementFactory(
        owner_organisation=kommun, supplier=supplier, kind="sla", valid_from=dt.date(2024, 1, 1)
    )
    agreement.systems.add(system)
    client.force_login(admin)
    events = last_event_id()
    response = client.post(
        reverse("register:agreement_edit", args=[agreement.pk]),
        {
            "kind": "sla",
            "title": agreement.title,
            "owner_organisation": kommun.pk,
            "supplier": supplier.pk,
            "systems": [system.pk, second.pk],
            "valid_from": "2024-01-01",
        },
    )
    assert response.status_code == 302
    [event] = events_since(events)
    assert event.action == "register.agreement.updated"
    assert event.changes == {"systems": [[system.pk], sorted([system.pk, second.pk])]}
    assert set(Agreement.objects.get(pk=agreement.pk).systems.all()) == {system, second}


def test_saving_without_changes_records_nothing(client, admin, system):
    client.force_login(admin)
    events = last_event_id()
    response = client.post(reverse("register:system_edit", args=[system.pk]), system_form(system))
    assert response.status_code == 302
    assert events_since(events) == []


def test_invalid_update_records_nothing_and_changes_nothing(client, admin, system):
    client.force_login(admin)
    before, events = row(system), last_event_id()
    response = client.post(
        reverse("register:system_edit", args=[system.pk]),
        system_form(system, name="", description="Ändrad"),
    )
    assert response.status_code == 400
    assert row(system) == before
    assert events_since(events) == []


def test_delete_records_the_old_values(client, admin, kommun):
    system = SystemFactory(
        management_object__owner_organisation=kommun, name="Avvecklat", criticality="low"
    )
    pk = system.pk
    client.force_login(admin)
    events = last_event_id()
    response = client.post(reverse("register:system_delete", args=[pk]))
    assert response.status_code == 302
    assert not System.objects.filter(pk=pk).exists()
    [event] = events_since(events)
    assert (event.action, event.object_id, event.object_repr) == (
        "register.system.deleted",
        str(pk),
        "Avvecklat",
    )
    assert event.organisation_id == kommun.pk
    assert event.changes["name"] == ["Avvecklat", None]
    assert event.changes["criticality"] == ["low", None]
    assert event.changes["owner_organisation"] == [kommun.pk, None]


# --- refusals ------------------------------------------------------------------------------
def test_refused_update_records_access_denied_and_no_change(client, staff, system, kommun):
    client.force_login(staff)
    before, events = row(system), last_event_id()
    response = client.post(
        reverse("register:system_edit", args=[system.pk]),
        system_form(system, description="Försök"),
    )
    assert response.status_code == 403
    assert row(system) == before
    [event] = events_since(events)
    assert event.action == "access.denied"
    assert (event.actor_id, event.actor_name) == (staff.pk, "Sture Stab")
    assert (event.object_type, event.object_id) == ("register.system", str(system.pk))
    assert event.organisation_id == kommun.pk
    assert event.changes == {"attempted": [None, "change"]}
    assert not AuditEvent.objects.filter(action="register.system.updated").exists()


def test_refused_delete_records_access_denied_and_deletes_nothing(client, staff, system):
    client.force_login(staff)
    before, events = row(system), last_event_id()
    response = client.post(reverse("register:system_delete", args=[system.pk]))
    assert response.status_code == 403
    assert row(system) == before
    [event] = events_since(events)
    assert (event.action, event.actor_id) == ("access.denied", staff.pk)
    assert event.changes == {"attempted": [None, "delete"]}


def test_refused_create_in_the_service_is_recorded_and_rolled_back(client, kommun):
    """A right that the service checks (not the view): a participant's administrator may not
    give a managing role on a shared service."""
    from forvalta.register.models import RoleAssignment
    from forvalta.register.tests.factories import role_type

    assoc = OrganisationFactory(kind=OrganisationKind.ASSOCIATION)
    service = ServiceFactory(management_object__owner_organisation=assoc)
    ParticipationFactory(service=service, organisation=kommun, valid_from=dt.date(2020, 1, 1))
    admin = UserFactory(username="deltagaradmin")
    MembershipFactory(user=admin, organisation=kommun, is_org_admin=True)
    client.force_login(admin)
    events = last_event_id()
    response = client.post(
        reverse("register:roleassignment_add"),
        {
            "role_type": role_type("service_owner").pk,
            "person": admin.pk,
            "organisation": kommun.pk,
            "service": service.pk,
            "valid_from": "2025-01-01",
        },
    )
    assert response.status_code == 403
    assert RoleAssignment.objects.count() == 0
    [event] = events_since(events)
    assert (event.action, event.actor_id) == ("access.denied", admin.pk)
    assert event.object_type == "register.roleassignment"
    assert event.object_id == ""
    assert event.changes == {"attempted": [None, "create"]}


def test_anonymous_write_is_redirected_and_records_nothing(client, system):
    before, events = row(system), last_event_id()
    response = client.post(
        reverse("register:system_edit", args=[system.pk]), system_form(system, name="X")
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert row(system) == before
    assert events_since(events) == []


# --- the trail itself cannot be changed -------------------------------------------------------
@pytest.fixture
def event(kommun: Organisation, admin: User) -> AuditEvent:
    return record(actor=admin, action="test.recorded", obj=kommun, changes={"x": [None, 1]})


def stored(event: AuditEvent) -> dict[str, Any]:
    return AuditEvent.objects.filter(pk=event.pk).values().get()


def test_recorded_event_holds_what_was_given(event, admin, kommun):
    data = stored(event)
    assert data["action"] == "test.recorded"
    assert (data["actor_id"], data["actor_name"]) == (admin.pk, "Ada Admin")
    assert (data["organisation_id"], data["object_type"], data["object_id"]) == (
        kommun.pk,
        "core.organisation",
        str(kommun.pk),
    )
    assert data["changes"] == {"x": [None, 1]}


def test_saving_an_existing_event_is_refused(event):
    before = stored(event)
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    fresh = AuditEvent.objects.get(pk=event.pk)
    with pytest.raises(PermissionError):
        fresh.save(update_fields=["action"])
    assert stored(event) == before


def test_deleting_an_event_is_refused(event):
    before = stored(event)
    with pytest.raises(PermissionError):
        event.delete()
    assert stored(event) == before


def test_queryset_update_is_refused(event):
    before = stored(event)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    assert stored(event) == before


def test_queryset_delete_is_refused(event):
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count
    assert stored(event)["action"] == "test.recorded"


def test_bulk_update_is_refused(event):
    before = stored(event)
    event.action = "tampered"
    # bulk_update works inside its own atomic block; a savepoint keeps the test usable.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert stored(event) == before


def test_sensitive_values_are_masked_in_changes():
    changes = diff({"password": "gammalt", "name": "A"}, {"password": "nytt", "name": "B"})
    assert changes == {"password": [MASK, MASK], "name": ["A", "B"]}
    assert diff({"password": ""}, {"password": "hemligt"}) == {"password": ["", MASK]}
