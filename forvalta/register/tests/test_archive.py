"""Archive instead of delete (issue 9, point 4), through HTTP and the API.

Whoever may edit a management object, service or system archives and restores it (one
audit event each); archived items leave the lists unless asked for. A hard delete is for
the owning organisation's administrators only, and only as confirmed on a page that lists
everything else that would go; another organisation's rows are counted, never named.
Every refusal changes nothing.
"""

# ruff: noqa: F811  (the `reg` fixture is imported and then asked for by name)
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.timezone import localtime

from forvalta.audit.models import AuditEvent
from forvalta.core.concurrency import VERSION_FIELD
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    RoleAssignment,
    Service,
    System,
)
from forvalta.register.selectors import deletion_plan
from forvalta.register.tests.factories import (
    AgreementFactory,
    EnvironmentFactory,
    IntegrationFactory,
    ManagementObjectFactory,
    RoleAssignmentFactory,
    SystemFactory,
    role_type,
)
from forvalta.register.tests.test_register_views import (  # noqa: F401  # the fixture
    Reg,
    events_since,
    last_event_id,
    reg,
    state,
    sv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(reg: Reg) -> Any:
    """The management lead of the kommun's object: edits it, is no administrator."""
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


def plural(model: Any) -> str:
    with translation.override("sv"):
        return str(capfirst(model._meta.verbose_name_plural))


def url(model: str, action: str, pk: int) -> str:
    return reverse(f"register:{model}_{action}", args=[pk])


def list_names(client: Any, model: str, query: str = "") -> list[str]:
    response = client.get(reverse(f"register:{model}_list") + query)
    assert response.status_code == 200
    return [str(row.record) for row in response.context["table"].page.object_list]


# --- buttons ------------------------------------------------------------------------------
def test_the_lead_sees_archive_and_no_delete_button(client, reg, lead):
    client.force_login(lead)
    for model, item in (
        ("managementobject", reg.obj),
        ("service", reg.service),
        ("system", reg.system),
    ):
        html = client.get(url(model, "detail", item.pk)).content.decode()
        assert f'action="{url(model, "archive", item.pk)}"' in html
        assert sv("Archive") in html
        assert url(model, "delete", item.pk) not in html
        assert f'action="{url(model, "restore", item.pk)}"' not in html


def test_the_administrator_sees_archive_and_delete(client, reg):
    client.force_login(reg.admin)
    html = client.get(url("system", "detail", reg.system.pk)).content.decode()
    assert f'action="{url("system", "archive", reg.system.pk)}"' in html
    assert f'href="{url("system", "delete", reg.system.pk)}"' in html


def test_staff_without_rights_see_neither(client, reg):
    client.force_login(reg.staff)
    html = client.get(url("system", "detail", reg.system.pk)).content.decode()
    assert url("system", "archive", reg.system.pk) not in html
    assert url("system", "delete", reg.system.pk) not in html


# --- archive and restore ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, attr, klass",
    [
        ("managementobject", "obj", ManagementObject),
        ("service", "service", Service),
        ("system", "system", System),
    ],
)
def test_the_lead_archives_and_restores(client, reg, lead, model, attr, klass):
    item = getattr(reg, attr)
    client.force_login(lead)
    assert item.name in list_names(client, model)
    events = last_event_id()
    response = client.post(url(model, "archive", item.pk))
    assert response.status_code == 302
    assert response["Location"] == url(model, "detail", item.pk)
    stored = klass.objects.get(pk=item.pk)
    assert stored.archived_at is not None
    assert stored.archived_by_id == lead.pk
    [event] = events_since(events)
    assert event.action == f"register.{model}.archived"
    assert (event.actor_id, event.object_id) == (lead.pk, str(item.pk))
    assert event.organisation_id == reg.kommun.pk
    assert event.changes == {
        "archived_at": [None, stored.archived_at.isoformat()],
        "archived_by": [None, lead.pk],
    }
    # Hidden from the list unless asked for, and marked on its page.
    assert item.name not in list_names(client, model)
    assert item.name in list_names(client, model, "?archived=include")
    assert list_names(client, model, "?archived=only") == [item.name]
    html = client.get(url(model, "detail", item.pk)).content.decode()
    with translation.override("sv"):
        when = date_filter(localtime(stored.archived_at), "j M Y")
    assert sv("Archived on %(when)s by %(who)s.", when=when, who="Lisa Ledare") in html
    assert f'action="{url(model, "restore", item.pk)}"' in html
    assert f'action="{url(model, "archive", item.pk)}"' not in html

    events = last_event_id()
    response = client.post(url(model, "restore", item.pk))
    assert response.status_code == 302
    stored = klass.objects.get(pk=item.pk)
    assert (stored.archived_at, stored.archived_by_id) == (None, None)
    [event] = events_since(events)
    assert event.action == f"register.{model}.restored"
    assert event.changes["archived_by"] == [lead.pk, None]
    assert event.changes["archived_at"][1] is None
    assert item.name in list_names(client, model)
    assert list_names(client, model, "?archived=only") == []


def test_archived_items_are_not_offered_but_an_edit_keeps_its_own(client, reg):
    """Forms offer no archived object, service or system; a row that already points at
    one keeps it, and saves unchanged."""
    spare = ManagementObjectFactory(owner_organisation=reg.kommun, name="Gammalt objekt")
    client.force_login(reg.admin)
    assert client.post(url("managementobject", "archive", spare.pk)).status_code == 302

    def choices(path: str) -> set[str]:
        form = client.get(path).context["form"]
        return {str(o) for o in form.fields["management_object"].queryset}

    add = reverse("register:system_add")
    assert choices(add) == {"Vård och omsorg"}
    assert client.post(url("managementobject", "archive", reg.obj.pk)).status_code == 302
    assert choices(add) == set()
    edit = url("system", "edit", reg.system.pk)
    assert choices(edit) == {"Vård och omsorg"}
    page = client.get(edit)
    form = page.context["form"]
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() not in (None, False) and not isinstance(form[name].value(), list)
    }
    version = re.search(rf'name="{VERSION_FIELD}" value="([^"]*)"', page.content.decode())
    assert version is not None
    data[VERSION_FIELD] = version.group(1)
    before = System.objects.get(pk=reg.system.pk).updated_at
    refused = client.post(edit, {**data, "management_object": spare.pk})
    assert refused.status_code == 400
    assert System.objects.get(pk=reg.system.pk).updated_at == before
    saved = client.post(edit, data)
    assert saved.status_code == 302
    assert System.objects.get(pk=reg.system.pk).management_object_id == reg.obj.pk


def test_archiving_twice_is_refused_and_changes_nothing(client, reg, lead):
    client.force_login(lead)
    assert client.post(url("system", "archive", reg.system.pk)).status_code == 302
    before, events = state(), last_event_id()
    response = client.post(url("system", "archive", reg.system.pk))
    assert response.status_code == 400
    message = sv("“%(name)s” is already archived.", name="Procapita")
    assert response.context["error"] == message
    assert escape(message) in response.content.decode()
    assert state() == before
    assert events_since(events) == []
    client.post(url("system", "restore", reg.system.pk))
    before, events = state(), last_event_id()
    response = client.post(url("system", "restore", reg.system.pk))
    assert response.status_code == 400
    assert response.context["error"] == sv("“%(name)s” is not archived.", name="Procapita")
    assert state() == before
    assert events_since(events) == []


def test_who_may_not_edit_may_not_archive(client, reg, other_admin):
    client.force_login(reg.staff)
    before, events = state(), last_event_id()
    for action in ("archive", "restore"):
        assert client.get(url("system", action, reg.system.pk)).status_code == 403
        assert client.post(url("system", action, reg.system.pk)).status_code == 403
    assert state() == before
    refusals = events_since(events)
    assert [e.action for e in refusals] == ["access.denied"] * 4
    assert {e.actor_id for e in refusals} == {reg.staff.pk}
    # Another organisation does not even learn that the item exists.
    client.force_login(other_admin)
    events = last_event_id()
    for model, item in (
        ("system", reg.system),
        ("service", reg.service),
        ("managementobject", reg.obj),
    ):
        for action in ("archive", "restore"):
            assert client.post(url(model, action, item.pk)).status_code == 404
    assert state() == before
    assert events_since(events) == []


def test_the_confirmation_page_archives_too(client, reg, lead):
    client.force_login(lead)
    response = client.get(url("system", "archive", reg.system.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(sv("Archive “%(name)s”?", name="Procapita")) in html
    assert client.post(url("system", "archive", reg.system.pk)).status_code == 302
    assert System.objects.get(pk=reg.system.pk).archived_at is not None


def test_archived_systems_leave_the_documentation_gaps(client, reg, lead):
    System.objects.filter(pk=reg.system.pk).update(lifecycle="operation")
    client.force_login(lead)
    assert [
        g.system.name for g in client.get(reverse("register:documentation_gaps")).context["gaps"]
    ] == ["Procapita"]
    client.post(url("system", "archive", reg.system.pk))
    assert client.get(reverse("register:documentation_gaps")).context["gaps"] == []


# --- hard delete --------------------------------------------------------------------------------
@pytest.fixture
def dependants(reg: Reg) -> dict[str, Any]:
    """The kommun's system with what hangs on it, including another organisation's
    agreement that covers it (invisible to the kommun)."""
    env = EnvironmentFactory(system=reg.system, kind="test", name="Test")
    role = RoleAssignmentFactory(
        person=reg.staff,
        organisation=reg.kommun,
        role_type=role_type("system_manager"),
        system=reg.system,
        valid_from=dt.date(2020, 1, 1),
    )
    integration = IntegrationFactory(source=reg.system, external_system="Navet")
    own = AgreementFactory(
        owner_organisation=reg.kommun, supplier=reg.supplier, title="PUB Procapita"
    )
    own.systems.add(reg.system)
    foreign = AgreementFactory(
        owner_organisation=reg.other, supplier=reg.supplier, title="Hemligt avtal B"
    )
    foreign.systems.add(reg.system)
    return {"env": env, "role": role, "integration": integration, "own": own, "foreign": foreign}


def test_the_delete_page_lists_everything_that_would_go(client, reg, dependants):
    client.force_login(reg.admin)
    response = client.get(url("system", "delete", reg.system.pk))
    assert response.status_code == 200
    plan = response.context["plan"]
    groups = {g.label: (g.count, g.names, g.not_shown) for g in plan.deletes}
    assert groups == {
        sv("Links from %(kind)s", kind=sv("agreements")): (2, ["PUB Procapita"], 1),
        sv("Links from %(kind)s", kind=sv("services")): (1, ["Hemtjänst"], 0),
        plural(Environment): (1, [str(dependants["env"])], 0),
        plural(Integration): (1, [str(dependants["integration"])], 0),
        plural(RoleAssignment): (1, [str(dependants["role"])], 0),
    }
    assert plan.blocked_by == []
    html = response.content.decode()
    assert "Hemligt avtal B" not in html
    assert sv("%(counter)s that you may not see") % {"counter": 1} in html
    assert f'name="confirm" value="{plan.token}"' in html
    assert escape(sv("Delete “%(name)s” for good?", name="Procapita")) in html


def test_an_unconfirmed_delete_is_refused_and_deletes_nothing(client, reg, dependants):
    client.force_login(reg.admin)
    before, events = state(), last_event_id()
    for confirm in (None, "", "0" * 32):
        data = {} if confirm is None else {"confirm": confirm}
        response = client.post(url("system", "delete", reg.system.pk), data)
        assert response.status_code == 400
        assert response.context["error"] == sv(
            "Deleting “%(name)s” would also delete other data that you have not confirmed. "
            "Nothing was deleted: review the list and confirm again.",
            name="Procapita",
        )
    assert state() == before
    assert events_since(events) == []


def test_a_delete_confirmed_before_a_change_is_refused(client, reg, dependants):
    client.force_login(reg.admin)
    token = client.get(url("system", "delete", reg.system.pk)).context["plan"].token
    EnvironmentFactory(system=reg.system, kind="training", name="Utbildning")
    before, events = state(), last_event_id()
    response = client.post(url("system", "delete", reg.system.pk), {"confirm": token})
    assert response.status_code == 400
    assert state() == before
    assert events_since(events) == []
    # The page now lists the new environment too.
    assert client.get(url("system", "delete", reg.system.pk)).context["plan"].token != token


def test_the_confirmed_delete_takes_exactly_what_was_listed(client, reg, dependants):
    client.force_login(reg.admin)
    token = client.get(url("system", "delete", reg.system.pk)).context["plan"].token
    events = last_event_id()
    response = client.post(url("system", "delete", reg.system.pk), {"confirm": token})
    assert response.status_code == 302
    assert response["Location"] == reverse("register:system_list")
    assert not System.objects.filter(pk=reg.system.pk).exists()
    assert not Environment.objects.filter(pk=dependants["env"].pk).exists()
    assert not RoleAssignment.objects.filter(pk=dependants["role"].pk).exists()
    assert not Integration.objects.filter(pk=dependants["integration"].pk).exists()
    # The agreements stay; only their links to the system go.
    assert Agreement.objects.get(pk=dependants["foreign"].pk).systems.count() == 0
    assert Agreement.objects.get(pk=dependants["own"].pk).systems.count() == 0
    assert Service.objects.get(pk=reg.service.pk).systems.count() == 0
    [event] = events_since(events)
    assert event.action == "register.system.deleted"
    assert (event.actor_id, event.object_id, event.object_repr) == (
        reg.admin.pk,
        str(reg.system.pk),
        "Procapita",
    )
    with_it = event.changes["deleted_with"][1]
    assert with_it["register.environment"] == [dependants["env"].pk]
    assert with_it["register.roleassignment"] == [dependants["role"].pk]
    assert with_it["register.integration"] == [dependants["integration"].pk]
    assert len(with_it["register.agreement_systems"]) == 2
    assert len(with_it["register.service_systems"]) == 1


def test_an_item_without_dependants_is_deleted_without_a_token(client, reg):
    lone = SystemFactory(management_object=reg.obj, name="Ensamt")
    client.force_login(reg.admin)
    response = client.get(url("system", "delete", lone.pk))
    assert response.context["plan"].deletes == []
    assert sv("Nothing else is deleted with it.") in response.content.decode()
    assert client.post(url("system", "delete", lone.pk)).status_code == 302
    assert not System.objects.filter(pk=lone.pk).exists()


def test_what_still_refers_to_an_item_blocks_its_deletion(client, reg):
    client.force_login(reg.admin)
    response = client.get(url("managementobject", "delete", reg.obj.pk))
    plan = response.context["plan"]
    assert {g.label: (g.count, g.names) for g in plan.blocked_by} == {
        plural(Service): (1, ["Hemtjänst"]),
        plural(System): (1, ["Procapita"]),
    }
    html = response.content.decode()
    assert 'name="confirm"' not in html
    before, events = state(), last_event_id()
    response = client.post(url("managementobject", "delete", reg.obj.pk), {"confirm": plan.token})
    assert response.status_code == 400
    assert response.context["error"] == sv(
        "“%(name)s” is still referred to by other data and cannot be deleted.",
        name="Vård och omsorg",
    )
    assert state() == before
    assert events_since(events) == []


def test_only_the_owners_administrator_deletes(client, reg, lead, other_admin, dependants):
    token = deletion_plan(reg.admin, reg.system).token
    before = state()
    client.force_login(lead)
    events = last_event_id()
    assert client.get(url("system", "delete", reg.system.pk)).status_code == 403
    assert (
        client.post(url("system", "delete", reg.system.pk), {"confirm": token}).status_code == 403
    )
    assert [e.action for e in events_since(events)] == ["access.denied", "access.denied"]
    assert state() == before
    client.force_login(other_admin)
    events = last_event_id()
    assert client.get(url("system", "delete", reg.system.pk)).status_code == 404
    assert (
        client.post(url("system", "delete", reg.system.pk), {"confirm": token}).status_code == 404
    )
    assert events_since(events) == []
    assert state() == before


# --- the API --------------------------------------------------------------------------------
def test_api_archive_and_restore(client, reg, lead):
    client.force_login(lead)
    base = f"/api/systems/{reg.system.pk}/"
    events = last_event_id()
    response = client.post(base + "archive/")
    assert response.status_code == 200, response.content
    archived_at = dt.datetime.fromisoformat(response.json()["archived_at"])
    assert archived_at == System.objects.get(pk=reg.system.pk).archived_at
    assert [e.action for e in events_since(events)] == ["register.system.archived"]
    ids = [row["id"] for row in client.get("/api/systems/").json()["results"]]
    assert reg.system.pk not in ids
    ids = [row["id"] for row in client.get("/api/systems/?archived=include").json()["results"]]
    assert reg.system.pk in ids
    before = state()
    response = client.post(base + "archive/")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "non_field_errors": [sv("“%(name)s” is already archived.", name="Procapita")]
    }
    assert state() == before
    response = client.post(base + "restore/")
    assert response.status_code == 200
    assert response.json()["archived_at"] is None


def test_api_refusals_change_nothing(client, reg, other_admin):
    before = state()
    client.force_login(reg.staff)
    events = last_event_id()
    assert client.post(f"/api/systems/{reg.system.pk}/archive/").status_code == 403
    assert [e.action for e in events_since(events)] == ["access.denied"]
    client.force_login(other_admin)
    events = last_event_id()
    for path in ("archive/", "restore/"):
        assert client.post(f"/api/systems/{reg.system.pk}/{path}").status_code == 404
    assert client.get(f"/api/systems/{reg.system.pk}/deletion/").status_code == 404
    assert client.delete(f"/api/systems/{reg.system.pk}/").status_code == 404
    assert events_since(events) == []
    assert state() == before


def test_api_delete_needs_the_listed_confirmation(client, reg, lead, dependants):
    base = f"/api/systems/{reg.system.pk}/"
    client.force_login(lead)
    before = state()
    assert client.get(base + "deletion/").status_code == 403
    assert client.delete(base).status_code == 403
    assert state() == before
    client.force_login(reg.admin)
    plan = client.get(base + "deletion/").json()
    assert plan["blocked_by"] == []
    agreements = next(
        g for g in plan["deletes"] if g["label"] == sv("Links from %(kind)s", kind=sv("agreements"))
    )
    assert agreements == {
        "label": sv("Links from %(kind)s", kind=sv("agreements")),
        "count": 2,
        "names": ["PUB Procapita"],
        "not_shown": 1,
    }
    events = last_event_id()
    response = client.delete(base)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert state() == before
    assert events_since(events) == []
    response = client.delete(base + f"?confirm={plan['confirm']}")
    assert response.status_code == 204
    assert not System.objects.filter(pk=reg.system.pk).exists()
    assert [e.action for e in events_since(events)] == ["register.system.deleted"]
    assert AuditEvent.objects.filter(action="register.system.deleted").count() == 1


def test_deleting_a_shared_service_lists_the_participations_and_roles(client, reg):
    from forvalta.register.models import Participation
    from forvalta.register.tests.factories import ParticipationFactory

    part = ParticipationFactory(
        service=reg.service, organisation=reg.other, valid_from=dt.date(2020, 1, 1)
    )
    client.force_login(reg.admin)
    plan = client.get(url("service", "delete", reg.service.pk)).context["plan"]
    supplier_role = RoleAssignment.objects.get(service=reg.service)
    assert {g.label: (g.count, g.names, g.not_shown) for g in plan.deletes} == {
        sv("Links from %(kind)s", kind=sv("agreements")): (1, ["Ramavtal"], 0),
        sv("Links from %(kind)s", kind=sv("systems")): (1, ["Procapita"], 0),
        plural(Participation): (1, [str(part)], 0),
        plural(RoleAssignment): (1, [str(supplier_role)], 0),
    }
    events = last_event_id()
    response = client.post(url("service", "delete", reg.service.pk), {"confirm": plan.token})
    assert response.status_code == 302
    assert not Service.objects.filter(pk=reg.service.pk).exists()
    assert not Participation.objects.filter(pk=part.pk).exists()
    assert not RoleAssignment.objects.filter(pk=supplier_role.pk).exists()
    assert System.objects.filter(pk=reg.system.pk).exists()
    [event] = events_since(events)
    assert event.action == "register.service.deleted"
    assert event.changes["deleted_with"][1]["register.participation"] == [part.pk]
