"""The plans part's demo data: WebCare's 2012 plan as the seed prints it, the
26-municipality split of 1 500 000 kr, and a Sambruk split by inhabitants with a
municipality joining in July, all reachable through the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from forvalta.core.models import User
from forvalta.plans import demo
from forvalta.plans.models import CostShare, CostSplit, ManagementPlan
from forvalta.plans.selectors import plan_tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("load_demo_data", stdout=io.StringIO())


def test_webcare_plan_and_split_as_in_the_seed(loaded, client):
    lead = User.objects.get(username="regionledare")
    plan = ManagementPlan.objects.visible_to(lead).get(name__contains="vårdövergångar 2012")
    sums = plan_tables(plan, lead).sums
    assert sums.total().amount == demo.GRAND_TOTAL
    assert sums.fte() == demo.FTE_TOTAL
    split = CostSplit.objects.visible_to(lead).get(service__name="WebCare")
    shares = {
        s.organisation.name: s.amount
        for s in CostShare.objects.filter(split=split).select_related("organisation")
    }
    assert len([a for a in shares.values() if a]) == 26
    assert sum(shares.values()) == Decimal("1500000")
    assert shares["Stockholms stad"] == Decimal("619891")
    assert shares["Österåkers kommun"] == Decimal("28539")
    client.force_login(lead)
    response = client.get(f"/plans/cost-splits/{split.pk}/invoice-basis.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 1 + len(shares)
    assert sum(Decimal(str(wb[n].cell(8, 2).value)) for n in wb.sheetnames[1:]) == Decimal(
        "1500000"
    )


def test_sambruk_split_by_inhabitants_with_alingsas_from_july(loaded):
    split = CostSplit.objects.get(service__name="Digital signering")
    shares = {
        s.organisation.name: s
        for s in CostShare.objects.filter(split=split).select_related("organisation")
    }
    year = split.period_start.year
    july = (dt.date(year, 12, 31) - dt.date(year, 7, 1)).days + 1
    assert shares["Alingsås kommun"].days == july
    assert shares["Kungälvs kommun"].days == (split.period_end - split.period_start).days + 1
    assert sum(s.amount for s in shares.values()) == split.budget
    assert all(s.amount >= 0 for s in shares.values())
    # A member sees its own line only (the split is not open to all members).
    ale = User.objects.get(username="kommun2")
    assert [s.organisation.name for s in CostShare.objects.visible_to(ale).filter(split=split)] == [
        "Ale kommun"
    ]


def test_kungalvs_risk_action_is_an_activity_of_its_next_plan(loaded, client):
    """The compliance demo's Treserva analysis carried its action into Kungälv's plan for
    next year as an activity, shown on the action plan as a link to that plan."""
    from forvalta.compliance.models import RiskAction

    action = RiskAction.objects.get(description="Automatisk avslutning av konton vid byte av enhet")
    activity = action.plan_activity
    assert activity is not None
    assert (activity.name, activity.plan.organisation.name) == (
        "Behörighetsstyrning",
        "Kungälvs kommun",
    )
    assert activity.plan.name.startswith("Förvaltningsplan Omsorg ")
    client.force_login(User.objects.get(username="kungalvadmin"))
    page = client.get(action.analysis.get_absolute_url()).content.decode()
    assert f'href="{activity.plan.get_absolute_url()}"' in page
