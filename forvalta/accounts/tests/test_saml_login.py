"""Login through an organisation's own SAML 2.0 IdP, against an IdP built from pysaml2's
own IdP classes in process (forvalta.accounts.saml.mock_idp): just-in-time creation,
linking rules across organisations, refused responses (expired, wrong audience,
unsigned, altered, replayed, another request's, another IdP's), each refusal changing
nothing; the SP metadata; unit placement and the personal identity number."""

from __future__ import annotations

import base64
import time
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
from forvalta.core.models import Membership, Unit, User
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
