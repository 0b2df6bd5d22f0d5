"""A form in its error state, in a real browser: the error summary has the focus after a
failed submit and axe-core finds no WCAG 2.1 A/AA violation on the page (issue 9,
point 5). axe-core is vendored from npm beside the tests (scripts/vendor-assets.sh)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from forvalta.core.tests import test_browser as base
from forvalta.register.models import System

# The browser tests' fixtures and marks (Chromium, the live server, the demo data).
pytestmark = base.pytestmark
browser, demo = base.browser, base.demo

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return {
                passes: result.passes.map(p => p.id),
                violations: result.violations.map(v => ({
                    id: v.id, nodes: v.nodes.map(n => n.target.join(" ")),
                })),
            };
        }""",
        WCAG_AA,
    )
    # axe ran the rules that matter here (it did not silently check nothing).
    assert {"aria-valid-attr-value", "label", "color-contrast"} <= set(result["passes"])
    return result["violations"]


def test_form_in_error_state_has_focus_on_summary_and_no_axe_violations(
    demo: None, browser: Browser, live_server: Any
) -> None:
    context = base._new_context(browser, live_server.url)
    try:
        page = context.new_page()
        base.log_in(page, "forvaltningsledare")
        before = System.objects.count()
        page.goto("/register/systems/add/")
        page.get_by_role("button", name=base.sv("Save"), exact=True).click()
        summary = page.locator("#fel")
        expect(summary).to_be_focused()
        expect(summary.locator("h2")).to_have_text(base.sv("There is a problem"))
        name = page.locator("#id_name")
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(name).to_have_attribute("aria-describedby", "id_name_error")
        expect(page.locator("#id_name_error")).to_have_text("Fel: Fyll i namn.")
        # The summary's link takes the keyboard to the field.
        summary.get_by_role("link", name="Namn: Fyll i namn.").click()
        expect(page).to_have_url(live_server.url + "/register/systems/add/#id_name")
        assert axe_violations(page) == []
        assert System.objects.count() == before
    finally:
        context.close()


def test_new_token_copy_button(demo: None, browser: Browser, live_server: Any) -> None:
    """With JavaScript the new token gets a copy button that puts it on the clipboard;
    without, the button stays hidden and the field is there to select."""
    context = base._new_context(browser, live_server.url)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        base.log_in(page, "forvaltningsledare")
        page.goto("/account/tokens/")
        page.get_by_label(base.sv("Name")).fill("CMDB")
        page.get_by_role("button", name=base.sv("Create token")).click()
        field = page.locator("#new-token")
        key = field.input_value()
        assert key.startswith("fv_")
        button = page.get_by_role("button", name="Kopiera")
        expect(button).to_be_visible()
        button.click()
        expect(page.locator("#new-token-copied")).to_have_text("API-nyckeln har kopierats.")
        assert page.evaluate("navigator.clipboard.readText()") == key
    finally:
        context.close()
    plain = base._new_context(browser, live_server.url, java_script_enabled=False)
    try:
        page = plain.new_page()
        base.log_in(page, "forvaltningsledare")
        page.goto("/account/tokens/")
        page.get_by_label(base.sv("Name")).fill("CMDB 2")
        page.get_by_role("button", name=base.sv("Create token")).click()
        expect(page.locator("#new-token")).to_have_attribute("readonly", "")
        expect(page.locator("button[data-copy]")).to_be_hidden()
    finally:
        plain.close()


def test_wide_tables_scroll_by_keyboard_and_pass_axe(
    demo: None, browser: Browser, live_server: Any
) -> None:
    """On a narrow window the systems list and the audit search scroll sideways in a
    labelled region that takes the focus; headers wrap; axe finds nothing (among it
    scrollable-region-focusable)."""
    context = base._new_context(browser, live_server.url, viewport={"width": 700, "height": 900})
    try:
        page = context.new_page()
        base.log_in(page, "orgadmin")
        for path, label in (("/register/systems/", "System"), ("/audit/", None)):
            page.goto(path)
            region = page.locator(".table-wrap[role=region]").first
            if label:
                expect(region).to_have_attribute("aria-label", label)
            scrolls = region.evaluate("r => r.scrollWidth > r.clientWidth")
            if scrolls:
                expect(region).to_have_attribute("tabindex", "0")
                region.focus()
                expect(region).to_be_focused()
                page.keyboard.press("ArrowRight")
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    "() => document.querySelector('.table-wrap[role=region]').scrollLeft > 0"
                )
            else:
                # It fits: no tab stop that leads nowhere (forvalta.js).
                expect(region).not_to_have_attribute("tabindex", "0")
            white_space = page.locator(".table thead th").last.evaluate(
                "th => getComputedStyle(th).whiteSpace"
            )
            assert white_space == "normal"
            # Below 48em the filter panel starts closed (forvalta.js); open it so that
            # axe checks its fields too.
            page.evaluate(
                "document.querySelectorAll('details[data-collapse-narrow]')"
                ".forEach(d => { d.open = true; })"
            )
            assert axe_violations(page) == [], path
        # At 1280 px a long header wraps onto lines of its own instead of widening
        # its column (whether the whole list fits is the choice of columns' business).
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/register/systems/")
        header = page.locator(".table thead th").filter(has_text="Behandlar personuppgifter")
        # The header's text: one client rectangle per line it is set on.
        lines = header.evaluate(
            "th => { const r = document.createRange(); r.selectNodeContents(th.querySelector('a'));"
            " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"
        )
        assert lines >= 2
    finally:
        context.close()


def test_key_columns_are_on_screen_at_1280_pixels(
    demo: None, browser: Browser, live_server: Any
) -> None:
    """At 1280 px the lists' default columns fit their page: the systems list shows its
    lifecycle, criticality, personal-data, owner and manager columns and the agreements
    list its "decide renewal by" date without sideways scrolling."""
    context = base._new_context(browser, live_server.url, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        base.log_in(page, "forvaltningsledare")
        keys = {
            "/register/systems/": [
                "Namn",
                "Systemägare",
                "Systemförvaltare",
                "Livscykelfas",
                "Kritikalitet",
                "Behandlar personuppgifter",
            ],
            "/register/agreements/": ["Titel", "Leverantör", "Beslut om förnyelse senast"],
        }
        found: dict[str, Any] = {}
        for path, headers in keys.items():
            page.goto(path)
            region = page.locator(".table-wrap[role=region]").first
            found[path] = {
                "scrolls": region.evaluate("r => r.scrollWidth > r.clientWidth"),
                "off_screen": [
                    h
                    for h in headers
                    if page.locator(".table thead th")
                    .filter(has_text=h)
                    .first.evaluate("th => th.getBoundingClientRect().right")
                    > 1280
                ],
            }
        assert found == {path: {"scrolls": False, "off_screen": []} for path in keys}
    finally:
        context.close()


def test_every_form_in_its_error_state_passes_axe(
    demo: None, browser: Browser, live_server: Any
) -> None:
    """Each register and core form's add page (as in the HTTP test of the ids,
    forvalta/register/tests/test_accessible_errors.py), saved empty."""
    from forvalta.register.tests.test_accessible_errors import ADD_PAGES

    context = base._new_context(browser, live_server.url)
    try:
        page = context.new_page()
        base.log_in(page, "orgadmin")
        found: dict[str, Any] = {}
        for name in ADD_PAGES:
            page.goto(reverse(name))
            page.locator("main form button[type=submit]").first.click()
            expect(page.locator("#fel")).to_be_focused()
            found[name] = axe_violations(page)
        assert found == {name: [] for name in ADD_PAGES}
    finally:
        context.close()


def test_filter_error_beside_the_field_clears_with_htmx(
    demo: None, browser: Browser, live_server: Any
) -> None:
    """A bad date in the agreements filter (from a link or an edited address): the error
    is beside the field, the field is invalid and described by it, and no count of
    items is given. Choosing another filter (an htmx request; the date field drops the
    value it cannot hold) clears the error beside the field as well."""
    context = base._new_context(browser, live_server.url)
    try:
        page = context.new_page()
        base.log_in(page, "forvaltningsledare")
        page.goto("/register/agreements/?renewal_before=16/1%202027")
        date = page.locator("#id_renewal_before")
        error = page.locator("#id_renewal_before_error")
        expect(error).to_contain_text("Ange beslut om förnyelse, senast som ett datum")
        expect(date).to_have_attribute("aria-invalid", "true")
        expect(date).to_have_attribute("aria-describedby", "id_renewal_before_error")
        expect(page.locator(".result-count")).to_have_text(
            "Filtret kunde inte användas. Rätta det för att se listan."
        )
        assert axe_violations(page) == []
        page.locator("form.filter-panel").get_by_label("Licens", exact=True).check()
        expect(page).to_have_url(re.compile(r"kind=licence"))
        expect(error).to_be_empty()
        expect(date).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator(".result-count")).to_have_text("1 post")
    finally:
        context.close()


def test_narrow_screen_menu_button_and_collapsed_filters(
    demo: None, browser: Browser, live_server: Any
) -> None:
    """At 400 % zoom of a 1280 x 1024 screen (320 x 256 CSS pixels) the menu is one
    button and the filter panel starts closed, so the heading and the list start on the
    first screens instead of below the whole menu and filter panel (issue 9, point 9)."""
    context = base._new_context(browser, live_server.url, viewport={"width": 320, "height": 256})
    try:
        page = context.new_page()
        base.log_in(page, "forvaltningsledare")
        page.goto("/register/systems/")
        expect(page.locator(".main-nav-wide")).to_be_hidden()
        menu = page.locator(".main-nav-narrow summary")
        expect(menu).to_be_visible()
        expect(page.locator(".main-nav-narrow .nav-links").first).to_be_hidden()
        filters = page.locator("details.filter-toggle")
        expect(filters).not_to_have_attribute("open", "")
        expect(page.locator("#id_q")).to_be_hidden()
        heading = page.locator("main h1").bounding_box()
        results = page.locator("#list-results").bounding_box()
        assert heading is not None and results is not None
        assert heading["y"] < 2 * 256, heading
        assert results["y"] < 3 * 256, results
        # The menu opens by keyboard and lists the areas' links.
        menu.focus()
        page.keyboard.press("Enter")
        expect(page.locator(".main-nav-narrow .nav-links").first).to_be_visible()
        # The filters open by keyboard; a filter in use is counted in the summary.
        page.locator("details.filter-toggle > summary").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#id_q")).to_be_visible()
        assert axe_violations(page) == []
        page.goto("/register/systems/?lifecycle=operation")
        expect(page.locator("details.filter-toggle > summary")).to_have_text("Filtrera (1 används)")
        expect(page.get_by_role("heading", name="Filtrera (1 används)", exact=True)).to_be_visible()
    finally:
        context.close()
