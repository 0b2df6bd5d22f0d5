"""The "History" tab of register items (issue 9): the item's audit events that the viewer
may read by the audit trail's own rules, in Swedish, old → new, paginated."""

# ruff: noqa: F811  (the `reg` fixture is imported and then asked for by name)
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import MASK, record
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.register import services
from forvalta.register.models import Agreement, ManagementObject, Service, System
from forvalta.register.tests.factories import ParticipationFactory, RoleAssignmentFactory, role_type
from forvalta.register.tests.test_register_views import (  # noqa: F401  # the fixture
    Reg,
    events_since,
    last_event_id,
    reg,
    sv,
)

pytestmark = pytest.mark.django_db


def label(model: Any, name: str) -> str:
    with translation.override("sv"):
        return str(capfirst(model._meta.get_field(name).verbose_name))


def history(client: Any, model: str, pk: int, page: str = "") -> Any:
    response = client.get(reverse(f"register:{model}_history", args=[pk]) + page)
    return response


def flat(entries: list[Any]) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    return [(e.what, e.who, [(c.label, c.old, c.new) for c in e.changes]) for e in entries]


@pytest.fixture
def lead(reg: Reg) -> Any:
    person = UserFactory(username="lead", first_name="Lisa", last_name="Ledare")
    MembershipFactory(user=person, organisation=reg.kommun)
    RoleAssignmentFactory(
        person=person,
        organisation=reg.kommun,
        role_type=role_type("management_lead"),
        management_object=reg.obj,
        valid_from=dt.date(2020, 1, 1),
    )
    return person


@pytest.fixture
def other_admin(reg: Reg) -> Any:
    person = UserFactory(username="badmin", first_name="Bo", last_name="Badmin")
    MembershipFactory(user=person, organisation=reg.other, is_org_admin=True)
    return person


def test_the_administrator_reads_who_changed_what_when(client, reg, lead):
    services.system_update(
        actor=reg.admin,
        instance=reg.system,
        data={"lifecycle": "operation", "processes_personal_data": True},
    )
    client.force_login(lead)
    assert client.post(reverse("register:system_archive", args=[reg.system.pk])).status_code == 302
    client.force_login(reg.admin)
    events = last_event_id()
    response = history(client, "system", reg.system.pk)
    assert response.status_code == 200
    stored = System.objects.get(pk=reg.system.pk)
    with translation.override("sv"):
        from django.utils.formats import date_format
        from django.utils.timezone import localtime

        archived_text = date_format(localtime(stored.archived_at), "DATETIME_FORMAT")
    assert flat(response.context["entries"]) == [
        (
            sv("Archived"),
            "Lisa Ledare",
            [
                (label(System, "archived_at"), "–", archived_text),
                (label(System, "archived_by"), "–", "Lisa Ledare"),
            ],
        ),
        (
            sv("Changed"),
            "Ada Admin",
            [
                (label(System, "lifecycle"), sv("Need"), sv("Operation")),
                (label(System, "processes_personal_data"), sv("No"), sv("Yes")),
            ],
        ),
    ]
    html = response.content.decode()
    assert sv("History") in html
    assert "Lisa Ledare" in html
    # Reading the trail is recorded, as a search of it is.
    [event] = events_since(events)
    assert (event.action, event.actor_id) == ("audit.searched", reg.admin.pk)
    assert event.changes == {"query": [None, f"register.system:{reg.system.pk}"]}
    assert event.organisation_id == reg.kommun.pk


def test_every_register_detail_page_has_the_tab(client, reg):
    client.force_login(reg.admin)
    agreement = Agreement.objects.get(title="Ramavtal")
    for model, pk in (
        ("managementobject", reg.obj.pk),
        ("service", reg.service.pk),
        ("system", reg.system.pk),
        ("agreement", agreement.pk),
    ):
        html = client.get(reverse(f"register:{model}_detail", args=[pk])).content.decode()
        assert f'href="{reverse(f"register:{model}_history", args=[pk])}"' in html
        assert history(client, model, pk).status_code == 200


def test_related_rows_are_named_only_where_seen_and_masks_stay(client, reg):
    record(
        actor=reg.admin,
        action="register.system.updated",
        obj=reg.system,
        changes={
            "management_object": [reg.other_obj.pk, reg.obj.pk],
            "token": [MASK, MASK],
        },
    )
    client.force_login(reg.admin)
    [entry] = history(client, "system", reg.system.pk).context["entries"]
    assert [(c.label, c.old, c.new) for c in entry.changes] == [
        (label(System, "management_object"), sv("(not visible to you)"), "Vård och omsorg"),
        ("token", MASK, MASK),
    ]
    html = history(client, "system", reg.system.pk).content.decode()
    assert "Skola" not in html


def test_who_may_not_read_the_trail_sees_an_explanation_only(client, reg, lead):
    services.system_update(
        actor=reg.admin, instance=reg.system, data={"product": "Produktversion-hemlig"}
    )
    client.force_login(lead)
    events = last_event_id()
    response = history(client, "system", reg.system.pk)
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert response.context["reads_trail"] is False
    html = response.content.decode()
    assert "Produktversion-hemlig" not in html
    assert "Ada Admin" not in html
    assert events_since(events) == []


def test_another_organisation_sees_nothing(client, reg, other_admin):
    services.service_update(actor=reg.admin, instance=reg.service, data={"description": "Ny"})
    client.force_login(other_admin)
    events = last_event_id()
    for model, pk in (
        ("system", reg.system.pk),
        ("service", reg.service.pk),
        ("managementobject", reg.obj.pk),
    ):
        assert history(client, model, pk).status_code == 404
    assert events_since(events) == []
    # As a participant it sees the shared service, but not the owner's events.
    ParticipationFactory(
        service=reg.service, organisation=reg.other, valid_from=dt.date(2020, 1, 1)
    )
    response = history(client, "service", reg.service.pk)
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "Ada Admin" not in response.content.decode()
    assert AuditEvent.objects.filter(action="register.service.updated").count() == 1


def test_history_is_paginated_newest_first(client, reg):
    for n in range(30):
        services.management_object_update(
            actor=reg.admin, instance=reg.obj, data={"identifier": f"FO-{n}"}
        )
    client.force_login(reg.admin)
    first = history(client, "managementobject", reg.obj.pk).context["entries"]
    assert len(first) == 25
    assert [c.new for c in first[0].changes] == ["FO-29"]
    second = history(client, "managementobject", reg.obj.pk, "?page=2").context["entries"]
    assert [c.new for e in second for c in e.changes] == ["FO-4", "FO-3", "FO-2", "FO-1", "FO-0"]
    assert ManagementObject.objects.get(pk=reg.obj.pk).identifier == "FO-29"
    assert Service.objects.count() == 2
