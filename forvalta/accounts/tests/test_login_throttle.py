"""Failed-login throttling through the login page, per account and per address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from forvalta.accounts.models import LoginFailure
from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMITS = {
    "FORVALTA_LOGIN_FAILURES_PER_ACCOUNT": 5,
    "FORVALTA_LOGIN_FAILURES_PER_ADDRESS": 20,
    "FORVALTA_LOGIN_FAILURE_WINDOW_MINUTES": 15,
}


def throttled_message(minutes: int) -> str:
    with translation.override("sv"):
        text = ngettext(
            "Too many failed logins. Try again in %(minutes)d minute.",
            "Too many failed logins. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    assert text.startswith("För många misslyckade inloggningar. Försök igen om")
    return text


def wrong_password_message() -> str:
    with translation.override("sv"):
        from allauth.account.adapter import get_adapter

        text = str(get_adapter().error_messages["username_password_mismatch"])
    assert text == "Användarnamnet och/eller lösenordet är felaktigt."
    return text


def attempt(client: Client, username: str, password: str, address: str = "127.0.0.1") -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def errors(response: Any) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def page(response: Any, username: str) -> str:
    """The page as the user sees it, without what differs between any two requests."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(username, "NAMN")


def actions_since(last: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=last).order_by("id").values_list("action", flat=True)
    )


def last_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


@override_settings(**LIMITS)
def test_known_and_unknown_user_names_get_exactly_the_same_answers():
    UserFactory(username="karin")
    answers: dict[str, list[tuple[int, list[str], str]]] = {}
    for name in ("karin", "okand"):
        client = Client()
        seen = []
        for _attempt in range(5):
            response = attempt(client, name, "fel-lösenord")
            seen.append((response.status_code, errors(response), page(response, name)))
        events = last_id()
        # The sixth attempt is refused, even with the right password for karin.
        response = attempt(client, name, TEST_PASSWORD)
        seen.append((response.status_code, errors(response), page(response, name)))
        assert "_auth_user_id" not in client.session
        assert actions_since(events) == ["auth.login_throttled"]
        answers[name] = seen
    assert answers["karin"] == answers["okand"]
    statuses = [a[0] for a in answers["karin"]]
    assert statuses == [200] * 6
    assert [a[1] for a in answers["karin"]] == [[wrong_password_message()]] * 5 + [
        [throttled_message(15)]
    ]


@override_settings(**LIMITS)
def test_the_refusal_is_recorded_and_checks_no_password():
    user = UserFactory(username="karin")
    client = Client()
    for _attempt in range(5):
        attempt(client, "karin", "fel-lösenord")
    assert LoginFailure.objects.filter(username="karin").count() == 5
    events = last_id()
    response = attempt(client, "Karin", TEST_PASSWORD)  # another spelling: the same account
    assert errors(response) == [throttled_message(15)]
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert (event.action, event.actor_id, event.object_type, event.object_repr) == (
        "auth.login_throttled",
        None,
        "core.user",
        "Karin",
    )
    assert event.changes["limit"] == [None, "account"]
    assert event.client_address == "127.0.0.1"
    # Refusals are not failures themselves: the count stays, so the cool-down ends.
    assert LoginFailure.objects.filter(username="karin").count() == 5
    user.refresh_from_db()
    assert user.last_login is None


@override_settings(**LIMITS)
def test_the_cool_down_ends_and_a_success_clears_the_account():
    UserFactory(username="karin")
    client = Client()
    for _attempt in range(5):
        attempt(client, "karin", "fel-lösenord")
    # Ten minutes later: five minutes still to wait.
    LoginFailure.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    assert errors(attempt(client, "karin", TEST_PASSWORD)) == [throttled_message(5)]
    # Past the window: allowed again, and a success forgets the account's failures.
    LoginFailure.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=15, seconds=1))
    response = attempt(client, "karin", TEST_PASSWORD)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="karin").exists()


@override_settings(**{**LIMITS, "FORVALTA_LOGIN_FAILURES_PER_ADDRESS": 3})
def test_failures_per_address_are_limited_across_user_names():
    UserFactory(username="karin")
    client = Client()
    for name in ("a", "b", "c"):
        assert errors(attempt(client, name, "fel", address="10.0.0.1")) == [
            wrong_password_message()
        ]
    events = last_id()
    refused = attempt(client, "karin", TEST_PASSWORD, address="10.0.0.1")
    assert errors(refused) == [throttled_message(15)]
    assert "_auth_user_id" not in client.session
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert event.changes["limit"] == [None, "address"]
    # Another address is not affected.
    assert attempt(client, "karin", TEST_PASSWORD, address="10.0.0.2").status_code == 302


@override_settings(**{**LIMITS, "FORVALTA_NUM_PROXIES": 1})
def test_behind_a_proxy_the_forwarded_address_counts():
    client = Client()
    for _attempt in range(5):
        client.post(
            reverse("login"),
            {"username": f"x{_attempt}", "password": "fel"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"198.51.100.7"}
