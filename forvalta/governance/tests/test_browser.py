"""The council's year, walked in a real browser (headless Chromium), in Swedish.

Sambruk's förvaltningsledare puts a proposal to circulation; three member
municipalities' representatives vote; the deadline passes and the scheduled task closes
it. At the next meeting the notice goes out with an agenda, the meeting is held (the
circulation's decision is its first paragraph), minutes are written, both adjusters
approve them, they are published and downloaded as a tagged PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from forvalta.background import scheduler
from forvalta.background.models import ScheduledJob
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.core.tests.test_browser import log_in
from forvalta.core.tests.test_browser import pytestmark as browser_marks
from forvalta.governance.models import Body, Circulation, Meeting, MeetingStatus

pytestmark = browser_marks

TITLE = "Ny mall för ärendeinlämning"


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def vote(page: Page, username: str, url: str, choice: str) -> None:
    log_in(page, username)
    page.goto(url)
    page.get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Rösta").click()
    expect(page.locator("body")).to_contain_text("Din röst har registrerats.")
    log_out(page)


def meeting_action(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator("body")).to_contain_text("Klart.", timeout=30_000)


def test_a_council_year_with_a_circulation(demo: None, page: Page, live_server: Any) -> None:
    council = Body.objects.get(name="Förvaltningsråd E-tjänsteplattform")
    # A shared machine: saving notifies a dozen members (e-mails sent at once here).
    expect.set_options(timeout=20_000)

    # 1. The management lead puts a proposal to circulation.
    log_in(page, "forvaltningsledare")
    page.goto("/governance/circulations/add/")
    page.locator("#id_body").select_option(str(council.pk))
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_kind").select_option("change")
    page.locator("#id_proposal").fill("Den nya mallen för ärendeinlämning införs i maj.")
    deadline = timezone.localtime() + dt.timedelta(days=5)
    page.locator("#id_deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    # A budget decision is refused (it is decided at a meeting).
    page.locator("#id_kind").select_option("budget")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("main")).to_contain_text("kan inte fattas per capsulam")
    page.locator("#id_kind").select_option("change")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("main h1")).to_have_text(TITLE)
    circulation_url = page.url
    log_out(page)

    # 2. Three member municipalities vote (Kungälv, Ale, Lerum); Partille does not.
    vote(page, "karl.bergqvist", circulation_url, "ja")
    vote(page, "kommun2", circulation_url, "ja")
    vote(page, "eva.lundqvist", circulation_url, "nej")
    circulation = Circulation.objects.get(title=TITLE)
    assert circulation.status == "open"

    # 3. The deadline passes; the scheduled task closes it: 2 yes, 1 no, adopted.
    Circulation.objects.filter(pk=circulation.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    ScheduledJob.objects.exclude(name="governance.close_due_circulations").update(
        next_run_at=now + dt.timedelta(days=1)
    )
    ScheduledJob.objects.filter(name="governance.close_due_circulations").update(next_run_at=now)
    assert scheduler.tick(now=now) == ["governance.close_due_circulations"]
    circulation.refresh_from_db()
    assert (circulation.status, circulation.result) == ("closed", "adopted")

    # 4. The next meeting: notice with agenda, adjusters, held.
    meeting = (
        Meeting.objects.filter(body=council, status=MeetingStatus.PLANNED)
        .order_by("starts_at")
        .first()
    )
    assert meeting is not None
    log_in(page, "forvaltningsledare")
    page.goto(f"/governance/agenda/add/?meeting={meeting.pk}")
    page.locator("#id_title").fill("Uppföljning av budget")
    # What the item concerns: searched as one types (htmx), chosen from the matches.
    service = council.service
    assert service is not None
    page.locator("#id_concerns_search").fill(service.name)
    option = page.locator(f'#id_concerns option[value="register.service:{service.pk}"]')
    expect(option).to_have_count(1)
    # Only the matches are left (and "nothing chosen").
    others = page.locator("#id_concerns option").filter(has_not_text=service.name)
    expect(others).to_have_text(["– inget valt –"])
    # Enter in the search box does not send the form (the matches came as one typed) …
    page.locator("#id_concerns_search").press("Enter")
    expect(option).to_have_count(1)
    assert page.url.endswith(f"/governance/agenda/add/?meeting={meeting.pk}")
    page.locator("#id_concerns").select_option(f"register.service:{service.pk}")
    # … and Enter in another field saves, as in any form (not the picker's "Search").
    with page.expect_navigation():
        page.locator("#id_title").press("Enter")
    expect(page.locator(".notice, .messages").first).to_be_visible()
    page.goto(f"/governance/meetings/{meeting.pk}/edit/")
    page.get_by_label("Karl Bergqvist", exact=True).check()
    page.get_by_label("Ahmed Karimi", exact=True).check()
    page.get_by_role("button", name="Spara", exact=True).click()
    page.goto(f"/governance/meetings/{meeting.pk}/")
    expect(page.locator("#agenda + ol, section.related").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Uppföljning av budget")
    concerns = page.locator("#agenda ~ ol .concerns, section.related .concerns").first
    expect(concerns).to_have_text(f"Gäller: {service.name}")
    expect(concerns.get_by_role("link", name=service.name)).to_have_attribute(
        "href", service.get_absolute_url()
    )
    meeting_action(page, "Skicka kallelsen")
    meeting_action(page, "Markera som genomfört")
    minutes = page.locator("article.paragraph")
    expect(minutes.first.locator("h3")).to_have_text(
        re.compile(rf"^§ \d+ Beslut fattat per capsulam sedan föregående möte: {TITLE}$")
    )
    expect(minutes.first).to_contain_text("2 ja, 1 nej, 0 avstod. Resultat: bifallen.")

    # 5. Minutes: a paragraph with a decision, sent for approval.
    page.get_by_role("link", name="Ny paragraf").click()
    page.locator("#id_title").fill("Uppföljning av budget")
    page.locator("#id_discussion").fill("Utfallet följer budgeten.")
    page.locator("#id_decision_text").fill("Förvaltningsrådet godkänner uppföljningen.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("article.paragraph")).to_have_count(2)
    meeting_action(page, "Skicka protokollet för justering")
    log_out(page)

    # 6. Both adjusters approve; the minutes can no longer be edited.
    for username in ("karl.bergqvist", "kommun2"):
        log_in(page, username)
        page.goto(f"/governance/meetings/{meeting.pk}/")
        meeting_action(page, "Justera protokollet")
        log_out(page)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTES_APPROVED
    assert meeting.approvals.filter(version=1).count() == 2

    # 7. Published, and downloaded as a tagged PDF.
    log_in(page, "forvaltningsledare")
    page.goto(f"/governance/meetings/{meeting.pk}/")
    expect(page.get_by_role("link", name="Ny paragraf")).to_have_count(0)
    meeting_action(page, "Publicera protokollet")
    # Fetched with the browser's session (the link's own request; a headless Chromium
    # hands an attachment to its PDF viewer rather than to a download).
    link = page.get_by_role("link", name="Protokoll (PDF)")
    response = page.request.get(link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    data = response.body()
    day = timezone.localtime(meeting.starts_at).date().isoformat()
    assert_tagged_pdf(data, title=f"Protokoll {council.name} {day}")
    text = " ".join(pdf_text(data).split())
    assert f"Beslut fattat per capsulam sedan föregående möte: {TITLE}" in text
    assert "Justerat av Karl Bergqvist" in text

    # 8. The decision register lists the circulation's decision.
    page.goto("/governance/decisions/?q=" + "mall")
    expect(page.locator("#list-results")).to_contain_text(TITLE)
    expect(page.locator("#list-results")).to_contain_text("per capsulam")
