"""Role assignments "acting for" an organisation are made by someone of that organisation.

Issue 7: staff of one organisation could appoint people acting for another. Now the
acting-for organisation's administrator, or someone holding a managing role on the
target acting for that organisation, appoints; the target's managers appoint for their
own organisation only. A participant's administrator still nominates its own staff for
non-managing roles on a shared service, and a supplier's administrator its staff for
supplier roles on what its agreement covers. Each path through the page and the API;
every refusal carries a Swedish message on the field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Organisation, OrganisationKind, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import ManagementObject, RoleAssignment, Service, System
from forvalta.register.services import role_assignment_create
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

START = dt.date(2020, 1, 1)
OTHER_ORG = (
    "You can appoint people to act only for your own organisation. Another "
    "organisation appoints its own people."
)
PERSON_ELSEWHERE = (
    "Only people of your own organisation can be appointed here. Another organisation "
    "appoints its own people."
)
NO_STANDING = (
    "Only the administrators of %(organisation)s, or those who manage this object, "
    "service or system for it, may appoint people acting for it."
)


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, f"no Swedish translation for {msgid!r}"
    return text % params if params else text


@dataclass
class Shared:
    assoc: Organisation
    muni: Organisation
    supplier: Organisation
    obj: ManagementObject
    service: Service
    system: System
    assoc_admin: User
    lead: User
    assoc_staff: User
    muni_admin: User
    muni_staff: User
    both: User
    supplier_admin: User
    consultant: User


@pytest.fixture
def w() -> Shared:
    assoc = OrganisationFactory(name="Förbundet", kind=OrganisationKind.ASSOCIATION)
    muni = OrganisationFactory(name="Kommun Ett", kind=OrganisationKind.MUNICIPALITY)
    supplier = OrganisationFactory(name="Konsult AB", kind=OrganisationKind.SUPPLIER)
    obj = ManagementObjectFactory(owner_organisation=assoc, name="Gemensamt")
    service = ServiceFactory(management_object=obj, name="E-arkiv")
    system = SystemFactory(management_object=obj, name="Arkivsystem")
    service.systems.add(system)
    ParticipationFactory(service=service, organisation=muni, valid_from=START)
    agreement = AgreementFactory(owner_organisation=assoc, supplier=supplier, valid_from=START)
    agreement.services.add(service)

    def person(username: str, *orgs: Organisation, admin: bool = False) -> User:
        user = UserFactory(username=username, last_name=username.capitalize())
        for org in orgs:
            MembershipFactory(user=user, organisation=org, is_org_admin=admin)
        return user

    assoc_admin = person("assocadmin", assoc, admin=True)
    lead = person("lead", assoc)
    assoc_staff = person("assocstaff", assoc)
    muni_admin = person("muniadmin", muni, admin=True)
    muni_staff = person("munistaff", muni)
    both = person("both", assoc, muni)
    supplier_admin = person("supadmin", supplier, admin=True)
    consultant = person("consultant", supplier)
    # The lead manages the object for the association; "both" manages it too, for the
    # association, and is also a member of the municipality.
    for holder in (lead, both):
        RoleAssignmentFactory(
            person=holder, organisation=assoc, management_object=obj, valid_from=START
        )
    # The municipality's contact and the supplier's consultant: role holders the
    # association's people see.
    RoleAssignmentFactory(
        person=muni_staff,
        organisation=muni,
        role_type=role_type("local_contact"),
        service=service,
        valid_from=START,
    )
    RoleAssignmentFactory(
        person=consultant,
        organisation=supplier,
        role_type=role_type("management_partner"),
        service=service,
        valid_from=START,
    )
    return Shared(
        assoc,
        muni,
        supplier,
        obj,
        service,
        system,
        assoc_admin,
        lead,
        assoc_staff,
        muni_admin,
        muni_staff,
        both,
        supplier_admin,
        consultant,
    )


def form(person: User, org: Organisation, code: str, **target: Any) -> dict[str, Any]:
    data = {
        "role_type": role_type(code).pk,
        "person": person.pk,
        "organisation": org.pk,
        "management_object": "",
        "service": "",
        "system": "",
        "valid_from": "2025-01-01",
        "valid_to": "",
        "note": "",
    }
    data.update({k: v.pk for k, v in target.items()})
    return data


def api_body(data: dict[str, Any]) -> str:
    nullable = {"management_object", "service", "system", "valid_to"}
    return json.dumps({k: (None if v == "" and k in nullable else v) for k, v in data.items()})


def rows() -> list[dict[str, Any]]:
    return list(RoleAssignment.objects.order_by("pk").values())


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def page_post(client: Any, actor: User, data: dict[str, Any]) -> Any:
    return client.post(reverse("register:roleassignment_add"), data)


def api_post(client: Any, actor: User, data: dict[str, Any]) -> Any:
    return client.post("/api/roles/", api_body(data), content_type="application/json")


def assert_refused(response: Any, via: str, message: str, elsewhere: bool = False) -> None:
    """Refused with ``message`` on "acting for"; ``elsewhere``: the person is not even
    offered, as they belong to another organisation only."""
    expected = {"organisation": [message]}
    if elsewhere:
        expected["person"] = [sv(PERSON_ELSEWHERE)]
    assert response.status_code == 400
    if via == "page":
        assert response.context["form"].errors == expected
    else:
        assert response.json()["error"]["fields"] == expected


VIA = ["page", "api"]


def post(via: str) -> Any:
    return page_post if via == "page" else api_post


# --- the finding: appointing people acting for another organisation ------------------------
@pytest.mark.parametrize("via", VIA)
def test_owner_admin_cannot_appoint_someone_acting_for_a_participant(client, w, via):
    """Reproduces the finding: the owner's administrator manages the service and sees the
    municipality's contact, and could appoint them, acting for the municipality."""
    client.force_login(w.assoc_admin)
    before, events = rows(), last_event_id()
    data = form(w.muni_staff, w.muni, "business_support", service=w.service)
    response = post(via)(client, w.assoc_admin, data)
    assert_refused(response, via, sv(OTHER_ORG), elsewhere=True)
    assert rows() == before
    assert not AuditEvent.objects.filter(id__gt=events).exists()


@pytest.mark.parametrize("via", VIA)
def test_managing_staff_cannot_appoint_someone_acting_for_another_organisation(client, w, via):
    client.force_login(w.lead)
    before = rows()
    data = form(w.muni_staff, w.muni, "system_manager", system=w.system)
    response = post(via)(client, w.lead, data)
    assert_refused(response, via, sv(OTHER_ORG), elsewhere=True)
    assert rows() == before


@pytest.mark.parametrize("via", VIA)
def test_member_of_both_needs_standing_in_the_organisation_acted_for(client, w, via):
    """ "both" manages the object for the association and is a member of the municipality,
    but neither administers the municipality nor manages anything for it."""
    client.force_login(w.both)
    before = rows()
    data = form(w.both, w.muni, "business_support", service=w.service)
    response = post(via)(client, w.both, data)
    assert_refused(response, via, sv(NO_STANDING, organisation=w.muni.name))
    assert rows() == before


@pytest.mark.parametrize("via", VIA)
def test_owner_admin_cannot_appoint_a_supplier_consultant(client, w, via):
    client.force_login(w.assoc_admin)
    before = rows()
    data = form(w.consultant, w.supplier, "operations_partner", service=w.service)
    response = post(via)(client, w.assoc_admin, data)
    assert_refused(response, via, sv(OTHER_ORG), elsewhere=True)
    assert rows() == before


def test_the_service_refuses_too(w):
    """Callers other than the form (commands, imports) meet the same rule."""
    before = rows()
    with pytest.raises(ValidationError) as caught:
        role_assignment_create(
            actor=w.assoc_admin,
            data={
                "role_type": role_type("business_support"),
                "person": w.muni_staff,
                "organisation": w.muni,
                "service": w.service,
                "valid_from": dt.date(2025, 1, 1),
            },
        )
    assert list(caught.value.message_dict) == ["organisation"]
    assert rows() == before


# --- what remains allowed ------------------------------------------------------------------
@pytest.mark.parametrize("via", VIA)
def test_managing_staff_appoint_for_their_own_organisation(client, w, via):
    client.force_login(w.lead)
    events = last_event_id()
    data = form(w.assoc_staff, w.assoc, "system_manager", system=w.system)
    response = post(via)(client, w.lead, data)
    assert response.status_code == (302 if via == "page" else 201)
    ra = RoleAssignment.objects.get(person=w.assoc_staff)
    assert (ra.organisation_id, ra.system_id, ra.role_type.code) == (
        w.assoc.pk,
        w.system.pk,
        "system_manager",
    )
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert (event.action, event.actor_id) == ("register.roleassignment.created", w.lead.pk)


@pytest.mark.parametrize("via", VIA)
def test_participant_admin_still_nominates_own_staff_on_the_shared_service(client, w, via):
    client.force_login(w.muni_admin)
    data = form(w.muni_staff, w.muni, "business_support", service=w.service)
    response = post(via)(client, w.muni_admin, data)
    assert response.status_code == (302 if via == "page" else 201)
    ra = RoleAssignment.objects.get(person=w.muni_staff, role_type__code="business_support")
    assert (ra.organisation_id, ra.service_id) == (w.muni.pk, w.service.pk)


@pytest.mark.parametrize("via", VIA)
def test_participant_admin_cannot_give_a_managing_role(client, w, via):
    client.force_login(w.muni_admin)
    before = rows()
    data = form(w.muni_staff, w.muni, "system_manager", service=w.service)
    response = post(via)(client, w.muni_admin, data)
    assert response.status_code == 403
    assert rows() == before


@pytest.mark.parametrize("via", VIA)
def test_supplier_admin_nominates_a_consultant_on_the_contracted_service(client, w, via):
    client.force_login(w.supplier_admin)
    events = last_event_id()
    data = form(w.consultant, w.supplier, "operations_partner", service=w.service)
    response = post(via)(client, w.supplier_admin, data)
    assert response.status_code == (302 if via == "page" else 201)
    ra = RoleAssignment.objects.get(person=w.consultant, role_type__code="operations_partner")
    assert (ra.organisation_id, ra.service_id, ra.role_type.code) == (
        w.supplier.pk,
        w.service.pk,
        "operations_partner",
    )
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert (event.action, event.actor_id) == (
        "register.roleassignment.created",
        w.supplier_admin.pk,
    )


@pytest.mark.parametrize("via", VIA)
def test_supplier_admin_cannot_nominate_beyond_the_agreement_or_for_a_member_role(client, w, via):
    client.force_login(w.supplier_admin)
    before = rows()
    # The system is not covered by the agreement: not even a choice.
    data = form(w.consultant, w.supplier, "operations_partner", system=w.system)
    response = post(via)(client, w.supplier_admin, data)
    assert response.status_code == 400
    fields = (
        response.context["form"].errors if via == "page" else response.json()["error"]["fields"]
    )
    assert list(fields) == ["system"]
    # A member organisation's role, held for a supplier: the model's kind rule.
    data = form(w.consultant, w.supplier, "local_contact", service=w.service)
    response = post(via)(client, w.supplier_admin, data)
    assert response.status_code == 400
    message = sv(
        "Supplier roles are held for a supplier, and other roles for a non-supplier organisation."
    )
    fields = (
        response.context["form"].errors if via == "page" else response.json()["error"]["fields"]
    )
    assert fields == {"organisation": [message]}
    assert rows() == before


# --- changing an assignment ---------------------------------------------------------------
def test_owner_may_end_but_not_reassign_another_organisations_role(client, w):
    ra = RoleAssignment.objects.get(person=w.muni_staff)
    client.force_login(w.assoc_admin)
    url = reverse("register:roleassignment_edit", args=[ra.pk])
    data = form(w.muni_staff, w.muni, "local_contact", service=w.service)
    data["valid_from"] = START.isoformat()

    # Another person of the municipality in the role: an appointment, refused.
    other = UserFactory(username="munistaff2")
    MembershipFactory(user=other, organisation=w.muni)
    RoleAssignmentFactory(
        person=other,
        organisation=w.muni,
        role_type=role_type("business_support"),
        service=w.service,
        valid_from=START,
    )
    before = rows()
    response = client.post(url, {**data, "person": other.pk})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "person": [sv(PERSON_ELSEWHERE)],
        "organisation": [sv(NO_STANDING, organisation=w.muni.name)],
    }
    assert rows() == before
    response = client.patch(
        f"/api/roles/{ra.pk}/", json.dumps({"person": other.pk}), content_type="application/json"
    )
    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["organisation", "person"]
    assert rows() == before

    # Ending it: the dates and the note are the target's managers' to change.
    response = client.post(url, {**data, "valid_to": "2025-06-30", "note": "Avslutad"})
    assert response.status_code == 302
    ra.refresh_from_db()
    assert (ra.person_id, ra.valid_to, ra.note) == (
        w.muni_staff.pk,
        dt.date(2025, 6, 30),
        "Avslutad",
    )
