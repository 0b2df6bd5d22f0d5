from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import ScopedModelForm, refuse_control_characters
from forvalta.core.models import Membership, Organisation, OrganisationKind, User
from forvalta.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Decision,
    DecisionKind,
    Meeting,
    MeetingDocument,
    Paragraph,
    VoteChoice,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _datetime_field(label: Any, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=help_text,
    )


class BodyForm(ScopedModelForm):
    circulation_kinds = forms.MultipleChoiceField(
        label=_("decision kinds that may go by circulation"),
        choices=DecisionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Budget and investment decisions are taken at meetings only, by default."),
    )

    class Meta:
        model = Body
        fields = [
            "name",
            "kind",
            "service",
            "management_object",
            "description",
            "chair",
            "convener",
            "secretary",
            "responsible_role",
            "frequency",
            "notice_days",
            "circulation_rule",
            "circulation_quorum",
            "circulation_kinds",
            "circulation_min_days",
            "reminder_hours",
            "minutes_recipients",
        ]

    def limit_choices(self) -> None:
        if not self.instance.pk:
            self.initial.setdefault("circulation_kinds", list(Body().circulation_kinds))


class MemberForm(ScopedModelForm):
    class Meta:
        model = BodyMember
        fields = ["body", "organisation", "representative", "substitute"]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.exclude(
            kind=OrganisationKind.SUPPLIER
        )


class NominateForm(ScopedModelForm):
    """The representative and substitute, chosen among the member organisation's people."""

    class Meta:
        model = BodyMember
        fields = ["representative", "substitute", "objects_to_circulation"]

    def limit_choices(self) -> None:
        people = User.objects.visible_to(self.user).filter(
            # scoping: allowed narrows the scoped people to the member organisation's
            pk__in=Membership.objects.active()
            .filter(organisation_id=self.instance.organisation_id)
            .values("user_id")
        )
        self.fields["representative"].queryset = people
        self.fields["substitute"].queryset = people


class AdjoinedForm(ScopedModelForm):
    class Meta:
        model = BodyAdjoined
        fields = ["body", "organisation", "person", "note"]


class MeetingPlanForm(forms.Form):
    """A year's meetings in one go: one start time a line."""

    body = forms.ModelChoiceField(label=_("body"), queryset=Body.objects.none())
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    starts = forms.CharField(
        label=_("dates and times"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One meeting a line, as 2027-02-10 13:00."),
    )
    duration = forms.IntegerField(
        label=_("length (minutes)"), min_value=0, max_value=24 * 60, required=False, initial=120
    )
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("video link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            refuse_control_characters(field)
        self.fields["body"].queryset = Body.objects.visible_to(user)  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean_starts(self) -> list[dt.datetime]:
        lines = [line.strip() for line in self.cleaned_data["starts"].splitlines() if line.strip()]
        starts: list[dt.datetime] = []
        bad: list[str] = []
        for line in lines:
            parsed = None
            for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
                try:
                    parsed = dt.datetime.strptime(line, fmt)
                    break
                except ValueError:
                    continue
            if parsed is None:
                bad.append(line)
            else:
                starts.append(timezone.make_aware(parsed))
        if bad:
            raise forms.ValidationError(
                _("Not a date and time: %(lines)s. Write them as 2027-02-10 13:00.")
                % {"lines": ", ".join(bad[:5])}
            )
        if not starts:
            raise forms.ValidationError(_("Give at least one date."))
        if len(starts) > 60:
            raise forms.ValidationError(_("Plan at most 60 meetings at a time."))
        return sorted(starts)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        minutes = data.pop("duration", None)
        data["duration"] = dt.timedelta(minutes=minutes) if minutes else None
        return data


class MeetingForm(ScopedModelForm):
    starts_at = _datetime_field(_("starts"))
    ends_at = _datetime_field(_("ends"), required=False)

    class Meta:
        model = Meeting
        fields = ["title", "starts_at", "ends_at", "place", "video_link", "adjusters"]
        widgets = {"adjusters": forms.CheckboxSelectMultiple}


class AgendaItemForm(ScopedModelForm):
    class Meta:
        model = AgendaItem
        fields = ["meeting", "order", "title", "description", "for_decision", "link"]


class DocumentForm(ScopedModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["meeting", "title", "file", "link"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("file") and not data.get("link"):
            raise forms.ValidationError(_("Attach a file or give a link."))
        return data


class AttendanceForm(ScopedModelForm):
    class Meta:
        model = Attendance
        fields = ["person", "organisation", "status", "substitute_for"]


class ParagraphForm(ScopedModelForm):
    class Meta:
        model = Paragraph
        fields = ["title", "discussion", "decision_text", "decision_kind", "confidential"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        refuse_control_characters(self.fields["reason"])


class DecisionForm(ScopedModelForm):
    class Meta:
        model = Decision
        fields = [
            "body",
            "decided_on",
            "kind",
            "title",
            "text",
            "basis",
            "basis_link",
            "confidential",
        ]


class CirculationForm(ScopedModelForm):
    deadline = _datetime_field(_("deadline"))

    class Meta:
        model = Circulation
        fields = ["body", "title", "kind", "proposal", "basis", "basis_link", "deadline"]


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("vote"), choices=VoteChoice.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_control_characters(self.fields["reason"])


def supplier_choices(user: Any) -> Any:
    return Organisation.objects.visible_to(user).filter(kind=OrganisationKind.SUPPLIER)
