"""A login through the organisation's IdP in a real browser (headless Chromium): the
address on the login page, the mock IdP on 127.0.0.1, back to Forvalta as the person
created at that first login. With and without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, expect, sync_playwright

from forvalta.accounts.models import EmailDomain, IdentityProvider
from forvalta.accounts.oidc.mock_idp import MockOIDCProvider
from forvalta.core.models import Membership, User
from forvalta.core.tests.factories import OrganisationFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_person_logs_in_through_their_organisations_idp(
    browser: Browser, live_server: Any, javascript: bool
) -> None:
    kungalv = OrganisationFactory(name="Kungälvs kommun")
    with MockOIDCProvider() as mock:
        idp = IdentityProvider(
            organisation=kungalv, name="Kungälv", issuer=mock.issuer, client_id=mock.client_id
        )
        idp.client_secret = mock.client_secret
        idp.save()
        EmailDomain.objects.create(
            organisation=kungalv, domain="kungalv.se", verified_at=timezone.now()
        )
        mock.user = {
            "sub": "k-1",
            "email": "anna.berg@kungalv.se",
            "given_name": "Anna",
            "family_name": "Berg",
        }
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            page.goto("/login/")
            page.get_by_label("E-postadress eller domän för inloggning via din organisation").fill(
                "anna.berg@kungalv.se"
            )
            page.get_by_role("button", name="Fortsätt till din organisation").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Logga in via Kungälv")
            page.get_by_role("button", name="Fortsätt", exact=True).click()
            page.wait_for_url(f"{live_server.url}/")
            expect(page.locator(".user-name")).to_have_text("Anna Berg")
        finally:
            context.close()
    person = User.objects.get(email="anna.berg@kungalv.se")
    assert list(Membership.objects.filter(user=person).values_list("organisation", flat=True)) == [
        kungalv.pk
    ]
