from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from forvalta.core.filters import SearchFilterSet
from forvalta.plans.models import (
    BudgetHeading,
    CostSplit,
    Goal,
    GoalKind,
    GoalStatus,
    KeyKind,
    ManagementPlan,
    PlanStatus,
    SystemBudgetLine,
)


class PlanFilterSet(SearchFilterSet):
    search_fields = ("name",)
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("status"))

    class Meta:
        model = ManagementPlan
        fields = ["q", "status"]


class GoalFilterSet(SearchFilterSet):
    search_fields = ("text",)
    kind = django_filters.ChoiceFilter(choices=GoalKind.choices, label=_("maintain or develop"))
    status = django_filters.ChoiceFilter(choices=GoalStatus.choices, label=_("follow-up status"))

    class Meta:
        model = Goal
        fields = ["q", "kind", "status"]


class CostSplitFilterSet(SearchFilterSet):
    search_fields = ("name",)
    key = django_filters.ChoiceFilter(choices=KeyKind.choices, label=_("key"))

    class Meta:
        model = CostSplit
        fields = ["q", "key"]


class BudgetLineFilterSet(SearchFilterSet):
    search_fields = ("note", "system__name")
    heading = django_filters.ChoiceFilter(choices=BudgetHeading.choices, label=_("heading"))

    class Meta:
        model = SystemBudgetLine
        fields = ["q", "heading", "year"]
