from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import DateInput, ScopedModelForm
from forvalta.core.models import Organisation, OrganisationKind
from forvalta.plans.models import (
    CostSplit,
    FollowUpEntry,
    Goal,
    GoalStatus,
    ManagementPlan,
    MilestoneTemplate,
    PlanActivity,
    PlanMilestone,
    PlanNeed,
    PlanningSettings,
    ResourceGroup,
    SystemBudgetLine,
)


class PlanForm(ScopedModelForm):
    class Meta:
        model = ManagementPlan
        fields = [
            "management_object",
            "service",
            "name",
            "period_start",
            "period_end",
            "purpose",
            "current_state",
            "overall_goal",
            "working_days_per_year",
        ]

    def limit_choices(self) -> None:
        self.fields["working_days_per_year"].required = False
        if self.instance.pk:
            # The target of an existing plan stays.
            del self.fields["management_object"]
            del self.fields["service"]


class PlanPartForm(ScopedModelForm):
    """A row of one plan: the plan is fixed (from ?plan= or the row)."""

    def limit_choices(self) -> None:
        if "plan" in self.fields and self.instance.pk:
            del self.fields["plan"]


class NeedForm(PlanPartForm):
    class Meta:
        model = PlanNeed
        fields = ["plan", "number", "title", "description", "in_plan"]


class ActivityForm(PlanPartForm):
    class Meta:
        model = PlanActivity
        fields = ["plan", "order", "name", "overall_goal"]


class ResourceGroupForm(PlanPartForm):
    class Meta:
        model = ResourceGroup
        fields = ["plan", "order", "name", "day_rate"]


class MilestoneForm(PlanPartForm):
    class Meta:
        model = PlanMilestone
        fields = ["plan", "order", "kind", "name", "due_on", "role_type", "done_on"]


class GoalForm(ScopedModelForm):
    """A goal with its person-days and fixed costs per resource group of the plan."""

    class Meta:
        model = Goal
        fields = ["activity", "order", "text", "kind", "needs", "assigned_organisation"]

    def __init__(self, *args: Any, plan: ManagementPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def limit_choices(self) -> None:
        plan = self.plan
        self.fields["activity"].queryset = self.fields["activity"].queryset.filter(plan=plan)
        self.fields["needs"].queryset = self.fields["needs"].queryset.filter(plan=plan)
        self.fields["assigned_organisation"].queryset = Organisation.objects.visible_to(
            self.user
        ).filter(kind=OrganisationKind.SUPPLIER)
        efforts = {}
        if self.instance.pk:
            efforts = {e.resource_group_id: e for e in self.instance.efforts.all()}
        self.groups = list(ResourceGroup.objects.visible_to(self.user).filter(plan=plan))
        for group in self.groups:
            effort = efforts.get(group.pk)
            self.fields[f"days_{group.pk}"] = forms.DecimalField(
                label=_("%(group)s: person-days") % {"group": group.name},
                min_value=Decimal(0),
                max_digits=8,
                decimal_places=1,
                initial=effort.person_days if effort else Decimal(0),
            )
            self.fields[f"fixed_{group.pk}"] = forms.DecimalField(
                label=_("%(group)s: fixed costs (SEK)") % {"group": group.name},
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=2,
                initial=effort.fixed_cost if effort else Decimal(0),
            )

    def efforts(self) -> dict[int, tuple[Decimal, Decimal]]:
        return {
            g.pk: (self.cleaned_data[f"days_{g.pk}"], self.cleaned_data[f"fixed_{g.pk}"])
            for g in self.groups
        }

    def goal_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}


def _decisions(user: Any) -> Any:
    from forvalta.governance.models import Decision

    return Decision.objects.visible_to(user).select_related("body")


class DecisionForm(forms.Form):
    decision: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Decision of a body"),
        queryset=None,
        required=False,
        help_text=_("Or give the reference of a decision by the owner and the lead below."),
    )
    decision_reference = forms.CharField(
        label=_("Decision reference"),
        max_length=200,
        required=False,
        help_text=_("The decision's number or the minutes' paragraph."),
    )
    decision_url = forms.URLField(label=_("Decision (link)"), required=False, assume_scheme="https")
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    decided_by_owner = forms.CharField(
        label=_("Decided by (object owner)"), max_length=200, required=False
    )
    decided_by_lead = forms.CharField(
        label=_("Decided by (management lead)"), max_length=200, required=False
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = _decisions(user)  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("decision") and not data.get("decision_reference"):
            self.add_error(
                "decision_reference",
                _("Choose a decision of a body or give the decision's reference."),
            )
        return data

    def clean_decision_url(self) -> str:
        url = self.cleaned_data.get("decision_url") or ""
        if url and not url.startswith("https://"):
            raise forms.ValidationError(_("Give an address that starts with https://."))
        return url


class NewVersionForm(forms.Form):
    change_reason = forms.CharField(label=_("Reason for the new version"), widget=forms.Textarea)


class FollowUpEntryForm(ScopedModelForm):
    class Meta:
        model = FollowUpEntry
        fields = ["goal", "month", "resource_group", "actual_days", "actual_cost", "note"]

    def __init__(self, *args: Any, plan: ManagementPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def limit_choices(self) -> None:
        self.fields["goal"].queryset = self.fields["goal"].queryset.filter(plan=self.plan)
        self.fields["resource_group"].queryset = self.fields["resource_group"].queryset.filter(
            plan=self.plan
        )


class GoalFollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Follow-up status"), choices=GoalStatus.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea, required=False)


class FollowUpImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file"),
        help_text=_(
            "Columns: goal id, month (YYYY-MM), resource group, person-days, other costs. "
            "The first row is a heading."
        ),
    )


class CostSplitForm(ScopedModelForm):
    change_decision = forms.CharField(
        label=_("Decision on the change of key"),
        max_length=200,
        required=False,
        help_text=_("Required when the key changes: the decision's reference."),
    )

    class Meta:
        model = CostSplit
        fields = [
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
        ]

    def limit_choices(self) -> None:
        if self.instance.pk:
            del self.fields["service"]
        else:
            del self.fields["change_decision"]


class KeyValuesForm(forms.Form):
    """One value per member of the split's service."""

    change_decision = forms.CharField(
        label=_("Decision on the change of key"),
        max_length=200,
        required=False,
        help_text=_("Required when values already set are changed: the decision's reference."),
    )

    decision: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Decision of a body"),
        queryset=None,
        required=False,
    )

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], current: dict, user: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = _decisions(user)  # type: ignore[attr-defined]  # a ModelChoiceField
        self.members = members
        for org_id, name in members:
            self.fields[f"org_{org_id}"] = forms.DecimalField(
                label=name,
                required=False,
                min_value=Decimal(0),
                max_digits=16,
                decimal_places=2,
                initial=current.get(org_id),
            )

    def values(self) -> dict[int, Decimal | None]:
        return {org_id: self.cleaned_data.get(f"org_{org_id}") for org_id, _name in self.members}


class PlanningSettingsForm(ScopedModelForm):
    class Meta:
        model = PlanningSettings
        fields = ["activities", "resource_groups", "day_rate", "working_days_per_year"]


class MilestoneTemplateForm(ScopedModelForm):
    class Meta:
        model = MilestoneTemplate
        fields = ["organisation", "order", "kind", "name", "month", "day", "role_type"]


class SystemBudgetLineForm(ScopedModelForm):
    class Meta:
        model = SystemBudgetLine
        fields = ["system", "year", "heading", "planned", "actual", "agreement", "note"]
