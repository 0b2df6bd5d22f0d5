"""Memberships across organisations: an administrator manages their own organisation's
memberships; a person of another organisation joins only by an accepted invitation; a
person's account is edited by their home organisation's administrators.

Issue 7: another organisation's administrator could add a membership (even as
organisation administrator) for a person of a different organisation who held a shared
role, after which the person's own organisation could no longer edit them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from forvalta.audit.models import AuditEvent
from forvalta.core.models import (
    Membership,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    User,
)
from forvalta.core.services import membership_create
from forvalta.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
from forvalta.register.tests.factories import (
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    role_type,
)

pytestmark = pytest.mark.django_db

START = dt.date(2020, 1, 1)


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, f"no Swedish translation for {msgid!r}"
    return text % params if params else text


@dataclass
class W:
    a: Organisation
    b: Organisation
    c: Organisation
    a_admin: User
    a_staff: User
    b_admin: User
    c_admin: User
    person: User


@pytest.fixture
def w() -> W:
    """Kommun B owns a shared service Kommun A takes part in; A's person is its contact
    there, so B's administrator sees them. Kommun C has nothing to do with either."""
    a = OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)
    b = OrganisationFactory(name="Kommun B", kind=OrganisationKind.MUNICIPALITY)
    c = OrganisationFactory(name="Kommun C", kind=OrganisationKind.MUNICIPALITY)

    def person(username: str, org: Organisation, admin: bool = False) -> User:
        user = UserFactory(username=username, last_name=username.capitalize())
        MembershipFactory(user=user, organisation=org, is_org_admin=admin, title="Handläggare")
        return user

    a_admin = person("aadmin", a, admin=True)
    a_staff = person("astaff", a)
    b_admin = person("badmin", b, admin=True)
    c_admin = person("cadmin", c, admin=True)
    shared = person("zzdelad", a)
    obj = ManagementObjectFactory(owner_organisation=b, name="Gemensamt")
    service = ServiceFactory(management_object=obj, name="E-tjänst")
    ParticipationFactory(service=service, organisation=a, valid_from=START)
    RoleAssignmentFactory(
        person=shared,
        organisation=a,
        role_type=role_type("local_contact"),
        service=service,
        valid_from=START,
    )
    return W(a, b, c, a_admin, a_staff, b_admin, c_admin, shared)


def state() -> dict[str, Any]:
    return {
        "users": list(User.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "invitations": list(MembershipInvitation.objects.order_by("pk").values()),
    }


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def events_since(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def membership_form(user: User, org: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "user": user.pk,
        "organisation": org.pk,
        "unit": "",
        "manager": "",
        "title": "Samordnare",
        "valid_from": "2025-01-01",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def person_form(person: User, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def invite_with_page(client: Any, w: W) -> tuple[MembershipInvitation, str]:
    """B's administrator adds A's person to B, proposed as an administrator; returns the
    invitation and the page the administrator is sent to."""
    client.force_login(w.b_admin)
    unit = UnitFactory(organisation=w.b, name="Digitalisering")
    response = client.post(
        reverse("core:membership_add"),
        membership_form(w.person, w.b, unit=unit.pk, is_org_admin="on"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:invitation_list")
    page = client.get(response["Location"]).content.decode()
    return MembershipInvitation.objects.get(person=w.person, organisation=w.b), page


def invite(client: Any, w: W) -> MembershipInvitation:
    return invite_with_page(client, w)[0]


def answer(client: Any, invitation: MembershipInvitation, action: str) -> Any:
    return client.post(reverse("core:invitation_answer", args=[invitation.pk, action]))


# --- the finding ------------------------------------------------------------------------------
def test_other_organisations_admin_invites_instead_of_adding(client, w):
    """Reproduces the finding: B's administrator adds A's person to B as an organisation
    administrator. Now no membership is made: an invitation is sent, and A keeps the
    person's account."""
    memberships, events = list(Membership.objects.order_by("pk").values()), last_event_id()
    invitation, page = invite_with_page(client, w)
    assert list(Membership.objects.order_by("pk").values()) == memberships
    assert invitation.status == "pending"
    assert (invitation.is_org_admin, invitation.title, invitation.unit.name) == (
        True,
        "Samordnare",
        "Digitalisering",
    )
    assert invitation.invited_by == w.b_admin
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=29)
    [event] = [e for e in events_since(events) if e.action != "auth.login"]
    assert (event.action, event.actor_id, event.organisation_id) == (
        "core.membershipinvitation.created",
        w.b_admin.pk,
        w.b.pk,
    )
    # The page says what happened, without naming the person's other organisation.
    message = sv(
        "%(person)s was invited to %(organisation)s. The membership is created when the "
        "person or their organisation accepts.",
        person=w.person,
        organisation=w.b,
    )
    assert message in page
    assert w.a.name not in page
    # A's administrator still edits the person.
    client.force_login(w.a_admin)
    response = client.post(
        reverse("core:user_edit", args=[w.person.pk]), person_form(w.person, first_name="Ny")
    )
    assert response.status_code == 302
    w.person.refresh_from_db()
    assert w.person.first_name == "Ny"


def test_the_service_refuses_a_direct_membership_for_another_organisations_person(w):
    """Imports and other callers of the service meet the same rule."""
    before, events = state(), last_event_id()
    with pytest.raises(PermissionDenied):
        membership_create(
            actor=w.b_admin,
            data={"user": w.person, "organisation": w.b, "is_org_admin": True},
        )
    assert state() == before
    [event] = events_since(events)
    assert (event.action, event.actor_id) == ("access.denied", w.b_admin.pk)


def test_direct_add_when_the_admin_runs_all_the_persons_organisations(client, w):
    """The control: A's person joins another organisation A's administrator also runs."""
    MembershipFactory(user=w.a_admin, organisation=w.c, is_org_admin=True)
    client.force_login(w.a_admin)
    response = client.post(reverse("core:membership_add"), membership_form(w.person, w.c))
    assert response.status_code == 302
    assert Membership.objects.filter(user=w.person, organisation=w.c).exists()
    assert not MembershipInvitation.objects.exists()


# --- answering ------------------------------------------------------------------------------
def test_person_accepts_on_their_home_page(client, w):
    invitation = invite(client, w)
    client.force_login(w.person)
    home = client.get(reverse("core:home")).content.decode()
    assert sv("%(organisation)s invites you to become a member.", organisation=w.b) in home
    assert reverse("core:invitation_answer", args=[invitation.pk, "accept"]) in home
    events = last_event_id()
    response = answer(client, invitation, "accept")
    assert response.status_code == 302
    membership = Membership.objects.get(user=w.person, organisation=w.b)
    assert (membership.is_org_admin, membership.title, membership.unit_id) == (
        True,
        "Samordnare",
        invitation.unit_id,
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("accepted", w.person)
    assert [(e.action, e.actor_id, e.organisation_id) for e in events_since(events)] == [
        ("core.membership.created", w.person.pk, w.b.pk),
        ("core.membershipinvitation.accepted", w.person.pk, w.b.pk),
    ]
    assert client.get(reverse("core:home")).context["my_invitations"] == []


def test_persons_organisation_admin_sees_and_declines(client, w):
    invitation = invite(client, w)
    client.force_login(w.a_admin)
    page = client.get(reverse("core:invitation_list"))
    [mine, for_people, sent] = page.context["sections"]
    assert [i["invitation"] for i in for_people["items"]] == [invitation]
    assert for_people["items"][0]["can_answer"] is True
    assert mine["items"] == [] and sent["items"] == []
    response = answer(client, invitation, "decline")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("declined", w.a_admin)
    assert not Membership.objects.filter(user=w.person, organisation=w.b).exists()


def test_persons_organisation_admin_may_accept(client, w):
    invitation = invite(client, w)
    client.force_login(w.a_admin)
    assert answer(client, invitation, "accept").status_code == 302
    assert Membership.objects.filter(user=w.person, organisation=w.b).exists()


def test_inviter_withdraws_and_then_nobody_can_accept(client, w):
    invitation = invite(client, w)
    page = client.get(reverse("core:invitation_list"))
    sent = page.context["sections"][2]
    assert [(i["invitation"], i["can_withdraw"], i["can_answer"]) for i in sent["items"]] == [
        (invitation, True, False)
    ]
    assert answer(client, invitation, "withdraw").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "withdrawn"
    client.force_login(w.person)
    before, events = state(), last_event_id()
    response = answer(client, invitation, "accept")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert sv("This invitation is no longer open.") in page
    assert state() == before
    assert events_since(events) == []


def test_expired_invitation_cannot_be_accepted(client, w):
    invitation = invite(client, w)
    MembershipInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(w.person)
    assert client.get(reverse("core:home")).context["my_invitations"] == []
    before = state()
    response = answer(client, invitation, "accept")
    assert response.status_code == 302
    assert (
        sv("This invitation is no longer open.")
        in client.get(response["Location"]).content.decode()
    )
    assert state() == before


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("b_admin", "accept", 403),  # the inviter cannot consent for the person
        ("b_admin", "decline", 403),
        ("person", "withdraw", 403),  # only the inviting organisation withdraws
        ("a_admin", "withdraw", 403),
        ("a_staff", "accept", 404),  # a colleague of the person: not theirs to see
        ("c_admin", "accept", 404),  # an unrelated organisation
        ("c_admin", "withdraw", 404),
    ],
)
def test_refusals_change_nothing(client, w, who, action, status):
    invitation = invite(client, w)
    actor = getattr(w, who)
    client.force_login(actor)
    before, events = state(), last_event_id()
    response = answer(client, invitation, action)
    assert response.status_code == status
    assert state() == before
    new = events_since(events)
    if status == 403:
        assert [(e.action, e.actor_id) for e in new] == [("access.denied", actor.pk)]
    else:
        assert new == []


def test_answering_needs_post(client, w):
    invitation = invite(client, w)
    client.force_login(w.person)
    before = state()
    assert (
        client.get(reverse("core:invitation_answer", args=[invitation.pk, "accept"])).status_code
        == 405
    )
    assert (
        client.post(reverse("core:invitation_answer", args=[invitation.pk, "take"])).status_code
        == 404
    )
    assert state() == before


def test_a_second_open_invitation_is_refused(client, w):
    invite(client, w)
    before = state()
    response = client.post(reverse("core:membership_add"), membership_form(w.person, w.b))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        sv("This person already has an open invitation here.")
    ]
    assert state() == before


@pytest.mark.parametrize("who", ["a_staff", "c_admin"])
def test_invitations_are_seen_only_by_those_concerned(client, w, who):
    invite(client, w)
    client.force_login(getattr(w, who))
    page = client.get(reverse("core:invitation_list"))
    assert all(section["items"] == [] for section in page.context["sections"])
    assert "Zzdelad" not in page.content.decode()
    assert "Zzdelad" not in client.get(reverse("core:home")).content.decode()


# --- editing after joining ------------------------------------------------------------------
@pytest.fixture
def joined(client: Any, w: W) -> W:
    invitation = invite(client, w)
    client.force_login(w.person)
    assert answer(client, invitation, "accept").status_code == 302
    client.logout()
    return w


def test_joining_organisation_cannot_edit_the_persons_account(client, joined):
    w = joined
    client.force_login(w.b_admin)
    url = reverse("core:user_edit", args=[w.person.pk])
    before, events = state(), last_event_id()
    assert client.get(url).status_code == 403
    response = client.post(url, person_form(w.person, email="kapad@example.org", is_active=""))
    assert response.status_code == 403
    assert state() == before
    assert [e.action for e in events_since(events)] == ["access.denied", "access.denied"]


def test_joining_organisation_edits_its_own_membership_only(client, joined):
    w = joined
    client.force_login(w.b_admin)
    own = Membership.objects.get(user=w.person, organisation=w.b)
    response = client.post(
        reverse("core:membership_edit", args=[own.pk]),
        membership_form(w.person, w.b, title="Projektledare", is_org_admin=""),
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title, own.is_org_admin) == ("Projektledare", False)
    home = Membership.objects.get(user=w.person, organisation=w.a)
    before = state()
    for url in (
        reverse("core:membership_edit", args=[home.pk]),
        reverse("core:membership_delete", args=[home.pk]),
    ):
        assert client.post(url, membership_form(w.person, w.a, title="Kapad")).status_code == 404
    assert state() == before


def test_home_organisation_edits_and_deactivates_the_person(client, joined):
    w = joined
    client.force_login(w.a_admin)
    url = reverse("core:user_edit", args=[w.person.pk])
    events = last_event_id()
    response = client.post(url, person_form(w.person, last_name="Nyberg", is_active=""))
    assert response.status_code == 302
    w.person.refresh_from_db()
    assert (w.person.last_name, w.person.is_active) == ("Nyberg", False)
    [event] = events_since(events)
    assert event.action == "core.user.updated"
    assert event.changes == {"last_name": ["Zzdelad", "Nyberg"], "is_active": [True, False]}
    client.logout()
    response = client.post(
        reverse("login"), {"username": w.person.username, "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session


def test_an_administrator_cannot_deactivate_themselves(client, w):
    client.force_login(w.a_admin)
    before = state()
    response = client.post(
        reverse("core:user_edit", args=[w.a_admin.pk]), person_form(w.a_admin, is_active="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"is_active": [sv("You cannot deactivate yourself.")]}
    assert state() == before


def test_admin_manages_only_own_organisations_memberships(client, w):
    """B's administrator cannot place anyone in A, nor touch A's memberships."""
    client.force_login(w.b_admin)
    before = state()
    response = client.post(reverse("core:membership_add"), membership_form(w.person, w.a))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["organisation"]
    staff = Membership.objects.get(user=w.a_staff)
    assert client.post(reverse("core:membership_delete", args=[staff.pk])).status_code == 404
    assert state() == before


def test_person_declines_from_home_and_returns_there(client, w):
    invitation = invite(client, w)
    client.force_login(w.person)
    events = last_event_id()
    response = client.post(
        reverse("core:invitation_answer", args=[invitation.pk, "decline"]),
        {"next": reverse("core:home")},
    )
    assert (response.status_code, response["Location"]) == (302, reverse("core:home"))
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == ("declined", w.person)
    assert not Membership.objects.filter(user=w.person, organisation=w.b).exists()
    [event] = events_since(events)
    assert (event.action, event.actor_id, event.changes) == (
        "core.membershipinvitation.declined",
        w.person.pk,
        {"status": ["pending", "declined"]},
    )


def test_answer_redirects_only_within_the_site(client, w):
    invitation = invite(client, w)
    client.force_login(w.person)
    response = client.post(
        reverse("core:invitation_answer", args=[invitation.pk, "decline"]),
        {"next": "https://elak.example/"},
    )
    assert response["Location"] == reverse("core:invitation_list")


def test_the_add_membership_page_says_others_are_invited(client, w):
    client.force_login(w.b_admin)
    page = client.get(reverse("core:membership_add")).content.decode()
    assert (
        sv(
            "A person who also belongs to an organisation you do not administer is invited: "
            "the membership is created when they or their organisation accept."
        )
        in page
    )


def test_the_invitation_list_costs_the_same_queries_for_one_or_many(client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("core:invitation_list"))
        return len(queries), sum(len(s["items"]) for s in page.context["sections"])

    invite(client, w)
    one = count()
    for n in range(4):
        other = UserFactory(username=f"extra{n}")
        MembershipFactory(user=other, organisation=w.a)
        MembershipInvitation.objects.create(organisation=w.b, person=other, invited_by=w.b_admin)
    many = count()
    assert (one[1], many[1]) == (1, 5)
    assert one[0] == many[0]


def test_a_membership_added_without_consent_before_the_fix_locks_nobody_out(client, w):
    """Data from before the fix: B took A's person in unasked. A, the home organisation
    (oldest membership), still edits the account; B does not."""
    MembershipFactory(user=w.person, organisation=w.b, is_org_admin=True)
    client.force_login(w.a_admin)
    url = reverse("core:user_edit", args=[w.person.pk])
    response = client.post(url, person_form(w.person, email="ny.adress@example.org"))
    assert response.status_code == 302
    w.person.refresh_from_db()
    assert w.person.email == "ny.adress@example.org"
    client.force_login(w.b_admin)
    before = state()
    assert client.post(url, person_form(w.person, email="kapad@example.org")).status_code == 403
    assert state() == before
