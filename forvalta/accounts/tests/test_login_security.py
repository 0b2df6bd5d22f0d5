"""Login through allauth: second factor (TOTP), required MFA, session ends, tokens."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
)
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from forvalta.accounts.middleware import LOGIN_AT, SEEN_AT
from forvalta.accounts.models import LoginFailure
from forvalta.audit.models import AuditEvent
from forvalta.core.api_auth import api_token_create
from forvalta.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client: Client, username: str, password: str = TEST_PASSWORD) -> Any:
    return client.post(reverse("login"), {"login": username, "password": password})


def actions_since(last: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=last).order_by("id").values_list("action", flat=True)
    )


def last_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def member(username: str = "karin", **org: Any) -> Any:
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=OrganisationFactory(**org))
    return user


def add_totp(client: Client) -> str:
    """Activate TOTP through the pages, as the logged-in user; the secret. Adding a
    second factor asks for the password again first."""
    url = reverse("mfa_activate_totp")
    page = client.get(url)
    assert page["Location"] == f"{reverse('account_reauthenticate')}?next={url.replace('/', '%2F')}"
    again = client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD, "next": url})
    assert again["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    with TestCase.captureOnCommitCallbacks(execute=True):  # allauth signals on commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content.decode()[:500]
    return secret


def test_login_page_is_forvaltas_and_nobody_signs_up(client):
    page = client.get(reverse("login")).content.decode()
    assert 'name="login" id="id_login"' in page
    assert f'href="{reverse("account_reset_password")}"' in page
    assert "Glömt lösenordet?" in page
    closed = client.post(
        reverse("account_signup"),
        {"username": "ny", "password1": "Ett-bra-lösen-7", "password2": "Ett-bra-lösen-7"},
    )
    assert closed.status_code == 200
    assert not UserFactory._meta.model.objects.filter(username="ny").exists()


def test_totp_login_end_to_end():
    user = member()
    client = Client()
    assert log_in(client, "karin")["Location"] == HOME
    events = last_id()
    secret = add_totp(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1
    added = AuditEvent.objects.filter(id__gt=events).order_by("id")
    assert sorted((e.action, e.actor_id, e.changes["type"][1]) for e in added) == [
        ("auth.mfa_added", user.pk, "recovery_codes"),  # made with the first factor
        ("auth.mfa_added", user.pk, "totp"),
    ]
    client.post(reverse("logout"))

    # The password alone no longer logs in: the second step asks for the code.
    client = Client()
    response = log_in(client, "karin")
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    events = last_id()
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    assert actions_since(events) == ["auth.mfa_failed"]
    assert LoginFailure.objects.filter(username="karin").count() == 1
    right = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(HOME).status_code == 200
    assert not LoginFailure.objects.filter(username="karin").exists()


@override_settings(FORVALTA_LOGIN_FAILURES_PER_ACCOUNT=2)
def test_wrong_codes_are_throttled_like_passwords():
    member()
    client = Client()
    log_in(client, "karin")
    add_totp(client)
    client.post(reverse("logout"))
    client = Client()
    log_in(client, "karin")
    for _attempt in range(2):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    refused = client.post(reverse("mfa_authenticate"), {"code": "111111"})
    assert "För många misslyckade inloggningar" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_organisation_requiring_mfa_sends_its_members_to_add_one():
    user = member(require_mfa=True)
    client = Client()
    log_in(client, "karin")
    response = client.get(HOME)
    assert response["Location"] == reverse("mfa_index")
    api = client.get("/api/systems/")
    assert (api.status_code, api.json()) == (
        403,
        {"detail": "Lägg först till en andra faktor för din inloggning."},
    )
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "Din organisation kräver en andra faktor vid inloggning." in page.content.decode()
    add_totp(client)
    assert client.get(HOME).status_code == 200
    other = member("olle")  # an organisation that does not require it
    other_client = Client()
    log_in(other_client, "olle")
    assert other_client.get(HOME).status_code == 200
    assert user.pk != other.pk


def test_administrators_must_add_a_second_factor_when_the_platform_requires_it():
    admin = UserFactory(username="chef")
    MembershipFactory(user=admin, is_org_admin=True)
    staff = member("anna")
    with override_settings(FORVALTA_REQUIRE_MFA_FOR_ADMINS=True):
        client = Client()
        log_in(client, "chef")
        assert client.get(HOME)["Location"] == reverse("mfa_index")
        client = Client()
        log_in(client, "anna")
        assert client.get(HOME).status_code == 200
    with override_settings(FORVALTA_REQUIRE_MFA_FOR_ADMINS=False):
        client = Client()
        log_in(client, "chef")
        assert client.get(HOME).status_code == 200
    assert admin.pk != staff.pk


def ended(client: Client, reason: str, message: str) -> None:
    events = last_id()
    response = client.get(HOME, follow=True)
    assert response.redirect_chain == [(f"{reverse('login')}?next=/", 302)]
    assert "_auth_user_id" not in client.session
    assert [str(m) for m in response.context["messages"]] == [message]
    assert actions_since(events) == ["auth.session_ended", "auth.logout"]
    event = AuditEvent.objects.get(id__gt=events, action="auth.session_ended")
    assert event.changes == {"reason": [None, reason]}


def set_session(client: Client, **values: int) -> None:
    session = client.session
    session.update(values)
    session.save()


@override_settings(FORVALTA_SESSION_IDLE_MINUTES=30, FORVALTA_SESSION_MAX_HOURS=8)
def test_idle_and_long_sessions_end():
    member()
    client = Client()
    log_in(client, "karin")
    now = int(time.time())
    set_session(client, **{SEEN_AT: now - 29 * 60})
    assert client.get(HOME).status_code == 200  # 29 idle minutes: still in
    set_session(client, **{SEEN_AT: now - 31 * 60})
    ended(client, "idle", "Du loggades ut efter en tid utan aktivitet. Logga in igen.")

    log_in(client, "karin")
    set_session(client, **{LOGIN_AT: now - 8 * 3600 - 5})
    ended(client, "expired", "Din session har upphört. Logga in igen.")


def test_activity_is_written_to_the_session_at_most_once_a_minute(monkeypatch):
    clock = {"now": 60 * 30_000_000 + 10}  # 10 s into a minute
    monkeypatch.setattr(
        "forvalta.accounts.middleware.time", SimpleNamespace(time=lambda: clock["now"])
    )
    monkeypatch.setattr("forvalta.accounts.middleware.SEEN_AT_EVERY", 60)
    member()
    client = Client()
    log_in(client, "karin")
    assert client.session[SEEN_AT] == clock["now"]
    clock["now"] += 45  # the same minute: nothing written
    assert client.get(HOME).status_code == 200
    assert client.session[SEEN_AT] == clock["now"] - 45
    clock["now"] += 10  # the next minute
    assert client.get(HOME).status_code == 200
    assert client.session[SEEN_AT] == clock["now"]


def test_ending_the_last_membership_ends_the_session_and_the_tokens():
    user = UserFactory(username="karin")
    membership = MembershipFactory(user=user)
    _token, key = api_token_create(actor=user, name="skript")
    client = Client()
    log_in(client, "karin")
    assert client.get(HOME).status_code == 200
    assert Client().get("/api/systems/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    membership.valid_to = timezone.localdate() - dt.timedelta(days=1)
    membership.save()
    ended(client, "no_membership", "Du är inte längre medlem i någon organisation i Forvalta.")
    api = Client().get("/api/systems/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (api.status_code, api.json()["error"]["message"]) == (
        401,
        "Nyckelns användare är inte längre medlem.",
    )


def test_a_deactivated_user_is_logged_out_at_the_next_request():
    user = member()
    client = Client()
    log_in(client, "karin")
    user.is_active = False
    user.save()
    response = client.get(HOME)
    assert response["Location"] == f"{reverse('login')}?next=/"
    assert response.wsgi_request.user.is_anonymous


def test_the_home_organisations_administrator_ends_a_persons_sessions():
    person = member()
    org = person.memberships.get().organisation
    admin = UserFactory(username="chef")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    outsider = UserFactory(username="annan")
    MembershipFactory(user=outsider, is_org_admin=True)
    victim = Client()
    log_in(victim, "karin")

    url = reverse("accounts:end_sessions", args=[person.pk])
    other = Client()
    other.force_login(outsider)
    assert other.post(url).status_code == 404  # not theirs to see
    person.refresh_from_db()
    assert person.sessions_valid_after is None
    assert victim.get(HOME).status_code == 200

    staff = Client()
    staff.force_login(admin)
    detail = staff.get(person.get_absolute_url()).content.decode()
    assert f'action="{url}"' in detail
    events = last_id()
    response = staff.post(url, follow=True)
    assert response.redirect_chain == [(person.get_absolute_url(), 302)]
    assert actions_since(events)[0] == "auth.sessions_ended"
    person.refresh_from_db()
    assert person.sessions_valid_after is not None
    ended(
        victim,
        "ended_by_administrator",
        "Din session avslutades av en administratör. Logga in igen.",
    )
    # The administrator's own session goes on; a new login of the person works.
    assert staff.get(HOME).status_code == 200
    log_in(victim, "karin")
    assert victim.get(HOME).status_code == 200
