"""Reads for the plan pages and documents: the plan's tables grouped as 003 prints
them, the follow-up per goal, and a split's lines as the reader may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Sum

from forvalta.plans.calculations import Cell, PlanSums
from forvalta.plans.models import (
    CostShare,
    CostSplit,
    FollowUpEntry,
    Goal,
    GoalEffort,
    GoalKind,
    ManagementPlan,
    PlanActivity,
    ResourceGroup,
)

ZERO = Decimal(0)


@dataclass
class Column:
    kind: str
    kind_label: str
    group: ResourceGroup

    @property
    def label(self) -> str:
        return f"{self.kind.upper()} {self.group.name}"


@dataclass
class ActivityBlock:
    activity: PlanActivity
    goals: list[dict[str, Any]] = field(default_factory=list)
    by_kind: dict[str, dict[int, Cell]] = field(default_factory=dict)


@dataclass
class PlanTables:
    plan: ManagementPlan
    groups: list[ResourceGroup]
    columns: list[Column]
    blocks: list[ActivityBlock]
    sums: PlanSums

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = []
        for block in self.blocks:
            a = block.activity.pk
            rows.append(
                {
                    "name": block.activity.name,
                    "cells": [self.sums.total(a, c.kind, c.group.pk) for c in self.columns],
                    "total": self.sums.total(a),
                    "fte": [self.sums.fte(a, c.kind, c.group.pk) for c in self.columns],
                    "fte_total": self.sums.fte(a),
                }
            )
        return rows

    def column_totals(self) -> list[Cell]:
        return [self.sums.total(None, c.kind, c.group.pk) for c in self.columns]

    def column_fte(self) -> list[Decimal]:
        return [self.sums.fte(None, c.kind, c.group.pk) for c in self.columns]


def plan_tables(plan: ManagementPlan, user: Any) -> PlanTables:
    groups = list(ResourceGroup.objects.visible_to(user).filter(plan=plan))
    activities = list(PlanActivity.objects.visible_to(user).filter(plan=plan))
    goals = list(
        Goal.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("activity", "assigned_organisation")
        .prefetch_related(
            Prefetch("efforts", queryset=GoalEffort.objects.select_related("resource_group")),
            "needs",
        )
    )
    sums = PlanSums(working_days=plan.working_days_per_year)
    blocks = {a.pk: ActivityBlock(a) for a in activities}
    for goal in goals:
        efforts = {e.resource_group_id: e for e in goal.efforts.all()}
        block = blocks[goal.activity_id]
        block.goals.append({"goal": goal, "efforts": [efforts.get(g.pk) for g in groups]})
        for effort in efforts.values():
            sums.add(
                goal.activity_id,
                goal.kind,
                effort.resource_group_id,
                effort.person_days,
                effort.amount,
            )
            cell = block.by_kind.setdefault(goal.kind, {}).setdefault(
                effort.resource_group_id, Cell()
            )
            cell.add(effort.person_days, effort.amount)
    kinds = list(GoalKind)
    columns = [Column(k.value, str(k.label), g) for g in groups for k in kinds]
    for block in blocks.values():
        block.kind_rows = [  # type: ignore[attr-defined]  # built for the template
            {
                "kind": k,
                "cells": [block.by_kind.get(k.value, {}).get(g.pk, Cell()) for g in groups],
            }
            for k in kinds
        ]
        block.totals = [  # type: ignore[attr-defined]  # built for the template
            sums.total(block.activity.pk, None, g.pk) for g in groups
        ]
    return PlanTables(plan, groups, columns, list(blocks.values()), sums)


def follow_up_rows(plan: ManagementPlan, user: Any) -> list[dict[str, Any]]:
    """Per goal: planned and actual person-days and kronor, and the difference."""
    goals = list(
        Goal.objects.visible_to(user)
        .filter(plan=plan)
        .select_related("activity")
        .prefetch_related(
            Prefetch("efforts", queryset=GoalEffort.objects.select_related("resource_group")),
            Prefetch("follow_ups", queryset=FollowUpEntry.objects.select_related("resource_group")),
        )
    )
    rows = []
    for goal in goals:
        planned_days = sum((e.person_days for e in goal.efforts.all()), ZERO)
        planned = sum((e.amount for e in goal.efforts.all()), ZERO)
        actual_days = sum((f.actual_days for f in goal.follow_ups.all()), ZERO)
        actual = sum((f.amount for f in goal.follow_ups.all()), ZERO)
        rows.append(
            {
                "goal": goal,
                "activity": goal.activity.name,
                "kind": goal.get_kind_display(),
                "planned_days": planned_days,
                "actual_days": actual_days,
                "planned": planned,
                "actual": actual,
                "difference": actual - planned,
                "entries": list(goal.follow_ups.all()),
            }
        )
    return rows


def follow_up_totals(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The follow-up rows summed by "activity" or "kind"."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        t = totals.setdefault(
            row[key],
            {
                "name": row[key],
                "planned_days": ZERO,
                "actual_days": ZERO,
                "planned": ZERO,
                "actual": ZERO,
            },
        )
        for f in ("planned_days", "actual_days", "planned", "actual"):
            t[f] += row[f]
    for t in totals.values():
        t["difference"] = t["actual"] - t["planned"]
    return list(totals.values())


def split_lines(split: CostSplit, user: Any) -> tuple[list[CostShare], dict[str, Any]]:
    """The shares the reader sees, and the totals (which every reader of the split sees)."""
    lines = list(
        CostShare.objects.visible_to(user).filter(split=split).select_related("organisation")
    )
    totals = CostShare.objects.filter(
        split=split
    ).aggregate(  # scoping: allowed totals only, shown to every reader of the split
        amount=Sum("amount")
    )
    count = CostShare.objects.filter(split=split).count()  # scoping: allowed a count, as above
    return lines, {"amount": totals["amount"] or ZERO, "members": count}
