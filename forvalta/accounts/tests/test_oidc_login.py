"""Login through an organisation's own OpenID Connect IdP, against a mock IdP on the
loopback interface (forvalta.accounts.oidc.mock_idp): just-in-time creation, linking rules across
organisations, and refused tokens (expired, wrong audience, bad or no signature,
altered, replayed), each refusal changing nothing."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client, override_settings
from django.urls import reverse

from forvalta.accounts.models import EmailDomain, IdentityProvider, LoginFailure
from forvalta.accounts.oidc.mock_idp import MockOIDCProvider
from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: Any) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def idp_a() -> Any:
    with MockOIDCProvider() as mock:
        yield mock


@pytest.fixture
def idp_b() -> Any:
    with MockOIDCProvider() as mock:
        yield mock


def configure(mock: MockOIDCProvider, domain: str, verified: bool = True, **org: Any) -> Any:
    organisation = OrganisationFactory(**org)
    idp = IdentityProvider(
        organisation=organisation,
        name=organisation.name[:40],
        issuer=mock.issuer,
        client_id=mock.client_id,
        employee_id_claim="employee_number",
    )
    idp.client_secret = mock.client_secret
    idp.save()
    EmailDomain.objects.create(
        organisation=organisation,
        domain=domain,
        verified_at=time_now() if verified else None,
    )
    return idp


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def start(client: Client, idp: IdentityProvider) -> str:
    """Press the button on the IdP's login page: the redirect to the IdP."""
    url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    response = client.post(url)
    assert response.status_code == 302
    return response["Location"]


def at_idp(authorize_url: str) -> str:
    """The person logs in at the IdP: its redirect back to Forvalta (path and query)."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    back = urlsplit(response.headers["Location"])
    return f"{back.path}?{back.query}"


def sso_login(client: Client, idp: IdentityProvider) -> Any:
    return client.get(at_idp(start(client, idp)))


def counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        SocialAccount.objects.count(),
        AuditEvent.objects.filter(action__in=["auth.login", "auth.sso_login"]).count(),
    )


def logged_in_user(client: Client) -> Any:
    from django.contrib.auth import SESSION_KEY

    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


ANNA = {
    "sub": "a-123",
    "email": "anna.berg@sundsvall.se",
    "given_name": "Anna",
    "family_name": "Berg",
    "employee_number": "E-4711",
}


# --- just-in-time creation ----------------------------------------------------------------
def test_first_login_creates_the_person_with_a_membership_in_that_organisation_only(
    idp_a: MockOIDCProvider,
) -> None:
    idp = configure(idp_a, "sundsvall.se", name="Sundsvalls kommun")
    other = OrganisationFactory(name="Timrå kommun")
    idp_a.user = dict(ANNA)

    client = Client()
    response = sso_login(client, idp)

    assert response.status_code == 302
    assert response["Location"] == HOME
    person = User.objects.get(email="anna.berg@sundsvall.se")
    assert logged_in_user(client) == person
    assert (person.username, person.first_name, person.last_name) == (
        "anna.berg@sundsvall.se",
        "Anna",
        "Berg",
    )
    assert not person.has_usable_password()
    assert list(Membership.objects.filter(user=person).values_list("organisation", flat=True)) == [
        idp.organisation_id
    ]
    assert not Membership.objects.filter(organisation=other).exists()
    account = SocialAccount.objects.get(user=person)
    assert (account.provider, account.uid) == (idp.provider_id, "a-123")
    assert account.extra_data["forvalta"]["employee_id"] == "E-4711"
    events = list(
        AuditEvent.objects.filter(object_id=str(person.pk), object_type="core.user")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["core.user.created", "auth.login", "auth.sso_login"]
    sso_event = AuditEvent.objects.get(action="auth.sso_login")
    assert sso_event.changes["identity_provider"] == [None, str(idp)]
    assert client.get(HOME).status_code == 200


def test_a_second_login_uses_the_same_person(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    sso_login(Client(), idp)
    first = User.objects.get(email=ANNA["email"])

    idp_a.user = {**ANNA, "given_name": "Anna-Karin"}
    client = Client()
    response = sso_login(client, idp)

    assert response.status_code == 302
    assert logged_in_user(client) == first
    assert User.objects.filter(email=ANNA["email"]).count() == 1
    assert Membership.objects.filter(user=first).count() == 1
    assert SocialAccount.objects.count() == 1


# --- never across organisations --------------------------------------------------------------
def test_another_organisations_idp_never_logs_in_as_an_account_of_the_first(
    idp_a: MockOIDCProvider, idp_b: MockOIDCProvider
) -> None:
    """Organisation B's IdP presents the same subject and the same e-mail address as a
    person of organisation A (whose address is in B's verified domain): B gets a
    separate person, A's person is untouched and not logged in."""
    idp_org_a = configure(idp_a, "sundsvall.se")
    idp_org_b = configure(idp_b, "delad.se")
    # A's person from A's IdP, and a password account of A with an address in B's domain.
    idp_a.user = {**ANNA, "email": "anna.berg@sundsvall.se"}
    sso_login(Client(), idp_org_a)
    a_sso = User.objects.get(email="anna.berg@sundsvall.se")
    a_password = UserFactory(username="anna", email="anna.berg@delad.se")
    MembershipFactory(user=a_password, organisation=idp_org_a.organisation)
    before = {u.pk: (u.username, u.email, u.last_login) for u in (a_sso, a_password)}

    idp_b.user = {**ANNA, "email": "Anna.Berg@delad.se"}  # the same subject as A's
    client = Client()
    response = sso_login(client, idp_org_b)

    assert response.status_code == 302
    person = logged_in_user(client)
    assert person not in (a_sso, a_password)
    assert person.email == "anna.berg@delad.se"
    assert person.username == "anna.berg@delad.se"
    assert list(Membership.objects.filter(user=person).values_list("organisation", flat=True)) == [
        idp_org_b.organisation_id
    ]
    for pk, (username, email, last_login) in before.items():
        stored = User.objects.get(pk=pk)
        assert (stored.username, stored.email, stored.last_login) == (username, email, last_login)
        assert not SocialAccount.objects.filter(user_id=pk, provider=idp_org_b.provider_id)
    assert not Membership.objects.filter(user=person, organisation=idp_org_a.organisation).exists()
    # A's person signs in again through A's IdP: still A's own person.
    idp_a.user = {**ANNA, "email": "anna.berg@sundsvall.se"}
    again = Client()
    sso_login(again, idp_org_a)
    assert logged_in_user(again) == a_sso


def test_an_address_outside_the_organisations_verified_domains_is_refused(
    idp_a: MockOIDCProvider, idp_b: MockOIDCProvider
) -> None:
    """B's IdP presents an address in A's domain (an attempt to reach A's person)."""
    idp_org_a = configure(idp_a, "sundsvall.se")
    idp_org_b = configure(idp_b, "timra.se")
    idp_a.user = dict(ANNA)
    sso_login(Client(), idp_org_a)
    before = counts()
    failures = LoginFailure.objects.count()

    idp_b.user = dict(ANNA)  # anna.berg@sundsvall.se
    client = Client()
    response = sso_login(client, idp_org_b)

    assert response.status_code == 401
    assert "Inloggningen misslyckades" in response.content.decode()
    assert logged_in_user(client) is None
    assert counts() == before
    assert LoginFailure.objects.count() == failures + 1
    event = AuditEvent.objects.filter(action="auth.sso_failed").get()
    assert event.changes["reason"] == [None, "email_domain_not_verified"]
    assert event.changes["identity_provider"] == [None, idp_org_b.provider_id]


def test_a_linked_person_presented_with_a_foreign_address_is_refused_unchanged(
    idp_a: MockOIDCProvider,
) -> None:
    """The refusal comes before allauth looks the person up: the linked account's
    stored claims and times stay as they were."""
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    sso_login(Client(), idp)
    account = SocialAccount.objects.get()
    stored = (account.extra_data, account.last_login, account.user.email)
    before = counts()

    idp_a.user = {**ANNA, "email": "anna.berg@timra.se"}
    client = Client()
    response = sso_login(client, idp)

    assert response.status_code == 401
    assert logged_in_user(client) is None
    assert counts() == before
    account.refresh_from_db()
    assert (account.extra_data, account.last_login, account.user.email) == stored
    event = AuditEvent.objects.get(action="auth.sso_failed")
    assert event.changes["reason"] == [None, "email_domain_not_verified"]
    assert event.object_repr == "anna.berg@timra.se"


def test_a_domain_not_yet_verified_is_refused(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se", verified=False)
    idp_a.user = dict(ANNA)
    before = counts()
    client = Client()
    response = sso_login(client, idp)
    assert response.status_code == 401
    assert logged_in_user(client) is None
    assert counts() == before
    assert AuditEvent.objects.get(action="auth.sso_failed").changes["reason"] == [
        None,
        "email_domain_not_verified",
    ]


def test_a_person_whose_membership_ended_is_refused(idp_a: MockOIDCProvider) -> None:
    import datetime as dt

    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    sso_login(Client(), idp)
    Membership.objects.update(valid_to=dt.date.today() - dt.timedelta(days=1))
    before = counts()
    client = Client()
    response = sso_login(client, idp)
    assert response.status_code == 401
    assert logged_in_user(client) is None
    assert counts() == before


def test_a_disabled_identity_provider_cannot_be_used(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    IdentityProvider.objects.filter(pk=idp.pk).update(is_enabled=False)
    url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    assert Client().post(url).status_code == 404
    assert Client().get(reverse("sso_org_login", args=[idp.organisation_id])).status_code == 404


# --- refused tokens ----------------------------------------------------------------------------
def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def expired(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 600)
        return mock.sign(claims)

    return tamper


def wrong_audience(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        claims["aud"] = "another-client"
        return mock.sign(claims)

    return tamper


def wrong_issuer(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        claims["iss"] = "http://127.0.0.1:1/other"
        return mock.sign(claims)

    return tamper


def other_key(mock: MockOIDCProvider) -> Any:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def tamper(claims: dict[str, Any]) -> str:
        return mock.sign(claims, key=stranger)  # the IdP's kid, another key

    return tamper


def unsigned(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        header = {"alg": "none", "typ": "JWT", "kid": mock.kid}
        return f"{_b64(header)}.{_b64(claims)}."

    return tamper


def hmac_with_public_key(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        header = {"alg": "HS256", "typ": "JWT", "kid": mock.kid}
        signing_input = f"{_b64(header)}.{_b64(claims)}"
        import hashlib
        import hmac

        n = json.dumps(mock.jwks()["keys"][0]).encode()
        signature = hmac.new(n, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    return tamper


def altered(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        header_part, _, signature = mock.sign(claims).split(".")
        claims = {**claims, "sub": "someone-else", "email": "chef@sundsvall.se"}
        return f"{header_part}.{_b64(claims)}.{signature}"

    return tamper


def without_nonce(mock: MockOIDCProvider) -> Any:
    def tamper(claims: dict[str, Any]) -> str:
        claims.pop("nonce", None)
        return mock.sign(claims)

    return tamper


@pytest.mark.parametrize(
    ("make_tamper", "reason"),
    [
        (expired, "ID token refused: Signature has expired"),
        (wrong_audience, "ID token refused: Audience doesn't match"),
        (wrong_issuer, "ID token refused: Invalid issuer"),
        (other_key, "ID token refused: Signature verification failed"),
        (unsigned, "ID token algorithm not accepted: 'none'"),
        (hmac_with_public_key, "ID token algorithm not accepted: 'HS256'"),
        (altered, "ID token refused: Signature verification failed"),
        (without_nonce, "ID token nonce does not match this login"),
    ],
)
def test_a_bad_id_token_is_refused_and_creates_nothing(
    idp_a: MockOIDCProvider, make_tamper: Any, reason: str
) -> None:
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    idp_a.tamper = make_tamper(idp_a)
    before = counts()
    client = Client()

    response = sso_login(client, idp)

    assert response.status_code == 401
    assert idp_a.token_requests == 1
    assert logged_in_user(client) is None
    assert counts() == before
    event = AuditEvent.objects.get(action="auth.sso_failed")
    assert event.changes["reason"] == [None, f"OAuth2Error: {reason}"]
    assert LoginFailure.objects.filter(username="").count() == 1


def test_an_id_token_replayed_into_another_login_is_refused(idp_a: MockOIDCProvider) -> None:
    """A token captured from one login (its nonce) is presented in a later one."""
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    sso_login(Client(), idp)
    captured = idp_a.issued[-1]
    before = counts()
    idp_a.tamper = lambda claims: captured

    client = Client()
    response = sso_login(client, idp)

    assert response.status_code == 401
    assert logged_in_user(client) is None
    assert counts() == before
    assert AuditEvent.objects.get(action="auth.sso_failed").changes["reason"] == [
        None,
        "OAuth2Error: ID token nonce does not match this login",
    ]


def test_a_callback_replayed_with_the_same_code_and_state_is_refused(
    idp_a: MockOIDCProvider,
) -> None:
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    client = Client()
    callback = at_idp(start(client, idp))
    assert client.get(callback).status_code == 302
    client.post(reverse("logout"))
    before = counts()

    response = client.get(callback)  # the same state (used up) and code

    assert response.status_code == 401
    assert logged_in_user(client) is None
    assert counts() == before
    assert idp_a.token_requests == 1  # refused before the IdP is asked again


def test_a_callback_from_another_browser_is_refused(idp_a: MockOIDCProvider) -> None:
    """The state lives in the session that started the login: a link to the callback
    sent to someone else (login CSRF) does nothing."""
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    callback = at_idp(start(Client(), idp))
    before = counts()
    victim = Client()
    response = victim.get(callback)
    assert response.status_code == 401
    assert logged_in_user(victim) is None
    assert counts() == before
    assert idp_a.token_requests == 0


def test_userinfo_of_another_subject_is_refused(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    idp_a.userinfo_override = {**ANNA, "sub": "b-999"}
    before = counts()
    client = Client()
    assert sso_login(client, idp).status_code == 401
    assert counts() == before


def test_the_authorisation_request_carries_state_nonce_and_pkce(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    location = start(Client(), idp)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{idp_a.issuer}/authorize?")
    assert query["client_id"] == [idp_a.client_id]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [
        f"http://testserver/accounts/oidc/{idp.provider_id}/login/callback/"
    ]
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["nonce"][0]) >= 32
    assert len(query["state"][0]) >= 16


def test_request_parameters_cannot_change_the_authorisation_request(
    idp_a: MockOIDCProvider,
) -> None:
    idp = configure(idp_a, "sundsvall.se")
    url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    response = Client().post(
        url,
        {"auth_params": "nonce=fixed&prompt=none", "scope": "offline_access", "process": "connect"},
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["nonce"] != ["fixed"]
    assert "prompt" not in query
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]


# --- failed callbacks count towards the throttling --------------------------------------------
@override_settings(FORVALTA_LOGIN_FAILURES_PER_ADDRESS=3)
def test_failed_callbacks_are_throttled_per_address(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    idp_a.user = dict(ANNA)
    idp_a.tamper = expired(idp_a)
    client = Client()
    for _ in range(3):
        assert sso_login(client, idp).status_code == 401
    idp_a.tamper = None
    requests_before = idp_a.token_requests
    before = counts()

    response = sso_login(client, idp)  # a good token now, but too many failures

    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.content.decode()
    assert idp_a.token_requests == requests_before
    assert logged_in_user(client) is None
    assert counts() == before
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1


# --- the ways in: the login page and the organisation's link -----------------------------------
def test_the_login_page_sends_an_address_in_a_verified_domain_to_its_idp(
    idp_a: MockOIDCProvider,
) -> None:
    idp = configure(idp_a, "sundsvall.se")
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert "E-postadress eller domän för inloggning via din organisation" in page

    response = client.post(
        reverse("sso_start"), {"sso": "Anna.Berg@Sundsvall.SE", "next": "/register/"}
    )

    login_url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    assert response.status_code == 302
    assert response["Location"] == f"{login_url}?next=%2Fregister%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    # The page's form may lead to the IdP (CSP form-action applies to its redirects).
    assert (
        f"form-action 'self' {urlsplit(idp_a.issuer).scheme}://" in page["Content-Security-Policy"]
    )
    assert urlsplit(idp_a.issuer).netloc in page["Content-Security-Policy"]
    to_idp = client.post(login_url, {"next": "/register/"})
    assert to_idp["Location"].startswith(f"{idp_a.issuer}/authorize?")
    idp_a.user = dict(ANNA)
    assert client.get(at_idp(to_idp["Location"]))["Location"] == "/register/"
    assert logged_in_user(client).email == ANNA["email"]


def test_the_login_page_answers_alike_for_unknown_and_unverified_domains(
    idp_a: MockOIDCProvider,
) -> None:
    configure(idp_a, "ange.se", verified=False)
    answers = []
    for text in ("someone@okand.se", "ange.se", "x@ange.se", ""):
        client = Client()
        response = client.post(reverse("sso_start"), {"sso": text, "next": "/register/"})
        assert response.status_code == 302
        answers.append(response["Location"])
        page = client.get(response["Location"]).content.decode()
        assert "Det finns ingen inloggning via organisation för den adressen" in page
    assert answers == ["/login/?next=%2Fregister%2F"] * 4


def test_the_login_page_keeps_no_next_address_outside_forvalta(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    login_url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    for text, expected in (("x@okand.se", "/login/"), ("x@sundsvall.se", login_url)):
        response = Client().post(
            reverse("sso_start"), {"sso": text, "next": "https://evil.example/"}
        )
        assert response["Location"] == expected


def test_the_organisations_login_link_leads_to_its_idp(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    client = Client()
    response = client.get(reverse("sso_org_login", args=[idp.organisation_id]))
    login_url = reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id})
    assert response.status_code == 302
    assert response["Location"] == login_url
    page = client.get(login_url)
    assert page.status_code == 200
    assert "Logga in via" in page.content.decode()
    assert client.post(login_url)["Location"].startswith(f"{idp_a.issuer}/authorize?")


def test_an_sso_login_skips_the_organisations_password_mfa_requirement(
    idp_a: MockOIDCProvider,
) -> None:
    idp = configure(idp_a, "sundsvall.se", require_mfa=True)
    idp_a.user = dict(ANNA)
    client = Client()
    sso_login(client, idp)
    assert client.get(HOME).status_code == 200


def test_jit_username_avoids_an_existing_one(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    UserFactory(username="anna.berg@sundsvall.se", email="old@example.org")
    idp_a.user = dict(ANNA)
    client = Client()
    sso_login(client, idp)
    assert logged_in_user(client).username == "anna.berg@sundsvall.se-2"


def test_the_client_secret_is_stored_encrypted(idp_a: MockOIDCProvider) -> None:
    idp = configure(idp_a, "sundsvall.se")
    stored = IdentityProvider.objects.filter(pk=idp.pk).values_list(
        "client_secret_encrypted", flat=True
    )[0]
    assert idp_a.client_secret not in stored
    assert IdentityProvider.objects.get(pk=idp.pk).client_secret == idp_a.client_secret
    with override_settings(SECRET_KEY="another-key", SECRET_KEY_FALLBACKS=[]):
        assert IdentityProvider.objects.get(pk=idp.pk).client_secret == ""


def test_the_demo_command_connects_an_organisation_to_the_mock(idp_a: MockOIDCProvider) -> None:
    """`manage.py mock_oidc_idp` (README): the organisation's IdP and verified domain."""
    from forvalta.accounts.management.commands.mock_oidc_idp import Command

    organisation = OrganisationFactory(name="Kungälvs kommun")
    Command()._connect(organisation, idp_a, "kungalv.se")
    Command()._connect(organisation, idp_a, "kungalv.se")  # again: the same rows
    idp = IdentityProvider.objects.get()
    assert (idp.organisation, idp.issuer, idp.client_secret) == (
        organisation,
        idp_a.issuer,
        idp_a.client_secret,
    )
    assert EmailDomain.objects.get().verified_at is not None
    idp_a.user = {**ANNA, "email": "anna.berg@kungalv.se"}
    client = Client()
    login_url = client.post(reverse("sso_start"), {"sso": "kungalv.se"})["Location"]
    client.get(at_idp(client.post(login_url)["Location"]))
    assert logged_in_user(client).email == "anna.berg@kungalv.se"


def test_unit_and_personal_identity_number_from_oidc_claims(idp_a: MockOIDCProvider) -> None:
    """The first login places the person in the unit of their organisation named by the
    claim (never another organisation's); the personal identity number is kept only as
    a keyed hash and a mask, not with the link."""
    from forvalta.accounts.models import PersonalNumber
    from forvalta.accounts.services import personal_number_hash
    from forvalta.core.tests.factories import UnitFactory

    idp = configure(idp_a, "sundsvall.se")
    IdentityProvider.objects.filter(pk=idp.pk).update(
        unit_claim="department", personal_number_claim="personal_identity_number"
    )
    other = OrganisationFactory()
    UnitFactory(organisation=other, name="Kansliet", code="KA")
    unit = UnitFactory(organisation=idp.organisation, name="IT", code="KA")
    idp_a.user = {**ANNA, "department": "KA", "personal_identity_number": "198112189876"}

    response = sso_login(Client(), idp)

    assert response.status_code == 302
    person = User.objects.get(email=ANNA["email"])
    assert Membership.objects.get(user=person).unit == unit
    row = PersonalNumber.objects.get(user=person)
    assert (row.organisation_id, row.masked) == (idp.organisation_id, "19811218-XXXX")
    assert row.number_hash == personal_number_hash(idp.organisation_id, "198112189876")
    assert "198112189876" not in str(SocialAccount.objects.get(user=person).extra_data)
