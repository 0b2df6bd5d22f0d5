from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.access.models import (
    ACCOUNT_FIELDS,
    AccessRequest,
    AccessRole,
    AccessSettings,
    Deviation,
    RequestKind,
    Season,
    Snapshot,
    Verdict,
)
from forvalta.core.forms import DateInput, ScopedModelForm, refuse_control_characters
from forvalta.core.models import Organisation, User, today
from forvalta.core.tenancy import scope_for
from forvalta.register.models import System

MAPPING_LABELS = {
    "account_id": _("Column: account id"),
    "name": _("Column: name"),
    "email": _("Column: e-mail"),
    "employee_id": _("Column: employee id"),
    "personal_number": _("Column: personal identity number"),
    "unit": _("Column: unit"),
    "roles": _("Column: roles"),
    "protected_access": _("Column: access to protected identities"),
    "last_login": _("Column: last login"),
    "valid_until": _("Column: valid until"),
}


def own_organisations(user: Any) -> Any:
    return Organisation.objects.visible_to(user).filter(id__in=sorted(scope_for(user).org_ids))


class AccessRoleForm(ScopedModelForm):
    class Meta:
        model = AccessRole
        fields = (
            "system",
            "service",
            "name",
            "description",
            "gives_access_to",
            "protected_identities",
            "decision",
            "decision_reference",
            "decision_url",
            "decided_on",
        )


class SettingsForm(ScopedModelForm):
    """The settings with the column mapping as one field per account field."""

    class Meta:
        model = AccessSettings
        fields = (
            "organisation",
            "system",
            "role_separator",
            "inactive_days",
            "spring_due",
            "autumn_due",
            "lead_days",
            "scheduled",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = self.instance.mapping if isinstance(self.instance.mapping, dict) else {}
        for name in ACCOUNT_FIELDS:
            field = forms.CharField(
                label=MAPPING_LABELS[name],
                required=name == "account_id",
                max_length=100,
                initial=mapping.get(name, ""),
            )
            refuse_control_characters(field)
            self.fields[f"col_{name}"] = field
        if self.instance.pk:
            self.fields["organisation"].disabled = True
            self.fields["system"].disabled = True

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)

    def cleaned_mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(f"col_{name}", "").strip()
            for name in ACCOUNT_FIELDS
            if self.cleaned_data.get(f"col_{name}", "").strip()
        }


class SnapshotUploadForm(forms.Form):
    fields: dict[str, Any]  # type: ignore[assignment]  # choice fields re-pointed at scoped querysets

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation")
    )
    system = forms.ModelChoiceField(queryset=System.objects.none(), label=_("System"))
    taken_on = forms.DateField(label=_("Date of the list"), widget=DateInput(), initial=today)
    file = forms.FileField(
        label=_("File"),
        help_text=_("The system's export of its accounts, as Excel (.xlsx) or CSV."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = own_organisations(user)
        self.fields["system"].queryset = System.objects.visible_to(user).filter(
            archived_at__isnull=True
        )


class CampaignForm(forms.Form):
    fields: dict[str, Any]  # type: ignore[assignment]  # choice fields re-pointed at scoped querysets

    snapshot = forms.ModelChoiceField(queryset=Snapshot.objects.none(), label=_("Snapshot"))
    season = forms.ChoiceField(choices=Season.choices, label=_("Season"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the due date of the season in the settings (30 April, 31 October)."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    send = forms.BooleanField(
        label=_("Send the unit lists to the unit managers now"), required=False, initial=True
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["snapshot"].queryset = (
            Snapshot.objects.visible_to(user).filter(status="done").select_related("system")
        )
        self.fields["year"].initial = today().year
        for field in self.fields.values():
            refuse_control_characters(field)


class ReviewerForm(forms.Form):
    fields: dict[str, Any]  # type: ignore[assignment]  # choice fields re-pointed at scoped querysets

    reviewer = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Reviewer"))

    def __init__(self, *args: Any, user: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            User.objects.visible_to(user)
            .filter(memberships__organisation_id=organisation_id, is_active=True)
            .distinct()
        )


class VerdictField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("", _("Not decided")), *Verdict.choices], required=False, **kwargs
        )


class AccessRequestForm(ScopedModelForm):
    class Meta:
        model = AccessRequest
        fields = (
            "organisation",
            "system",
            "kind",
            "person",
            "account_id",
            "person_name",
            "access_role",
            "roles",
            "reason",
        )

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = own_organisations(self.user)
        self.fields["person"].queryset = (
            self.fields["person"]
            .queryset.filter(memberships__organisation_id__in=sorted(scope_for(self.user).org_ids))
            .distinct()
        )
        self.fields["kind"].initial = RequestKind.GRANT


class DeviationForm(ScopedModelForm):
    is_personal_data_incident = forms.TypedChoiceField(
        label=_("Is this a personal-data incident?"),
        choices=[("", "–"), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
    )

    class Meta:
        model = Deviation
        fields = (
            "campaign",
            "account",
            "description",
            "is_personal_data_incident",
            "assessment",
            "incident_reference",
            "incident_url",
        )
        widgets = {"account": forms.HiddenInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # What the deviation is about stays as raised.
            for name in ("campaign", "account"):
                self.fields[name].disabled = True
            self.initial["is_personal_data_incident"] = (
                "yes" if self.instance.is_personal_data_incident else "no"
            )


class YearSignForm(forms.Form):
    fields: dict[str, Any]  # type: ignore[assignment]  # choice fields re-pointed at scoped querysets

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation")
    )
    system = forms.ModelChoiceField(queryset=System.objects.none(), label=_("System"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = own_organisations(user)
        self.fields["system"].queryset = System.objects.visible_to(user)
        self.fields["year"].initial = today().year
        for field in self.fields.values():
            refuse_control_characters(field)
