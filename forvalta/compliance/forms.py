from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.compliance.models import (
    ArchiveDocumentation,
    Classification,
    ClassificationAction,
    ClassificationLevelName,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    Decommissioning,
    DecommissioningItem,
    IncidentReport,
    LegalAct,
    LegalRequirement,
    NotifyDecision,
    PersonalDataIncident,
    RetentionRule,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.core.forms import ScopedModelForm
from forvalta.core.models import Organisation, User, today
from forvalta.core.tenancy import scope_for


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_fields(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField):
            field.widget = DateTimeInput()
            field.input_formats = DATETIME_FORMATS


def own_organisations(user: Any) -> Any:
    return Organisation.objects.visible_to(user).filter(pk__in=sorted(scope_for(user).org_ids))


class IncidentForm(ScopedModelForm):
    class Meta:
        model = PersonalDataIncident
        fields = [
            "organisation",
            "title",
            "aware_at",
            "system",
            "service",
            "what_happened",
            "started_at",
            "ended_at",
            "ongoing",
            "subject_categories",
            "subjects_count",
            "data_categories",
            "records_count",
            "sensitive_data",
            "likely_consequences",
            "measures_taken",
            "measures_planned",
            "subjects_informed",
            "subjects_informed_on",
            "subjects_not_informed_reason",
            "as_processor",
            "controller",
            "controller_notified_at",
            "imy_reference",
            "readers",
        ]

    def limit_choices(self) -> None:
        _datetime_fields(self)
        self.fields["organisation"].queryset = own_organisations(self.user)
        self.fields["readers"].queryset = self.scope.colleagues(User.objects.visible_to(self.user))
        self.fields["readers"].required = False
        if self.instance.pk:
            self.fields["organisation"].disabled = True


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (NotifyDecision.NOTIFY, NotifyDecision.NOTIFY.label),
            (NotifyDecision.NOT_NOTIFY, NotifyDecision.NOT_NOTIFY.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)


class IncidentReportForm(forms.ModelForm):
    class Meta:
        model = IncidentReport
        fields = ["kind", "submitted_at", "content", "delay_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _datetime_fields(self)


class ControlDefinitionForm(ScopedModelForm):
    class Meta:
        model = ControlDefinition
        fields = [
            "organisation",
            "name",
            "kind",
            "management_object",
            "service",
            "system",
            "due_dates",
            "every_years",
            "first_year",
            "responsible_role",
            "evidence_kind",
            "warn_days",
            "escalate_days",
            "active",
        ]

    def limit_choices(self) -> None:
        scope = self.scope
        from forvalta.compliance.roles import PROCESS_OWNER, organisations_where

        self.fields["organisation"].queryset = own_organisations(self.user).filter(
            pk__in=sorted(scope.admin_org_ids)
        ) | own_organisations(self.user).filter(
            pk__in=organisations_where(self.user.pk, PROCESS_OWNER)
        )
        if not self.instance.pk:
            self.fields["first_year"].initial = today().year


class OccurrenceCompleteForm(forms.ModelForm):
    class Meta:
        model = ControlOccurrence
        fields = ["completed_on", "evidence_file", "evidence_link", "remark"]
        widgets = {"completed_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].required = True
        if not self.is_bound:
            self.initial.setdefault("completed_on", today())


class CycleForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = own_organisations(user)  # type: ignore[attr-defined]  # a ModelChoiceField
        if not self.is_bound:
            self.initial.setdefault("year", today().year)


class ReportForm(CycleForm):
    management_object = forms.ModelChoiceField(
        label=_("Management object"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        from forvalta.register.models import ManagementObject

        self.fields["management_object"].queryset = ManagementObject.objects.visible_to(user)  # type: ignore[attr-defined]  # a ModelChoiceField


class SignForm(forms.Form):
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea,
        required=False,
        help_text=_("E.g. that all controls of the year have been done, with any remarks."),
    )


class ClassificationForm(ScopedModelForm):
    class Meta:
        model = Classification
        fields = [
            "organisation",
            "system",
            "information_set",
            "confidentiality",
            "confidentiality_reason",
            "integrity",
            "integrity_reason",
            "availability",
            "availability_reason",
            "traceability",
            "traceability_reason",
            "classified_on",
            "review_on",
        ]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)
        self.fields["classified_on"].required = False
        if self.instance.pk:
            self.fields["organisation"].disabled = True


class ClassificationActionForm(ScopedModelForm):
    class Meta:
        model = ClassificationAction
        fields = ["classification", "description", "owner", "due_on", "done"]

    def limit_choices(self) -> None:
        self.fields["owner"].queryset = self.scope.colleagues(User.objects.visible_to(self.user))


class LevelNameForm(ScopedModelForm):
    class Meta:
        model = ClassificationLevelName
        fields = ["organisation", "level", "name"]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user).filter(
            pk__in=sorted(self.scope.admin_org_ids)
        )


class RiskAnalysisForm(ScopedModelForm):
    class Meta:
        model = RiskAnalysis
        fields = [
            "organisation",
            "title",
            "management_object",
            "service",
            "system",
            "performed_on",
            "method",
            "participants",
            "summary",
            "shared_with_participants",
        ]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)
        if self.instance.pk:
            self.fields["organisation"].disabled = True


class RiskForm(ScopedModelForm):
    class Meta:
        model = Risk
        fields = [
            "analysis",
            "description",
            "likelihood",
            "consequence",
            "existing_measures",
            "planned_measures",
        ]

    def limit_choices(self) -> None:
        self.fields["analysis"].queryset = self.fields["analysis"].queryset.filter(status="draft")


class RiskActionForm(ScopedModelForm):
    class Meta:
        model = RiskAction
        fields = [
            "analysis",
            "description",
            "owner",
            "due_on",
            "done",
            "plan_reference",
            "plan_url",
        ]

    def limit_choices(self) -> None:
        self.fields["owner"].queryset = self.scope.colleagues(User.objects.visible_to(self.user))


class ForwardForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        label=_("Crisis coordinator"), queryset=User.objects.none()
    )

    def __init__(self, *args: Any, user: Any, analysis: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from forvalta.compliance.roles import CRISIS_COORDINATOR, holders

        self.fields["coordinator"].queryset = User.objects.visible_to(user).filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=holders(CRISIS_COORDINATOR, analysis.organisation_id).values("person_id")
        )


class ToPlanForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Management plan"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, action: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from forvalta.plans.models import EDITABLE, ManagementPlan, PlanActivity

        plans = ManagementPlan.objects.visible_to(user).filter(
            organisation_id=action.analysis.organisation_id, status__in=EDITABLE
        )
        # The plans the person may add activities to (the plan part's rule).
        allowed = [
            p.pk for p in plans if user.has_perm("plans.add_planactivity", PlanActivity(plan=p))
        ]
        self.fields["plan"].queryset = plans.filter(pk__in=allowed).order_by(  # type: ignore[attr-defined]  # a ModelChoiceField
            "-period_start", "name"
        )
        if action.plan_activity_id:
            self.fields["plan"].disabled = True


class ToMeetingForm(forms.Form):
    meeting = forms.ModelChoiceField(label=_("Meeting"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, report: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from forvalta.compliance.services import AGENDA_OPEN
        from forvalta.governance.models import AgendaItem, Meeting
        from forvalta.governance.services import takes_part

        meetings = (
            Meeting.objects.visible_to(user)
            .filter(status__in=AGENDA_OPEN)
            .select_related("body")
            .order_by("starts_at", "pk")
        )
        # Meetings the person runs, of bodies the report's organisation takes part in.
        allowed = [
            m.pk
            for m in meetings
            if takes_part(m.body, report.organisation_id)
            and user.has_perm("governance.add_agendaitem", AgendaItem(meeting=m))
        ]
        self.fields["meeting"].queryset = meetings.filter(pk__in=allowed)  # type: ignore[attr-defined]  # a ModelChoiceField


def governed_organisations(user: Any) -> Any:
    from forvalta.compliance.roles import PROCESS_OWNER, organisations_where

    scope = scope_for(user)
    own = own_organisations(user)
    return own.filter(pk__in=sorted(scope.admin_org_ids)) | own.filter(
        pk__in=organisations_where(user.pk, PROCESS_OWNER)
    )


class LegalActForm(ScopedModelForm):
    class Meta:
        model = LegalAct
        fields = ["organisation", "reference", "name", "short_name", "url"]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user).filter(
            pk__in=sorted(self.scope.admin_org_ids)
        )
        self.fields["organisation"].required = True


class LegalRequirementForm(ScopedModelForm):
    class Meta:
        model = LegalRequirement
        fields = [
            "organisation",
            "act",
            "management_object",
            "system",
            "responsible_role",
            "comment",
        ]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = governed_organisations(self.user)


class UndertakingForm(ScopedModelForm):
    class Meta:
        model = ConfidentialityUndertaking
        fields = ["organisation", "person", "signed_on", "valid_until", "scope", "document"]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = governed_organisations(self.user)


class ArchiveDocumentationForm(ScopedModelForm):
    class Meta:
        model = ArchiveDocumentation
        fields = [
            "organisation",
            "system",
            "purpose",
            "information_types",
            "formats",
            "relations",
            "preservation",
            "e_archive",
            "archivist",
            "status",
            "decision",
            "decision_reference",
            "decided_on",
            "filed_on",
            "filed_at",
        ]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)


class RetentionRuleForm(ScopedModelForm):
    class Meta:
        model = RetentionRule
        fields = [
            "organisation",
            "system",
            "information_type",
            "action",
            "period",
            "legal_basis",
            "act",
        ]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)


class DecommissioningForm(ScopedModelForm):
    class Meta:
        model = Decommissioning
        fields = ["system", "reason"]

    def limit_choices(self) -> None:
        from forvalta.register.models import Lifecycle, System

        # Systems of one's own organisations that one manages, not yet retired.
        systems = (
            System.objects.visible_to(self.user)
            .filter(owner_organisation__in=own_organisations(self.user))
            .exclude(lifecycle=Lifecycle.RETIRED)
            .select_related("management_object")
        )
        allowed = [s.pk for s in systems if self.user.has_perm("register.change_system", s)]
        self.fields["system"].queryset = systems.filter(pk__in=allowed).order_by("name", "pk")


class DecommissioningItemForm(ScopedModelForm):
    class Meta:
        model = DecommissioningItem
        fields = ["done", "comment", "evidence_file", "evidence_link"]
