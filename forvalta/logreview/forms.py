"""Forms of log review: plain forms whose choice lists are read through `visible_to`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.businesscalendar.models import Weekday
from forvalta.core.models import Organisation, User
from forvalta.core.tenancy import scope_for
from forvalta.logreview.hours import MAX_UNIT_ROWS
from forvalta.logreview.models import (
    MAPPED_FIELDS,
    REFERENCE_FIELDS,
    REQUIRED_FIELDS,
    DayMode,
    LoadKind,
    OperationKind,
    Verdict,
)
from forvalta.register.models import System

FIELD_LABELS = {
    "time": _("Column: time"),
    "account": _("Column: account"),
    "employee_name": _("Column: employee's name"),
    "employee_unit": _("Column: employee's unit"),
    "client_id": _("Column: client's personal identity number"),
    "client_unit": _("Column: client's unit"),
    "action": _("Column: action"),
    "record_part": _("Column: record part"),
    "client_name": _("Column: client's name (only a hash of the surname is kept)"),
}
# The columns of the reference files (placements, case assignments, protected identities,
# employees' own numbers): one mapping for every kind; each kind reads the columns it needs.
REFERENCE_LABELS = {
    "client_id": _("Reference files, column: client's personal identity number"),
    "account": _("Reference files, column: employee's account"),
    "unit": _("Reference files, column: unit"),
    "valid_from": _("Reference files, column: from (date)"),
    "valid_to": _("Reference files, column: to (date)"),
}
MAX_FILE = 50 * 1024 * 1024
MAX_RETENTION_DAYS = 3650


class MappingFields(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in MAPPED_FIELDS:
            self.fields[f"map_{name}"] = forms.CharField(
                label=FIELD_LABELS[name], max_length=100, required=name in REQUIRED_FIELDS
            )
        for name in REFERENCE_FIELDS:
            self.fields[f"ref_{name}"] = forms.CharField(
                label=REFERENCE_LABELS[name], max_length=100, required=name == "client_id"
            )
        self.fields["ref_client_id"].help_text = _(
            "The headings of the placements, case assignments, protected identities and "
            "employees' own numbers files; each file needs the columns of its kind."
        )

        self.fields["hours_from"] = forms.IntegerField(
            label=_("The units' hours from (hour, weekdays)"),
            min_value=0,
            max_value=23,
            required=False,
            help_text=_("Accesses outside the hours are flagged in the review. Empty: 7."),
        )
        self.fields["hours_to"] = forms.IntegerField(
            label=_("The units' hours to (hour)"),
            min_value=1,
            max_value=24,
            required=False,
            help_text=_("Empty: 18."),
        )

        self.fields["extract_retention_days"] = forms.IntegerField(
            label=_("Days an extract's log rows are kept after its review is documented"),
            min_value=1,
            max_value=MAX_RETENTION_DAYS,
            required=False,
            help_text=_("The review's outcome and judgments are kept regardless. Empty: 90."),
        )
        self.fields["log_retention_days"] = forms.IntegerField(
            label=_("Days the full log's rows are kept"),
            min_value=1,
            max_value=MAX_RETENTION_DAYS,
            required=False,
            help_text=_("Per the organisation's decision on retention. Empty: 730."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("hours_from"), data.get("hours_to")
        if start is not None and end is not None and start >= end:
            raise forms.ValidationError(_("The hours must end after they start."))
        return data

    def hours(self) -> dict[str, int | None]:
        return {
            "hours_from": self.cleaned_data.get("hours_from"),
            "hours_to": self.cleaned_data.get("hours_to"),
        }

    def retention(self) -> dict[str, int | None]:
        return {
            "extract_retention_days": self.cleaned_data.get("extract_retention_days"),
            "log_retention_days": self.cleaned_data.get("log_retention_days"),
        }

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"map_{name}", "") for name in MAPPED_FIELDS}

    def reference_mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"ref_{name}", "") for name in REFERENCE_FIELDS}


class SourceForm(MappingFields):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_ids = sorted(scope_for(user).org_ids)
        self.fields["organisation"] = forms.ModelChoiceField(
            label=_("Organisation"),
            queryset=Organisation.objects.visible_to(user).filter(pk__in=org_ids),
        )
        self.fields["system"] = forms.ModelChoiceField(
            label=_("System"), queryset=System.objects.visible_to(user)
        )
        self.order_fields(["organisation", "system", "name"])


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of operation"), choices=OperationKind.choices)
    unit_count = forms.IntegerField(
        label=_("Units drawn"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Empty: 3 for providers, 2 for authorities."),
    )
    employees_per_unit = forms.IntegerField(
        label=_("Employees per unit"), min_value=1, max_value=50, initial=4
    )
    day_count = forms.IntegerField(
        label=_("Days per employee"), min_value=1, max_value=31, initial=3
    )
    day_mode = forms.ChoiceField(
        label=_("Days drawn"), choices=DayMode.choices, initial=DayMode.ACTIVE
    )


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class DrawForm(forms.Form):
    month = forms.DateField(
        label=_("Month sampled"),
        help_text=_("Any day of the month; usually the previous calendar month."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_month(self) -> dt.date:
        month: dt.date = self.cleaned_data["month"]
        if not 2000 <= month.year <= 2100:
            raise forms.ValidationError(_("Give a date in the years 2000 to 2100."))
        return month.replace(day=1)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Log file (CSV)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ReferenceUploadForm(UploadForm):
    kind = forms.ChoiceField(
        label=_("Kind of reference data"),
        choices=[c for c in LoadKind.choices if c[0] != LoadKind.LOG],
    )
    field_order = ["kind", "file"]


class JudgmentForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Judgment"), choices=Verdict.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


MAX_COUNT = 2**31 - 1  # the counts' columns (PositiveIntegerField)
AT_MOST = {"max_value": _("Give a number of at most %(limit_value)s.")}


class OutcomeForm(forms.Form):
    completed_on = forms.DateField(
        label=_("Date the review was completed"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    persons_reviewed = forms.IntegerField(
        label=_("Persons reviewed"), min_value=0, max_value=MAX_COUNT, error_messages=AT_MOST
    )
    logs_reviewed = forms.IntegerField(
        label=_("Logs reviewed"), min_value=0, max_value=MAX_COUNT, error_messages=AT_MOST
    )
    with_remark = forms.TypedChoiceField(
        label=_("The review was"),
        choices=[("0", _("Without remark")), ("1", _("With remark"))],
        coerce=lambda v: v == "1",
    )
    incident_reported = forms.TypedChoiceField(
        label=_("Personal-data incident reported"),
        choices=[("0", _("No")), ("1", _("Yes"))],
        coerce=lambda v: v == "1",
    )
    incident_persons = forms.IntegerField(
        label=_("For how many persons"),
        min_value=1,
        max_value=MAX_COUNT,
        error_messages=AT_MOST,
        required=False,
    )


class PersonForm(forms.Form):
    """A member of the order's organisation: the choice list holds only that
    organisation's current members the user may see (never another organisation's)."""

    fields: dict[str, Any]  # type: ignore[assignment]  # the choice list re-pointed per order

    person = forms.ModelChoiceField(label=_("Recipient"), queryset=User.objects.none())

    def __init__(
        self, *args: Any, user: Any, organisation_id: int, label: Any = None, **kwargs: Any
    ) -> None:
        from forvalta.core.models import Membership

        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.visible_to(user)
            .filter(organisation_id=organisation_id)
            .active()
            .values("user_id")
        )
        field = self.fields["person"]
        field.queryset = (
            User.objects.visible_to(user)
            .filter(pk__in=members, is_active=True)
            .order_by("last_name", "first_name", "pk")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
        if label is not None:
            field.label = label


class UnitHoursForm(forms.Form):
    """One unit's own hours (forvalta.logreview.hours); checked whole by the service."""

    unit = forms.CharField(label=_("Unit (as the log names it)"), max_length=200, required=False)
    days = forms.TypedMultipleChoiceField(
        label=_("Open on"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    hours_from = forms.IntegerField(
        label=_("From (hour)"), min_value=0, max_value=23, required=False
    )
    hours_to = forms.IntegerField(
        label=_("To (hour)"),
        min_value=1,
        max_value=24,
        required=False,
        help_text=_("24: until midnight. 0 to 24 every day: open around the clock."),
    )
    holidays = forms.BooleanField(label=_("Open on public holidays"), required=False)

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "unit": data.get("unit") or "",
            "days": list(data.get("days") or []),
            "from": data.get("hours_from"),
            "to": data.get("hours_to"),
            "holidays": bool(data.get("holidays")),
        }


class BaseUnitHoursFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        """The empty rows start empty, whatever has been saved since the page was
        opened: a row is filled when it holds something."""
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            kwargs["initial"] = {}
        return kwargs

    def rows(self) -> list[dict[str, Any]]:
        """Every saved row the page showed (changed or not) and every filled empty row,
        without those marked for removal: the list that replaces the source's."""
        shown = self.initial_form_count()
        return [
            form.row()
            for i, form in enumerate(self.forms)
            if (i < shown or form.has_changed()) and not form.cleaned_data.get("DELETE")
        ]


UnitHoursFormSet = forms.formset_factory(
    UnitHoursForm,
    formset=BaseUnitHoursFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_UNIT_ROWS,
    validate_max=True,
    absolute_max=MAX_UNIT_ROWS + 10,
)


def unit_hours_initial(source: Any) -> list[dict[str, Any]]:
    return [
        {
            "unit": row["unit"],
            "days": row["days"],
            "hours_from": row["from"],
            "hours_to": row["to"],
            "holidays": row["holidays"],
        }
        for row in source.unit_hours or []
    ]
