"""The management lead's user story, walked in a real browser (headless Chromium).

A förvaltningsledare at Sambruk logs in, browses the register, filters, sorts and
exports a list, edits a system, adds a member municipality to a service and logs out;
then a Kungälv system owner, an Ale employee and a supplier's consultant each see only
their share of the register. One short path runs with JavaScript switched off.

The demo data (forvalta/register/demo.py) is loaded for each test. Texts are asserted in
English after switching language with the header's button, because the Swedish
translation is still being written; Swedish texts are looked up in the catalogue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import formats, translation
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from forvalta.core.models import Organisation, today
from forvalta.register.models import Participation, Service, System

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "forvalta-demo"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"The browser tests drive Debian's Chromium, and {CHROMIUM} does not exist "
        "(apt-get install chromium).",
    ),
]


# --- fixtures -------------------------------------------------------------------------
@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Chromium for one test.

    Started per test, after the database is set up, and stopped before it is flushed:
    while Playwright's sync API runs, it keeps an event loop running in the test
    thread, so Django gives the ORM other connection objects there and refuses
    synchronous ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()  # those opened by the test's own ORM calls


@pytest.fixture
def demo(transactional_db: Any) -> None:
    call_command("load_demo_data", stdout=io.StringIO())


def _new_context(browser: Browser, base_url: str, **kwargs: Any) -> BrowserContext:
    # A Swedish browser, as the municipal staff have.
    context = browser.new_context(base_url=base_url, locale="sv-SE", **kwargs)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, live_server: Any) -> Iterator[BrowserContext]:
    context = _new_context(browser, live_server.url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def english_page(context: BrowserContext, live_server: Any) -> Page:
    """A page whose language cookie is already English (the switch is tested elsewhere)."""
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return context.new_page()


# --- helpers --------------------------------------------------------------------------
def sv(msgid: str) -> str:
    """The Swedish the server renders for an English msgid, as the catalogue has it now."""
    with translation.override("sv"):
        return translation.gettext(msgid)


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))  # "My assignments"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("h1")).to_have_text("Log in")


def nav(page: Page, label: str) -> None:
    """Open the menu area that holds the link (a <details> dropdown), then follow it."""
    link = page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name=label, exact=True
    )
    if not link.is_visible():
        page.locator(
            ".main-nav-wide details.nav-area", has=page.locator(f'a:text-is("{label}")')
        ).locator("summary").click()
    link.click()


def heading(page: Page) -> Locator:
    return page.locator("main h1")


def section(page: Page, title: str) -> Locator:
    """A related-list section on a detail page, by its heading."""
    return page.locator("section.related").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def column(scope: Locator, number: int) -> Locator:
    """The cells of one column (1-based) in the tables within `scope`, not counting the
    rows' checkboxes for bulk changes where the table has them."""
    plain = f"table:not(:has(input[form='bulk-form'])) tbody tr td:nth-child({number})"
    bulk = f"table:has(input[form='bulk-form']) tbody tr td:nth-child({number + 1})"
    return scope.locator(f"{plain}, {bulk}")


def row(scope: Locator, first_cell: str) -> Locator:
    return scope.locator("table tbody tr").filter(
        has=scope.page.locator("td:first-child", has_text=re.compile(rf"^{re.escape(first_cell)}$"))
    )


def value(page: Page, label: str) -> Locator:
    """The value of a field on a detail page, by its label."""
    return page.locator(f"xpath=//div[@class='summary-row'][dt[normalize-space()='{label}']]/dd")


def results(page: Page) -> Locator:
    return page.locator("#list-results")


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in a list filter: a select, or a list of checkboxes."""
    form = page.get_by_role("search", name="Filter")
    control = form.get_by_label(label, exact=True)
    if control.count() == 1 and control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(label=option)
    else:
        form.get_by_label(option, exact=True).check()


def pk(model: Any, **lookup: Any) -> int:
    return model.objects.get(**lookup).pk


def assert_texts(cells: Locator, expected: list[str]) -> None:
    """The cells hold exactly these texts, in any order (NULLs and collations sort
    differently on SQLite and PostgreSQL)."""
    expect(cells).to_have_count(len(expected))
    assert sorted(t.strip() for t in cells.all_inner_texts()) == sorted(expected)


def download_csv(page: Page, links: Locator, stem: str) -> tuple[str, list[list[str]]]:
    """Click the CSV link among `links`; the file's first line and its parsed rows."""
    with page.expect_download() as download_info:
        links.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"{stem}-{today():%Y-%m-%d}.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    return lines[0], list(csv.reader(lines[1:], delimiter=";"))


def en_date(day: dt.date) -> str:
    with translation.override("en"):
        return formats.date_format(day)


# --- the management lead --------------------------------------------------------------
def test_management_lead_walks_the_register(demo: None, page: Page, live_server: Any) -> None:
    # A Swedish login page; switch to English with the header's button.
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(heading(page)).to_have_text(sv("Log in"))
    page.get_by_role("button", name="English").click()
    expect(heading(page)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Svenska")).to_be_visible()

    # "My assignments": the object where Jonas Berg is management lead.
    log_in(page, "forvaltningsledare")
    expect(heading(page)).to_have_text("My assignments")
    expect(page.locator(".user-name")).to_have_text("Jonas Berg")
    expect(page.get_by_role("link", name="My assignments", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    roles = page.locator("section[aria-labelledby=h-roles]")
    expect(column(roles, 1)).to_have_text(["Management lead", "System manager", "System manager"])
    assert_texts(
        column(roles, 2),
        [
            "Digitala tjänster för invånare (object)",
            "E-tjänsteplattformen (system)",
            "Signeringstjänsten (system)",
        ],
    )
    expect(column(roles, 3)).to_have_text(["Sambruk"] * 3)
    attention = page.locator("section[aria-labelledby=h-attention]")
    expect(attention.get_by_role("heading", name="Members joining or leaving soon")).to_be_visible()
    first_of_next_month = (today().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    expect(attention.locator("li").filter(has_text="Härryda kommun")).to_have_text(
        f"Härryda kommun – E-tjänsteplattform: Applied, {en_date(first_of_next_month)}"
    )

    # The objects list and the object.
    nav(page, "Objects")
    expect(heading(page)).to_have_text("Management objects")
    expect(results(page).locator(".result-count")).to_have_text("2 items")
    expect(column(results(page), 1)).to_have_text(
        ["Digitala tjänster för invånare", "Verksamhetsstöd socialtjänst"]
    )
    results(page).get_by_role("link", name="Digitala tjänster för invånare").click()
    expect(heading(page)).to_have_text("Digitala tjänster för invånare")
    expect(page.locator(".page-head .caption")).to_have_text("Management object")
    expect(value(page, "Identifier")).to_have_text("SAM-DT")
    expect(value(page, "Owner organisation")).to_have_text("Sambruk")
    expect(value(page, "Business area")).to_have_text("Digital service")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    expect(column(section(page, "Services"), 1)).to_have_text(
        ["Digital signering", "E-tjänsteplattform"]
    )
    expect(column(section(page, "Systems"), 1)).to_have_text(
        ["E-tjänsteplattformen", "Signeringstjänsten"]
    )
    object_roles = section(page, "Roles")
    expect(row(object_roles, "Management lead").locator("td:nth-child(2)")).to_have_text(
        "Jonas Berg"
    )
    expect(row(object_roles, "Object owner").locator("td:nth-child(2)")).to_have_text(
        "Anders Wikström"
    )

    # A service, its participating organisations and agreements.
    section(page, "Services").get_by_role("link", name="E-tjänsteplattform", exact=True).click()
    expect(heading(page)).to_have_text("E-tjänsteplattform")
    expect(page.locator(".page-head .caption")).to_have_text("Service")
    members = section(page, "Participating organisations")
    expect(column(members, 1)).to_have_count(10)  # twelve members, ten to a page
    expect(members.locator(".pagination li[aria-current=page]")).to_have_text("Page 1 of 2")
    expect(column(members, 1).first).to_have_text("Ale kommun")
    expect(row(members, "Härryda kommun").locator("td:nth-child(3)")).to_have_text("Applied")
    expect(row(members, "Stenungsunds kommun").locator("td:nth-child(3)")).to_have_text(
        "Notice given"
    )
    expect(row(members, "Kungälvs kommun").locator("td:nth-child(4)")).to_have_text("1 Feb. 2020")
    assert_texts(
        column(section(page, "Agreements"), 1),
        [
            "Personuppgiftsbiträdesavtal E-tjänsteplattform",
            "SLA drift av Sambruks tjänster",
            "Ramavtal förvaltning E-tjänsteplattform",
        ],
    )
    expect(
        row(section(page, "Roles"), "Management partner").locator("td:nth-child(2)")
    ).to_have_text("Sara Nyberg")

    # A system: environments, lifecycle stage, criticality, integrations, role holders.
    section(page, "Systems").get_by_role("link", name="E-tjänsteplattformen").click()
    expect(heading(page)).to_have_text("E-tjänsteplattformen")
    expect(value(page, "Lifecycle stage")).to_have_text("Operation")
    expect(value(page, "Criticality")).to_have_text("High")
    expect(value(page, "System vendor")).to_have_text("Brofjord Digital AB")
    expect(value(page, "Product and version")).to_have_text("Formbro 5.4")
    environments = section(page, "Environments")
    expect(column(environments, 1)).to_have_text(["Production", "Test"])
    expect(column(environments, 4)).to_have_text(["Molnvik Hosting AB"] * 2)
    expect(column(environments, 5)).to_have_text(
        ["Dygnet runt; support vardagar 08–16.30", "Vardagar 08–16.30"]
    )
    expect(section(page, "Integrations from this system").locator(".empty-state")).to_have_text(
        "None recorded."
    )
    system_roles = section(page, "Roles")
    expect(column(system_roles, 1)).to_have_text(["System owner", "System manager"])
    expect(column(system_roles, 2)).to_have_text(["Anders Wikström", "Jonas Berg"])
    expect(column(section(page, "Services"), 1)).to_have_text(["E-tjänsteplattform"])

    # Documentation gaps: none in Sambruk's systems, but an overdue renewal.
    nav(page, "Documentation gaps")
    expect(heading(page)).to_have_text("Documentation gaps")
    expect(page.locator("section[aria-labelledby=h-systems] .empty-state")).to_have_text(
        "No gaps: every system has what its lifecycle stage requires."
    )
    due = page.locator("section[aria-labelledby=h-due]")
    expect(column(due, 1)).to_have_text(
        [
            "Ramavtal Digital signering",
            "Ramavtal förvaltning E-tjänsteplattform",
            "Support- och förvaltningsavtal handläggningsrobot",
        ]
    )
    expect(row(due, "Ramavtal Digital signering").locator(".tag")).to_have_text("Overdue")

    # The systems list: filter, sort by name, search, export.
    nav(page, "Systems")
    expect(heading(page)).to_have_text("Systems")
    count = results(page).locator(".result-count")
    expect(count).to_have_text("3 items")
    names = column(results(page), 1)
    expect(names).to_have_text(
        ["E-tjänsteplattformen", "Handläggningsrobot ekonomiskt bistånd", "Signeringstjänsten"]
    )
    choose(page, "Criticality", "High")
    expect(count).to_have_text("2 items")
    expect(page).to_have_url(re.compile(r"[?&]criticality=high"))
    expect(names).to_have_text(["E-tjänsteplattformen", "Handläggningsrobot ekonomiskt bistånd"])

    name_header = results(page).locator("thead th[aria-sort]").first  # after the checkboxes
    expect(name_header).to_have_attribute("aria-sort", "none")
    name_header.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    name_header.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-name"))
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(names).to_have_text(["Handläggningsrobot ekonomiskt bistånd", "E-tjänsteplattformen"])
    expect(count).to_have_text("2 items")  # the sort keeps the filter
    expect(page).to_have_url(re.compile(r"[?&]criticality=high"))

    page.get_by_label("Search").press_sequentially("robot")
    expect(count).to_have_text("1 item")
    expect(names).to_have_text(["Handläggningsrobot ekonomiskt bistånd"])
    expect(page).to_have_url(re.compile(r"[?&]q=robot"))

    # The export has what the list shows: filtered and sorted.
    header, rows = download_csv(page, results(page).locator(".export-links"), "systems")
    assert header == (
        "Name;Owner organisation;System owner;System manager;Management object;"
        "System vendor;Lifecycle stage;Criticality;Processes personal data;"
        "Holds protected identities"
    )
    assert rows == [
        [
            "Handläggningsrobot ekonomiskt bistånd",
            "Sambruk",
            "Anders Wikström",
            "Linnéa Holm",
            "Verksamhetsstöd socialtjänst",
            "Lintorp Automation AB",
            "Operation",
            "High",
            "Yes",
            "Yes",
        ]
    ]

    # Edit a system they manage: an invalid value changes nothing, a valid one is saved.
    system = System.objects.get(name="E-tjänsteplattformen")
    old_description = system.description
    page.goto(f"/register/systems/{system.pk}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(heading(page)).to_have_text("Edit E-tjänsteplattformen")
    name_field = page.get_by_label("Name (required)")
    expect(name_field).to_have_value("E-tjänsteplattformen")
    name_field.fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary.locator("h2")).to_have_text("There is a problem")
    expect(summary.locator("li")).to_have_text(["Name: Enter name."])
    expect(page.locator(".field-has-error .field-error")).to_have_text(["Error: Enter name."])
    system.refresh_from_db()
    assert (system.name, system.description) == ("E-tjänsteplattformen", old_description)

    new_description = "E-tjänster, formulär, mina sidor och ärendeinlämning."
    name_field.fill("E-tjänsteplattformen")
    page.get_by_label("Description").fill(new_description)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages .notice-success")).to_have_text(
        "“E-tjänsteplattformen” was saved."
    )
    expect(heading(page)).to_have_text("E-tjänsteplattformen")
    expect(value(page, "Description")).to_have_text(new_description)
    system.refresh_from_db()
    assert system.description == new_description

    # Lerum joins Digital signering from the new year, for two years.
    page.goto(f"/register/services/{pk(Service, name='Digital signering')}/")
    page.get_by_role("link", name="Add – Participating organisations").click()
    expect(heading(page)).to_have_text("New participation")
    expect(page.get_by_label("Service (required)")).to_have_value(
        str(pk(Service, name="Digital signering"))
    )
    year = today().year + 1
    page.get_by_label("Organisation (required)").select_option(label="Lerums kommun")
    page.get_by_label("Status (required)").select_option(label="Connected")
    page.get_by_label("Valid from (required)").fill(f"{year}-01-01")
    page.get_by_label("Valid to").fill(f"{year + 1}-12-31")
    page.get_by_label("Note").fill("Beslut i kommunstyrelsen.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages .notice-success")).to_have_text(
        "“Lerums kommun – Digital signering” was created."
    )
    # Added from the service's page, it returns there (issue 9, guided entry).
    expect(heading(page)).to_have_text("Digital signering")
    joined = Participation.objects.get(
        service__name="Digital signering", organisation__name="Lerums kommun"
    )
    assert (joined.valid_from, joined.valid_to, joined.status) == (
        dt.date(year, 1, 1),
        dt.date(year + 1, 12, 31),
        "active",
    )
    lerum = row(section(page, "Participating organisations"), "Lerums kommun")
    expect(lerum.locator("td")).to_have_text(
        [
            "Lerums kommun",
            "Digital signering",
            "Connected",
            f"1 Jan. {year}",
            f"31 Dec. {year + 1}",
            "–",
            "Beslut i kommunstyrelsen.",
        ]
    )

    # Back to Swedish with the header's button; the document says it is Swedish again.
    page.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(heading(page)).to_have_text("Digital signering")
    page.get_by_role("navigation", name=sv("Main menu")).get_by_role(
        "link", name=sv("My assignments"), exact=True
    ).click()
    expect(heading(page)).to_have_text(sv("My assignments"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    log_out(page)
    assert page.get_by_role("navigation", name="Main menu").count() == 0


# --- the other organisations ----------------------------------------------------------
def test_each_organisation_sees_only_its_share(
    demo: None, english_page: Page, live_server: Any
) -> None:
    page = english_page
    shared = [
        "Automatiserad handläggning ekonomiskt bistånd",
        "Digital signering",
        "E-tjänsteplattform",
    ]

    # Kungälv's system owner: the three Sambruk services Kungälv takes part in, its own
    # systems, but not the region's WebCare or Sambruk's own units and staff.
    log_in(page, "systemagare")
    expect(heading(page)).to_have_text("My assignments")
    roles = page.locator("section[aria-labelledby=h-roles]")
    assert_texts(
        column(roles, 2),
        [
            "Vård och omsorg (object)",
            "Treserva (system)",
            "Nyckelfri hemtjänst (system)",
            "Planering hemtjänst (system)",
            "Socialakt (system)",
        ],
    )
    nav(page, "Services")
    expect(results(page).locator(".result-count")).to_have_text("3 items")
    expect(column(results(page), 1)).to_have_text(shared)
    expect(page.locator("main")).not_to_contain_text("WebCare")

    nav(page, "Systems")
    expect(results(page).locator(".result-count")).to_have_text("16 items")
    expect(results(page)).to_contain_text("Treserva")
    expect(results(page)).to_contain_text("Signeringstjänsten")
    expect(page.locator("main")).not_to_contain_text("WebCare")

    results(page).get_by_role("link", name="Treserva", exact=True).click()
    expect(heading(page)).to_have_text("Treserva")
    expect(value(page, "Criticality")).to_have_text("Critical")
    expect(column(section(page, "Environments"), 1)).to_have_text(
        ["Production", "Test", "Training"]
    )
    assert_texts(
        column(section(page, "Integrations from this system"), 2),
        ["Försäkringskassan SSBTEK", "Skatteverket Navet", "Ekonomisystem", "Planering hemtjänst"],
    )
    expect(column(section(page, "Integrations to this system"), 1)).to_have_text(
        ["Identitetshantering (IdP)"]
    )
    assert_texts(
        column(section(page, "Agreements"), 1),
        [
            "Driftavtal (SLA) verksamhetssystem omsorg",
            "Licens- och underhållsavtal Treserva",
            "Personuppgiftsbiträdesavtal Treserva",
            "Support- och förvaltningsavtal Treserva",
        ],
    )

    # The demo's deliberately incomplete systems.
    nav(page, "Documentation gaps")
    gaps = page.locator("section[aria-labelledby=h-systems]")
    expect(column(gaps, 1)).to_have_text(["Intranät", "Nyckelfri hemtjänst"])
    expect(column(gaps, 4)).to_have_text(["Operation", "Operation"])  # the phase
    expect(column(gaps, 5)).to_have_text(["No SLA", "No system manager"])
    header, rows = download_csv(
        page, page.locator(".page-head .export-links"), "documentation-gaps"
    )
    assert header == "System;Owner organisation;Management object;Missing"
    assert rows == [
        ["Intranät", "Kungälvs kommun", "Kommungemensamma system", "No SLA"],
        ["Nyckelfri hemtjänst", "Kungälvs kommun", "Vård och omsorg", "No system manager"],
    ]

    # Sambruk's page shows its public facts only: no units (Kansliet), no staff.
    page.goto(f"/organisations/{pk(Organisation, name='Sambruk')}/")
    expect(heading(page)).to_have_text("Sambruk")
    expect(value(page, "Kind")).to_have_text("Association")
    for staff_only in ("Units", "People"):
        expect(page.get_by_role("heading", name=staff_only)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Kansliet")
    expect(page.locator("main")).not_to_contain_text("Maria Ekström")

    # Another organisation's system, by its address: the not-found page.
    response = page.goto(f"/register/systems/{pk(System, name='WebCare')}/")
    assert response is not None and response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    expect(page.locator("main p").first).to_have_text(
        "The page does not exist, or you do not have access to it."
    )
    log_out(page)

    # Ale takes part in two of the services; Kungälv's Treserva is not Ale's business.
    log_in(page, "kommun2")
    nav(page, "Services")
    expect(results(page).locator(".result-count")).to_have_text("2 items")
    expect(column(results(page), 1)).to_have_text(["Digital signering", "E-tjänsteplattform"])
    expect(page.locator("main")).not_to_contain_text("Automatiserad handläggning")
    nav(page, "Systems")
    expect(column(results(page), 1)).to_have_text(["E-tjänsteplattformen", "Signeringstjänsten"])
    expect(page.locator("main")).not_to_contain_text("Treserva")
    response = page.goto(f"/register/systems/{pk(System, name='Treserva')}/")
    assert response is not None and response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    log_out(page)

    # The supplier's consultant sees the one service Brofjord is contracted for.
    log_in(page, "leverantor")
    expect(column(page.locator("section[aria-labelledby=h-roles]"), 2)).to_have_text(
        ["E-tjänsteplattform (service)"]
    )
    nav(page, "Services")
    expect(results(page).locator(".result-count")).to_have_text("1 item")
    expect(column(results(page), 1)).to_have_text(["E-tjänsteplattform"])
    for other in ("Digital signering", "Automatiserad handläggning", "WebCare"):
        expect(page.locator("main")).not_to_contain_text(other)
    nav(page, "Agreements")
    assert_texts(
        column(results(page), 1),
        [
            "Personuppgiftsbiträdesavtal E-tjänsteplattform",
            "Ramavtal förvaltning E-tjänsteplattform",
        ],
    )
    expect(page.locator("main")).not_to_contain_text("SLA drift av Sambruks tjänster")
    response = page.goto(f"/register/services/{pk(Service, name='Digital signering')}/")
    assert response is not None and response.status == 404
    log_out(page)


# --- without JavaScript ---------------------------------------------------------------
def test_pages_work_without_javascript(demo: None, browser: Browser, live_server: Any) -> None:
    context = _new_context(browser, live_server.url, java_script_enabled=False)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    try:
        log_in(page, "forvaltningsledare")
        expect(heading(page)).to_have_text("My assignments")
        nav(page, "Systems")
        expect(results(page).locator(".result-count")).to_have_text("3 items")
        choose(page, "Criticality", "Medium")
        expect(results(page).locator(".result-count")).to_have_text("3 items")  # not yet sent
        page.get_by_role("button", name="Apply filter").click()
        expect(page).to_have_url(re.compile(r"[?&]criticality=medium"))
        expect(results(page).locator(".result-count")).to_have_text("1 item")
        expect(column(results(page), 1)).to_have_text(["Signeringstjänsten"])
        results(page).get_by_role("link", name="Signeringstjänsten").click()
        expect(heading(page)).to_have_text("Signeringstjänsten")
        expect(value(page, "Criticality")).to_have_text("Medium")

        # An invalid edit shows the error summary and changes nothing.
        page.get_by_role("link", name="Edit", exact=True).click()
        page.get_by_label("Name (required)").fill("")
        page.get_by_role("button", name="Save", exact=True).click()
        summary = page.locator(".error-summary")
        expect(summary.locator("h2")).to_have_text("There is a problem")
        expect(summary.locator("li")).to_have_text(["Name: Enter name."])
        assert System.objects.filter(name="Signeringstjänsten").exists()
    finally:
        context.close()


def test_menu_button_at_320_pixels(demo: None, browser: Browser, live_server: Any) -> None:
    """At 320 CSS px (1280 px at 400 % zoom) the menu is one button; without JavaScript
    it opens the areas, and the page heading is in the first screen."""
    context = _new_context(
        browser, live_server.url, java_script_enabled=False, viewport={"width": 320, "height": 640}
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    try:
        log_in(page, "forvaltningsledare")
        menu = page.get_by_role("navigation", name="Main menu")
        expect(menu).to_have_count(1)
        systems = menu.get_by_role("link", name="Systems", exact=True)
        expect(systems).to_be_hidden()
        h1 = heading(page)
        expect(h1).to_have_text("My assignments")
        expect(h1).to_be_in_viewport()
        box = h1.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 640
        # No horizontal scrolling at this width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        menu.locator("summary", has_text="Menu").click()
        expect(systems).to_be_visible()
        expect(menu.get_by_text("Register", exact=True)).to_be_visible()
        systems.click()
        expect(heading(page)).to_have_text("Systems")
        # The menu is closed again on the new page; it marks the current page.
        expect(page.locator('.main-nav-narrow a[aria-current="page"]')).to_have_text("Systems")
    finally:
        context.close()
