from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from forvalta.core.tables import BaseTable
from forvalta.plans.models import (
    CostSplit,
    Goal,
    ManagementPlan,
    MilestoneTemplate,
    SystemBudgetLine,
)


class PlanTable(BaseTable):
    name = tables.Column(linkify=True)
    target = tables.Column(
        empty_values=(), verbose_name=_("object or service"), orderable=False, linkify=True
    )

    class Meta(BaseTable.Meta):
        model = ManagementPlan
        fields = ("name", "target", "period_start", "period_end", "version", "status")


class GoalTable(BaseTable):
    text = tables.Column(linkify=True)
    plan = tables.Column(linkify=False, verbose_name=_("plan"))

    class Meta(BaseTable.Meta):
        model = Goal
        fields = ("text", "plan", "activity", "kind", "status")

    def render_plan(self, value: Any, record: Any) -> Any:
        """The plan's name to those who see the plan; otherwise its object or service
        and period (a supplier sees the goals assigned to it, not the plan)."""
        if getattr(record, "plan_seen", False):
            return str(value)
        target = value.management_object or value.service
        return f"{target} {value.period_start:%Y-%m-%d}–{value.period_end:%Y-%m-%d}"

    def value_plan(self, value: Any, record: Any) -> Any:
        return self.render_plan(value, record)


class CostSplitTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CostSplit
        fields = ("name", "service", "period_start", "period_end", "budget", "key")


class BudgetLineTable(BaseTable):
    heading = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SystemBudgetLine
        fields = ("system", "year", "heading", "planned", "actual", "agreement", "note")


class MilestoneTemplateTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = MilestoneTemplate
        fields = ("organisation", "order", "name", "kind", "month", "day", "role_type")
