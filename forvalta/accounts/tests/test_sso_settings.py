"""The pages that configure login through an organisation's IdP: its administrators set
the IdP and name domains; the platform administrator verifies domains; nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from forvalta.accounts.models import EmailDomain, IdentityProvider
from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("accounts:sso_settings")
DOMAINS = reverse("accounts:email_domain_list")

IDP_DATA = {
    "action": "idp",
    "name": "Sundsvall",
    "issuer": "https://login.sundsvall.se/realms/staff",
    "client_id": "forvalta",
    "client_secret": "top-secret-value",
    "email_claim": "email",
    "first_name_claim": "given_name",
    "last_name_claim": "family_name",
    "employee_id_claim": "employeeNumber",
    "is_enabled": "on",
}


def admin_of(organisation: Any, username: str) -> Client:
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=organisation, is_org_admin=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def orgs() -> tuple[Any, Any]:
    return OrganisationFactory(name="Sundsvalls kommun"), OrganisationFactory(name="Timrå kommun")


def test_an_administrator_configures_the_idp_with_the_secret_stored_encrypted(orgs: Any) -> None:
    sundsvall, _ = orgs
    client = admin_of(sundsvall, "admin-s")
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert "Inloggning via din organisation" in page.content.decode()

    response = client.post(SETTINGS, {**IDP_DATA, "organisation": sundsvall.pk})

    assert response.status_code == 302
    idp = IdentityProvider.objects.get()
    assert (idp.organisation, idp.issuer, idp.client_id, idp.employee_id_claim) == (
        sundsvall,
        "https://login.sundsvall.se/realms/staff",
        "forvalta",
        "employeeNumber",
    )
    assert idp.client_secret == "top-secret-value"
    assert "top-secret-value" not in idp.client_secret_encrypted
    event = AuditEvent.objects.get(action="accounts.identityprovider.created")
    assert event.organisation_id == sundsvall.pk
    assert "top-secret-value" not in str(event.changes)
    assert event.changes["secret"] == [None, "••••"]
    page = client.get(SETTINGS).content.decode()
    assert "top-secret-value" not in page
    assert f"/accounts/oidc/oidc-{idp.pk}/login/callback/" in page
    assert f"/login/org/{sundsvall.pk}/" in page


def test_a_change_keeps_the_issuer_and_an_empty_secret_keeps_the_stored_one(orgs: Any) -> None:
    sundsvall, _ = orgs
    client = admin_of(sundsvall, "admin-s")
    client.post(SETTINGS, {**IDP_DATA, "organisation": sundsvall.pk})
    client.post(
        SETTINGS,
        {
            **IDP_DATA,
            "organisation": sundsvall.pk,
            "issuer": "https://evil.example/realm",
            "client_secret": "",
            "client_id": "forvalta-2",
        },
    )
    idp = IdentityProvider.objects.get()
    assert (idp.issuer, idp.client_id, idp.client_secret) == (
        "https://login.sundsvall.se/realms/staff",
        "forvalta-2",
        "top-secret-value",
    )
    event = AuditEvent.objects.get(action="accounts.identityprovider.updated")
    assert event.changes == {"client_id": ["forvalta", "forvalta-2"]}


@pytest.mark.parametrize(
    "issuer", ["http://login.sundsvall.se/", "http://127.0.0.1:6379/", "ftp://login.se/"]
)
def test_an_issuer_must_be_https(orgs: Any, issuer: str) -> None:
    sundsvall, _ = orgs
    client = admin_of(sundsvall, "admin-s")
    response = client.post(SETTINGS, {**IDP_DATA, "organisation": sundsvall.pk, "issuer": issuer})
    assert response.status_code == 200
    assert "måste vara en https-adress" in response.content.decode()
    assert not IdentityProvider.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="accounts.").exists()


def test_a_member_who_is_not_an_administrator_is_refused(orgs: Any) -> None:
    sundsvall, _ = orgs
    user = UserFactory(username="member")
    MembershipFactory(user=user, organisation=sundsvall)
    client = Client()
    client.force_login(user)
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {**IDP_DATA, "organisation": sundsvall.pk}).status_code == 403
    assert not IdentityProvider.objects.exists()


def test_an_administrator_cannot_configure_another_organisation(orgs: Any) -> None:
    sundsvall, timra = orgs
    client = admin_of(timra, "admin-t")
    response = client.post(SETTINGS, {**IDP_DATA, "organisation": sundsvall.pk})
    # The organisation chosen is always one the administrator administers.
    assert response.status_code == 302
    idp = IdentityProvider.objects.get()
    assert idp.organisation == timra


def test_domains_are_added_by_the_organisation_and_verified_by_the_platform(orgs: Any) -> None:
    sundsvall, timra = orgs
    client = admin_of(sundsvall, "admin-s")
    response = client.post(
        SETTINGS, {"action": "domain", "domain": "Sundsvall.SE", "organisation": sundsvall.pk}
    )
    assert response.status_code == 302
    row = EmailDomain.objects.get()
    assert (row.domain, row.organisation, row.verified_at) == ("sundsvall.se", sundsvall, None)
    assert "Väntar på verifiering" in client.get(SETTINGS).content.decode()

    # The organisation's administrator cannot verify it, nor see the platform's list.
    assert client.post(reverse("accounts:email_domain_verify", args=[row.pk])).status_code == 403
    assert client.get(DOMAINS).status_code == 403
    row.refresh_from_db()
    assert row.verified_at is None

    # Another organisation cannot claim the same domain.
    other = admin_of(timra, "admin-t")
    response = other.post(
        SETTINGS, {"action": "domain", "domain": "sundsvall.se", "organisation": timra.pk}
    )
    assert response.status_code == 200
    assert EmailDomain.objects.count() == 1
    # ... nor remove it.
    assert other.post(reverse("accounts:email_domain_delete", args=[row.pk])).status_code == 404
    assert EmailDomain.objects.count() == 1

    platform = UserFactory(username="platform", is_platform_admin=True)
    admin = Client()
    admin.force_login(platform)
    listing = admin.get(DOMAINS)
    assert listing.status_code == 200
    assert "sundsvall.se" in listing.content.decode()
    assert admin.post(reverse("accounts:email_domain_verify", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.verified_by == platform
    assert row.verified_at is not None
    event = AuditEvent.objects.get(action="accounts.emaildomain.verified")
    assert (event.actor_id, event.organisation_id) == (platform.pk, sundsvall.pk)
    # The platform administrator sees no IdP settings page.
    assert admin.get(SETTINGS).status_code == 403


def test_an_administrator_removes_a_domain(orgs: Any) -> None:
    sundsvall, _ = orgs
    row = EmailDomain.objects.create(organisation=sundsvall, domain="sundsvall.se")
    client = admin_of(sundsvall, "admin-s")
    response = client.post(reverse("accounts:email_domain_delete", args=[row.pk]))
    assert response.status_code == 302
    assert not EmailDomain.objects.exists()
    event = AuditEvent.objects.get(action="accounts.emaildomain.deleted")
    assert event.changes == {"domain": ["sundsvall.se", None]}


def test_the_organisation_page_links_its_administrators_to_the_settings(orgs: Any) -> None:
    sundsvall, _ = orgs
    client = admin_of(sundsvall, "admin-s")
    page = client.get(sundsvall.get_absolute_url()).content.decode()
    assert f"{SETTINGS}?organisation={sundsvall.pk}" in page
    member = UserFactory(username="member")
    MembershipFactory(user=member, organisation=sundsvall)
    plain = Client()
    plain.force_login(member)
    assert SETTINGS not in plain.get(sundsvall.get_absolute_url()).content.decode()
