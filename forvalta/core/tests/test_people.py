"""People administration through HTTP (issue 9 point 7): an organisation administrator adds a
person, who is invited by e-mail to choose a password through a link that expires and
works once; the invitation can be sent again; the people list holds only the
administrator's own organisations' people.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext
from freezegun import freeze_time

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, Organisation, OrganisationKind, User
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
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
PASSWORD = "Lingon-Sylt-2026!q"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/people/invitation/[^/\s]+/[^/\s]+/)")


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, f"no Swedish translation for {msgid!r}"
    return text % params if params else text


@dataclass
class W:
    a: Organisation
    b: Organisation
    a_admin: User
    a_staff: User
    b_admin: User
    shared: User


@pytest.fixture
def w() -> W:
    """Kommun B owns a service Kommun A takes part in; A's `shared` person is its contact
    there, so B's administrator sees them (the register's rule), but they are A's."""
    a = OrganisationFactory(name="Kommun A", kind=OrganisationKind.MUNICIPALITY)
    b = OrganisationFactory(name="Kommun B", kind=OrganisationKind.MUNICIPALITY)

    def person(username: str, org: Organisation, admin: bool = False) -> User:
        user = UserFactory(username=username, last_name=username.capitalize())
        MembershipFactory(user=user, organisation=org, is_org_admin=admin)
        return user

    a_admin = person("aadmin", a, admin=True)
    a_staff = person("astaff", a)
    b_admin = person("badmin", b, admin=True)
    shared = person("zzdelad", a)
    service = ServiceFactory(
        management_object=ManagementObjectFactory(owner_organisation=b), name="E-tjänst"
    )
    ParticipationFactory(service=service, organisation=a, valid_from=START)
    RoleAssignmentFactory(
        person=shared,
        organisation=a,
        role_type=role_type("local_contact"),
        service=service,
        valid_from=START,
    )
    return W(a, b, a_admin, a_staff, b_admin, shared)


def last_event_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def events_since(last_id: int) -> list[AuditEvent]:
    """The events since, logins and logouts of the test's own sessions aside."""
    return list(
        AuditEvent.objects.filter(id__gt=last_id)
        .exclude(action__in=["auth.login", "auth.logout"])
        .order_by("id")
    )


def users() -> list[dict[str, Any]]:
    return list(User.objects.order_by("pk").values())


def swedish(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"


def add_person(client: Any, admin: User, org: Organisation, capture: Any) -> User:
    client.force_login(admin)
    swedish(client)
    with capture(execute=True):
        response = client.post(
            reverse("core:user_add"),
            {
                "username": "nina",
                "first_name": "Nina",
                "last_name": "Nilsson",
                "email": "nina@kommun.se",
                "phone": "",
                "organisation": org.pk,
                "unit": "",
            },
        )
    person = User.objects.get(username="nina")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:user_detail", args=[person.pk])
    client.logout()
    return person


def link_of(message: Any) -> str:
    [path] = LINK.findall(message.body)
    return path


# --- the invitation -------------------------------------------------------------------------
def test_added_person_is_invited_and_chooses_a_password_once(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    events = last_event_id()
    person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    assert person.has_usable_password() is False
    assert list(
        Membership.objects.filter(user=person).values_list("organisation_id", flat=True)
    ) == [w.a.pk]
    assert [e.action for e in events_since(events)] == [
        "core.membership.created",
        "core.user.created",
        "core.user.invited",
    ]
    [mail] = mailoutbox
    assert mail.to == ["nina@kommun.se"]
    assert mail.subject == "Ditt konto i Forvalta"
    path = link_of(mail)
    # Neutral and in Swedish: the username and the link, nothing of the organisation.
    assert mail.body == (
        "Hej!\n\n"
        "Ett konto i Forvalta har skapats åt dig. Ditt användarnamn är: nina\n\n"
        "Välj ditt lösenord genom att öppna länken nedan. Länken kan användas en gång "
        "och gäller i 7 dygn:\n\n"
        f"http://127.0.0.1:8000{path}\n\n"
        "Om länken har gått ut kan du be administratören för din organisation att "
        "skicka inbjudan igen.\n"
    )
    assert "Kommun" not in mail.body

    # The link: the token leaves the address at once (Django's reset flow).
    swedish(client)
    response = client.get(path)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    response = client.get(form_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Välj ditt lösenord</h1>" in html
    assert "Ditt användarnamn är <strong>nina</strong>." in html

    # Two different passwords: refused, nothing stored.
    before = users()
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": "annat"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_password2"]
    assert 'class="error-summary"' in response.content.decode()
    assert users() == before

    events = last_event_id()
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    [event] = events_since(events)
    assert (event.action, event.actor_id, event.object_id, event.organisation_id) == (
        "core.user.password_set",
        person.pk,
        str(person.pk),
        w.a.pk,
    )
    response = client.get(reverse("login"))
    assert [str(m) for m in response.context["messages"]] == [
        "Ditt lösenord är sparat. Logga in med ditt användarnamn nina."
    ]
    assert client.post(reverse("login"), {"login": "nina", "password": PASSWORD}).status_code == 302
    client.logout()

    # The link works once.
    swedish(client)
    before, events = users(), last_event_id()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    html = response.content.decode()
    assert "<h1>Inbjudningslänken går inte att använda</h1>" in html
    assert "Be administratören för din organisation att skicka inbjudan igen." in html
    assert f'href="{reverse("account_reset_password")}"' in html
    assert "<form" not in html.split("<main", 1)[1]
    assert users() == before
    assert events_since(events) == []


@pytest.mark.parametrize(
    ("days_setting", "after", "valid"),
    [
        (None, dt.timedelta(days=6, hours=23), True),
        (None, dt.timedelta(days=7, minutes=1), False),
        (2, dt.timedelta(days=1, hours=23), True),
        (2, dt.timedelta(days=2, minutes=1), False),
    ],
)
def test_the_link_expires_after_the_configured_days(
    client, w, mailoutbox, django_capture_on_commit_callbacks, settings, days_setting, after, valid
):
    if days_setting is not None:
        settings.FORVALTA_INVITATION_DAYS = days_setting
    sent = timezone.now()
    with freeze_time(sent):
        person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert f"gäller i {days_setting or 7} dygn" in mail.body
    before = users()
    with freeze_time(sent + after):
        swedish(client)
        response = client.get(link_of(mail), follow=True)
        assert response.context["validlink"] is valid
        if not valid:
            html = response.content.decode()
            assert (
                "Länken har gått ut eller har redan använts. En inbjudningslänk gäller i "
                f"{days_setting or 7} dygn och kan användas en gång."
            ) in html
            response = client.post(
                link_of(mail), {"new_password1": PASSWORD, "new_password2": PASSWORD}
            )
            assert response.status_code == 200
            assert users() == before
    person.refresh_from_db()
    assert person.has_usable_password() is False


def test_a_tampered_or_password_reset_token_is_no_invitation(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    from django.contrib.auth.tokens import default_token_generator

    person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    path = link_of(mailoutbox[0])
    uid = path.split("/")[3]
    # Another person's uid with this token, and a password-reset token for this person.
    other_uid = urlsafe_base64_encode(force_bytes(w.a_staff.pk))
    for bad in (
        path.replace(uid, other_uid),
        path.rsplit("/", 2)[0] + f"/{default_token_generator.make_token(person)}/",
    ):
        before = users()
        response = client.get(bad, follow=True)
        assert response.context["validlink"] is False
        assert users() == before


def test_an_inactive_person_cannot_use_their_link(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = client.get(link_of(mailoutbox[0]), follow=True)
    assert response.context["validlink"] is False


# --- sending it again -----------------------------------------------------------------------
def test_administrator_sends_the_invitation_again(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    client.force_login(w.a_admin)
    swedish(client)
    html = client.get(reverse("core:user_detail", args=[person.pk])).content.decode()
    assert f'action="{reverse("core:user_invite", args=[person.pk])}"' in html
    assert "Skicka inbjudan igen" in html
    events = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user_invite", args=[person.pk]), follow=True)
    assert response.redirect_chain == [(reverse("core:user_detail", args=[person.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "En ny inbjudan skickades till nina@kommun.se."
    ]
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["nina@kommun.se"]
    [event] = events_since(events)
    assert (event.action, event.actor_id, event.object_id, event.organisation_id) == (
        "core.user.invitation_resent",
        w.a_admin.pk,
        str(person.pk),
        w.a.pk,
    )
    assert event.changes == {"email": [None, "nina@kommun.se"], "days": [None, 7]}
    # The new link works.
    client.logout()
    response = client.get(link_of(mailoutbox[1]), follow=True)
    assert response.context["validlink"] is True


def test_no_invitation_for_a_person_who_has_a_password(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(w.a_admin)
    swedish(client)
    html = client.get(reverse("core:user_detail", args=[w.a_staff.pk])).content.decode()
    assert reverse("core:user_invite", args=[w.a_staff.pk]) not in html
    before, events = users(), last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user_invite", args=[w.a_staff.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        sv(
            "Only an active person with an e-mail address who has not chosen a password yet "
            "can be invited."
        )
    ]
    assert mailoutbox == []
    assert users() == before
    assert events_since(events) == []


@pytest.mark.parametrize(("actor", "status"), [("a_staff", 403), ("b_admin", 403)])
def test_only_the_home_organisations_administrators_send_it_again(
    client, w, mailoutbox, django_capture_on_commit_callbacks, actor, status
):
    """A colleague without administration, and another organisation's administrator who
    sees the person through a shared role: refused, no e-mail, the refusal recorded."""
    w.shared.set_unusable_password()
    w.shared.save()
    client.force_login(getattr(w, actor))
    html = client.get(reverse("core:user_detail", args=[w.shared.pk])).content.decode()
    assert reverse("core:user_invite", args=[w.shared.pk]) not in html
    before, events = users(), last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user_invite", args=[w.shared.pk]))
    assert response.status_code == status
    assert mailoutbox == []
    assert users() == before
    assert [(e.action, e.actor_id) for e in events_since(events)] == [
        ("access.denied", getattr(w, actor).pk)
    ]


def test_a_person_one_does_not_see_is_not_found(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = UserFactory(username="främling")
    stranger.set_unusable_password()
    stranger.save()
    MembershipFactory(user=stranger, organisation=OrganisationFactory(name="Kommun C"))
    client.force_login(w.a_admin)
    before, events = users(), last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user_invite", args=[stranger.pk]))
    assert response.status_code == 404
    assert mailoutbox == []
    assert users() == before
    assert events_since(events) == []


# --- the form and the list ------------------------------------------------------------------
def test_the_new_person_form_has_no_password_and_tells_about_the_invitation(client, w):
    client.force_login(w.a_admin)
    swedish(client)
    html = client.get(reverse("core:user_add")).content.decode()
    assert 'name="password"' not in html
    assert "glömt lösenord" not in html.lower()
    assert (
        "Personen får en inbjudan till den här adressen med en länk för att välja sitt lösenord."
        in html
    )


def test_the_people_list_holds_only_ones_own_organisations_people(client, w):
    """B's administrator sees A's contact person on B's service (the register's rule),
    but B's people list does not list them; A's list does."""
    client.force_login(w.b_admin)
    response = client.get(reverse("core:user_list"))
    assert [u.pk for u in response.context["table"].data] == [w.b_admin.pk]
    assert client.get(reverse("core:user_detail", args=[w.shared.pk])).status_code == 200
    client.force_login(w.a_admin)
    response = client.get(reverse("core:user_list"))
    assert sorted(u.pk for u in response.context["table"].data) == sorted(
        [w.a_admin.pk, w.a_staff.pk, w.shared.pk]
    )


def test_the_plural_texts_are_translated():
    with translation.override("sv"):
        text = ngettext(
            "This person has not chosen a password yet. A new invitation e-mail has a link "
            "to choose one, valid for %(days)s day.",
            "This person has not chosen a password yet. A new invitation e-mail has a link "
            "to choose one, valid for %(days)s days.",
            7,
        )
    assert text.startswith("Personen har inte valt något lösenord än.")


def test_the_queued_e_mail_is_not_sent_once_the_person_cannot_be_invited(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    """The task makes the link when it runs: a person deactivated, or with a password
    chosen, meanwhile gets no e-mail."""
    from forvalta.core.tasks import send_invitation_email

    person = add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert send_invitation_email.call(person.pk) == "skipped"
    User.objects.filter(pk=person.pk).update(is_active=True)
    assert send_invitation_email.call(person.pk) == "sent"
    person.set_password(PASSWORD)
    person.save()
    assert send_invitation_email.call(person.pk) == "skipped"
    assert send_invitation_email.call(0) == "skipped"
    assert [m.to for m in mailoutbox] == [["nina@kommun.se"]]


def test_after_an_expired_link_the_person_can_ask_for_a_password_by_e_mail(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    """The expired-link page points at the password reset (allauth), which also serves a
    person who never chose a password."""
    add_person(client, w.a_admin, w.a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nina@kommun.se"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["nina@kommun.se"]]


def test_memberships_and_units_lists_hold_only_ones_own_organisations(client, w):
    from forvalta.core.tests.factories import UnitFactory

    unit_a = UnitFactory(organisation=w.a, name="Skola A")
    unit_b = UnitFactory(organisation=w.b, name="Skola B")
    client.force_login(w.b_admin)
    response = client.get(reverse("core:membership_list"))
    assert [m.user_id for m in response.context["table"].data] == [w.b_admin.pk]
    response = client.get(reverse("core:unit_list"))
    assert [u.pk for u in response.context["table"].data] == [unit_b.pk]
    client.force_login(w.a_admin)
    response = client.get(reverse("core:unit_list"))
    assert [u.pk for u in response.context["table"].data] == [unit_a.pk]


def test_the_people_list_offers_adding_a_person_to_administrators_only(client, w):
    client.force_login(w.a_admin)
    html = client.get(reverse("core:user_list")).content.decode()
    assert f'href="{reverse("core:user_add")}"' in html
    client.force_login(w.a_staff)
    html = client.get(reverse("core:user_list")).content.decode()
    assert f'href="{reverse("core:user_add")}"' not in html
    before = users()
    assert client.post(reverse("core:user_add"), {"username": "x"}).status_code == 403
    assert users() == before
