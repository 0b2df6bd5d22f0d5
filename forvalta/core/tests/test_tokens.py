"""Personal API tokens: authentication, attribution in the audit trail, and the pages
where a person creates, lists and revokes their own."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.core.api_auth import api_token_create, hash_key
from forvalta.core.models import ApiToken, OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def admin() -> Any:
    user = UserFactory(username="admin")
    MembershipFactory(
        user=user, organisation=OrganisationFactory(name="Kommunen"), is_org_admin=True
    )
    return user


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


# --- authentication ------------------------------------------------------------------------------
def test_a_token_acts_as_its_user(admin):
    token, key = api_token_create(actor=admin, name="CMDB")
    response = Client().get("/api/organisations/", **bearer(key))
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Kommunen"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    # "Token" works as the keyword too.
    assert Client().get("/api/units/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_every_change_made_with_a_token_carries_the_token(admin):
    token, key = api_token_create(actor=admin, name="Integration")
    org = admin.memberships.get().organisation
    response = Client().post(
        "/api/units/",
        {"organisation": org.pk, "name": "Ny enhet"},
        content_type=JSON,
        **bearer(key),
    )
    assert response.status_code == 201
    event = last_event()
    assert event.action == "core.unit.created"
    assert event.actor_id == admin.pk
    assert event.api_token_id == str(token.pk)
    # A refusal made with the token carries it too.
    refused = Client().post(
        "/api/objects/",
        {"owner_organisation": OrganisationFactory().pk, "name": "X"},
        content_type=JSON,
        **bearer(key),
    )
    assert refused.status_code == 400
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organisation=OrganisationFactory())
    other_token, other_key = api_token_create(actor=outsider, name="x")
    denied = Client().post(
        "/api/units/", {"organisation": org.pk, "name": "Y"}, content_type=JSON, **bearer(other_key)
    )
    assert denied.status_code == 403
    assert (last_event().action, last_event().api_token_id) == (
        "access.denied",
        str(other_token.pk),
    )
    # A session request carries no token.
    session = Client()
    session.force_login(admin)
    session.patch(f"/api/units/{response.json()['id']}/", {"code": "U1"}, content_type=JSON)
    assert (last_event().action, last_event().api_token_id) == ("core.unit.updated", "")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-token",
        "Bearer fv_short_x",
        "Bearer fv_00000000_wrongsecret",
        "Bearer fv_\x00\x00\x00\x00\x00\x00\x00\x00_x",
    ],
)
def test_malformed_or_unknown_tokens_are_refused(admin, header):
    response = Client().get("/api/units/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_wrong_secret_with_a_real_prefix_is_refused(admin):
    token, key = api_token_create(actor=admin, name="x")
    tampered = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    assert Client().get("/api/units/", **bearer(tampered)).status_code == 401
    token.refresh_from_db()
    assert token.last_used_at is None


def test_revoked_expired_and_inactive_are_refused(admin):
    revoked, revoked_key = api_token_create(actor=admin, name="revoked")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    assert Client().get("/api/units/", **bearer(revoked_key)).status_code == 401
    _expired, expired_key = api_token_create(
        actor=admin, name="expired", expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert Client().get("/api/units/", **bearer(expired_key)).status_code == 401
    _valid, valid_key = api_token_create(
        actor=admin, name="valid", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert Client().get("/api/units/", **bearer(valid_key)).status_code == 200
    admin.is_active = False
    admin.save()
    assert Client().get("/api/units/", **bearer(valid_key)).status_code == 401


def test_no_credentials(admin):
    response = Client().get("/api/systems/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- the pages ----------------------------------------------------------------------------------
def test_pages_need_login():
    for url in ("/account/tokens/", "/account/tokens/add/", "/account/tokens/1/revoke/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_create_shows_the_key_once(admin):
    client = Client()
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages follow the chosen language
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    assert "You have no API tokens." in page.content.decode()
    response = client.post("/account/tokens/add/", {"name": "CMDB-synk", "expires": "90"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    keys = set(re.findall(r"fv_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}", html))
    assert len(keys) == 1
    key = keys.pop()
    token = ApiToken.objects.get(user=admin)
    assert token.name == "CMDB-synk"
    assert token.key_hash == hash_key(key)
    assert key not in {token.prefix, token.key_hash, token.name}
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    event = last_event()
    assert (event.action, event.actor_id, event.object_id) == (
        "core.apitoken.created",
        admin.pk,
        str(token.pk),
    )
    assert key not in str(event.changes)
    assert event.changes["prefix"] == [None, token.prefix]
    # The key works at once; the list shows the prefix only, never the key.
    assert Client().get("/api/units/", **bearer(key)).status_code == 200
    listing = client.get("/account/tokens/").content.decode()
    assert f"fv_{token.prefix}_" in listing
    assert key not in listing
    assert "CMDB-synk" in listing


def test_create_without_a_name_is_refused(admin):
    client = Client()
    client.force_login(admin)
    response = client.post("/account/tokens/add/", {"name": "", "expires": "90"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    never = client.post("/account/tokens/add/", {"name": "Långlivad", "expires": "never"})
    assert never.status_code == 201
    assert ApiToken.objects.get().expires_at is None
    assert client.post("/account/tokens/add/", {"name": "x", "expires": "9999"}).status_code == 400


def test_revoke(admin):
    token, key = api_token_create(actor=admin, name="Gammal")
    client = Client()
    client.force_login(admin)
    confirm = client.get(f"/account/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert f"fv_{token.prefix}_" in confirm.content.decode()
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = last_event()
    assert (event.action, event.object_id) == ("core.apitoken.revoked", str(token.pk))
    assert Client().get("/api/units/", **bearer(key)).status_code == 401
    # Revoking again changes nothing and records nothing more.
    events = AuditEvent.objects.count()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert AuditEvent.objects.count() == events


def test_another_persons_token_is_not_found(admin):
    token, key = api_token_create(actor=admin, name="ZZMINNYCKELZZ")
    other = UserFactory(username="other")
    MembershipFactory(user=other, organisation=OrganisationFactory(kind=OrganisationKind.SUPPLIER))
    client = Client()
    client.force_login(other)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "ZZMINNYCKELZZ" not in client.get("/account/tokens/").content.decode()
    assert Client().get("/api/units/", **bearer(key)).status_code == 200
