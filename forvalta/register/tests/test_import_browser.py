"""An administrator imports systems from a CSV file in a real browser (headless Chromium):
log in, upload, read the preview, commit, find the systems in the list. Once with
JavaScript (htmx boosting the forms) and once without."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, expect, sync_playwright

from forvalta.audit.models import AuditEvent
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import (
    TEST_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from forvalta.register.models import System
from forvalta.register.tests.factories import ManagementObjectFactory
from forvalta.register.tests.importing import csv_bytes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    # No serialized_rollback: its reload collides with the content types that the flush
    # after other transactional tests recreates. This test needs no role types.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in the test thread; the test's own ORM
    # calls are synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"
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
def test_admin_uploads_previews_and_commits_a_csv(
    browser: Browser, live_server: Any, tmp_path: Path, javascript: bool
) -> None:
    kommun = OrganisationFactory(name="Härnösands kommun")
    supplier = OrganisationFactory(name="Tietoevry Sverige AB", kind=OrganisationKind.SUPPLIER)
    admin = UserFactory(username="maria.hook", first_name="Maria", last_name="Höök")
    MembershipFactory(user=admin, organisation=kommun, is_org_admin=True)
    ManagementObjectFactory(owner_organisation=kommun, name="Vård och omsorg")
    ManagementObjectFactory(owner_organisation=kommun, name="Skola och förskola")
    org, sup = kommun.org_number, supplier.org_number
    rows = [
        ["Ägare (organisationsnummer)", "Namn", "Förvaltningsobjekt", "Beskrivning",
         "Leverantör (organisationsnummer)", "Livscykelfas", "Kritikalitet",
         "Behandlar personuppgifter"],
        [org, "Lifecare Åldreomsorg", "Vård och omsorg", "Dokumentation; planering", sup, "Drift",
         "Hög", "Ja"],
        [org, "Skolplattform Hösten", "Skola och förskola", "Närvaro och schema", "", "Införande",
         "Medel", "Ja"],
    ]  # fmt: skip
    path = tmp_path / "system från förvaltningen.csv"
    path.write_bytes(csv_bytes(rows))

    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=javascript
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.fill("#id_login", admin.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.locator("main form:has(#id_password) button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto("/register/import/?kind=systems")
        expect(page.locator("input[name=kind][value=systems]")).to_be_checked()
        page.set_input_files("input[name=file]", str(path))
        page.locator("main form[enctype] button[type=submit]").click()

        page.wait_for_url("**/preview/")
        expect(page.locator("[data-count=create]")).to_have_text("2")
        expect(page.locator("[data-count=error]")).to_have_text("0")
        expect(page.locator("#import-rows")).to_contain_text("Lifecare Åldreomsorg")
        expect(page.locator("#import-rows")).to_contain_text("Skolplattform Hösten")
        assert System.objects.count() == 0, "the preview wrote nothing"

        page.locator("#import-commit").click()
        page.wait_for_url("**/register/systems/")
        table = page.locator("main table")
        expect(table).to_contain_text("Lifecare Åldreomsorg")
        expect(table).to_contain_text("Skolplattform Hösten")
        expect(page.locator(".messages")).to_be_visible()
    finally:
        context.close()

    lifecare = System.objects.get(name="Lifecare Åldreomsorg")
    assert lifecare.vendor == supplier and lifecare.criticality == "high"
    assert lifecare.description == "Dokumentation; planering"
    assert AuditEvent.objects.filter(action="register.import.committed").count() == 1
    assert AuditEvent.objects.filter(action="register.system.created").count() == 2
