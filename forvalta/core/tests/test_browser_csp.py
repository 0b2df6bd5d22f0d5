"""The Content-Security-Policy in a real browser: no page, htmx swap or the API's Swagger UI
trips it (Chromium reports every refusal as a console error)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import ConsoleMessage, Page, expect

from forvalta.core.tests import test_browser as base

# The browser tests' fixtures and marks (Chromium, the live server, the demo data).
pytestmark = base.pytestmark
browser, context, demo, page = base.browser, base.context, base.demo, base.page
log_in = base.log_in


def test_pages_htmx_and_api_docs_work_under_the_policy(
    demo: None, page: Page, live_server: Any
) -> None:
    refused: list[str] = []
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "{ (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI) });"
    )

    def collect() -> None:
        violations.extend(page.evaluate("window.__csp || []"))

    log_in(page, "forvaltningsledare")
    collect()
    page.goto("/register/systems/")
    # An htmx request: the list filters itself as one types.
    page.locator("input[name=q]").press_sequentially("signering")
    expect(page.locator(".list-results tbody tr")).to_have_count(1)
    collect()
    page.locator(".list-results tbody tr a").first.click()
    expect(page.locator("main h1")).to_contain_text("Signering")
    collect()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Forvalta API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    collect()
    assert refused == []
    assert violations == []
