from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import ScopedModelForm
from forvalta.core.models import Organisation, User
from forvalta.core.tenancy import scope_for
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate, TemplateStep
from forvalta.register.models import Service


class TemplateForm(ScopedModelForm):
    class Meta:
        model = ProcessTemplate
        fields = ["name", "description", "target_kind"]


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    service = forms.ModelChoiceField(
        label=_("For service"),
        queryset=Service.objects.none(),
        required=False,
        help_text=_("Leave empty for a checklist of the whole organisation."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.visible_to(user).filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=sorted(scope_for(user).org_ids)
        )
        self.fields["service"].queryset = Service.objects.visible_to(user)  # type: ignore[attr-defined]  # a ModelChoiceField


class TemplateStepForm(ScopedModelForm):
    class Meta:
        model = TemplateStep
        fields = [
            "template",
            "order",
            "name",
            "description",
            "role_type",
            "responsible_label",
            "waits_for_previous",
            "due_offset_days",
        ]

    def limit_choices(self) -> None:
        # Only the organisation's own copies can be given steps.
        self.fields["template"].queryset = self.fields["template"].queryset.filter(
            organisation__isnull=False
        )


class RunStartForm(ScopedModelForm):
    class Meta:
        model = ProcessRun
        fields = [
            "template",
            "name",
            "management_object",
            "service",
            "system",
            "organisation",
            "manager",
            "start_on",
        ]

    def limit_choices(self) -> None:
        self.fields["name"].required = False
        self.fields["manager"].required = False
        self.fields["manager"].queryset = scope_for(self.user).colleagues(
            User.objects.visible_to(self.user)
        )


class StepForm(ScopedModelForm):
    class Meta:
        model = ProcessStep
        fields = ["assignee", "comment", "evidence_link", "evidence_file"]

    def limit_choices(self) -> None:
        if not self.user.has_perm("processes.assign_processstep", self.instance):
            del self.fields["assignee"]
