"""Login through an organisation's own SAML 2.0 IdP, against an IdP built from pysaml2's
own IdP classes in process (forvalta.accounts.saml.mock_idp): just-in-time creation,
linking rules across organisations, refused responses (expired, wrong audience,
unsigned, altered, replayed, another request's, another IdP's), each refusal changing
nothing; the SP metadata; unit placement and the personal identity number."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from defusedxml import ElementTree
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forvalta.accounts.models import (
    EmailDomain,
    IdentityProvider,
    LoginFailure,
    PersonalNumber,
    SamlAssertionUse,
)
from forvalta.accounts.saml import mock_idp as m
from forvalta.accounts.saml.mock_idp import MockSamlIdP
from forvalta.accounts.saml.sp import acs_url, sp_entity_id
from forvalta.accounts.services import personal_number_hash, saml_identity_provider_save
from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, User
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")

ANNA = {
    m.MAIL: "anna.berg@sundsvall.se",
    m.GIVEN_NAME: "Anna",
    m.SURNAME: "Berg",
    m.EMPLOYEE_NUMBER: "E-4711",
}


def org_admin(organisation: Any) -> Any:
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=organisation, is_org_admin=True)
    return admin


def configure(
    domain: str,
    verified: bool = True,
    entity_id: str = "https://idp.sundsvall.test/saml",
    **org: Any,
) -> tuple[IdentityProvider, MockSamlIdP]:
    """An organisation with a SAML IdP (configured through the service, as its
    administrator would) and its e-mail domain."""
    organisation = OrganisationFactory(**org)
    mock = MockSamlIdP(entity_id=entity_id)
    idp = saml_identity_provider_save(
        actor=org_admin(organisation),
        organisation=organisation,
        data={
            "name": organisation.name[:40],
            "saml_entity_id": entity_id,
            "saml_metadata_xml": mock.metadata(),
            "email_claim": m.MAIL,
            "first_name_claim": m.GIVEN_NAME,
            "last_name_claim": m.SURNAME,
            "employee_id_claim": m.EMPLOYEE_NUMBER,
            "personal_number_claim": m.PERSONAL_NUMBER,
            "unit_claim": m.UNIT,
            "is_enabled": True,
        },
    )
    mock.sp_metadata = [
        Client().get(reverse("saml_metadata", args=[organisation.pk])).content.decode()
    ]
    EmailDomain.objects.create(
        organisation=organisation, domain=domain, verified_at=timezone.now() if verified else None
    )
    return idp, mock


@pytest.fixture
def sundsvall() -> Any:
    idp, mock = configure("sundsvall.se", name="Sundsvalls kommun")
    mock.user, mock.name_id = dict(ANNA), "a-123"
    yield idp, mock
    mock.close()


def start(client: Client, idp: IdentityProvider, mock: MockSamlIdP, next_url: str = "") -> Any:
    """Press the button on the IdP's login page: the AuthnRequest as the IdP reads it."""
    url = reverse("saml_login", args=[idp.organisation_id])
    response = client.post(url, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(mock.sso_url + "?SAMLRequest=")
    return mock.read_request(location)


def post_back(client: Client, idp: IdentityProvider, saml_response: str) -> Any:
    return client.post(
        reverse("saml_acs", args=[idp.organisation_id]), {"SAMLResponse": saml_response}
    )


def sso_login(client: Client, idp: IdentityProvider, mock: MockSamlIdP, **kw: Any) -> Any:
    return post_back(client, idp, mock.response(start(client, idp, mock), **kw))


def counts() -> tuple[int, int, int, int, int]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        SocialAccount.objects.count(),
        AuditEvent.objects.filter(action__in=["auth.login", "auth.sso_login"]).count(),
        PersonalNumber.objects.count(),
    )


def logged_in_user(client: Client) -> Any:
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def assert_refused(client: Client, response: Any, before: Any, reason_start: str) -> None:
    assert response.status_code == 401
    assert "Inloggningen misslyckades" in response.content.decode()
    assert logged_in_user(client) is None
    assert counts() == before
    event = AuditEvent.objects.filter(action="auth.sso_failed").latest("id")
    assert event.changes["reason"][1].startswith(reason_start), event.changes["reason"]


# --- just-in-time creation ----------------------------------------------------------------
def test_first_login_creates_the_person_with_a_membership_in_that_organisation_only(
    sundsvall: Any,
) -> None:
    idp, mock = sundsvall
    other = OrganisationFactory(name="Timrå kommun")
    client = Client()

    response = sso_login(client, idp, mock)

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
    assert (account.provider, account.uid) == (f"saml-{idp.pk}", "a-123")
    assert account.extra_data["forvalta"]["employee_id"] == "E-4711"
    events = list(
        AuditEvent.objects.filter(object_id=str(person.pk), object_type="core.user")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["core.user.created", "auth.login", "auth.sso_login"]
    sso_event = AuditEvent.objects.get(action="auth.sso_login")
    assert sso_event.changes["identity_provider"] == [None, str(idp)]
    assert sso_event.changes["subject"] == [None, "a-123"]
    assert client.session["forvalta_sso_provider"] == f"saml-{idp.pk}"
    assert client.get(HOME).status_code == 200


def test_a_second_login_uses_the_same_person_and_the_next_address(sundsvall: Any) -> None:
    idp, mock = sundsvall
    sso_login(Client(), idp, mock)
    first = User.objects.get(email=ANNA[m.MAIL])

    client = Client()
    request = start(client, idp, mock, next_url="/register/")
    response = post_back(client, idp, mock.response(request, user={**ANNA, m.GIVEN_NAME: "Ann"}))

    assert response.status_code == 302
    assert response["Location"] == "/register/"
    assert logged_in_user(client) == first
    assert User.objects.filter(email=ANNA[m.MAIL]).count() == 1
    assert Membership.objects.filter(user=first).count() == 1
    assert SocialAccount.objects.count() == 1


# --- refused responses: nothing created, nobody logged in ------------------------------------
def test_an_expired_assertion_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    saml_response = mock.response(start(client, idp, mock))  # valid for an hour
    before = counts()
    failures = LoginFailure.objects.count()
    import saml2.time_util

    real = saml2.time_util.utc_now
    later = real() + 62 * 60
    saml2.time_util.utc_now = lambda: later  # an hour and two minutes later at the SP
    try:
        response = post_back(client, idp, saml_response)
    finally:
        saml2.time_util.utc_now = real

    assert_refused(client, response, before, "ResponseLifetimeExceed")
    assert LoginFailure.objects.count() == failures + 1


def test_an_assertion_for_another_audience_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    before = counts()

    response = post_back(
        client, idp, mock.response(request, audience="https://other.example.test/sp")
    )

    assert_refused(client, response, before, "")
    reason = AuditEvent.objects.get(action="auth.sso_failed").changes["reason"][1]
    assert "audience" in reason.lower() or "Audience" in reason


def test_an_unsigned_assertion_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    before = counts()

    response = post_back(client, idp, mock.response(request, sign_assertion=False))

    assert_refused(client, response, before, "SignatureError")


def test_an_altered_assertion_is_refused(sundsvall: Any) -> None:
    """The signed assertion with its e-mail address changed afterwards."""
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    xml = base64.b64decode(mock.response(request)).decode()
    assert xml.count("anna.berg@sundsvall.se") == 1
    altered = xml.replace("anna.berg@sundsvall.se", "bo.ek@sundsvall.se")
    before = counts()

    response = post_back(client, idp, base64.b64encode(altered.encode()).decode())

    assert_refused(client, response, before, "SignatureError")
    assert not User.objects.filter(email="bo.ek@sundsvall.se").exists()


def test_an_assertion_signed_by_another_key_is_refused(sundsvall: Any) -> None:
    """Another IdP (own key) presenting itself with the configured entity id."""
    idp, mock = sundsvall
    impostor = MockSamlIdP(entity_id=mock.entity_id, sp_metadata=mock.sp_metadata[0])
    client = Client()
    request = start(client, idp, mock)
    before = counts()

    response = post_back(client, idp, impostor.response(request, user=dict(ANNA), name_id="a-123"))
    impostor.close()

    assert_refused(client, response, before, "SignatureError")


def test_a_replayed_assertion_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    saml_response = mock.response(request)
    assert post_back(client, idp, saml_response).status_code == 302
    assert SamlAssertionUse.objects.count() == 1
    before = counts()

    # The same response again, in a browser that started the same request (its cookie).
    thief = Client()
    thief.cookies = client.cookies
    client.logout()
    thief.cookies["forvalta_saml_request"] = _cookie_for(idp, request["id"])
    response = post_back(thief, idp, saml_response)

    assert_refused(thief, response, before, "replayed")


def _cookie_for(idp: IdentityProvider, request_id: str) -> str:
    from django.core import signing

    return signing.dumps(
        {"id": request_id, "idp": idp.pk, "next": ""}, salt="forvalta.accounts.saml.request"
    )


def test_a_response_to_another_request_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    before = counts()

    response = post_back(client, idp, mock.response(request, in_response_to="id-not-ours-123"))

    assert_refused(client, response, before, "")
    assert SamlAssertionUse.objects.count() == 0


def test_a_response_in_a_browser_that_did_not_start_the_login_is_refused(sundsvall: Any) -> None:
    """Unsolicited (IdP-initiated) or carried to another browser: no request cookie."""
    idp, mock = sundsvall
    request = start(Client(), idp, mock)
    before = counts()
    other = Client()

    response = post_back(other, idp, mock.response(request))

    assert_refused(other, response, before, "")


def test_an_address_in_an_unverified_domain_is_refused() -> None:
    idp, mock = configure("sundsvall.se", verified=False)
    mock.user, mock.name_id = dict(ANNA), "a-123"
    client = Client()
    before = counts()
    failures = LoginFailure.objects.count()

    response = sso_login(client, idp, mock)
    mock.close()

    assert_refused(client, response, before, "email_domain_not_verified")
    assert LoginFailure.objects.count() == failures + 1
    event = AuditEvent.objects.get(action="auth.sso_failed")
    assert event.changes["identity_provider"] == [None, f"saml-{idp.pk}"]
    assert event.object_repr == "anna.berg@sundsvall.se"


# --- never across organisations --------------------------------------------------------------
def test_idp_of_a_presenting_a_person_of_b_gets_a_separate_person_or_is_refused(
    sundsvall: Any,
) -> None:
    """Organisation B's IdP presents the NameID and the e-mail address of a person of
    organisation A: never A's person. An address in A's domain is refused; one in B's
    own domain makes a separate person of B."""
    idp_a, mock_a = sundsvall
    sso_login(Client(), idp_a, mock_a)
    a_person = User.objects.get(email=ANNA[m.MAIL])
    a_password = UserFactory(username="anna", email="anna.berg@timra.se")
    MembershipFactory(user=a_password, organisation=idp_a.organisation)
    before_people = {u.pk: (u.username, u.email, u.last_login) for u in (a_person, a_password)}
    idp_b, mock_b = configure(
        "timra.se", entity_id="https://idp.timra.test/saml", name="Timrå kommun"
    )

    # A's address and NameID from B's IdP: refused, nothing created.
    client = Client()
    before = counts()
    response = sso_login(client, idp_b, mock_b, user=dict(ANNA), name_id="a-123")
    assert_refused(client, response, before, "email_domain_not_verified")

    # The same NameID with an address in B's domain (the same as A's password account).
    client = Client()
    response = sso_login(
        client, idp_b, mock_b, user={**ANNA, m.MAIL: "Anna.Berg@timra.se"}, name_id="a-123"
    )
    mock_b.close()

    assert response.status_code == 302
    person = logged_in_user(client)
    assert person not in (a_person, a_password)
    assert person.email == "anna.berg@timra.se"
    assert list(Membership.objects.filter(user=person).values_list("organisation", flat=True)) == [
        idp_b.organisation_id
    ]
    for pk, values in before_people.items():
        stored = User.objects.get(pk=pk)
        assert (stored.username, stored.email, stored.last_login) == values
        assert not SocialAccount.objects.filter(user_id=pk, provider=f"saml-{idp_b.pk}")
    # A's person logs in through A's IdP again: still A's own person.
    again = Client()
    sso_login(again, idp_a, mock_a)
    assert logged_in_user(again) == a_person


def test_a_response_from_as_idp_at_bs_acs_is_refused(sundsvall: Any) -> None:
    """A's IdP's (validly signed) assertion posted to organisation B's ACS."""
    idp_a, mock_a = sundsvall
    idp_b, mock_b = configure("timra.se", entity_id="https://idp.timra.test/saml")
    client = Client()
    request = start(client, idp_b, mock_b)
    before = counts()

    response = post_back(
        client, idp_b, mock_a.response(request, audience=sp_entity_id(idp_a.organisation_id))
    )
    mock_b.close()

    assert_refused(client, response, before, "")


def test_a_person_whose_membership_ended_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    sso_login(Client(), idp, mock)
    person = User.objects.get(email=ANNA[m.MAIL])
    Membership.objects.filter(user=person).update(
        valid_to=timezone.localdate() - timezone.timedelta(days=1)
    )
    client = Client()
    before = counts()

    response = sso_login(client, idp, mock)

    assert_refused(client, response, before, "no_membership")


def test_failed_responses_are_throttled(sundsvall: Any) -> None:
    idp, _mock = sundsvall
    before = counts()
    client = Client()
    for _ in range(40):
        response = post_back(client, idp, "bm90IFNBTUw=")
        if response.status_code == 429:
            break
        assert response.status_code == 401
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode() or "För många" in (
        response.content.decode()
    )
    assert counts() == before


# --- the SP metadata Forvalta publishes ---------------------------------------------------------
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


def test_the_sp_metadata_names_the_entity_id_acs_and_certificate(sundsvall: Any) -> None:
    idp, _mock = sundsvall
    org_id = idp.organisation_id

    response = Client().get(reverse("saml_metadata", args=[org_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{MD}EntityDescriptor"
    assert root.get("entityID") == f"http://127.0.0.1:8000/login/saml/{org_id}/metadata/"
    assert root.get("entityID") == sp_entity_id(org_id)
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.get("WantAssertionsSigned") == "true"
    acs = sp.findall(f"{MD}AssertionConsumerService")
    assert [(a.get("Binding"), a.get("Location")) for a in acs] == [
        ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", acs_url(org_id))
    ]
    assert acs_url(org_id) == f"http://127.0.0.1:8000/login/saml/{org_id}/acs/"
    certificates = {c.text.strip() for c in sp.iter(f"{DS}X509Certificate")}
    stored = "".join(idp.sp_certificate.strip().splitlines()[1:-1])
    assert certificates == {stored}
    # The private key is never in it, and is stored encrypted.
    assert b"PRIVATE" not in response.content
    assert "PRIVATE KEY" not in idp.sp_private_key_encrypted
    assert idp.sp_private_key.startswith("-----BEGIN PRIVATE KEY-----")


def test_each_organisation_has_its_own_sp_key_pair(sundsvall: Any) -> None:
    idp_a, _mock = sundsvall
    idp_b, mock_b = configure("timra.se", entity_id="https://idp.timra.test/saml")
    mock_b.close()
    assert idp_a.sp_certificate != idp_b.sp_certificate
    assert sp_entity_id(idp_a.organisation_id) != sp_entity_id(idp_b.organisation_id)


def test_no_sp_metadata_without_a_saml_idp() -> None:
    organisation = OrganisationFactory()
    assert Client().get(reverse("saml_metadata", args=[organisation.pk])).status_code == 404
    assert Client().get(reverse("saml_login", args=[organisation.pk])).status_code == 404


# --- the ways in: the login link and the address on the login page ------------------------------
def test_the_login_link_and_the_address_lead_to_the_saml_login(sundsvall: Any) -> None:
    idp, _mock = sundsvall
    saml_login = reverse("saml_login", args=[idp.organisation_id])
    client = Client()

    assert client.get(reverse("sso_org_login", args=[idp.organisation_id]))["Location"] == (
        saml_login
    )
    response = client.post(reverse("sso_start"), {"sso": "someone@sundsvall.se"})
    assert response["Location"] == saml_login
    page = client.get(saml_login)
    assert page.status_code == 200
    assert "Logga in via Sundsvalls kommun" in page.content.decode()
    assert "https://idp.sundsvall.test" in page["Content-Security-Policy"]


# --- unit from an attribute -----------------------------------------------------------------------
def test_the_first_login_places_the_person_in_the_unit_of_the_attribute(sundsvall: Any) -> None:
    from forvalta.core.tests.factories import UnitFactory

    idp, mock = sundsvall
    unit = UnitFactory(organisation=idp.organisation, name="IT-avdelningen", code="IT")
    UnitFactory(organisation=idp.organisation, name="Ekonomi", code="EK")

    sso_login(Client(), idp, mock, user={**ANNA, m.UNIT: "IT"})

    membership = Membership.objects.get(user__email=ANNA[m.MAIL])
    assert membership.unit == unit


def test_a_unit_is_matched_by_name_and_never_taken_from_another_organisation(
    sundsvall: Any,
) -> None:
    from forvalta.core.tests.factories import UnitFactory

    idp, mock = sundsvall
    other = OrganisationFactory(name="Timrå kommun")
    UnitFactory(organisation=other, name="Socialtjänsten", code="SOC")
    own = UnitFactory(organisation=idp.organisation, name="IT-avdelningen", code="")

    sso_login(Client(), idp, mock, user={**ANNA, m.UNIT: "SOC"})
    assert Membership.objects.get(user__email=ANNA[m.MAIL]).unit is None

    sso_login(
        Client(),
        idp,
        mock,
        user={**ANNA, m.MAIL: "bo.ek@sundsvall.se", m.UNIT: "it-avdelningen"},
        name_id="b-456",
    )
    assert Membership.objects.get(user__email="bo.ek@sundsvall.se").unit == own


# --- the personal identity number: a keyed hash and a mask, never in clear -----------------------
def test_the_personal_identity_number_is_stored_hashed_and_masked(sundsvall: Any) -> None:
    idp, mock = sundsvall

    sso_login(Client(), idp, mock, user={**ANNA, m.PERSONAL_NUMBER: "198112189876"})

    person = User.objects.get(email=ANNA[m.MAIL])
    row = PersonalNumber.objects.get()
    assert (row.organisation_id, row.user_id, row.masked) == (
        idp.organisation_id,
        person.pk,
        "19811218-XXXX",
    )
    assert row.number_hash == personal_number_hash(idp.organisation_id, "198112189876")
    assert len(row.number_hash) == 64 and "9876" not in row.number_hash
    # Nowhere in clear: not with the link, not in the audit trail.
    account = SocialAccount.objects.get(user=person)
    assert "9876" not in str(account.extra_data)
    assert "198112189876" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    event = AuditEvent.objects.get(action="accounts.personalnumber.created")
    assert event.changes == {"masked": [None, "19811218-XXXX"]}


def test_the_hash_is_keyed_per_organisation_and_the_number_hidden_from_others(
    sundsvall: Any,
) -> None:
    idp_a, mock_a = sundsvall
    idp_b, mock_b = configure("timra.se", entity_id="https://idp.timra.test/saml")
    sso_login(Client(), idp_a, mock_a, user={**ANNA, m.PERSONAL_NUMBER: "19811218-9876"})
    sso_login(
        Client(),
        idp_b,
        mock_b,
        user={**ANNA, m.MAIL: "anna.berg@timra.se", m.PERSONAL_NUMBER: "811218-9876"},
        name_id="t-1",
    )
    mock_b.close()

    row_a = PersonalNumber.objects.get(organisation=idp_a.organisation)
    row_b = PersonalNumber.objects.get(organisation=idp_b.organisation)
    assert row_a.masked == row_b.masked == "19811218-XXXX"
    assert row_a.number_hash != row_b.number_hash  # not linkable across organisations
    admin_a = (
        Membership.objects.filter(organisation=idp_a.organisation, is_org_admin=True).get().user
    )
    assert list(PersonalNumber.objects.visible_to(admin_a)) == [row_a]
    person_b = User.objects.get(email="anna.berg@timra.se")
    assert list(PersonalNumber.objects.visible_to(person_b)) == []


def test_an_invalid_personal_identity_number_is_not_stored(sundsvall: Any) -> None:
    idp, mock = sundsvall
    response = sso_login(Client(), idp, mock, user={**ANNA, m.PERSONAL_NUMBER: "198112189875"})
    assert response.status_code == 302
    assert PersonalNumber.objects.count() == 0


# --- manage.py mock_saml_idp (README) ----------------------------------------------------------
def test_the_mock_saml_idp_command_connects_an_organisation_that_logs_in(monkeypatch: Any) -> None:
    import html
    import re
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    import requests

    from forvalta.accounts.management.commands.mock_saml_idp import Command, _handler

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    organisation = OrganisationFactory(name="Alingsås kommun")
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # handler below
    port = server.server_address[1]
    mock = MockSamlIdP(entity_id=f"http://127.0.0.1:{port}/saml")
    mock.user = {**ANNA, m.MAIL: "erik.lund@alingsas.se", m.PERSONAL_NUMBER: "198112189876"}
    mock.name_id = "demo-erik-lund"
    idp = Command()._connect(organisation, mock, "alingsas.se")
    from forvalta.accounts.saml.sp import sp_metadata

    mock.sp_metadata = [sp_metadata(idp)]
    server.RequestHandlerClass = _handler(mock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = Client()
        login_page = client.post(reverse("sso_start"), {"sso": "erik.lund@alingsas.se"})
        to_idp = client.post(login_page["Location"])["Location"]
        assert to_idp.startswith(f"http://127.0.0.1:{port}/saml/sso?SAMLRequest=")
        page = requests.get(to_idp, timeout=10).text
        assert "Loggar in Anna Berg" in page
        value = html.unescape(re.search(r'name="SAMLResponse" value="([^"]+)"', page).group(1))
        action = urlsplit(html.unescape(re.search(r'action="([^"]+)"', page).group(1))).path
        response = client.post(action, {"SAMLResponse": value})
    finally:
        server.shutdown()
        server.server_close()
        mock.close()

    assert response.status_code == 302
    person = logged_in_user(client)
    assert person.email == "erik.lund@alingsas.se"
    assert list(Membership.objects.filter(user=person).values_list("organisation", flat=True)) == [
        organisation.pk
    ]
    assert EmailDomain.objects.get(domain="alingsas.se").is_verified
    assert PersonalNumber.objects.get(user=person).masked == "19811218-XXXX"


def test_allauths_connections_page_works_after_a_saml_login(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    sso_login(client, idp, mock)
    response = client.get("/accounts/3rdparty/")
    assert response.status_code == 200


def test_an_assertion_not_yet_valid_is_refused(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    saml_response = mock.response(start(client, idp, mock))
    before = counts()
    import saml2.time_util

    real = saml2.time_util.utc_now
    earlier = real() - 10 * 60
    saml2.time_util.utc_now = lambda: earlier  # the SP's clock ten minutes behind
    try:
        response = post_back(client, idp, saml_response)
    finally:
        saml2.time_util.utc_now = real

    assert_refused(client, response, before, "ToEarly")


def test_another_idp_of_a_federations_metadata_is_not_trusted(sundsvall: Any) -> None:
    """The configured metadata is a federation's aggregate naming two IdPs; only the
    configured entity id may log in, though the other's signature is valid."""
    idp, mock = sundsvall
    other = MockSamlIdP(entity_id="https://idp.other-member.test/saml")

    def bare(xml: str) -> str:
        return xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml

    idp.saml_metadata_xml = (
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        f"{bare(mock.metadata())}{bare(other.metadata())}</md:EntitiesDescriptor>"
    )
    idp.save(update_fields=["saml_metadata_xml"])
    other.sp_metadata = mock.sp_metadata
    client = Client()
    request = start(client, idp, mock)
    before = counts()

    response = post_back(client, idp, other.response(request, user=dict(ANNA), name_id="a-123"))
    other.close()

    assert_refused(client, response, before, "issuer")
    # The configured IdP still logs in with the same metadata.
    assert sso_login(Client(), idp, mock).status_code == 302


def test_the_authn_request_is_signed_with_the_organisations_sp_key(sundsvall: Any) -> None:
    from urllib.parse import parse_qs, urlsplit

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    idp, mock = sundsvall
    response = Client().post(reverse("saml_login", args=[idp.organisation_id]))
    query = urlsplit(response["Location"]).query
    params = parse_qs(query)
    assert params["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    signed = query.split("&Signature=")[0].encode()
    certificate = x509.load_pem_x509_certificate(idp.sp_certificate.encode())
    certificate.public_key().verify(  # raises when the signature is not the SP key's
        base64.b64decode(params["Signature"][0]), signed, padding.PKCS1v15(), hashes.SHA256()
    )
    request = mock.read_request(response["Location"])
    assert request["issuer"] == sp_entity_id(idp.organisation_id)
    assert request["acs"] == acs_url(idp.organisation_id)


def test_an_address_off_the_site_is_never_the_next_page(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock, next_url="https://evil.example/")
    response = post_back(client, idp, mock.response(request))
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_disabled_saml_idp_logs_nobody_in(sundsvall: Any) -> None:
    idp, mock = sundsvall
    client = Client()
    request = start(client, idp, mock)
    saml_response = mock.response(request)
    IdentityProvider.objects.filter(pk=idp.pk).update(is_enabled=False)
    before = counts()

    assert post_back(client, idp, saml_response).status_code == 404
    assert client.get(reverse("saml_login", args=[idp.organisation_id])).status_code == 404
    assert client.get(reverse("sso_org_login", args=[idp.organisation_id])).status_code == 404
    assert logged_in_user(client) is None
    assert counts() == before
