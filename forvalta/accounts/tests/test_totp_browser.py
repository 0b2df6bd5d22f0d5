"""A login with a second factor (TOTP) in a real browser (headless Chromium): the user
name and password, then the code from the authenticator app, in a labelled field."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from playwright.sync_api import Browser, Page, expect

from forvalta.accounts.tests.test_oidc_browser import CHROMIUM, browser  # noqa: F401
from forvalta.core.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from forvalta.core.tests.test_browser_a11y import AXE, WCAG_AA

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations; the label and contrast rules must have run."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return {passes: r.passes.map(p => p.id),
                    violations: r.violations.map(v => ({id: v.id,
                        nodes: v.nodes.map(n => n.target.join(" "))}))};
        }""",
        WCAG_AA,
    )
    assert {"label", "color-contrast"} <= set(result["passes"])
    return result["violations"]


def test_a_person_logs_in_with_password_and_authenticator_code(
    browser: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    person = UserFactory(username="karin", first_name="Karin", last_name="Lund")
    MembershipFactory(user=person)
    TOTP.activate(person, SECRET)
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        assert axe_violations(page) == []
        page.get_by_label("Användarnamn").fill("karin")
        page.get_by_label("Lösenord").fill(TEST_PASSWORD)
        page.locator('form[action="/login/"] button[type="submit"]').click()
        page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
        expect(page.locator(".user-name")).to_have_count(0)  # not logged in yet
        assert axe_violations(page) == []
        page.get_by_label("Kod").fill("000000")
        page.get_by_role("button", name="Logga in").first.click()
        expect(page.get_by_text("Felaktig kod.")).to_be_visible()
        assert axe_violations(page) == []
        code = format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))
        page.get_by_label("Kod").fill(code)
        page.get_by_role("button", name="Logga in").first.click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator(".user-name")).to_have_text("Karin Lund")
    finally:
        context.close()
