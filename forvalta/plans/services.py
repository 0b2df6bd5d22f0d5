"""Every write of plans and cost splits: checks the rule, refuses a change of a decided
plan or an undecided key change with a message (changing nothing), saves, and records
the audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, record, snapshot
from forvalta.core.models import today
from forvalta.core.services import model_create, model_delete, model_update, perm_name
from forvalta.core.tenancy import forget_scope
from forvalta.plans import calculations
from forvalta.plans.models import (
    DEFAULT_ACTIVITIES,
    DEFAULT_CALENDAR,
    DEFAULT_DAY_RATE,
    DEFAULT_RESOURCE_GROUPS,
    VALUE_KEYS,
    CostShare,
    CostSplit,
    FollowUpEntry,
    Goal,
    GoalEffort,
    KeyKind,
    KeyValue,
    ManagementPlan,
    MilestoneTemplate,
    PlanActivity,
    PlanMilestone,
    PlanNeed,
    PlanningSettings,
    PlanStatus,
    ResourceGroup,
    SystemBudgetLine,
)
from forvalta.plans.templatetags.plan_format import money_text, number_text
from forvalta.register.models import Participation, ParticipationStatus, RoleType
from forvalta.workflow import engine

M = TypeVar("M", bound=models.Model)


def locked_message() -> str:
    return _(
        "The plan is decided and locked. Make a new version of it to change it; the "
        "decided version stays as it is."
    )


def _refuse(actor: Any, obj: Any, verb: str) -> None:
    forget_scope(actor)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and getattr(obj, "pk", None) else None,
        object_type=object_type_of(obj) if obj is not None else "plans",
        object_repr=str(obj)[:300] if obj is not None else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def _lock_plan(plan_id: int) -> ManagementPlan:
    """The plan's row, locked until the transaction ends; refused when decided."""
    plan = (
        # scoping: allowed the caller fetched the plan (or its part) through visible_to
        ManagementPlan.objects.select_for_update().get(pk=plan_id)
    )
    if plan.is_locked:
        raise ValidationError(locked_message())
    return plan


def _plan_id_of(model: type[models.Model], data: dict[str, Any], instance: Any) -> int:
    if instance is not None:
        if isinstance(instance, GoalEffort | FollowUpEntry):
            return int(instance.goal.plan_id)
        return int(instance.plan_id)
    if "plan" in data:
        return int(data["plan"].pk)
    return int(data["goal"].plan_id)


# --- settings -----------------------------------------------------------------------------
def settings_for(organisation: Any) -> PlanningSettings:
    """The organisation's planning settings (the defaults when it has none)."""
    found = PlanningSettings.objects.filter(organisation=organisation).first()
    return found or PlanningSettings(organisation=organisation)


def settings_save(*, actor: Any, organisation: Any, data: dict[str, Any]) -> PlanningSettings:
    existing = PlanningSettings.objects.filter(organisation=organisation).first()
    if existing is None:
        return model_create(
            actor=actor, model=PlanningSettings, data={"organisation": organisation, **data}
        )
    return model_update(actor=actor, instance=existing, data=data)


def milestone_template_create(*, actor: Any, data: dict[str, Any]) -> Any:
    return model_create(actor=actor, model=MilestoneTemplate, data=data)


def milestone_template_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def milestone_template_delete(*, actor: Any, instance: Any) -> None:
    model_delete(actor=actor, instance=instance)


def calendar_for(organisation: Any) -> list[tuple[str, str, int, int, RoleType | None]]:
    """The organisation's goal-setting calendar, or 003 4.1's when it has none."""
    own = list(
        MilestoneTemplate.objects.filter(organisation=organisation).select_related("role_type")
    )
    if own:
        return [(m.kind, m.name, m.month, m.day, m.role_type) for m in own]
    roles = {r.code: r for r in RoleType.objects.filter(code__in={c[4] for c in DEFAULT_CALENDAR})}
    return [
        (kind, name, month, day, roles.get(code))
        for kind, name, month, day, code in DEFAULT_CALENDAR
    ]


def _calendar_date(period_start: dt.date, month: int, day: int) -> dt.date:
    """The milestone's date in the year before the period (or in the period's own year
    when the period starts late enough that the date falls before it)."""
    candidate = dt.date(period_start.year, month, day)
    if candidate >= period_start:
        candidate = dt.date(period_start.year - 1, month, day)
    return candidate


# --- plans --------------------------------------------------------------------------------
PLAN_FIELDS = (
    "management_object",
    "service",
    "name",
    "period_start",
    "period_end",
    "purpose",
    "current_state",
    "overall_goal",
    "working_days_per_year",
)


def plan_create(*, actor: Any, data: dict[str, Any]) -> ManagementPlan:
    """A draft plan with the organisation's activities, resource groups and calendar."""
    plan = ManagementPlan(**{k: v for k, v in data.items() if k in PLAN_FIELDS})
    target = plan.management_object or plan.service
    if target is not None and not data.get("working_days_per_year"):
        plan.working_days_per_year = settings_for(target.owner_organisation).working_days_per_year
    plan.full_clean()
    if not actor.has_perm("plans.add_managementplan", plan):
        _refuse(actor, None, "create")
    with transaction.atomic():
        plan.save()
        conf = settings_for(plan.organisation)
        activities = conf.activity_names() or list(DEFAULT_ACTIVITIES)
        PlanActivity.objects.bulk_create(
            [PlanActivity(plan=plan, order=i, name=name) for i, name in enumerate(activities, 1)]
        )
        groups = conf.group_names() or list(DEFAULT_RESOURCE_GROUPS)
        ResourceGroup.objects.bulk_create(
            [
                ResourceGroup(
                    plan=plan, order=i, name=name, day_rate=conf.day_rate or DEFAULT_DAY_RATE
                )
                for i, name in enumerate(groups, 1)
            ]
        )
        PlanMilestone.objects.bulk_create(
            [
                PlanMilestone(
                    plan=plan,
                    order=i,
                    kind=kind,
                    name=name,
                    due_on=_calendar_date(plan.period_start, month, day),
                    role_type=role,
                )
                for i, (kind, name, month, day, role) in enumerate(
                    calendar_for(plan.organisation), 1
                )
            ]
        )
        record(
            actor=actor,
            action="plans.managementplan.created",
            obj=plan,
            changes=diff({}, snapshot(plan)),
        )
    forget_scope(actor)
    return plan


def plan_update(*, actor: Any, instance: ManagementPlan, data: dict[str, Any]) -> ManagementPlan:
    if not actor.has_perm("plans.change_managementplan", instance):
        _refuse(actor, instance, "update")
    with transaction.atomic():
        _lock_plan(instance.pk)
        return model_update(
            actor=actor,
            instance=instance,
            data={
                k: v
                for k, v in data.items()
                if k in PLAN_FIELDS and not (k == "working_days_per_year" and v is None)
            },
        )


def plan_delete(*, actor: Any, instance: ManagementPlan) -> None:
    if not actor.has_perm("plans.delete_managementplan", instance):
        _refuse(actor, instance, "delete")
    if instance.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be deleted."))
    model_delete(actor=actor, instance=instance)


# --- parts of a plan (needs, activities, resource groups, goals, milestones) ---------------
def part_create(model: type[M]) -> Callable[..., M]:
    def create(*, actor: Any, data: dict[str, Any]) -> M:
        probe = model(**{k: v for k, v in data.items() if k not in _m2m(model)})
        if not actor.has_perm(perm_name(model, "add"), probe):
            _refuse(actor, None, "create")
        with transaction.atomic():
            _lock_plan(_plan_id_of(model, data, None))
            return model_create(actor=actor, model=model, data=data)

    return create


def part_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    if not actor.has_perm(perm_name(type(instance), "change"), instance):
        _refuse(actor, instance, "update")
    with transaction.atomic():
        _lock_plan(_plan_id_of(type(instance), data, instance))
        return model_update(actor=actor, instance=instance, data=data)


def part_delete(*, actor: Any, instance: Any) -> None:
    if not actor.has_perm(perm_name(type(instance), "delete"), instance):
        _refuse(actor, instance, "delete")
    with transaction.atomic():
        _lock_plan(_plan_id_of(type(instance), {}, instance))
        model_delete(actor=actor, instance=instance)


def _m2m(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.many_to_many}


need_create = part_create(PlanNeed)
activity_create = part_create(PlanActivity)
group_create = part_create(ResourceGroup)
milestone_create = part_create(PlanMilestone)


def goal_save(
    *,
    actor: Any,
    data: dict[str, Any],
    efforts: dict[int, tuple[Decimal, Decimal]],
    instance: Goal | None = None,
) -> Goal:
    """Create or change a goal with its person-days and fixed costs per resource group
    ({group id: (person-days, fixed costs)})."""
    plan = instance.plan if instance is not None else data["plan"]
    if not actor.has_perm("plans.change_managementplan", plan):
        _refuse(actor, instance if instance is not None else plan, "update")
    groups = {g.pk: g for g in ResourceGroup.objects.filter(plan=plan)}
    unknown = set(efforts) - set(groups)
    if unknown:
        raise ValidationError(_("A resource group belongs to another plan."))
    for days, fixed in efforts.values():
        if days < 0 or fixed < 0:
            raise ValidationError(_("Person-days and costs cannot be negative."))
    with transaction.atomic():
        _lock_plan(plan.pk)
        if instance is None:
            goal = model_create(actor=actor, model=Goal, data=data)
        else:
            goal = model_update(
                actor=actor, instance=instance, data={k: v for k, v in data.items() if k != "plan"}
            )
        before = {
            e.resource_group_id: (e.person_days, e.fixed_cost)
            for e in GoalEffort.objects.filter(goal=goal)
        }
        changes: dict[str, list[Any]] = {}
        for group_id, (days, fixed) in efforts.items():
            old = before.get(group_id, (Decimal(0), Decimal(0)))
            if old == (days, fixed):
                continue
            GoalEffort.objects.update_or_create(
                goal=goal,
                resource_group_id=group_id,
                defaults={"person_days": days, "fixed_cost": fixed},
            )
            name = groups[group_id].name
            changes[f"{name}: person_days"] = [str(old[0]), str(days)]
            changes[f"{name}: fixed_cost"] = [str(old[1]), str(fixed)]
        if changes:
            record(actor=actor, action="plans.goal.efforts_changed", obj=goal, changes=changes)
    return goal


# --- sums ---------------------------------------------------------------------------------
def plan_sums(plan: ManagementPlan, goals: list[Goal] | None = None) -> calculations.PlanSums:
    """The plan's sums per activity, VM/VU and resource group (read through the rows the
    caller gives, or all the plan's goals)."""
    sums = calculations.PlanSums(working_days=plan.working_days_per_year)
    if goals is None:
        goals = list(
            Goal.objects.filter(plan=plan)  # scoping: allowed sums of a plan already seen
            .select_related("activity")
            .prefetch_related("efforts__resource_group")
        )
    for goal in goals:
        for effort in goal.efforts.all():  # type: ignore[attr-defined]  # reverse relation
            sums.add(
                goal.activity_id,
                goal.kind,
                effort.resource_group_id,
                effort.person_days,
                effort.amount,
            )
    return sums


# --- the decision and versions ------------------------------------------------------------
def plan_decide(*, actor: Any, plan: ManagementPlan, data: dict[str, Any]) -> ManagementPlan:
    """Record the decision (a reference, or the object owner and the management lead by
    name, 000 4.1.1) and take the "decide" transition, in one transaction."""
    if not actor.has_perm("plans.decide_managementplan", plan):
        _refuse(actor, plan, "decide")
    decision = data.get("decision")
    reference = (data.get("decision_reference") or "").strip()
    if not reference and decision is not None:
        reference = str(decision)[:200]
    if not reference:
        raise ValidationError({"decision_reference": _("Give the decision's reference.")})
    decided_on = data.get("decided_on") or (decision.decided_on if decision else None) or today()
    with transaction.atomic():
        ManagementPlan.objects.filter(
            pk=plan.pk
        ).update(  # scoping: allowed the plan was fetched through visible_to
            decision=decision,
            decision_reference=reference,
            decision_url=data.get("decision_url") or "",
            decided_on=decided_on,
            decided_by_owner=data.get("decided_by_owner") or "",
            decided_by_lead=data.get("decided_by_lead") or "",
            decision_recorded_by=actor,
            decision_recorded_at=timezone.now(),
        )
        engine.take(
            plan,
            "decide",
            actor=actor,
            decision_reference=reference,
            comment=data.get("comment") or "",
        )
    plan.refresh_from_db()
    return plan


COPY_PLAN_FIELDS = (
    "organisation",
    "management_object",
    "service",
    "name",
    "period_start",
    "period_end",
    "purpose",
    "current_state",
    "overall_goal",
    "working_days_per_year",
)


def plan_new_version(*, actor: Any, plan: ManagementPlan, reason: str) -> ManagementPlan:
    """A draft copy of a decided plan (needs, activities, resource groups, goals with
    their efforts, milestones), to change and decide again."""
    if not actor.has_perm("plans.change_managementplan", plan):
        _refuse(actor, plan, "new_version")
    if not plan.is_locked:
        raise ValidationError(_("Only a decided plan gets a new version; change this one."))
    if not reason.strip():
        raise ValidationError({"change_reason": _("Say why the plan is changed.")})
    with transaction.atomic():
        # scoping: allowed counts the versions of a plan the actor sees
        if ManagementPlan.objects.filter(previous_version=plan).exists():
            raise ValidationError(_("This version already has a newer version."))
        copy = ManagementPlan(
            **{f: getattr(plan, f) for f in COPY_PLAN_FIELDS},
            version=plan.version + 1,
            previous_version=plan,
            change_reason=reason.strip(),
        )
        copy.save()
        needs: dict[int, PlanNeed] = {}
        for need in plan.needs.all():  # type: ignore[attr-defined]  # reverse relation
            needs[need.pk] = PlanNeed.objects.create(
                plan=copy,
                number=need.number,
                title=need.title,
                description=need.description,
                in_plan=need.in_plan,
            )
        activities: dict[int, PlanActivity] = {}
        for activity in plan.activities.all():  # type: ignore[attr-defined]  # reverse relation
            activities[activity.pk] = PlanActivity.objects.create(
                plan=copy,
                order=activity.order,
                name=activity.name,
                overall_goal=activity.overall_goal,
            )
        groups: dict[int, ResourceGroup] = {}
        for group in plan.resource_groups.all():  # type: ignore[attr-defined]  # reverse relation
            groups[group.pk] = ResourceGroup.objects.create(
                plan=copy, order=group.order, name=group.name, day_rate=group.day_rate
            )
        for goal in plan.goals.prefetch_related("needs", "efforts"):  # type: ignore[attr-defined]  # reverse relation
            new = Goal.objects.create(
                plan=copy,
                activity=activities[goal.activity_id],
                order=goal.order,
                text=goal.text,
                kind=goal.kind,
                assigned_organisation=goal.assigned_organisation,
            )
            new.needs.set([needs[n.pk] for n in goal.needs.all()])
            GoalEffort.objects.bulk_create(
                [
                    GoalEffort(
                        goal=new,
                        resource_group=groups[e.resource_group_id],
                        person_days=e.person_days,
                        fixed_cost=e.fixed_cost,
                    )
                    for e in goal.efforts.all()
                ]
            )
        PlanMilestone.objects.bulk_create(
            [
                PlanMilestone(
                    plan=copy,
                    order=m.order,
                    kind=m.kind,
                    name=m.name,
                    due_on=m.due_on,
                    role_type=m.role_type,
                    done_on=m.done_on,
                )
                for m in plan.milestones.all()  # type: ignore[attr-defined]  # reverse relation
            ]
        )
        record(
            actor=actor,
            action="plans.managementplan.new_version",
            obj=copy,
            changes={"previous_version": [None, plan.pk], "version": [None, copy.version]},
            reason=reason.strip()[:500],
        )
    return copy


def plan_difference(old: ManagementPlan, new: ManagementPlan) -> dict[str, Any]:
    """What changed from one version to the next: goals added, removed and changed
    (matched by activity and text), and the totals before and after."""

    def goals_of(plan: ManagementPlan) -> dict[tuple[str, str], dict[str, Any]]:
        result = {}
        for goal in (
            Goal.objects.filter(plan=plan)  # scoping: allowed both versions are seen by the caller
            .select_related("activity")
            .prefetch_related("efforts__resource_group")
        ):
            efforts = {
                e.resource_group.name: (e.person_days, e.fixed_cost) for e in goal.efforts.all()
            }
            result[(goal.activity.name, goal.text.strip())] = {
                "goal": goal,
                "kind": goal.get_kind_display(),
                "efforts": efforts,
                "amount": sum((e.amount for e in goal.efforts.all()), Decimal(0)),
            }
        return result

    before, after = goals_of(old), goals_of(new)
    changed = []
    for key in sorted(set(before) & set(after)):
        a, b = before[key], after[key]
        lines = []
        if a["kind"] != b["kind"]:
            lines.append((_("maintain or develop"), a["kind"], b["kind"]))
        for group in sorted(set(a["efforts"]) | set(b["efforts"])):
            old_days, old_fixed = a["efforts"].get(group, (Decimal(0), Decimal(0)))
            new_days, new_fixed = b["efforts"].get(group, (Decimal(0), Decimal(0)))
            if old_days != new_days:
                lines.append(
                    (
                        _("%(group)s: person-days") % {"group": group},
                        number_text(old_days),
                        number_text(new_days),
                    )
                )
            if old_fixed != new_fixed:
                lines.append(
                    (
                        _("%(group)s: fixed costs") % {"group": group},
                        money_text(old_fixed),
                        money_text(new_fixed),
                    )
                )
        if lines:
            changed.append({"activity": key[0], "text": key[1], "lines": lines})
    old_total = plan_sums(old).total()
    new_total = plan_sums(new).total()
    return {
        "added": [after[k] | {"activity": k[0]} for k in sorted(set(after) - set(before))],
        "removed": [before[k] | {"activity": k[0]} for k in sorted(set(before) - set(after))],
        "changed": changed,
        "old_total": old_total,
        "new_total": new_total,
    }


# --- milestones and follow-up -------------------------------------------------------------
def milestone_done(
    *, actor: Any, milestone: PlanMilestone, done_on: dt.date | None
) -> PlanMilestone:
    if not actor.has_perm("plans.change_planmilestone", milestone):
        _refuse(actor, milestone, "done")
    with transaction.atomic():
        fresh = PlanMilestone.objects.select_for_update().get(
            pk=milestone.pk
        )  # scoping: allowed fetched through visible_to
        before = snapshot(fresh)
        fresh.done_on = done_on
        fresh.save()
        changes = diff(before, snapshot(fresh))
        if changes:
            record(actor=actor, action="plans.planmilestone.updated", obj=fresh, changes=changes)
    return fresh


def _follow_up_open(plan: ManagementPlan) -> None:
    if plan.status not in (PlanStatus.DECIDED, PlanStatus.FOLLOW_UP):
        raise ValidationError(_("Outcomes are entered for a decided plan or one in follow-up."))


def follow_up_record(*, actor: Any, data: dict[str, Any]) -> FollowUpEntry:
    """Enter (or correct) a goal's actual person-days and costs for a month."""
    goal: Goal = data["goal"]
    if not actor.has_perm("plans.followup_managementplan", goal.plan):
        _refuse(actor, goal, "follow_up")
    _follow_up_open(goal.plan)
    group = data["resource_group"]
    if group.plan_id != goal.plan_id:
        raise ValidationError({"resource_group": _("The resource group belongs to another plan.")})
    month = data["month"].replace(day=1)
    with transaction.atomic():
        entry = FollowUpEntry.objects.filter(
            goal=goal, month=month, resource_group=group
        ).first()  # scoping: allowed the goal was fetched through visible_to
        before = snapshot(entry) if entry is not None else {}
        if entry is None:
            entry = FollowUpEntry(goal=goal, month=month, resource_group=group)
        entry.actual_days = data.get("actual_days") or Decimal(0)
        entry.actual_cost = data.get("actual_cost") or Decimal(0)
        entry.note = data.get("note") or ""
        entry.full_clean()
        entry.save()
        record(
            actor=actor,
            action="plans.followupentry.recorded",
            obj=entry,
            changes=diff(before, snapshot(entry)),
        )
    return entry


def goal_follow_up(*, actor: Any, goal: Goal, status: str, comment: str) -> Goal:
    if not actor.has_perm("plans.followup_managementplan", goal.plan):
        _refuse(actor, goal, "follow_up")
    _follow_up_open(goal.plan)
    with transaction.atomic():
        fresh = Goal.objects.select_for_update().get(
            pk=goal.pk
        )  # scoping: allowed fetched through visible_to
        before = snapshot(fresh, ["status", "follow_up_comment"])
        fresh.status = status
        fresh.follow_up_comment = comment
        fresh.full_clean()
        fresh.save(update_fields=["status", "follow_up_comment"])
        changes = diff(before, snapshot(fresh, ["status", "follow_up_comment"]))
        if changes:
            record(actor=actor, action="plans.goal.followed_up", obj=fresh, changes=changes)
    return fresh


# --- cost splits --------------------------------------------------------------------------
SPLIT_FIELDS = (
    "service",
    "plan",
    "name",
    "period_start",
    "period_end",
    "budget",
    "key",
    "base_percent",
    "rounding",
    "open_to_members",
    "decision",
    "decision_reference",
    "decision_url",
)
KEY_FIELDS = ("key", "base_percent")


def key_change_refused() -> ValidationError:
    return ValidationError(
        {"change_decision": _("A change of the key needs a decision: give its reference.")}
    )


def split_create(*, actor: Any, data: dict[str, Any]) -> CostSplit:
    split = CostSplit(**{k: v for k, v in data.items() if k in SPLIT_FIELDS})
    split.full_clean()
    if not actor.has_perm("plans.add_costsplit", split):
        _refuse(actor, None, "create")
    with transaction.atomic():
        split.save()
        record(
            actor=actor,
            action="plans.costsplit.created",
            obj=split,
            changes=diff({}, snapshot(split)),
        )
        if split.key not in VALUE_KEYS:
            _calculate(split)
    forget_scope(actor)
    return split


def split_update(*, actor: Any, instance: CostSplit, data: dict[str, Any]) -> CostSplit:
    """Change a split; a change of its key needs a decision (`change_decision`), or
    nothing changes."""
    if not actor.has_perm("plans.change_costsplit", instance):
        _refuse(actor, instance, "update")
    decision = (data.get("change_decision") or "").strip()
    with transaction.atomic():
        fresh = CostSplit.objects.select_for_update().get(
            pk=instance.pk
        )  # scoping: allowed fetched through visible_to
        before = snapshot(fresh)
        key_changed = any(k in data and data[k] != getattr(fresh, k) for k in KEY_FIELDS)
        new_decision = data.get("decision")
        if not decision and new_decision is not None and new_decision.pk != fresh.decision_id:
            decision = str(new_decision)[:200]
        if key_changed and not decision:
            raise key_change_refused()
        for name in SPLIT_FIELDS:
            if name in data and name != "service":
                setattr(fresh, name, data[name])
        if key_changed:
            fresh.decision_reference = decision
        fresh.full_clean()
        fresh.save()
        changes = diff(before, snapshot(fresh))
        if changes:
            record(
                actor=actor,
                action="plans.costsplit.updated",
                obj=fresh,
                changes=changes,
                reason=decision[:500],
            )
        _calculate(fresh, required=False)
    return fresh


def key_values_set(
    *,
    actor: Any,
    split: CostSplit,
    values: dict[int, Decimal | None],
    change_decision: str = "",
    decision: Any = None,
) -> CostSplit:
    """Set the members' key values ({organisation id: value, None to remove}). Once the
    key has values, changing them needs a decision; the shares are recalculated."""
    if not actor.has_perm("plans.change_costsplit", split):
        _refuse(actor, split, "key_values")
    reference = change_decision.strip() or (str(decision)[:200] if decision is not None else "")
    with transaction.atomic():
        fresh = CostSplit.objects.select_for_update().get(
            pk=split.pk
        )  # scoping: allowed fetched through visible_to
        current = {
            kv.organisation_id: kv.value for kv in KeyValue.objects.filter(split=fresh)
        }  # scoping: allowed the split's own key, written by its manager
        wanted = {org: v for org, v in values.items() if v is not None}
        for value in wanted.values():
            if value < 0:
                raise ValidationError(_("A key value cannot be negative."))
        if wanted == current:
            return fresh
        if current and not reference:
            raise key_change_refused()
        if fresh.key == KeyKind.FIXED and sum(wanted.values(), Decimal(0)) != fresh.budget:
            raise ValidationError(
                _(
                    "The fixed amounts sum to %(sum)s but the budget is %(budget)s: they "
                    "must be equal."
                )
                % {"sum": sum(wanted.values(), Decimal(0)), "budget": fresh.budget}
            )
        KeyValue.objects.filter(split=fresh).exclude(
            organisation_id__in=list(wanted)
        ).delete()  # scoping: allowed as above
        for org, value in wanted.items():
            KeyValue.objects.update_or_create(
                split=fresh, organisation_id=org, defaults={"value": value}
            )  # scoping: allowed as above
        if reference:
            fresh.decision_reference = reference
            if decision is not None:
                fresh.decision = decision
            fresh.save(update_fields=["decision_reference", "decision"])
        record(
            actor=actor,
            action="plans.costsplit.key_changed",
            obj=fresh,
            changes={
                "key_values": [
                    {str(k): str(v) for k, v in sorted(current.items())},
                    {str(k): str(v) for k, v in sorted(wanted.items())},
                ]
            },
            reason=reference[:500],
        )
        _calculate(fresh)
    return fresh


def members_of(split: CostSplit) -> list[calculations.Member]:
    """The organisations taking part in the split's service during its period (not the
    owner, not one that only applied), with their days and key values, by name."""
    participations = (
        Participation.objects.filter(  # scoping: allowed the members of a split its reader sees
            service_id=split.service_id, valid_from__lte=split.period_end
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=split.period_start))
        .exclude(status=ParticipationStatus.APPLIED)
        .exclude(organisation_id=split.organisation_id)
        .select_related("organisation")
        .order_by("organisation__name", "valid_from")
    )
    periods: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    names: dict[int, str] = {}
    for p in participations:
        periods.setdefault(p.organisation_id, []).append((p.valid_from, p.valid_to))
        names[p.organisation_id] = p.organisation.name
    values = dict(
        KeyValue.objects.filter(split=split).values_list("organisation_id", "value")
    )  # scoping: allowed as above
    return [
        calculations.Member(
            key=org,
            days=calculations.participation_days(
                periods[org], split.period_start, split.period_end
            ),
            value=values.get(org),
        )
        for org in sorted(periods, key=lambda o: (names[o], o))
    ]


def _calculate(split: CostSplit, required: bool = True) -> None:
    members = members_of(split)
    try:
        shares = calculations.split_budget(
            split.budget,
            members,
            key=split.key,
            period_days=calculations.days_between(split.period_start, split.period_end),
            unit=split.unit,
            base_percent=split.base_percent,
        )
    except ValidationError:
        if required:
            raise
        CostShare.objects.filter(split=split).delete()  # scoping: allowed recalculation
        return
    CostShare.objects.filter(split=split).delete()  # scoping: allowed recalculation
    CostShare.objects.bulk_create(
        [
            CostShare(
                split=split,
                organisation_id=int(m.key),  # type: ignore[call-overload]  # organisation ids
                days=m.days,
                key_value=m.value,
                amount=shares[m.key],
            )
            for m in members
        ]
    )
    CostSplit.objects.filter(pk=split.pk).update(
        calculated_at=timezone.now()
    )  # scoping: allowed as above


def split_calculate(*, actor: Any, split: CostSplit) -> CostSplit:
    """Calculate the shares again (after participations changed)."""
    if not actor.has_perm("plans.change_costsplit", split):
        _refuse(actor, split, "calculate")
    with transaction.atomic():
        _calculate(split)
        record(
            actor=actor,
            action="plans.costsplit.calculated",
            obj=split,
            changes={
                "members": [None, CostShare.objects.filter(split=split).count()]
            },  # scoping: allowed as above
        )
    split.refresh_from_db()
    return split


# --- the system owner's budget ------------------------------------------------------------
def budget_line_create(*, actor: Any, data: dict[str, Any]) -> SystemBudgetLine:
    return model_create(actor=actor, model=SystemBudgetLine, data=data)


def budget_line_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def budget_line_delete(*, actor: Any, instance: Any) -> None:
    model_delete(actor=actor, instance=instance)
