"""Management plans through HTTP: WebCare's 2012 plan and its sums against the plan's own
totals, the 26-municipality split to the krona, a key change refused without a decision
(changing nothing), the workflow with its decision and lock, a new version and its
difference, calendar reminders on a frozen clock, the follow-up, and who sees what."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from forvalta.audit.models import AuditEvent
from forvalta.core.controls import control_fulfilled
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.notifications.models import Notification
from forvalta.notifications.services import remind_deadlines
from forvalta.plans import demo, services
from forvalta.plans.models import (
    CostShare,
    CostSplit,
    FollowUpEntry,
    Goal,
    GoalEffort,
    KeyValue,
    ManagementPlan,
    PlanMilestone,
)
from forvalta.plans.selectors import plan_tables
from forvalta.register.tests.factories import (
    AgreementFactory,
    ManagementObjectFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    role_type,
)

pytestmark = pytest.mark.django_db


class Setting:
    """A region owning WebCare, four municipalities (three paying by fixed amounts), a
    supplier contracted for it, and an outsider."""

    def __init__(self) -> None:
        self.region = OrganisationFactory(name="Regionen", kind=OrganisationKind.REGION)
        self.muni = [OrganisationFactory(name=f"Kommun {c}") for c in "ABC"]
        self.supplier = OrganisationFactory(name="Leverantören AB", kind=OrganisationKind.SUPPLIER)
        self.other = OrganisationFactory(name="Annan kommun")
        self.lead = self.person("lead", self.region)
        self.admin = self.person("admin", self.region, admin=True)
        self.colleague = self.person("colleague", self.region)
        self.member_a = self.person("member_a", self.muni[0])
        self.member_b = self.person("member_b", self.muni[1])
        self.vendor = self.person("vendor", self.supplier)
        self.outsider = self.person("outsider", self.other)
        self.obj = ManagementObjectFactory(
            owner_organisation=self.region, name="Samverkan vid vårdövergångar"
        )
        self.service = ServiceFactory(management_object=self.obj, name="WebCare")
        for org in self.muni:
            ParticipationFactory(
                service=self.service, organisation=org, valid_from=dt.date(2011, 1, 1)
            )
        RoleAssignmentFactory(
            person=self.lead,
            organisation=self.region,
            role_type=role_type("management_lead"),
            management_object=self.obj,
            valid_from=dt.date(2010, 1, 1),
        )
        agreement = AgreementFactory(
            owner_organisation=self.region, supplier=self.supplier, valid_from=dt.date(2010, 1, 1)
        )
        agreement.management_objects.add(self.obj)
        RoleAssignmentFactory(
            person=self.vendor,
            organisation=self.supplier,
            role_type=role_type("management_partner"),
            management_object=self.obj,
            valid_from=dt.date(2010, 1, 1),
        )

    def person(self, name: str, org: Any, admin: bool = False) -> Any:
        user = UserFactory(username=name, last_name=name.capitalize())
        MembershipFactory(user=user, organisation=org, is_org_admin=admin)
        return user

    def webcare_plan(self, status: str = "draft") -> ManagementPlan:
        plan = services.plan_create(
            actor=self.lead,
            data={
                "management_object": self.obj,
                "name": "Förvaltningsplan 2012",
                "period_start": dt.date(2012, 1, 15),
                "period_end": dt.date(2012, 12, 31),
                "working_days_per_year": demo.WORKING_DAYS,
            },
        )
        # The plan's own rows (activities, groups) come from the seed, not the defaults.
        plan.activities.all().delete()
        plan.resource_groups.all().delete()

        def save(obj: Any) -> Any:
            obj.save()
            return obj

        demo.fill_webcare_plan(plan, save, self.supplier)
        if status != "draft":
            ManagementPlan.objects.filter(pk=plan.pk).update(status=status)
            plan.refresh_from_db()
        return plan

    def split(self, open_to_members: bool = True, **kw: Any) -> CostSplit:
        split = services.split_create(
            actor=self.lead,
            data={
                "service": self.service,
                "name": "WebCare 2012",
                "period_start": dt.date(2012, 1, 1),
                "period_end": dt.date(2012, 12, 31),
                "budget": Decimal("100000"),
                "key": "fixed",
                "rounding": "ore",
                "open_to_members": open_to_members,
                "decision_reference": "Objektägarrådet 2011-12-01 §4",
                **kw,
            },
        )
        services.key_values_set(
            actor=self.lead,
            split=split,
            values={
                self.muni[0].pk: Decimal("50000"),
                self.muni[1].pk: Decimal("30000"),
                self.muni[2].pk: Decimal("20000"),
            },
        )
        return split


@pytest.fixture
def s() -> Setting:
    return Setting()


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0kr"


# --- the plan's sums ------------------------------------------------------------------------
def test_webcare_plan_sums_come_out_as_the_plans_own_totals(s, client):
    plan = s.webcare_plan()
    tables = plan_tables(plan, s.lead)
    sums = tables.sums
    groups = [g.pk for g in tables.groups]
    for block in tables.blocks:
        expected = demo.TOTALS[block.activity.name]
        activity = block.activity.pk
        assert [sums.total(activity, None, g).amount for g in groups] == [
            Decimal(v) for v in expected["kr"]
        ]
        assert [sums.total(activity, None, g).days for g in groups] == [
            Decimal(v) for v in expected["days"]
        ]
        assert sums.total(activity).amount == expected["total"]
    # Förvaltningsstyrning is all maintenance: "Summa kronor vidmakthållande (VM) 825 840 kr
    # 562 240 kr", "vidareutveckling (VU) 0 kr 0 kr", 144 and 100 person-days.
    styrning = tables.blocks[0].activity.pk
    assert sums.total(styrning, "vm", groups[0]).amount == 825_840
    assert sums.total(styrning, "vm", groups[1]).amount == 562_240
    assert sums.total(styrning, "vu").amount == 0
    assert sums.total().amount == demo.GRAND_TOTAL
    assert sums.fte() == demo.FTE_TOTAL
    for (kind, index), fte in demo.FTE_BY_COLUMN.items():
        assert sums.fte(None, kind, groups[index]) == fte
    # And the page shows them.
    client.force_login(s.lead)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert f'id="total-kronor">{money(demo.GRAND_TOTAL)}<' in page
    assert 'id="total-fte">2,56<' in page
    assert money(825_840) in page and money(2_254_368) in page


def test_the_plan_as_a_tagged_pdf(s, client):
    plan = s.webcare_plan()
    client.force_login(s.lead)
    response = client.get(reverse("plans:managementplan_pdf", args=[plan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert_tagged_pdf(response.content, title=str(plan))
    text = pdf_text(response.content)
    assert "Förvaltningsstyrning" in text and "6 199 695 kr" in text.replace("\u00a0", " ")


def test_split_pages_cost_the_same_queries_at_any_size(s, client, django_assert_max_num_queries):
    split = s.split()
    client.force_login(s.lead)
    for size in (3, 30):
        while CostShare.objects.filter(split=split).count() < size:
            org = OrganisationFactory()
            CostShare.objects.create(split=split, organisation=org, days=366, amount=Decimal(0))
        with django_assert_max_num_queries(25):
            assert client.get(split.get_absolute_url()).status_code == 200
        with django_assert_max_num_queries(25):
            assert client.get(reverse("plans:costsplit_list")).status_code == 200


def test_plan_lists_cost_the_same_queries_at_any_size(s, client, django_assert_max_num_queries):
    client.force_login(s.lead)
    url = reverse("plans:managementplan_list")
    for _n in range(3):
        s.webcare_plan()
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    for _n in range(20):
        ManagementPlan.objects.create(
            organisation=s.region,
            management_object=s.obj,
            name="Plan",
            period_start=dt.date(2013, 1, 1),
            period_end=dt.date(2013, 12, 31),
        )
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


# --- the workflow, decision, lock and versions ----------------------------------------------
def test_the_plan_is_proposed_aligned_decided_and_then_locked(s, client):
    received: list[dict[str, Any]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        from django.db import connection

        received.append({**kwargs, "in_transaction": connection.in_atomic_block})

    control_fulfilled.connect(listener)
    try:
        plan = s.webcare_plan()
        client.force_login(s.lead)
        for name in ("propose", "align"):
            url = reverse("workflow:transition", args=["plans.managementplan", plan.pk, name])
            assert client.post(url, {"comment": "ok"}).status_code == 302
        plan.refresh_from_db()
        assert plan.status == "aligned"
        decide = reverse("plans:managementplan_decide", args=[plan.pk])
        # Without a reference: refused, nothing changes.
        response = client.post(decide, {"decision_reference": "", "decided_on": "2012-04-04"})
        assert response.status_code == 400
        plan.refresh_from_db()
        assert (plan.status, plan.decision_reference) == ("aligned", "")
        assert received == []
        response = client.post(
            decide,
            {
                "decision_reference": "Styrgruppen 2012-04-04 §3",
                "decided_on": "2012-04-04",
                "decided_by_owner": "Objektägaren",
                "decided_by_lead": "Förvaltningsledaren",
            },
        )
        assert response.status_code == 302
    finally:
        control_fulfilled.disconnect(listener)
    plan.refresh_from_db()
    assert plan.status == "decided"
    assert plan.decision_reference == "Styrgruppen 2012-04-04 §3"
    assert plan.decision_recorded_by == s.lead
    assert len(received) == 1
    assert received[0]["kind"] == "plan_decision"
    assert received[0]["evidence"] == plan
    assert received[0]["target"] == s.obj
    assert received[0]["organisation"] == s.region
    assert received[0]["on"] == dt.date(2012, 4, 4)
    assert received[0]["in_transaction"] is True
    # Locked: the plan, a goal and a need cannot be changed, and nothing changes.
    goal = Goal.objects.filter(plan=plan).first()
    before = (plan.name, goal.text, GoalEffort.objects.filter(goal=goal).count())
    response = client.post(
        reverse("plans:managementplan_edit", args=[plan.pk]),
        {
            "name": "Ändrad",
            "period_start": "2012-01-15",
            "period_end": "2012-12-31",
            "working_days_per_year": "190",
        },
    )
    assert response.status_code == 400
    assert "låst" in response.content.decode() or "locked" in response.content.decode()
    response = client.post(reverse("plans:goal_edit", args=[goal.pk]), {"text": "x"})
    assert response.status_code == 400
    plan.refresh_from_db()
    goal.refresh_from_db()
    assert (plan.name, goal.text, GoalEffort.objects.filter(goal=goal).count()) == before


def test_a_proposal_needs_goals(s, client):
    plan = services.plan_create(
        actor=s.lead,
        data={
            "management_object": s.obj,
            "name": "Tom plan",
            "period_start": dt.date(2013, 1, 1),
            "period_end": dt.date(2013, 12, 31),
        },
    )
    client.force_login(s.lead)
    url = reverse("workflow:transition", args=["plans.managementplan", plan.pk, "propose"])
    response = client.post(url, {})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_a_change_makes_a_new_version_with_a_visible_difference(s, client):
    plan = s.webcare_plan(status="decided")
    client.force_login(s.lead)
    response = client.post(
        reverse("plans:managementplan_version", args=[plan.pk]),
        {"change_reason": "DI:s tillsyn kräver mer"},
    )
    assert response.status_code == 302
    new = ManagementPlan.objects.get(previous_version=plan)
    assert (new.version, new.status) == (2, "draft")
    assert Goal.objects.filter(plan=new).count() == len(demo.GOALS)
    goal = Goal.objects.get(plan=new, text__startswith="Översyn utifrån DI")
    groups = list(new.resource_groups.all())
    data = {
        "activity": goal.activity_id,
        "order": goal.order,
        "text": goal.text,
        "kind": "vu",
        f"days_{groups[0].pk}": "20",
        f"fixed_{groups[0].pk}": "0",
        f"days_{groups[1].pk}": "15",
        f"fixed_{groups[1].pk}": "450000",
    }
    assert client.post(reverse("plans:goal_edit", args=[goal.pk]), data).status_code == 302
    page = client.get(reverse("plans:managementplan_difference", args=[new.pk])).content.decode()
    assert "Översyn utifrån DI" in page
    assert f"<del>{money(400_000)}</del>" in page and f"<ins>{money(450_000)}</ins>" in page
    assert "<del>15</del>" in page and "<ins>20</ins>" in page
    assert money(demo.GRAND_TOTAL + 28_000 + 50_000) in page
    # The decided version is unchanged.
    old = GoalEffort.objects.get(goal__plan=plan, goal__text=goal.text, resource_group__order=2)
    assert old.fixed_cost == Decimal("400000")


# --- the calendar ---------------------------------------------------------------------------
def test_milestones_remind_the_responsible_role_ahead_and_show_late_ones(s, client, monkeypatch):
    plan = services.plan_create(
        actor=s.lead,
        data={
            "management_object": s.obj,
            "name": "Förvaltningsplan 2013",
            "period_start": dt.date(2013, 1, 1),
            "period_end": dt.date(2013, 12, 31),
        },
    )
    dates = list(PlanMilestone.objects.filter(plan=plan).values_list("name", "due_on"))
    assert dates[:2] == [
        ("Nulägesbeskrivning klar", dt.date(2012, 8, 31)),
        ("Utformning av nya mål klar", dt.date(2012, 9, 30)),
    ]
    assert dates[-1] == ("Förvaltningsplanen fastställd", dt.date(2012, 12, 15))
    # Frozen clock: 2012-08-29, two days before the current state is due.
    remind_deadlines(on=dt.date(2012, 8, 29))
    mine = Notification.objects.filter(recipient=s.lead)
    assert list(mine.values_list("kind", flat=True)) == ["deadline_approaching"]
    assert Notification.objects.exclude(recipient=s.lead).count() == 0
    # 2012-09-05: the current state is late (passed) and marked late on the page.
    remind_deadlines(on=dt.date(2012, 9, 5))
    assert list(mine.order_by("pk").values_list("kind", flat=True)) == [
        "deadline_approaching",
        "deadline_passed",
    ]
    monkeypatch.setattr("forvalta.plans.views.clock", lambda: dt.date(2012, 9, 5))
    client.force_login(s.lead)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert page.count('class="tag tag-red"') == 1
    # Done: no more reminders of it.
    milestone = PlanMilestone.objects.get(plan=plan, kind="current_state")
    client.post(reverse("plans:planmilestone_done", args=[milestone.pk]))
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2012, 9, 5)
    assert remind_deadlines(on=dt.date(2012, 9, 6)) == 0


# --- the follow-up --------------------------------------------------------------------------
def test_follow_up_per_goal_as_excel_and_tagged_pdf(s, client):
    plan = s.webcare_plan(status="follow_up")
    goal = Goal.objects.get(plan=plan, text__startswith="Mötena")
    group = plan.resource_groups.get(order=1)
    client.force_login(s.lead)
    url = reverse("plans:followup", args=[plan.pk])
    response = client.post(
        url,
        {
            "goal": goal.pk,
            "month": "2012-03-10",
            "resource_group": group.pk,
            "actual_days": "8",
            "actual_cost": "1000",
        },
    )
    assert response.status_code == 302
    entry = FollowUpEntry.objects.get(goal=goal)
    assert (entry.month, entry.amount) == (dt.date(2012, 3, 1), Decimal("45800"))
    response = client.post(reverse("plans:goal_detail", args=[goal.pk]), {"status": "at_risk"})
    goal.refresh_from_db()
    assert goal.status == "at_risk"
    # Excel import, all or nothing: a bad row changes nothing.
    wb = Workbook()
    ws = wb.active
    ws.append(["goal", "month", "group", "days", "cost"])
    ws.append([goal.pk, "2012-04", "Verksamhetsnära", 5, 0])
    ws.append([999999, "2012-04", "Verksamhetsnära", 5, 0])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "utfall.xlsx"
    response = client.post(url, {"file": buffer})
    assert response.status_code == 400
    assert FollowUpEntry.objects.filter(goal=goal).count() == 1
    wb = Workbook()
    ws = wb.active
    ws.append(["goal", "month", "group", "days", "cost"])
    ws.append([goal.pk, "2012-04", "Verksamhetsnära", 5, 0])
    ws.append([goal.pk, dt.date(2012, 5, 20), "IT-nära", 2, 500])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "utfall.xlsx"
    assert client.post(url, {"file": buffer}).status_code == 302
    assert list(
        FollowUpEntry.objects.filter(goal=goal)
        .order_by("month")
        .values_list("month", "actual_days")
    ) == [
        (dt.date(2012, 3, 1), Decimal("8.0")),
        (dt.date(2012, 4, 1), Decimal("5.0")),
        (dt.date(2012, 5, 1), Decimal("2.0")),
    ]
    FollowUpEntry.objects.filter(goal=goal).exclude(month=dt.date(2012, 3, 1)).delete()
    xlsx = client.get(url + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[goal.pk][6] == 8 and rows[goal.pk][7] == 627200 and rows[goal.pk][8] == 45800
    pdf = client.get(url + "?export=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    title = f"Uppföljning av {plan}"
    assert_tagged_pdf(pdf.content, title=title)
    assert "Mötena enligt" in pdf_text(pdf.content)


# --- cost sharing ---------------------------------------------------------------------------
def test_the_26_municipalities_split_sums_to_the_budget_to_the_krona(s):
    orgs = [OrganisationFactory(name=f"Kommun {key}") for key, _a in demo.MUNICIPALITY_AMOUNTS]
    for org in orgs:
        ParticipationFactory(service=s.service, organisation=org, valid_from=dt.date(2012, 3, 15))
    split = services.split_create(
        actor=s.lead,
        data={
            "service": s.service,
            "name": "WebCare 2012",
            "period_start": dt.date(2012, 1, 1),
            "period_end": dt.date(2012, 12, 31),
            "budget": demo.BUDGET,
            "key": "fixed",
            "rounding": "krona",
        },
    )
    values = {
        org.pk: Decimal(a) for org, (_k, a) in zip(orgs, demo.MUNICIPALITY_AMOUNTS, strict=True)
    }
    # The three other members have no amount: they pay nothing.
    services.key_values_set(actor=s.lead, split=split, values=values)
    shares = dict(CostShare.objects.filter(split=split).values_list("organisation_id", "amount"))
    assert sum(shares.values()) == demo.BUDGET
    assert {org: shares[org] for org in values} == values
    assert sum(a for _k, a in demo.MUNICIPALITY_AMOUNTS) == 1_500_000


def test_the_invoice_basis_excel_has_a_sheet_per_member_and_sums_to_the_budget(s, client):
    split = s.split()
    client.force_login(s.lead)
    response = client.get(reverse("plans:costsplit_invoice", args=[split.pk, "xlsx"]))
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Sammanfattning", "Kommun A", "Kommun B", "Kommun C"]
    amounts = [wb[name].cell(8, 2).value for name in ("Kommun A", "Kommun B", "Kommun C")]
    assert amounts == [50000, 30000, 20000]
    assert sum(Decimal(str(a)) for a in amounts) == split.budget
    pdf = client.get(reverse("plans:costsplit_invoice", args=[split.pk, "pdf"]))
    assert_tagged_pdf(pdf.content, title=f"Fakturaunderlag – {split}")


def test_a_key_change_without_a_decision_is_refused_and_changes_nothing(s, client):
    split = s.split()
    shares_before = list(
        CostShare.objects.filter(split=split).values_list("organisation_id", "amount")
    )
    values_before = list(
        KeyValue.objects.filter(split=split).values_list("organisation_id", "value")
    )
    events_before = list(
        AuditEvent.objects.filter(action__startswith="plans.").values_list("pk", flat=True)
    )
    client.force_login(s.lead)
    # The key itself.
    response = client.post(
        reverse("plans:costsplit_edit", args=[split.pk]),
        {
            "name": split.name,
            "period_start": "2012-01-01",
            "period_end": "2012-12-31",
            "budget": "100000",
            "key": "equal",
            "base_percent": "0",
            "rounding": "ore",
            "open_to_members": "on",
            "decision_reference": split.decision_reference,
            "change_decision": "",
        },
    )
    assert response.status_code == 400
    assert "beslut" in response.content.decode()
    # The key's values.
    key_url = reverse("plans:costsplit_key", args=[split.pk])
    response = client.post(
        key_url,
        {
            f"org_{s.muni[0].pk}": "40000",
            f"org_{s.muni[1].pk}": "40000",
            f"org_{s.muni[2].pk}": "20000",
        },
    )
    assert response.status_code == 400
    split.refresh_from_db()
    assert split.key == "fixed"
    assert (
        list(CostShare.objects.filter(split=split).values_list("organisation_id", "amount"))
        == shares_before
    )
    assert (
        list(KeyValue.objects.filter(split=split).values_list("organisation_id", "value"))
        == values_before
    )
    assert (
        list(AuditEvent.objects.filter(action__startswith="plans.").values_list("pk", flat=True))
        == events_before
    )
    # With a decision: changed, recalculated, recorded.
    response = client.post(
        key_url,
        {
            f"org_{s.muni[0].pk}": "40000",
            f"org_{s.muni[1].pk}": "40000",
            f"org_{s.muni[2].pk}": "20000",
            "change_decision": "Objektägarrådet 2012-06-01 §2",
        },
    )
    assert response.status_code == 302
    split.refresh_from_db()
    assert split.decision_reference == "Objektägarrådet 2012-06-01 §2"
    assert CostShare.objects.get(split=split, organisation=s.muni[0]).amount == Decimal("40000")
    assert AuditEvent.objects.filter(action="plans.costsplit.key_changed").count() == 2


def test_fixed_amounts_that_do_not_sum_to_the_budget_are_refused(s, client):
    split = s.split()
    client.force_login(s.lead)
    response = client.post(
        reverse("plans:costsplit_key", args=[split.pk]),
        {
            f"org_{s.muni[0].pk}": "50000",
            f"org_{s.muni[1].pk}": "30000",
            f"org_{s.muni[2].pk}": "19000",
            "change_decision": "Beslut",
        },
    )
    assert response.status_code == 400
    assert CostShare.objects.get(split=split, organisation=s.muni[2]).amount == Decimal("20000")


def test_a_member_joining_mid_period_pays_pro_rata(s):
    late = OrganisationFactory(name="Kommun D")
    ParticipationFactory(service=s.service, organisation=late, valid_from=dt.date(2012, 7, 1))
    split = services.split_create(
        actor=s.lead,
        data={
            "service": s.service,
            "name": "Lika delar",
            "period_start": dt.date(2012, 1, 1),
            "period_end": dt.date(2012, 12, 31),
            "budget": Decimal("100000.00"),
            "key": "equal",
            "rounding": "ore",
        },
    )
    shares = {
        c.organisation.name: (c.days, c.amount)
        for c in CostShare.objects.filter(split=split).select_related("organisation")
    }
    assert shares["Kommun D"][0] == 184
    assert shares["Kommun A"][0] == 366
    assert sum(a for _d, a in shares.values()) == Decimal("100000.00")
    assert shares["Kommun D"][1] == Decimal("14352.58")


# --- who sees what --------------------------------------------------------------------------
def test_members_see_the_plan_the_supplier_its_goals_outsiders_nothing(s, client):
    plan = s.webcare_plan(status="follow_up")
    split = s.split(open_to_members=False)
    assigned = Goal.objects.filter(plan=plan, assigned_organisation=s.supplier)
    assert ManagementPlan.objects.visible_to(s.member_a).count() == 1
    assert ManagementPlan.objects.visible_to(s.vendor).count() == 0
    assert set(Goal.objects.visible_to(s.vendor)) == set(assigned)
    assert CostSplit.objects.visible_to(s.vendor).count() == 0
    for user in (s.outsider,):
        assert ManagementPlan.objects.visible_to(user).count() == 0
        assert Goal.objects.visible_to(user).count() == 0
        assert CostShare.objects.visible_to(user).count() == 0
    # The supplier: its goals, no plan page, no split.
    client.force_login(s.vendor)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(split.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("plans:costsplit_invoice", args=[split.pk, "xlsx"])).status_code == 404
    )
    goals = client.get(reverse("plans:goal_list") + "?export=csv").content.decode("utf-8-sig")
    assert goals.count("\r\n") == assigned.count() + 1
    assert "Löpande förvaltningsstyrning" not in goals
    goal_page = client.get(assigned.first().get_absolute_url())
    assert goal_page.status_code == 200
    # A member: its own line and the totals; not the others' lines (not open).
    client.force_login(s.member_a)
    page = client.get(split.get_absolute_url()).content.decode()
    assert "Kommun A" in page and "Kommun B" not in page and "Kommun C" not in page
    assert f'id="shares-total">{money(100000)}<' in page
    wb = load_workbook(
        io.BytesIO(client.get(reverse("plans:costsplit_invoice", args=[split.pk, "xlsx"])).content)
    )
    assert wb.sheetnames == ["Sammanfattning", "Kommun A"]
    # Open to all members: every line.
    CostSplit.objects.filter(pk=split.pk).update(open_to_members=True)
    page = client.get(split.get_absolute_url()).content.decode()
    assert "Kommun B" in page and "Kommun C" in page
    # A member cannot change the key, and nothing changes.
    response = client.post(
        reverse("plans:costsplit_key", args=[split.pk]),
        {f"org_{s.muni[0].pk}": "1", "change_decision": "x"},
    )
    assert response.status_code == 403
    assert KeyValue.objects.get(split=split, organisation=s.muni[0]).value == Decimal("50000")
    # The outsider: nothing anywhere.
    client.force_login(s.outsider)
    for url in (
        plan.get_absolute_url(),
        split.get_absolute_url(),
        reverse("plans:followup", args=[plan.pk]),
        reverse("plans:managementplan_pdf", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (reverse("plans:managementplan_list"), reverse("plans:costsplit_list")):
        assert "WebCare" not in client.get(url + "?export=csv").content.decode("utf-8-sig")


def test_the_plan_is_decided_by_a_decision_of_a_body_the_user_sees(s, client):
    from forvalta.governance.models import Body, Decision

    def decision(body: Any, number: str) -> Any:
        return Decision.objects.create(
            body=body,
            year=2012,
            sequence=int(number[-1]),
            number=number,
            decided_on=dt.date(2012, 12, 10),
            kind="management_plan",
            title="Förvaltningsplan 2013 fastställs",
            text="Styrgruppen fastställer planen.",
            made_by="meeting",
            recorded_by=s.lead,
        )

    seen = decision(
        Body.objects.create(
            organisation=s.region, name="Styrgrupp", kind="steering_group", management_object=s.obj
        ),
        "2012:7",
    )
    other_obj = ManagementObjectFactory(owner_organisation=s.other, name="Annat")
    unseen = decision(
        Body.objects.create(
            organisation=s.other, name="Annat råd", kind="council", management_object=other_obj
        ),
        "2012:8",
    )
    plan = s.webcare_plan(status="aligned")
    client.force_login(s.lead)
    url = reverse("plans:managementplan_decide", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "2012:7" in page and "2012:8" not in page
    response = client.post(url, {"decision": unseen.pk, "decided_on": "2012-12-10"})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert (plan.status, plan.decision_id) == ("aligned", None)
    response = client.post(url, {"decision": seen.pk, "decided_on": "2012-12-10"})
    assert response.status_code == 302, response.context["form"].errors
    plan.refresh_from_db()
    assert (plan.status, plan.decision, plan.decision_reference) == (
        "decided",
        seen,
        "2012:7 Förvaltningsplan 2013 fastställs",
    )
    assert (
        "2012:7 Förvaltningsplan 2013 fastställs"
        in client.get(plan.get_absolute_url()).content.decode()
    )
