"""The Treserva half-year in a real browser (headless Chromium), as the issue's "Done
when" tells it: the controller imports the account list and starts the review; three
unit managers get their lists, one reports a removal, the others report "utan
anmärkning"; the list of access to protected identities goes to its manager; the
controller makes the removal request, the system owner approves it, the next snapshot
confirms it, the controller signs, and the protocol PDF lists exactly what happened."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from forvalta.access.models import (
    AccessRequest,
    Campaign,
    CampaignStatus,
    RequestStatus,
    ReviewList,
)
from forvalta.access.tests.helpers import FIRST, build_access_world, rows_csv
from forvalta.core.tests.factories import TEST_PASSWORD
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.core.tests.test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    browser,
    context,
    page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return translation.gettext(msgid)


def log_in(page: Page, username: str) -> None:  # noqa: F811  (the fixture's name)
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


def upload(
    page: Page,  # noqa: F811  (the fixture's name)
    tmp_path: Path,
    name: str,
    rows: list[tuple[str, ...]],
    day: str,
    system: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(rows_csv(rows))
    page.goto("/access/snapshots/import/")
    page.get_by_label(sv("Organisation")).select_option(label="Kommun Ett")
    page.locator("#id_system").select_option(label=system)
    page.get_by_label(sv("Date of the list")).fill(day)
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text(
        sv("The account list was imported.")
    )


def report_without_remark(page: Page, unit: str, kind: str = "unit") -> None:  # noqa: F811
    page.goto("/access/lists/")
    expect(page.locator("main")).to_contain_text(unit)
    review_list = ReviewList.objects.get(unit_name=unit, kind=kind)
    page.goto(review_list.get_absolute_url())
    page.get_by_role("button", name=sv("Without remark"), exact=True).click()
    expect(page.locator("body")).to_contain_text(sv("The list was reported back without remark."))


def test_the_treserva_half_year(page: Page, live_server: Any, tmp_path: Path) -> None:  # noqa: F811
    aw = build_access_world()
    # The controller imports the account list and starts the autumn review.
    log_in(page, "controller")
    upload(page, tmp_path, "treserva-1.csv", FIRST, "2026-10-01", aw.system.name)
    page.get_by_role("link", name=sv("Start an access review of this list")).click()
    page.get_by_label(sv("Season")).select_option("autumn")
    page.get_by_label(sv("Due"), exact=True).fill("2026-10-31")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator("h1")).to_contain_text("Höst 2026")
    campaign = Campaign.objects.get()
    for unit in ("Hemtjänst Norr", "Hemtjänst Söder", "Boende Ekbacken"):
        expect(page.locator("main")).to_contain_text(unit)
    # The protected-identity list is prepared and sent separately, to its manager.
    page.get_by_role("link", name="Hemtjänst Norr").nth(1).click()
    expect(page.locator(".caption").first).to_have_text(sv("Access to protected identities"))
    page.get_by_role("button", name=sv("Send to the reviewer")).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("Sent to the reviewer"))

    # The north's manager reports one removal.
    log_in(page, "mgr_north")
    page.goto("/access/lists/")
    page.get_by_role("link", name="Hemtjänst Norr").first.click()
    expect(page.locator("main")).not_to_contain_text("u-cia")
    page.locator("select[id^=verdict-]").nth(0).select_option("keep")  # Anna
    page.locator("select[id^=verdict-]").nth(1).select_option("remove")  # Bert
    page.locator("input[id^=comment-]").nth(1).fill("Har slutat")
    page.get_by_role("button", name=sv("Save the verdicts")).click()
    expect(page.locator("body")).to_contain_text(sv("The verdicts were saved."))
    page.get_by_role("button", name=sv("Report back to the controller")).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("Reported back"))
    # And keeps the one account with access to protected identities.
    report_without_remark(page, "Hemtjänst Norr", kind="protected")
    # The other two managers: without remark.
    log_in(page, "mgr_south")
    report_without_remark(page, "Hemtjänst Söder")
    log_in(page, "mgr_home")
    report_without_remark(page, "Boende Ekbacken")

    # The controller makes the removal request; the next snapshot confirms it.
    log_in(page, "controller")
    page.goto(campaign.get_absolute_url())
    page.get_by_role("button", name=sv("Make the removal requests")).click()
    expect(page.locator(".messages")).to_contain_text(
        sv("%(count)d requests were made.") % {"count": 1}
    )
    assert AccessRequest.objects.get().status == RequestStatus.REQUESTED
    # The system owner decides it.
    log_in(page, "owner")
    page.goto(AccessRequest.objects.get().get_absolute_url())
    page.get_by_role("button", name=sv("Approve"), exact=True).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("Approved"))
    assert AccessRequest.objects.get().status == RequestStatus.APPROVED
    log_in(page, "controller")
    next_list = [r for r in FIRST if r[0] != "u-bert"]
    upload(page, tmp_path, "treserva-2.csv", next_list, "2026-10-20", aw.system.name)
    assert AccessRequest.objects.get().status == RequestStatus.DONE
    page.goto(campaign.get_absolute_url())
    page.get_by_role("button", name=sv("Sign the review")).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("Signed"))
    assert Campaign.objects.get().status == CampaignStatus.SIGNED

    # The protocol lists exactly what happened.
    link = page.get_by_role("link", name=sv("Protocol (PDF)"))
    response = page.request.get(link.get_attribute("href") or "", timeout=90_000)
    assert response.status == 200, (response.status, response.text()[:500])
    assert response.headers["content-type"] == "application/pdf"
    data = response.body()
    assert_tagged_pdf(data, title=sv("Access review protocol: %(name)s") % {"name": campaign.name})
    text = " ".join(pdf_text(data).split())
    assert "u-bert Bert Berg" in text and "Har slutat" in text
    assert "Nora Norr" in text
    assert text.count(sv("Without remark")) == 3
    assert "u-anna" not in text and "u-cia" not in text
    assert "Vera Kontroll" in text
    assert aw.org.name in text
