"""An organisation administrator configures the organisation's SAML 2.0 IdP on the login
settings page; nobody else can, and an organisation has one IdP (OIDC or SAML)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from forvalta.accounts.models import IdentityProvider
from forvalta.accounts.saml.mock_idp import MAIL, PERSONAL_NUMBER, MockSamlIdP
from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("accounts:sso_settings")
ENTITY = "https://idp.sundsvall.test/saml"


@pytest.fixture(scope="module")
def idp_metadata() -> Any:
    with MockSamlIdP(entity_id=ENTITY) as mock:
        yield mock.metadata()


def admin_of(organisation: Any, username: str, admin: bool = True) -> Client:
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=organisation, is_org_admin=admin)
    client = Client()
    client.force_login(user)
    return client


def saml_data(metadata: str, **extra: Any) -> dict[str, Any]:
    return {
        "action": "saml",
        "name": "Sundsvall",
        "saml_entity_id": ENTITY,
        "saml_metadata_xml": metadata,
        "saml_metadata_url": "https://idp.sundsvall.test/metadata",
        "email_claim": MAIL,
        "first_name_claim": "urn:oid:2.5.4.42",
        "last_name_claim": "urn:oid:2.5.4.4",
        "employee_id_claim": "",
        "personal_number_claim": PERSONAL_NUMBER,
        "unit_claim": "",
        "is_enabled": "on",
        **extra,
    }


def test_an_administrator_configures_a_saml_idp(idp_metadata: str) -> None:
    sundsvall = OrganisationFactory(name="Sundsvalls kommun")
    client = admin_of(sundsvall, "admin-s")
    page = client.get(SETTINGS).content.decode()
    assert "Identitetsleverantör (SAML 2.0)" in page
    assert "Identitetsleverantör (OpenID Connect)" in page

    response = client.post(SETTINGS, saml_data(idp_metadata, organisation=sundsvall.pk))

    assert response.status_code == 302
    idp = IdentityProvider.objects.get()
    assert (idp.organisation, idp.protocol, idp.saml_entity_id, idp.personal_number_claim) == (
        sundsvall,
        "saml",
        ENTITY,
        PERSONAL_NUMBER,
    )
    assert idp.saml_metadata_xml == idp_metadata.strip()
    assert idp.sp_certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert idp.sp_private_key.startswith("-----BEGIN PRIVATE KEY-----")
    event = AuditEvent.objects.get(action="accounts.identityprovider.created")
    assert event.organisation_id == sundsvall.pk
    assert event.changes["saml_entity_id"] == [None, ENTITY]
    assert "PRIVATE" not in str(event.changes)
    page = client.get(SETTINGS).content.decode()
    metadata_url = f"http://127.0.0.1:8000/login/saml/{sundsvall.pk}/metadata/"
    assert metadata_url in page
    assert f"http://127.0.0.1:8000/login/saml/{sundsvall.pk}/acs/" in page
    assert "Identitetsleverantör (OpenID Connect)" not in page
    assert 'name="client_secret"' not in page


def test_the_metadata_can_be_uploaded_and_the_entity_id_stays(idp_metadata: str) -> None:
    sundsvall = OrganisationFactory()
    client = admin_of(sundsvall, "admin-s")
    upload = SimpleUploadedFile("idp.xml", idp_metadata.encode(), "application/xml")
    response = client.post(SETTINGS, {**saml_data(""), "saml_metadata_file": upload})
    assert response.status_code == 302
    idp = IdentityProvider.objects.get()
    certificate = idp.sp_certificate

    response = client.post(
        SETTINGS, saml_data("", saml_entity_id="https://evil.example/idp", name="Nytt namn")
    )

    assert response.status_code == 302
    idp.refresh_from_db()
    assert (idp.name, idp.saml_entity_id, idp.sp_certificate) == ("Nytt namn", ENTITY, certificate)
    assert idp.saml_metadata_xml == idp_metadata.strip()


def test_metadata_without_the_entity_id_is_refused_with_nothing_saved(idp_metadata: str) -> None:
    sundsvall = OrganisationFactory()
    client = admin_of(sundsvall, "admin-s")

    response = client.post(
        SETTINGS, saml_data(idp_metadata, saml_entity_id="https://other.example/idp")
    )
    assert response.status_code == 200
    assert "Metadatan beskriver ingen identitetsleverantör med detta entitets-id." in (
        response.content.decode()
    )
    response = client.post(SETTINGS, saml_data("<not xml"))
    assert response.status_code == 200
    assert "Metadatan är inte giltig XML." in response.content.decode()
    assert IdentityProvider.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="accounts.identityprovider")


def test_a_member_who_is_not_an_administrator_cannot_configure_it(idp_metadata: str) -> None:
    sundsvall = OrganisationFactory()
    client = admin_of(sundsvall, "member", admin=False)

    response = client.post(SETTINGS, saml_data(idp_metadata, organisation=sundsvall.pk))

    assert response.status_code == 403
    assert IdentityProvider.objects.count() == 0


def test_another_organisations_administrator_configures_only_their_own(idp_metadata: str) -> None:
    sundsvall, timra = OrganisationFactory(), OrganisationFactory()
    client = admin_of(timra, "admin-t")

    response = client.post(SETTINGS, saml_data(idp_metadata, organisation=sundsvall.pk))

    assert response.status_code == 302
    assert list(IdentityProvider.objects.values_list("organisation", flat=True)) == [timra.pk]


def test_an_organisation_with_an_oidc_idp_cannot_add_a_saml_one(idp_metadata: str) -> None:
    sundsvall = OrganisationFactory()
    oidc = IdentityProvider(
        organisation=sundsvall, name="OIDC", issuer="https://login.example/realm", client_id="x"
    )
    oidc.client_secret = "secret"
    oidc.save()
    client = admin_of(sundsvall, "admin-s")
    assert "Identitetsleverantör (SAML 2.0)" not in client.get(SETTINGS).content.decode()

    response = client.post(SETTINGS, saml_data(idp_metadata))

    assert response.status_code == 200
    assert "Organisationen har redan en identitetsleverantör av ett annat slag." in (
        response.content.decode()
    )
    assert list(IdentityProvider.objects.values_list("protocol", flat=True)) == ["oidc"]


class _Answer:
    """What `requests.get(..., stream=True)` gives back, as a context manager."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.body = status, body

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def iter_content(self, size: int) -> Any:
        for start in range(0, len(self.body), size):
            yield self.body[start : start + size]


def test_the_metadata_is_fetched_from_its_https_address(idp_metadata: str, monkeypatch) -> None:
    """Ticking "fetch now" reads the metadata from the address (no redirects, bounded);
    an address that answers wrongly, or is not https, saves nothing."""
    import requests

    calls: list[tuple[str, dict[str, Any]]] = []
    answers = {
        "https://idp.sundsvall.test/metadata": _Answer(200, idp_metadata.encode()),
        "https://idp.sundsvall.test/gone": _Answer(404, b""),
        "https://idp.sundsvall.test/huge": _Answer(200, b"<x>" + b" " * 1_000_001),
    }

    def fake_get(url: str, **kwargs: Any) -> _Answer:
        calls.append((url, kwargs))
        if url not in answers:
            raise requests.ConnectionError(url)
        return answers[url]

    monkeypatch.setattr(requests, "get", fake_get)
    sundsvall = OrganisationFactory()
    client = admin_of(sundsvall, "admin-s")
    for url, message in (
        ("https://idp.sundsvall.test/gone", "Metadata kunde inte hämtas från adressen."),
        ("https://idp.sundsvall.test/down", "Metadata kunde inte hämtas från adressen."),
        ("https://idp.sundsvall.test/huge", "Metadatafilen är för stor."),
        ("http://idp.sundsvall.test/metadata", "Adressen måste vara en https-adress."),
    ):
        response = client.post(
            SETTINGS,
            saml_data(
                "",
                organisation=sundsvall.pk,
                saml_metadata_url=url,
                saml_fetch_metadata="on",
            ),
        )
        assert response.status_code == 200
        assert message in response.content.decode(), url
        assert not IdentityProvider.objects.exists()
    assert [url for url, _kw in calls] == [
        "https://idp.sundsvall.test/gone",
        "https://idp.sundsvall.test/down",
        "https://idp.sundsvall.test/huge",
    ]
    assert all(kw["allow_redirects"] is False and kw["timeout"] == 10 for _u, kw in calls)

    response = client.post(
        SETTINGS,
        saml_data("", organisation=sundsvall.pk, saml_fetch_metadata="on"),
    )
    assert response.status_code == 302
    idp = IdentityProvider.objects.get()
    assert idp.saml_metadata_xml == idp_metadata.strip()
    assert idp.saml_metadata_url == "https://idp.sundsvall.test/metadata"
