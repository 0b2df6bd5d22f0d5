"""The WebCare year in a browser: the management lead drafts the plan, the
goal-setting calendar reminds on its dates (a frozen clock), the plan is proposed,
aligned and decided, followed up, and the invoice basis per municipality comes out of
Excel summing to the budget to the öre."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from forvalta.core.tests.test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    browser,
    context,
    demo,
    log_in,
    page,
    sv,
)
from forvalta.notifications.models import Notification
from forvalta.notifications.services import remind_deadlines
from forvalta.plans.models import ManagementPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed."),
]


def test_the_webcare_year(page, demo, monkeypatch):  # noqa: F811  (fixtures)
    monkeypatch.setattr("forvalta.plans.views.clock", lambda: dt.date(2012, 9, 28))
    log_in(page, "regionledare")
    # A draft plan for 2013.
    page.goto("/plans/")
    page.get_by_role("link", name=sv("New plan")).click()
    page.locator("#id_management_object").select_option(label="Samverkan vid vårdövergångar")
    page.locator("#id_name").fill("Förvaltningsplan WebCare 2013")
    page.locator("#id_period_start").fill("2013-01-01")
    page.locator("#id_period_end").fill("2013-12-31")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator("main h1")).to_have_text("Förvaltningsplan WebCare 2013")
    plan = ManagementPlan.objects.get(name="Förvaltningsplan WebCare 2013")
    # A goal with person-days in the first activity.
    page.get_by_role("link", name=sv("Add a goal")).first.click()
    page.locator("#id_text").fill("Nya versioner har införts.")
    page.locator("#id_kind").select_option("vu")
    page.locator("input[name^=days_]").first.fill("10")
    page.locator("input[name^=fixed_]").last.fill("40000")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator("#total-kronor")).to_have_text("96\u00a0000\u00a0kr")
    # The calendar: on 2012-09-28 the current state (31 August) is late and the new goals
    # (30 September) are near: the lead is reminded of both.
    remind_deadlines(on=dt.date(2012, 9, 28))
    kinds = set(
        Notification.objects.filter(recipient__username="regionledare").values_list(
            "kind", flat=True
        )
    )
    assert {"deadline_passed", "deadline_approaching"} <= kinds
    page.reload()
    expect(page.locator(".tag-red")).to_have_count(1)
    page.goto("/notifications/")
    expect(page.locator("main")).to_contain_text(sv("A deadline has passed"))
    expect(page.locator("main")).to_contain_text(sv("A deadline is approaching"))
    page.goto(plan.get_absolute_url())
    # Proposed, aligned with the steering group, decided.
    page.get_by_role("button", name=sv("Propose the plan")).click()
    page.get_by_role("button", name=sv("Aligned with the steering group")).click()
    page.get_by_role("link", name=sv("Record the decision")).click()
    page.locator("#id_decision_reference").fill("Styrgruppen 2012-12-10 §4")
    page.locator("#id_decided_on").fill("2012-12-10")
    page.locator("#id_decided_by_owner").fill("Katarina Wennberg")
    page.locator("#id_decided_by_lead").fill("Lars Öberg")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("decided"))
    expect(page.get_by_role("link", name=sv("Add a goal"))).to_have_count(0)  # locked
    # Follow-up: an outcome for the goal.
    page.get_by_role("button", name=sv("Start the follow-up")).click()
    expect(page.locator(".workflow-panel strong").first).to_have_text(sv("in follow-up"))
    page.get_by_role("link", name=sv("Follow-up"), exact=True).click()
    expect(page.locator("main h1")).to_contain_text(sv("Follow-up of %(plan)s")[:8])
    page.locator("#id_goal").select_option(index=1)
    page.locator("#id_month").fill("2013-03-01")
    page.locator("#id_resource_group").select_option(index=1)
    page.locator("#id_actual_days").fill("4")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(page.locator("#followup-goals tbody tr").first).to_contain_text("22\u00a0400\u00a0kr")
    # The invoice basis per municipality, in Excel, sums to the budget.
    page.goto("/plans/cost-splits/")
    page.get_by_role("link", name="WebCare 2012 – kommunernas finansiering").click()
    link = page.get_by_role("link", name=sv("Invoice basis (Excel)"))
    response = page.request.get(link.get_attribute("href") or "")
    assert response.status == 200, response.status
    wb = load_workbook(io.BytesIO(response.body()))
    members = wb.sheetnames[1:]
    assert "Stockholms stad" in members and len(members) == 26
    total = sum(Decimal(str(wb[name].cell(8, 2).value)) for name in members)
    assert total == Decimal("1500000")
