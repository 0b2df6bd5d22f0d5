"""Core pages through HTTP: organisations, units, people, memberships, login.

Every refusal is checked for what it must not do: no row created or changed, and
(where the refusal is a permission refusal) an `access.denied` event instead of a
change event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
    org_number,
)

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------
def sv(msgid: str, **params: Any) -> str:
    """The Swedish text the user is shown for a message id (translated or not yet)."""
    with translation.override("sv"):
        text = gettext(msgid)
    return text % params if params else text


def required() -> str:
    text = sv("This field is required.")
    assert text != "This field is required."  # Swedish, not the English message id
    return text


def invalid_model_choice() -> str:
    text = sv("Select a valid choice. That choice is not one of the available choices.")
    assert text.startswith("Välj ett giltigt alternativ.")
    return text


def label(model: Any, field: str) -> str:
    with translation.override("sv"):
        return str(capfirst(model._meta.get_field(field).verbose_name))


def errors_of(response: Any) -> dict[str, list[str]]:
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


def assert_field_error(response: Any, field: str, message: str, field_label: str) -> None:
    assert response.status_code == 400
    assert errors_of(response) == {field: [message]}
    html = response.content.decode()
    assert 'class="error-summary"' in html
    # The summary names the field and the message, in the user's language.
    assert f"{escape(field_label)}: {escape(message)}" in html


def state() -> dict[str, Any]:
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "units": list(Unit.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
    }


def events_since(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def org_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Nya kommunen",
        "short_name": "NK",
        "kind": "municipality",
        "org_number": "",
        "description": "",
        "email": "",
        "website": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def platform_admin() -> User:
    return UserFactory(username="plattform", is_platform_admin=True)


@pytest.fixture
def org() -> Organisation:
    return OrganisationFactory(name="Kommun Ett", kind=OrganisationKind.MUNICIPALITY)


@pytest.fixture
def org_admin(org: Organisation) -> User:
    user = UserFactory(username="admin1", first_name="Ada", last_name="Adminsson")
    MembershipFactory(user=user, organisation=org, is_org_admin=True)
    return user


@pytest.fixture
def other_org() -> Organisation:
    return OrganisationFactory(name="Kommun Två", kind=OrganisationKind.MUNICIPALITY)


# --- organisations --------------------------------------------------------------------------
def test_platform_admin_creates_organisation_with_normalised_number(client, platform_admin):
    number = org_number(4242)
    client.force_login(platform_admin)
    before = last_event_id()
    response = client.post(
        reverse("core:organisation_add"),
        org_form(org_number=number.replace("-", ""), email="info@nya.se", website="nya.se"),
    )
    created = Organisation.objects.get(name="Nya kommunen")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:organisation_detail", args=[created.pk])
    assert len(number) == 11 and number[6] == "-"
    assert created.org_number == number
    assert created.kind == "municipality"
    assert created.short_name == "NK"
    assert created.email == "info@nya.se"
    assert created.website == "https://nya.se"
    assert created.is_active is True
    [event] = events_since(before)
    assert event.action == "core.organisation.created"
    assert event.actor_id == platform_admin.pk
    assert event.object_id == str(created.pk)
    assert event.organisation_id == created.pk
    assert event.changes == {
        "name": [None, "Nya kommunen"],
        "short_name": [None, "NK"],
        "kind": [None, "municipality"],
        "org_number": [None, number],
        "description": [None, ""],
        "email": [None, "info@nya.se"],
        "website": [None, "https://nya.se"],
        "is_active": [None, True],
        "require_mfa": [None, False],
    }


def test_invalid_org_number_is_a_400_with_the_field_error_and_creates_nothing(
    client, platform_admin
):
    client.force_login(platform_admin)
    before, events = state(), last_event_id()
    response = client.post(reverse("core:organisation_add"), org_form(org_number="5566000000"))
    message = sv(
        "“%(value)s” is not a valid Swedish organisation number (NNNNNN-NNNN).",
        value="5566000000",
    )
    assert_field_error(response, "org_number", message, label(Organisation, "org_number"))
    assert state() == before
    assert events_since(events) == []


def test_missing_org_number_is_required_in_swedish(client, platform_admin):
    client.force_login(platform_admin)
    before = state()
    response = client.post(reverse("core:organisation_add"), org_form(org_number=""))
    assert_field_error(response, "org_number", required(), label(Organisation, "org_number"))
    assert state() == before


def test_duplicate_org_number_is_refused_whatever_its_spelling(client, platform_admin, org):
    client.force_login(platform_admin)
    before, events = state(), last_event_id()
    response = client.post(
        reverse("core:organisation_add"), org_form(org_number=org.org_number.replace("-", ""))
    )
    with translation.override("sv"):
        unique = Organisation().unique_error_message(Organisation, ("org_number",))
        message = str(unique.message % unique.params)
    assert_field_error(response, "org_number", message, label(Organisation, "org_number"))
    assert response.context["form"].errors.as_data()["org_number"][0].code == "unique"
    assert state() == before
    assert events_since(events) == []


def test_org_admin_may_only_register_suppliers(client, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("core:organisation_add"))
    assert response.status_code == 200
    assert [value for value, _ in response.context["form"].fields["kind"].choices] == ["supplier"]

    before, events = state(), last_event_id()
    response = client.post(
        reverse("core:organisation_add"),
        org_form(name="Falsk kommun", kind="municipality", org_number=org_number(777)),
    )
    assert_field_error(
        response,
        "kind",
        sv(
            "Select a valid choice. %(value)s is not one of the available choices.",
            value="municipality",
        ),
        label(Organisation, "kind"),
    )
    assert state() == before
    assert events_since(events) == []

    response = client.post(
        reverse("core:organisation_add"),
        org_form(name="Leverantören AB", kind="supplier", org_number=org_number(778)),
    )
    assert response.status_code == 302
    supplier = Organisation.objects.get(name="Leverantören AB")
    assert supplier.kind == "supplier"
    assert supplier.org_number == org_number(778)
    [event] = events_since(events)
    assert (event.action, event.actor_id) == ("core.organisation.created", org_admin.pk)


def test_org_admin_edits_own_organisation_but_not_kind_or_activity(client, org, org_admin):
    client.force_login(org_admin)
    events = last_event_id()
    response = client.post(
        reverse("core:organisation_edit", args=[org.pk]),
        org_form(
            name=org.name,
            short_name="K1",
            kind="supplier",  # disabled for an organisation administrator
            org_number=org.org_number,
            description="Ny beskrivning",
            is_active="",  # disabled too: the stored value stays
        ),
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.short_name, org.description) == ("K1", "Ny beskrivning")
    assert (org.kind, org.is_active) == ("municipality", True)
    [event] = events_since(events)
    assert event.action == "core.organisation.updated"
    assert event.changes == {
        "short_name": ["", "K1"],
        "description": ["", "Ny beskrivning"],
    }


def test_org_admin_cannot_edit_another_organisation(client, org_admin, other_org):
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    url = reverse("core:organisation_edit", args=[other_org.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, org_form(name="Kapad", org_number=other_org.org_number, description="x")
    )
    assert response.status_code == 403
    assert state() == before
    new = events_since(events)
    assert [e.action for e in new] == ["access.denied", "access.denied"]
    assert {e.actor_id for e in new} == {org_admin.pk}
    assert {e.object_id for e in new} == {str(other_org.pk)}


# --- units ----------------------------------------------------------------------------------
def unit_form(org: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {"organisation": org.pk, "parent": "", "name": "Socialtjänst", "code": "SOC"}
    data["is_active"] = "on"
    data.update(overrides)
    return data


def test_org_admin_creates_unit(client, org, org_admin):
    parent = UnitFactory(organisation=org, name="Kommunledning")
    client.force_login(org_admin)
    events = last_event_id()
    response = client.post(reverse("core:unit_add"), unit_form(org, parent=parent.pk))
    unit = Unit.objects.get(name="Socialtjänst")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:unit_detail", args=[unit.pk])
    assert (unit.organisation_id, unit.parent_id, unit.code, unit.is_active) == (
        org.pk,
        parent.pk,
        "SOC",
        True,
    )
    assert unit.path == "Kommunledning / Socialtjänst"
    [event] = events_since(events)
    assert event.action == "core.unit.created"
    assert event.changes == {
        "organisation": [None, org.pk],
        "parent": [None, parent.pk],
        "name": [None, "Socialtjänst"],
        "code": [None, "SOC"],
        "is_active": [None, True],
    }


def test_unit_cannot_be_placed_under_its_own_descendant(client, org, org_admin):
    top = UnitFactory(organisation=org, name="Förvaltning")
    middle = UnitFactory(organisation=org, name="Avdelning", parent=top)
    leaf = UnitFactory(organisation=org, name="Enhet", parent=middle)
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    message = sv("A unit cannot be placed under itself.")
    for parent in (leaf, middle, top):
        response = client.post(
            reverse("core:unit_edit", args=[top.pk]),
            unit_form(org, name="Förvaltning", code="", parent=parent.pk),
        )
        assert_field_error(response, "parent", message, label(Unit, "parent"))
    assert state() == before
    assert events_since(events) == []


def test_unit_parent_from_another_organisation_is_refused(client, org, org_admin, other_org):
    foreign = UnitFactory(organisation=other_org, name="Främmande")
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    # Not administered: not even a choice.
    response = client.post(reverse("core:unit_add"), unit_form(org, parent=foreign.pk))
    assert_field_error(response, "parent", invalid_model_choice(), label(Unit, "parent"))
    # Administered, but the wrong organisation: the model's rule.
    MembershipFactory(user=org_admin, organisation=other_org, is_org_admin=True)
    before = state()
    response = client.post(reverse("core:unit_add"), unit_form(org, parent=foreign.pk))
    assert_field_error(
        response,
        "parent",
        sv("The parent unit must belong to the same organisation."),
        label(Unit, "parent"),
    )
    assert state() == before
    assert events_since(events) == []


def test_unit_in_an_organisation_not_administered_is_refused(client, org_admin, other_org):
    client.force_login(org_admin)
    before = state()
    response = client.post(reverse("core:unit_add"), unit_form(other_org))
    assert_field_error(
        response, "organisation", invalid_model_choice(), label(Unit, "organisation")
    )
    assert state() == before


# --- people ---------------------------------------------------------------------------------
def person_form(org: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": "nina.nilsson",
        "first_name": "Nina",
        "last_name": "Nilsson",
        "email": "Nina.Nilsson@Kommun.se",
        "phone": "070-123 45 67",
        "organisation": org.pk,
        "unit": "",
    }
    data.update(overrides)
    return data


def test_org_admin_creates_person_with_first_membership(
    client, org, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    unit = UnitFactory(organisation=org, name="Skola")
    client.force_login(org_admin)
    events = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user_add"), person_form(org, unit=unit.pk))
    person = User.objects.get(username="nina.nilsson")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:user_detail", args=[person.pk])
    assert (person.first_name, person.last_name, person.email, person.phone) == (
        "Nina",
        "Nilsson",
        "nina.nilsson@kommun.se",
        "070-123 45 67",
    )
    # No password: the person chooses one through the invitation (test_people.py).
    assert person.has_usable_password() is False
    assert [m.to for m in mailoutbox] == [["nina.nilsson@kommun.se"]]
    assert person.is_platform_admin is False
    [membership] = Membership.objects.filter(user=person)
    assert (membership.organisation_id, membership.unit_id, membership.is_org_admin) == (
        org.pk,
        unit.pk,
        False,
    )
    new = events_since(events)
    # The person's own event comes last: the chain lock is held for the shortest time.
    assert [e.action for e in new] == [
        "core.membership.created",
        "core.user.created",
        "core.user.invited",
    ]
    assert new[1].changes == {
        "username": [None, "nina.nilsson"],
        "first_name": [None, "Nina"],
        "last_name": [None, "Nilsson"],
        "email": [None, "nina.nilsson@kommun.se"],
    }
    assert new[1].organisation_id == org.pk
    assert new[0].changes["unit"] == [None, unit.pk]
    assert new[2].changes == {"email": [None, "nina.nilsson@kommun.se"], "days": [None, 7]}
    assert all("password" not in str(e.changes) for e in new)


def test_person_email_must_be_unique_among_colleagues_ignoring_case(client, org, org_admin):
    # (Someone of another organisation with the address is not revealed: see
    # test_security.test_an_e_mail_address_of_another_organisation_is_answered_as_a_free_one.)
    MembershipFactory(
        user=UserFactory(username="first", email="nina.nilsson@kommun.se"), organisation=org
    )
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    response = client.post(reverse("core:user_add"), person_form(org))
    assert_field_error(
        response,
        "email",
        sv("Someone in your organisation already has this e-mail address."),
        label(User, "email"),
    )
    assert state() == before
    assert events_since(events) == []


def test_person_unit_must_belong_to_the_chosen_organisation(client, org, org_admin, other_org):
    MembershipFactory(user=org_admin, organisation=other_org, is_org_admin=True)
    foreign_unit = UnitFactory(organisation=other_org)
    client.force_login(org_admin)
    before = state()
    response = client.post(reverse("core:user_add"), person_form(org, unit=foreign_unit.pk))
    assert_field_error(
        response,
        "unit",
        sv("The unit must belong to the chosen organisation."),
        str(capfirst(sv("unit"))),
    )
    assert state() == before


def test_org_admin_cannot_create_person_in_another_organisation(client, org_admin, other_org):
    client.force_login(org_admin)
    before = state()
    response = client.post(reverse("core:user_add"), person_form(other_org))
    assert response.status_code == 400
    assert errors_of(response)["organisation"] == [invalid_model_choice()]
    assert state() == before


def test_platform_admin_creating_a_person_appoints_an_administrator(client, platform_admin, org):
    client.force_login(platform_admin)
    response = client.post(reverse("core:user_add"), person_form(org))
    person = User.objects.get(username="nina.nilsson")
    assert response.status_code == 302
    assert Membership.objects.get(user=person).is_org_admin is True
    assert client.get(response["Location"]).status_code == 200


# --- memberships ----------------------------------------------------------------------------
def membership_form(user: User, org: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "user": user.pk,
        "organisation": org.pk,
        "unit": "",
        "manager": "",
        "title": "Handläggare",
        "valid_from": "2025-01-01",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def test_org_admin_adds_membership_with_unit_and_manager(client, org, org_admin, other_org):
    MembershipFactory(user=org_admin, organisation=other_org, is_org_admin=True)
    person = UserFactory()
    MembershipFactory(user=person, organisation=other_org)
    manager = UserFactory()
    MembershipFactory(user=manager, organisation=org)
    unit = UnitFactory(organisation=org)
    client.force_login(org_admin)
    events = last_event_id()
    response = client.post(
        reverse("core:membership_add"),
        membership_form(person, org, unit=unit.pk, manager=manager.pk),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:organisation_detail", args=[org.pk])
    membership = Membership.objects.get(user=person, organisation=org)
    assert (membership.unit_id, membership.manager_id, membership.title) == (
        unit.pk,
        manager.pk,
        "Handläggare",
    )
    assert membership.valid_from == dt.date(2025, 1, 1)
    assert membership.valid_to is None
    assert membership.is_org_admin is False
    [event] = events_since(events)
    assert event.action == "core.membership.created"
    assert event.organisation_id == org.pk


def test_membership_manager_must_be_in_the_same_organisation(client, org, org_admin, other_org):
    MembershipFactory(user=org_admin, organisation=other_org, is_org_admin=True)
    person = UserFactory()
    MembershipFactory(user=person, organisation=other_org)
    outsider_manager = UserFactory()
    MembershipFactory(user=outsider_manager, organisation=other_org)
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    response = client.post(
        reverse("core:membership_add"),
        membership_form(person, org, manager=outsider_manager.pk),
    )
    assert_field_error(
        response,
        "manager",
        sv("The manager must be a member of the same organisation."),
        label(Membership, "manager"),
    )
    assert state() == before
    assert events_since(events) == []


def test_membership_manager_from_an_organisation_not_administered_is_not_a_choice(
    client, org, org_admin, other_org
):
    person = UserFactory()
    MembershipFactory(user=person, organisation=org, title="")
    stranger = UserFactory()
    MembershipFactory(user=stranger, organisation=other_org)
    client.force_login(org_admin)
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=org)
    before = state()
    response = client.post(
        reverse("core:membership_edit", args=[person.memberships.get().pk]),
        membership_form(person, org, manager=stranger.pk),
    )
    assert_field_error(response, "manager", invalid_model_choice(), label(Membership, "manager"))
    assert state() == before


def test_membership_unit_must_be_in_the_same_organisation(client, org, org_admin, other_org):
    MembershipFactory(user=org_admin, organisation=other_org, is_org_admin=True)
    person = UserFactory()
    MembershipFactory(user=person, organisation=other_org)
    foreign_unit = UnitFactory(organisation=other_org)
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    response = client.post(
        reverse("core:membership_add"), membership_form(person, org, unit=foreign_unit.pk)
    )
    assert_field_error(
        response,
        "unit",
        sv("The unit must belong to the same organisation."),
        label(Membership, "unit"),
    )
    assert state() == before
    assert events_since(events) == []


def test_duplicate_membership_is_refused(client, org, org_admin):
    person = UserFactory()
    MembershipFactory(user=person, organisation=org)
    client.force_login(org_admin)
    before, events = state(), last_event_id()
    response = client.post(reverse("core:membership_add"), membership_form(person, org))
    assert response.status_code == 400
    message = sv("This person is already a member of the organisation.")
    assert response.context["form"].non_field_errors() == [message]
    assert escape(message) in response.content.decode()
    assert state() == before
    assert events_since(events) == []


def test_platform_admin_appoints_org_admin_through_the_membership_form(client, platform_admin, org):
    newcomer = UserFactory(username="ny.admin", first_name="Nils", last_name="Nykomling")
    existing_admin = UserFactory(last_name="Befintligsson")
    MembershipFactory(user=existing_admin, organisation=org, is_org_admin=True)
    staff = UserFactory(last_name="Personalsson")
    MembershipFactory(user=staff, organisation=org)
    client.force_login(platform_admin)

    response = client.get(reverse("core:membership_add"))
    assert response.status_code == 200
    form = response.context["form"]
    choices = set(form.fields["user"].queryset)
    assert newcomer in choices
    assert existing_admin in choices
    assert staff not in choices
    assert form.fields["is_org_admin"].disabled is True
    assert "Personalsson" not in response.content.decode()

    before, events = state(), last_event_id()
    response = client.post(reverse("core:membership_add"), membership_form(staff, org))
    assert_field_error(response, "user", invalid_model_choice(), label(Membership, "user"))
    assert state() == before
    assert events_since(events) == []

    # No is_org_admin in the POST: the disabled field forces it on.
    response = client.post(reverse("core:membership_add"), membership_form(newcomer, org))
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, organisation=org)
    assert membership.is_org_admin is True
    [event] = events_since(events)
    assert event.action == "core.membership.created"
    assert event.actor_id == platform_admin.pk
    assert event.changes["is_org_admin"] == [None, True]

    # The platform administrator sees the administrators and no other staff.
    page = client.get(reverse("core:organisation_detail", args=[org.pk])).content.decode()
    assert "Nykomling" in page
    assert "Befintligsson" in page
    assert "Personalsson" not in page
    staff_membership = Membership.objects.get(user=staff)
    url = reverse("core:membership_detail", args=[staff_membership.pk])
    assert client.get(url).status_code == 404
    url = reverse("core:user_detail", args=[staff.pk])
    assert client.get(url).status_code == 404
    url = reverse("core:membership_detail", args=[membership.pk])
    assert client.get(url).status_code == 200


# --- login and logout -----------------------------------------------------------------------
def test_login_and_logout_are_recorded(client):
    user = UserFactory(username="karin")
    MembershipFactory(user=user)
    events = last_event_id()
    response = client.post(
        reverse("login"),
        {"username": "karin", "password": TEST_PASSWORD},
        HTTP_USER_AGENT="Testläsare/1.0",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    [login] = events_since(events)
    assert login.action == "auth.login"
    assert (login.actor_id, login.object_type, login.object_id) == (
        user.pk,
        "core.user",
        str(user.pk),
    )
    assert login.client_address == "127.0.0.1"
    assert login.user_agent == "Testläsare/1.0"

    events = last_event_id()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    [logout] = events_since(events)
    assert (logout.action, logout.actor_id) == ("auth.logout", user.pk)
    assert client.get(reverse("core:home")).status_code == 302


def test_failed_login_is_recorded_and_logs_nobody_in(client):
    UserFactory(username="karin")
    events = last_event_id()
    response = client.post(reverse("login"), {"username": "karin", "password": "fel-lösenord"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    [event] = events_since(events)
    assert event.action == "auth.login_failed"
    assert event.actor_id is None
    assert event.object_repr == "karin"
    assert event.client_address == "127.0.0.1"
    assert client.get(reverse("core:home")).status_code == 302
