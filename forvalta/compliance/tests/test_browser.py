"""The annual cycle's story in a real browser (headless Chromium), in Swedish.

Kommun Ett's process owner generates last year's controls; a completed access review
and a held council meeting (sent by the access and governance parts as
`control_fulfilled`; driven here by the test, as those parts are built in parallel) turn
their controls green without anyone touching them; the risk analysis that was never
done is red; the process owner signs the report, which is then frozen.
"""

# ruff: noqa: F811  (fixtures are imported and then asked for by name)
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from forvalta.compliance.models import AnnualReport, ControlDefinition, ControlOccurrence
from forvalta.compliance.tests.helpers import build_town
from forvalta.core.controls import control_fulfilled
from forvalta.core.models import today
from forvalta.core.tests.factories import TEST_PASSWORD
from forvalta.core.tests.test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    browser,
    context,
    page,
    sv,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed."),
]


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


def light_of(page: Page, control: str, due: str) -> Any:
    row = (
        page.locator("table[data-testid=report] tbody tr")
        .filter(has_text=control)
        .filter(has_text=due)
    )
    expect(row).to_have_count(1)
    return row.locator("[data-light]")


def test_the_year_turns_green_by_itself_and_the_process_owner_signs(page: Page) -> None:
    town = build_town()
    muni = town.orgs["muni"]
    year = today().year - 1
    review = ControlDefinition.objects.create(
        organisation=muni,
        name="Behörighetskontroll",
        kind="access_review",
        due_dates="04-30",
        first_year=year,
        management_object=town.items["obj"],
    )
    ControlDefinition.objects.create(
        organisation=muni,
        name="Förvaltningsråd",
        kind="council_meeting",
        due_dates="06-15",
        first_year=year,
    )
    ControlDefinition.objects.create(
        organisation=muni,
        name="Risk- och sårbarhetsanalys",
        kind="risk_analysis",
        due_dates="03-31",
        first_year=year,
    )

    # The process owner generates the year.
    log_in(page, "owner")
    page.goto("/compliance/cycle/generate/")
    page.locator("#id_organisation").select_option(label=muni.name)
    page.locator("#id_year").fill(str(year))
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator("main h1")).to_contain_text(str(year))
    assert ControlOccurrence.objects.filter(definition__organisation=muni).count() == 3
    expect(light_of(page, "Behörighetskontroll", f"{year}-04-30")).to_have_attribute(
        "data-light", "red"
    )

    # Elsewhere, a campaign is signed and a council meeting held.
    control_fulfilled.send(
        sender=ControlDefinition,
        kind="access_review",
        organisation=muni,
        target=town.items["sys"],
        on=dt.date(year, 4, 22),
        evidence=review,
    )
    control_fulfilled.send(
        sender=ControlDefinition,
        kind="council_meeting",
        organisation=muni,
        target=None,
        on=dt.date(year, 6, 10),
        evidence=town.items["obj"],
    )
    page.reload()
    expect(light_of(page, "Behörighetskontroll", f"{year}-04-30")).to_have_attribute(
        "data-light", "green"
    )
    expect(light_of(page, "Förvaltningsråd", f"{year}-06-15")).to_have_attribute(
        "data-light", "green"
    )
    analysis = light_of(page, "Risk- och sårbarhetsanalys", f"{year}-03-31")
    expect(analysis).to_have_attribute("data-light", "red")
    expect(analysis).to_have_text(sv("Red: overdue or remark"))

    # The process owner signs; the signed report is frozen.
    page.get_by_label(sv("Statement"), exact=True).fill("Analysen görs i januari.")
    page.get_by_role("button", name=sv("Sign the report")).click()
    expect(page.locator("[data-testid=signed]")).to_be_visible()
    report = AnnualReport.objects.get(organisation=muni, year=year)
    assert report.signed_by == town.users["owner"]
    assert [r["light"] for r in report.rows] == ["red", "green", "green"]
    expect(page.get_by_role("button", name=sv("Sign the report"))).to_have_count(0)
