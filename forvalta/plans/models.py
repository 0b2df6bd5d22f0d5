"""The annual management plan (förvaltningsplan), its goal-setting calendar, its
follow-up, and the budget that the members of a shared service finance (seed 003:
the WebCare plan for 2012 and its appendix "Budget 2012-2014"; seed 000 4.1.1, 4.2.1,
4.3.1; seed 001: the system owner's budget headings).

- A plan is made per management object or service and period, with numbered problems
  and needs, goals grouped by management activity, each goal maintain (VM) or develop
  (VU) with person-days per resource group at the group's day rate and fixed costs.
- Its workflow (workflows.py): draft -> proposed -> aligned -> decided -> in follow-up ->
  closed. A decided plan is locked; a change makes a new version.
- A cost split shares a budget among the members of a service (Participation) by a key,
  rounded with the largest-remainder method (calculations.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import HttpsURLField, Organisation
from forvalta.core.scoping import ScopedQuerySet
from forvalta.register.models import Agreement, ManagementObject, RoleType, Service, System

ZERO = Decimal("0")

DEFAULT_ACTIVITIES = (
    "Förvaltningsstyrning",
    "Användarstöd",
    "Ändringshantering",
    "Daglig IT-drift och underhåll",
)
DEFAULT_RESOURCE_GROUPS = ("Verksamhetsnära", "IT-nära")
DEFAULT_DAY_RATE = Decimal("5600")
# 003's plan: 144 person-days of förvaltningsstyrning are 0.76 full-time equivalents.
DEFAULT_WORKING_DAYS = 190

PLAN_TARGET = Q(management_object__isnull=False, service__isnull=True) | Q(
    management_object__isnull=True, service__isnull=False
)


# --- settings per organisation ------------------------------------------------------------
class PlanningSettings(models.Model):
    """An organisation's defaults for new plans (activities, resource groups, day rate,
    working days per year)."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="planning_settings",
        verbose_name=_("organisation"),
    )
    activities = models.TextField(
        _("management activities"),
        default="\n".join(DEFAULT_ACTIVITIES),
        help_text=_("One per line, in the order of the plan."),
    )
    resource_groups = models.TextField(
        _("resource groups"),
        default="\n".join(DEFAULT_RESOURCE_GROUPS),
        help_text=_("One per line (e.g. business-side, IT-side, or roles)."),
    )
    day_rate = models.DecimalField(
        _("day rate (SEK)"),
        default=DEFAULT_DAY_RATE,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )
    working_days_per_year = models.PositiveIntegerField(
        _("working days per year"),
        default=DEFAULT_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("The person-days of one full-time equivalent."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("planning settings")
        verbose_name_plural = _("planning settings")

    def __str__(self) -> str:
        return str(_("Planning settings of %(org)s") % {"org": self.organisation})

    def get_absolute_url(self) -> str:
        return reverse("plans:planningsettings_edit", args=[self.pk])

    def activity_names(self) -> list[str]:
        return [line.strip() for line in self.activities.splitlines() if line.strip()]

    def group_names(self) -> list[str]:
        return [line.strip() for line in self.resource_groups.splitlines() if line.strip()]


class MilestoneKind(models.TextChoices):
    CURRENT_STATE = "current_state", _("Current state described")
    NEW_GOALS = "new_goals", _("New goals formulated")
    RESOURCES = "resources", _("Resources estimated")
    ALIGNMENT = "alignment", _("Aligned with the steering group")
    DECISION = "decision", _("Plan decided")
    OTHER = "other", _("Other")


# 003 4.1: the current state before the goals, new goals and resources in September,
# alignment with the steering group, the decision before the next period.
# (kind, name, month, day, responsible role code)
DEFAULT_CALENDAR: tuple[tuple[str, str, int, int, str], ...] = (
    ("current_state", "Nulägesbeskrivning klar", 8, 31, "management_lead"),
    ("new_goals", "Utformning av nya mål klar", 9, 30, "management_lead"),
    ("resources", "Resurser beräknade", 9, 30, "management_lead"),
    ("alignment", "Avstämning med styrgruppen", 10, 31, "management_lead"),
    ("decision", "Förvaltningsplanen fastställd", 12, 15, "object_owner"),
)


class MilestoneTemplate(models.Model):
    """One date of an organisation's goal-setting calendar, in the year before the
    plan's period starts."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="plan_milestone_templates",
        verbose_name=_("organisation"),
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.OTHER
    )
    name = models.CharField(_("milestone"), max_length=200)
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    role_type = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "order", "id"]
        verbose_name = _("calendar milestone")
        verbose_name_plural = _("goal-setting calendar")

    def __str__(self) -> str:
        return f"{self.day}/{self.month} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("plans:milestonetemplate_edit", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.month and self.day:
            try:
                dt.date(2023, self.month, self.day)  # a year without 29 February
            except ValueError:
                raise ValidationError({"day": _("There is no such day in that month.")}) from None


# --- the plan -----------------------------------------------------------------------------
class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PROPOSED = "proposed", _("proposed")
    ALIGNED = "aligned", _("aligned")
    DECIDED = "decided", _("decided")
    FOLLOW_UP = "follow_up", _("in follow-up")
    CLOSED = "closed", _("closed")


EDITABLE = (PlanStatus.DRAFT, PlanStatus.PROPOSED, PlanStatus.ALIGNED)
FOLLOWED_UP = (PlanStatus.DECIDED, PlanStatus.FOLLOW_UP)


class ManagementPlan(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="management_plans",
        verbose_name=_("owner organisation"),
        editable=False,
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="management_plans",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="management_plans",
        verbose_name=_("service"),
    )
    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
        editable=False,
    )
    change_reason = models.TextField(_("reason for the new version"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    purpose = models.TextField(_("purpose and target group"), blank=True)
    current_state = models.TextField(_("current state"), blank=True)
    overall_goal = models.TextField(_("overall goal"), blank=True)
    working_days_per_year = models.PositiveIntegerField(
        _("working days per year"),
        default=DEFAULT_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    # The decision: a body's decision (governance), or one recorded here by the object
    # owner and the management lead (000 4.1.1), with its reference.
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision of a body"),
    )
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)
    decision_url = HttpsURLField(_("decision (link)"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by_owner = models.CharField(_("decided by (object owner)"), max_length=200, blank=True)
    decided_by_lead = models.CharField(
        _("decided by (management lead)"), max_length=200, blank=True
    )
    decision_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision recorded by"),
        editable=False,
    )
    decision_recorded_at = models.DateTimeField(
        _("decision recorded"), null=True, blank=True, editable=False
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "name", "-version"]
        verbose_name = _("management plan")
        verbose_name_plural = _("management plans")
        constraints = [
            models.CheckConstraint(
                condition=PLAN_TARGET,
                name="management_plan_one_target",
                violation_error_message=_("Choose exactly one management object or service."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="management_plan_period",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        if self.version > 1:
            return f"{self.name} (v{self.version})"
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:managementplan_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | None:
        return self.management_object or self.service

    @property
    def is_locked(self) -> bool:
        return self.status not in EDITABLE

    @property
    def audit_organisation(self) -> Any:
        return self.organisation

    def clean(self) -> None:
        super().clean()
        target = self.management_object or self.service
        if target is not None:
            self.organisation = target.owner_organisation
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})


class PlanPart(models.Model):
    """A row of a plan (filed with the plan's organisation)."""

    class Meta:
        abstract = True

    @property
    def audit_organisation(self) -> Any:
        return self.plan.organisation  # type: ignore[attr-defined]  # every part has a plan

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()  # type: ignore[attr-defined]  # every part has a plan


class PlanNeed(PlanPart):
    """A numbered problem or need (003 4.1), linkable from goals."""

    plan = models.ForeignKey(
        ManagementPlan, on_delete=models.CASCADE, related_name="needs", verbose_name=_("plan")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("problem or need"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    in_plan = models.BooleanField(
        _("in this plan"), default=True, help_text=_("Otherwise noted but left for later.")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number", "id"]
        verbose_name = _("problem or need")
        verbose_name_plural = _("problems and needs")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="plan_need_number",
                violation_error_message=_("The plan already has a need with that number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PlanActivity(PlanPart):
    plan = models.ForeignKey(
        ManagementPlan, on_delete=models.CASCADE, related_name="activities", verbose_name=_("plan")
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    name = models.CharField(_("management activity"), max_length=200)
    overall_goal = models.TextField(_("overall goal"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("management activity")
        verbose_name_plural = _("management activities")

    def __str__(self) -> str:
        return self.name


class ResourceGroup(PlanPart):
    plan = models.ForeignKey(
        ManagementPlan,
        on_delete=models.CASCADE,
        related_name="resource_groups",
        verbose_name=_("plan"),
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    name = models.CharField(_("resource group"), max_length=200)
    day_rate = models.DecimalField(
        _("day rate (SEK)"),
        validators=[MinValueValidator(0)],
        default=DEFAULT_DAY_RATE,
        max_digits=14,
        decimal_places=2,
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("resource group")
        verbose_name_plural = _("resource groups")

    def __str__(self) -> str:
        return self.name


class GoalKind(models.TextChoices):
    MAINTAIN = "vm", _("maintain (VM)")
    DEVELOP = "vu", _("develop (VU)")


class GoalStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


class Goal(PlanPart):
    plan = models.ForeignKey(
        ManagementPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    activity = models.ForeignKey(
        PlanActivity,
        on_delete=models.PROTECT,
        related_name="goals",
        verbose_name=_("management activity"),
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    text = models.TextField(_("goal"))
    kind = models.CharField(
        _("maintain or develop"), max_length=2, choices=GoalKind.choices, default=GoalKind.MAINTAIN
    )
    needs = models.ManyToManyField(
        PlanNeed, blank=True, related_name="goals", verbose_name=_("problems and needs")
    )
    assigned_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_plan_goals",
        verbose_name=_("assigned to (supplier)"),
    )
    status = models.CharField(
        _("follow-up status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.PLANNED
    )
    follow_up_comment = models.TextField(_("follow-up comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "activity__order", "order", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return text

    def get_absolute_url(self) -> str:
        return reverse("plans:goal_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.activity_id and self.plan_id and self.activity.plan_id != self.plan_id:
            raise ValidationError({"activity": _("The activity belongs to another plan.")})


class GoalEffort(models.Model):
    """Planned person-days of one resource group, and fixed costs, for a goal."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="efforts", verbose_name=_("goal")
    )
    resource_group = models.ForeignKey(
        ResourceGroup,
        on_delete=models.CASCADE,
        related_name="efforts",
        verbose_name=_("resource group"),
    )
    person_days = models.DecimalField(
        _("person-days"),
        default=ZERO,
        validators=[MinValueValidator(0)],
        max_digits=8,
        decimal_places=1,
    )
    fixed_cost = models.DecimalField(
        _("fixed costs (SEK)"),
        default=ZERO,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "resource_group__order"]
        verbose_name = _("planned effort")
        verbose_name_plural = _("planned efforts")
        constraints = [
            models.UniqueConstraint(fields=["goal", "resource_group"], name="goal_effort_group")
        ]

    def __str__(self) -> str:
        return f"{self.resource_group}: {self.person_days}"

    @property
    def amount(self) -> Decimal:
        return self.person_days * self.resource_group.day_rate + self.fixed_cost

    @property
    def audit_organisation(self) -> Any:
        return self.goal.plan.organisation

    def get_absolute_url(self) -> str:
        return self.goal.get_absolute_url()


class FollowUpEntry(models.Model):
    """Actual person-days and costs of a goal in one month."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("goal")
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month."))
    resource_group = models.ForeignKey(
        ResourceGroup,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("resource group"),
    )
    actual_days = models.DecimalField(
        _("actual person-days"),
        default=ZERO,
        validators=[MinValueValidator(0)],
        max_digits=8,
        decimal_places=1,
    )
    actual_cost = models.DecimalField(
        _("actual other costs (SEK)"),
        default=ZERO,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "month", "resource_group__order"]
        verbose_name = _("follow-up entry")
        verbose_name_plural = _("follow-up entries")
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "month", "resource_group"],
                name="follow_up_month",
                violation_error_message=_(
                    "This goal already has an entry for that month and resource group."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.resource_group}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)

    @property
    def amount(self) -> Decimal:
        return self.actual_days * self.resource_group.day_rate + self.actual_cost

    @property
    def audit_organisation(self) -> Any:
        return self.goal.plan.organisation

    def get_absolute_url(self) -> str:
        return reverse("plans:followup", args=[self.goal.plan_id])


class PlanMilestone(PlanPart):
    plan = models.ForeignKey(
        ManagementPlan, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("plan")
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    kind = models.CharField(
        _("kind"), max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.OTHER
    )
    name = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    role_type = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )
    done_on = models.DateField(_("done"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "due_on", "order", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name

    def is_late(self, on: dt.date) -> bool:
        return self.done_on is None and self.due_on < on


# --- cost sharing -------------------------------------------------------------------------
class KeyKind(models.TextChoices):
    FIXED = "fixed", _("fixed amount per organisation")
    EQUAL = "equal", _("equal shares")
    INHABITANTS = "inhabitants", _("by inhabitants")
    USERS = "users", _("by number of users or licences")
    WEIGHT = "weight", _("by a weight per organisation")
    BASE_VARIABLE = "base_variable", _("base part plus a variable part")


VALUE_KEYS = (
    KeyKind.FIXED,
    KeyKind.INHABITANTS,
    KeyKind.USERS,
    KeyKind.WEIGHT,
    KeyKind.BASE_VARIABLE,
)


class Rounding(models.TextChoices):
    ORE = "ore", _("whole öre")
    KRONA = "krona", _("whole kronor")


ROUNDING_UNIT = {Rounding.ORE: Decimal("0.01"), Rounding.KRONA: Decimal("1")}


class CostSplit(models.Model):
    """A budget financed by the members of a shared service, split by a key (000 4.2.1,
    4.3.1; 003 Budget 2012-2014)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="cost_splits",
        verbose_name=_("owner organisation"),
        editable=False,
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="cost_splits", verbose_name=_("service")
    )
    plan = models.ForeignKey(
        ManagementPlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cost_splits",
        verbose_name=_("management plan"),
    )
    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    budget = models.DecimalField(
        _("budget (SEK)"), validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )
    key = models.CharField(_("key"), max_length=20, choices=KeyKind.choices)
    base_percent = models.DecimalField(
        _("base part (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("For a base part plus a variable part: the share split equally."),
    )
    rounding = models.CharField(
        _("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.ORE
    )
    open_to_members = models.BooleanField(
        _("open to all members"),
        default=True,
        help_text=_(
            "The body decided that every member sees every member's share. Otherwise each "
            "member sees its own share and the totals."
        ),
    )
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision of a body"),
        help_text=_("The decision on the key (a change of key needs a new decision)."),
    )
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)
    decision_url = HttpsURLField(_("decision (link)"), blank=True)
    calculated_at = models.DateTimeField(_("calculated"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("cost split")
        verbose_name_plural = _("cost splits")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="cost_split_period",
                violation_error_message=_("The period cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:costsplit_detail", args=[self.pk])

    @property
    def unit(self) -> Decimal:
        return ROUNDING_UNIT[Rounding(self.rounding)]

    @property
    def audit_organisation(self) -> Any:
        return self.organisation

    def clean(self) -> None:
        super().clean()
        if self.service_id:
            self.organisation = self.service.owner_organisation
            plan = self.plan
            if plan is not None and not (
                plan.service_id == self.service_id
                or plan.management_object_id == self.service.management_object_id
            ):
                raise ValidationError(
                    {"plan": _("The plan is for another object or service than the split.")}
                )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})
        if self.budget is not None and self.rounding and self.budget % self.unit:
            raise ValidationError(
                {"budget": _("The budget must be a whole number of the rounding unit.")}
            )
        if self.key == KeyKind.BASE_VARIABLE and not self.base_percent:
            raise ValidationError(
                {"base_percent": _("Give the base part for a base plus variable key.")}
            )


class KeyValue(models.Model):
    """An organisation's value in the key: a fixed amount, inhabitants, users, a weight."""

    split = models.ForeignKey(
        CostSplit, on_delete=models.CASCADE, related_name="key_values", verbose_name=_("cost split")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    value = models.DecimalField(
        _("value"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["split", "organisation__name"]
        verbose_name = _("key value")
        verbose_name_plural = _("key values")
        constraints = [
            models.UniqueConstraint(fields=["split", "organisation"], name="key_value_member")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.value}"

    @property
    def audit_organisation(self) -> Any:
        return self.split.organisation

    def get_absolute_url(self) -> str:
        return self.split.get_absolute_url()


class CostShare(models.Model):
    """A member's share of a split, as last calculated (the invoice basis)."""

    split = models.ForeignKey(
        CostSplit, on_delete=models.CASCADE, related_name="shares", verbose_name=_("cost split")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    days = models.PositiveIntegerField(_("days of participation"))
    key_value = models.DecimalField(
        _("key value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("share (SEK)"), max_digits=14, decimal_places=2)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["split", "organisation__name"]
        verbose_name = _("cost share")
        verbose_name_plural = _("cost shares")
        constraints = [
            models.UniqueConstraint(fields=["split", "organisation"], name="cost_share_member")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.amount}"

    @property
    def audit_organisation(self) -> Any:
        return self.split.organisation

    def get_absolute_url(self) -> str:
        return self.split.get_absolute_url()


# --- the system owner's budget (001) ------------------------------------------------------
class BudgetHeading(models.TextChoices):
    PROCUREMENT = "procurement", _("procurement and introduction")
    OPERATIONS = "operations", _("operations")
    LICENCES = "licences", _("licences")
    DEVELOPMENT = "development", _("development")
    RENEWAL = "renewal", _("agreement renewal")


class SystemBudgetLine(models.Model):
    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("system")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    heading = models.CharField(_("heading"), max_length=20, choices=BudgetHeading.choices)
    planned = models.DecimalField(
        _("planned (SEK)"),
        default=ZERO,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )
    actual = models.DecimalField(
        _("actual (SEK)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreement"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["system", "-year", "heading"]
        verbose_name = _("budget line")
        verbose_name_plural = _("system budget")

    def __str__(self) -> str:
        return f"{self.system} {self.year}: {self.get_heading_display()}"

    @property
    def audit_organisation(self) -> Any:
        return self.system.owner_organisation

    def get_absolute_url(self) -> str:
        return reverse("plans:systembudgetline_edit", args=[self.pk])
