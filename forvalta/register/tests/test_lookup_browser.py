"""The system filter's suggestions in Chromium: typing fills the <datalist> through htmx
without changing the address, choosing a suggestion filters the list by that system.

Uses the demo and Chromium fixtures of forvalta/core/tests/test_browser.py."""

# ruff: noqa: F811  (fixtures are imported and then asked for by name)
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from forvalta.core.tests.test_browser import (  # noqa: F401  # the fixtures
    browser,
    context,
    demo,
    english_page,
    log_in,
    pytestmark,
)
from forvalta.register.models import System


def test_the_system_filter_suggests_and_filters(
    demo: None, english_page: Page, live_server: Any
) -> None:
    page = english_page
    system = System.objects.get(name="E-tjänsteplattformen")
    log_in(page, "kommun2")
    page.goto("/register/environments/")
    field = page.locator("#id_system")
    field.click()
    field.press_sequentially("tjänstepl", delay=30)
    options = page.locator("#id_system-choices option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", f"E-tjänsteplattformen (#{system.pk})")
    # The suggestions' own request did not change the address (the list's may have).
    assert "_choices" not in page.url
    field.fill(f"E-tjänsteplattformen (#{system.pk})")
    field.dispatch_event("change")
    # The list follows the choice (typing had already searched by the typed name).
    expect(page).to_have_url(re.compile(r"[?&]system=[^&]*%23"))
    chosen = parse_qs(urlparse(page.url).query)["system"]
    assert chosen == [f"E-tjänsteplattformen (#{system.pk})"]
    table = page.locator("#list-results table tbody")
    expect(table.locator("tr")).to_have_count(2)
    expect(table).to_contain_text("E-tjänsteplattformen")
    expect(table).not_to_contain_text("Signeringstjänsten")
    # Reloading the address shows the same filtered list and the chosen system.
    page.reload()
    expect(page.locator("#id_system")).to_have_value(f"E-tjänsteplattformen (#{system.pk})")
    expect(page.locator("#list-results table tbody tr")).to_have_count(2)
