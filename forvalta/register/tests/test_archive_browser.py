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


def tab_to_field(page: Page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with this id has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_the_lead_appoints_and_adds_a_system_with_environments_by_keyboard(
    demo: None, context: Any, live_server: Any
) -> None:
    """Issue 9's keyboard run in Swedish: appoint a system manager (the role found among
    its level's group, the person by the search field, "acting for" filled from the
    person), then a new system with two environments in one form."""
    from forvalta.core.models import Organisation
    from forvalta.register.models import Environment, RoleAssignment

    page = context.new_page()
    system = System.objects.get(name="E-tjänsteplattformen")
    sambruk = Organisation.objects.get(short_name="Sambruk")
    log_in(page, "forvaltningsledare")

    page.goto(f"/register/roles/add/?system={system.pk}")
    tab_to_field(page, "id_role_type")
    page.keyboard.type("Systemförvaltare")
    expect(page.locator("#id_role_type option:checked")).to_have_text("Systemförvaltare")
    tab_to_field(page, "id_person-search")
    page.keyboard.type("Holm")
    visible = page.locator("#id_person option:not([hidden]):not([value=''])")
    expect(visible).to_have_count(1)
    expect(visible).to_have_text("Linnéa Holm (Sambruk)")
    page.keyboard.press("Tab")
    page.keyboard.type("Linn")
    expect(page.locator("#id_person option:checked")).to_have_text("Linnéa Holm (Sambruk)")
    expect(page.locator("#id_organisation")).to_have_value(str(sambruk.pk))
    tab_to_field(page, "id_note")
    page.keyboard.press("Enter")  # submits the form from a one-line field
    expect(page).to_have_url(f"{live_server.url}{system.get_absolute_url()}")
    role = RoleAssignment.objects.get(
        system=system, role_type__code="system_manager", person__username="linnea.holm"
    )
    assert role.organisation_id == sambruk.pk

    page.goto("/register/systems/add/")
    expect(page.locator("#id_owner_organisation option:checked")).to_have_text(sambruk.name)
    tab_to_field(page, "id_management_object")
    page.keyboard.type("Digitala")
    tab_to_field(page, "id_name")
    page.keyboard.type("Bokningssystemet")
    tab_to_field(page, "id_lifecycle")
    page.keyboard.type("Införande")
    tab_to_field(page, "id_criticality")
    page.keyboard.type("Hög")
    tab_to_field(page, "id_env-0-kind")
    page.keyboard.type("Produktion")
    tab_to_field(page, "id_env-0-url")
    page.keyboard.type("https://boka.example.se/")
    tab_to_field(page, "id_env-1-kind")
    page.keyboard.type("Test")
    tab_to_field(page, "id_env-1-name")
    page.keyboard.type("Acceptanstest")
    for _ in range(40):  # on to the Save button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == "Spara":
            break
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_text("Bokningssystemet")
    created = System.objects.get(name="Bokningssystemet")
    assert created.owner_organisation_id == sambruk.pk
    assert (created.lifecycle, created.criticality) == ("introduction", "high")
    assert sorted(
        Environment.objects.filter(system=created).values_list("kind", "name", "url")
    ) == [("production", "", "https://boka.example.se/"), ("test", "Acceptanstest", "")]
