"""An event is filed under the organisation acted on and under the actor's own
organisation: both organisations' audit readers find it, no third organisation does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import actor_organisation_of, record
from forvalta.audit.verify import verify_trail
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.tests.factories import (
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
    role_type,
)

pytestmark = pytest.mark.django_db


def _system_form(system: Any, user: Any) -> dict[str, Any]:
    from forvalta.register.forms import SystemForm

    form = SystemForm(instance=system, user=user)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_user_of_one_organisation_editing_anothers_system_is_filed_under_both() -> None:
    org_a = OrganisationFactory(name="Aktörskommun")
    org_b = OrganisationFactory(name="Ägarförbundet")
    org_c = OrganisationFactory(name="Tredje kommun")
    actor = UserFactory(username="actor_a", first_name="Agnes", last_name="Aktör")
    MembershipFactory(user=actor, organisation=org_a)
    admins = {}
    for key, org in (("a", org_a), ("b", org_b), ("c", org_c)):
        admins[key] = UserFactory(username=f"admin_{key}")
        MembershipFactory(user=admins[key], organisation=org, is_org_admin=True)
    system = SystemFactory(
        name="Delat ZZFILEDZZ",
        owner_organisation=org_b,
        management_object__owner_organisation=org_b,
    )
    # Org A takes part in the service the system serves, and its person is the system
    # owner: a shared system that org B owns.
    service = ServiceFactory(management_object=system.management_object)
    service.systems.add(system)
    ParticipationFactory(service=service, organisation=org_a, valid_from=dt.date(2020, 1, 1))
    RoleAssignmentFactory(
        person=actor,
        organisation=org_a,
        role_type=role_type("system_owner"),
        system=system,
        valid_from=dt.date(2020, 1, 1),
    )
    client = client_for(actor)
    response = client.post(
        reverse("register:system_edit", args=[system.pk]),
        {**_system_form(system, actor), "description": "Ändrad av kommun A"},
    )
    assert response.status_code == 302, response.content[:500]
    event = AuditEvent.objects.get(action="register.system.updated")
    assert (event.organisation_id, event.organisation_name) == (org_b.pk, "Ägarförbundet")
    assert (event.actor_organisation_id, event.actor_organisation_name) == (
        org_a.pk,
        "Aktörskommun",
    )
    for key, sees in (("a", True), ("b", True), ("c", False)):
        page = client_for(admins[key]).get("/audit/", {"action": "register.system.updated"})
        assert page.status_code == 200
        assert ("ZZFILEDZZ" in page.content.decode()) is sees, key
        api = client_for(admins[key]).get(
            "/api/audit/events/", {"action": "register.system.updated"}
        )
        assert api.status_code == 200
        found = [e["seq"] for e in api.json()["results"]]
        assert found == ([event.seq] if sees else []), key
    # Choosing one's own organisation in the filter finds it too, on both sides.
    for key, org in (("a", org_a), ("b", org_b)):
        page = client_for(admins[key]).get(
            "/audit/", {"action": "register.system.updated", "organisation": str(org.pk)}
        )
        assert "ZZFILEDZZ" in page.content.decode(), key
    assert verify_trail().intact


def test_the_membership_in_the_events_organisation_wins_else_the_oldest_membership() -> None:
    first = OrganisationFactory(name="Första")
    second = OrganisationFactory(name="Andra")
    other = OrganisationFactory(name="Annan")
    person = UserFactory()
    MembershipFactory(user=person, organisation=first)
    MembershipFactory(user=person, organisation=second)
    assert actor_organisation_of(person, second.pk).pk == second.pk
    assert actor_organisation_of(person, other.pk).pk == first.pk
    assert actor_organisation_of(UserFactory(), other.pk) is None
    event = record(actor=person, action="test.filed", organisation=other)
    assert (event.actor_organisation_id, event.actor_organisation_name) == (first.pk, "Första")
    chosen = record(
        actor=person, action="test.filed", organisation=other, actor_organisation=second
    )
    assert chosen.actor_organisation_id == second.pk
    anonymous = record(actor=None, action="test.filed", organisation=other)
    assert (anonymous.actor_organisation_id, anonymous.actor_organisation_name) == (None, "")
    assert verify_trail(reference=True).intact
    assert verify_trail().intact
