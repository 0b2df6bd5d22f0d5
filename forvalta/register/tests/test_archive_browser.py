"""Archive and restore a system by keyboard only, as the management lead (issue 9).

Uses the demo and Chromium fixtures of forvalta/core/tests/test_browser.py."""

# ruff: noqa: F811  (fixtures are imported and then asked for by name)
from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from forvalta.audit.models import AuditEvent
from forvalta.core.tests.test_browser import (  # noqa: F401  # the fixtures
    browser,
    context,
    demo,
    english_page,
    heading,
    log_in,
    pytestmark,
)
from forvalta.register.models import System


def tab_to(page: Page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element reads `text` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if (focused or "").strip() == text:
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def test_the_lead_archives_and_restores_a_system_by_keyboard(
    demo: None, english_page: Page, live_server: Any
) -> None:
    page = english_page
    system = System.objects.get(name="E-tjänsteplattformen")
    log_in(page, "forvaltningsledare")
    page.goto(f"/register/systems/{system.pk}/")
    expect(heading(page)).to_have_text("E-tjänsteplattformen")
    expect(page.get_by_role("link", name="Delete", exact=True)).to_have_count(0)

    tab_to(page, "Archive")
    page.keyboard.press("Enter")
    expect(page.locator("#archived-heading")).to_have_text("Archived")
    expect(page.locator(".messages")).to_contain_text("“E-tjänsteplattformen” was archived.")
    system.refresh_from_db()
    assert system.archived_at is not None

    page.goto("/register/systems/")
    expect(page.locator("main table")).not_to_contain_text("E-tjänsteplattformen")

    page.goto(f"/register/systems/{system.pk}/")
    tab_to(page, "Restore")
    page.keyboard.press("Enter")
    expect(page.locator("#archived-heading")).to_have_count(0)
    system.refresh_from_db()
    assert system.archived_at is None
    actions = list(
        AuditEvent.objects.filter(object_type="register.system", object_id=str(system.pk))
        .filter(action__in=["register.system.archived", "register.system.restored"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["register.system.archived", "register.system.restored"]
