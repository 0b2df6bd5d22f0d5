"""Appointing a role as issue 9 (point 3) asks: role types grouped by level with their
duties, a person list of one's own organisation that names each person's organisation,
"acting for" filled from the person, and messages at the fields."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.models import RoleAssignment, RoleType
from forvalta.register.tests.test_register_views import (
    Reg,
    errors_of,
    last_event_id,
    role_form,
    state,
    sv,
)

pytestmark = pytest.mark.django_db
ADD = "register:roleassignment_add"


def select_html(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, name
    return match.group(0)


def test_role_types_come_in_groups_by_level_with_their_duties(org_admin_client: Any) -> None:
    html = org_admin_client.get(reverse(ADD)).content.decode()
    select = select_html(html, "role_type")
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Budgetnivå", "Beslutsnivå", "Operativ nivå"]
    # Every role type sits in its level's group, in the catalogue's order.
    chunks = re.split(r"<optgroup", select)[1:]
    for chunk, level in zip(chunks, ["strategic", "tactical", "operative"], strict=True):
        ids = [int(v) for v in re.findall(r'<option value="(\d+)"', chunk)]
        assert ids == list(RoleType.objects.filter(level=level).values_list("pk", flat=True))
    owner = RoleType.objects.get(code="system_owner")
    assert '<details class="role-duties"><summary>Vad varje roll ansvarar för</summary>' in html
    assert f"<dt>{owner.name_sv}</dt><dd>" in html


def test_only_own_people_are_offered_each_with_their_organisation(
    org_admin_client: Any, reg: Reg
) -> None:
    select = select_html(org_admin_client.get(reverse(ADD)).content.decode(), "person")
    options = re.findall(r'<option value="(\d+)"([^>]*)>([^<]*)</option>', select)
    assert [(int(pk), attrs, label) for pk, attrs, label in options] == [
        (reg.admin.pk, f' data-organisation="{reg.kommun.pk}"', "Ada Admin (Kommun A)"),
        (reg.staff.pk, f' data-organisation="{reg.kommun.pk}"', "Sture Stab (Kommun A)"),
    ]
    # The supplier's consultant holds a role on the service and is seen, but is appointed
    # by the supplier's own administrator: not offered here.
    assert "Leverans" not in select
    assert 'data-fills="organisation"' in select and "data-searchable" in select


def test_acting_for_is_filled_from_the_persons_organisation(
    org_admin_client: Any, reg: Reg
) -> None:
    events = last_event_id()
    data = role_form(reg, organisation="")
    response = org_admin_client.post(reverse(ADD), data)
    assert response.status_code == 302, errors_of(response)
    role = RoleAssignment.objects.get(person=reg.staff, system=reg.system)
    assert role.organisation_id == reg.kommun.pk
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert event.action == "register.roleassignment.created"
    assert event.changes["organisation"] == [None, reg.kommun.pk]


def test_a_person_of_two_of_ones_organisations_needs_acting_for_chosen(
    client: Any, reg: Reg
) -> None:
    second = OrganisationFactory(name="Kommun C", kind=OrganisationKind.MUNICIPALITY)
    MembershipFactory(user=reg.admin, organisation=second, is_org_admin=True)
    MembershipFactory(user=reg.staff, organisation=second)
    client.force_login(reg.admin)
    select = select_html(client.get(reverse(ADD)).content.decode(), "person")
    assert f'<option value="{reg.staff.pk}">Sture Stab (Kommun A, Kommun C)</option>' in select
    before, events = state(), last_event_id()
    response = client.post(reverse(ADD), role_form(reg, organisation=""))
    assert response.status_code == 400
    assert errors_of(response) == {
        "organisation": [
            sv("%(person)s belongs to several of your organisations: choose which one.")
            % {"person": "Sture Stab"}
        ]
    }
    assert state() == before
    assert not AuditEvent.objects.filter(id__gt=events).exists()


def test_a_person_without_an_organisation_one_may_appoint_for_is_refused_at_the_field(
    org_admin_client: Any, reg: Reg
) -> None:
    outsider = UserFactory(username="utan", first_name="Ulla", last_name="Utan")
    MembershipFactory(user=outsider, organisation=reg.other)
    before, events = state(), last_event_id()
    response = org_admin_client.post(
        reverse(ADD), role_form(reg, person=outsider.pk, organisation="")
    )
    assert response.status_code == 400
    assert errors_of(response) == {
        "person": [
            sv(
                "Only people of your own organisation can be appointed here. Another "
                "organisation appoints its own people."
            )
        ]
    }
    assert state() == before
    assert not AuditEvent.objects.filter(id__gt=events).exists()
