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


class RhythmForm(ScopedModelForm):
    """The body's meeting rhythm; the meetings are created ahead automatically."""

    clear_field_messages = True

    class Meta:
        model = Body
        fields = [
            "rhythm",
            "rhythm_interval",
            "rhythm_weekday",
            "rhythm_week_of_month",
            "rhythm_time",
            "rhythm_minutes",
            "rhythm_from",
            "rhythm_until",
            "rhythm_place",
            "rhythm_video_link",
            "rhythm_days_ahead",
        ]
        widgets = {"rhythm_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "rhythm": _(
                "Meetings are created ahead automatically, public holidays skipped. "
                "Leave empty for no rhythm."
            ),
            "rhythm_interval": _("Only for every N weeks."),
            "rhythm_week_of_month": _("For a monthly or quarterly rhythm."),
            "rhythm_until": _("Empty: until further notice."),
        }

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # ModelForm defines it; the stubs do not
        # A field refused by its own check gets one message, not the model's as well.
        refused = {
            "rhythm_weekday": _("Choose the weekday of the meetings."),
            "rhythm_time": _("Give the time of day of the meetings."),
            "rhythm_from": _("Give the date the rhythm starts."),
            "rhythm_week_of_month": _("Choose which week of the month."),
        }
        for name, message in refused.items():
            errors = self.errors.get(name)
            if errors and len(errors) > 1 and str(message) in errors:
                errors.data = [e for e in errors.as_data() if str(message) not in e.messages]


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


KEEP = "keep"  # the picker's value for "leave the current (unseen) reference as it is"


class ConcernSearchInput(forms.TextInput):
    """A search box for the picker, with a button that searches without JavaScript
    (the page comes back with the matches); with htmx the matches come as you type."""

    input_type = "search"

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        from django.urls import reverse
        from django.utils.html import format_html

        attrs = {
            **(attrs or {}),
            "hx-get": reverse("governance:concern_options"),
            "hx-trigger": "input changed delay:400ms, search",
            "hx-target": "#id_concerns",
            "hx-include": "#id_concerns",
            "hx-swap": "innerHTML",
            "autocomplete": "off",
        }
        box = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="search-row">{} <button type="submit" name="_concerns_search" '
            'value="1" class="button button-secondary" data-search-submit>{}</button></span>',
            box,
            _("Search"),
        )


class ConcernChoiceField(forms.ChoiceField):
    """Any value passes the list check: the row is looked up through the user's scope
    in `clean_concerns` (the list holds only the latest search's matches)."""

    def valid_value(self, value: Any) -> bool:
        return True


class ConcernsMixin:
    """The picker of what an agenda item or paragraph concerns: a search box and a
    choice among the matching rows the user sees (`governance/concerns.py`). The choice
    is checked again on save, so a hand-made value for a row out of sight is refused."""

    fields: dict[str, Any]
    user: Any
    instance: Any
    initial: Any
    is_bound: bool
    data: Any
    cleaned_data: dict[str, Any]

    def add_concern_fields(self) -> None:
        from forvalta.governance import concerns

        query = (self.data.get("concerns_search") if self.is_bound else None) or self.initial.get(
            "concerns_search", ""
        )
        self.fields["concerns_search"] = forms.CharField(
            label=_("search for what it concerns"),
            required=False,
            max_length=concerns.MAX_QUERY,
            widget=ConcernSearchInput(),
            help_text=_(
                "A need, a change, the management plan, an agreement, a risk analysis, "
                "a system ... Type part of its name."
            ),
        )
        refuse_control_characters(self.fields["concerns_search"])
        choices: list[Any] = [("", _("– nothing chosen –"))]
        current = self._current_concern()
        if current is not None:
            key, label = current
            choices.append((key, label))
            self.initial.setdefault("concerns", key)
        chosen = self.initial.get("concerns") if not self.is_bound else self.data.get("concerns")
        if chosen and chosen != KEEP and (current is None or chosen != current[0]):
            found = concerns.resolve(self.user, chosen)
            if found is not None:
                choices.append((chosen, str(found)))
        choices += [(group, rows) for group, rows in concerns.search(self.user, str(query or ""))]
        self.fields["concerns"] = ConcernChoiceField(
            label=_("concerns"), required=False, choices=choices
        )
        if "link" in self.fields:
            self.fields["link"] = self.fields.pop("link")

    def _current_concern(self) -> tuple[str, str] | None:
        from forvalta.governance import concerns

        instance = self.instance
        if instance is None or not instance.pk or not instance.concerns_type_id:
            return None
        shown = concerns.shown_to(self.user, [instance]).get(instance.pk)
        if shown is None or not shown.label:
            return (KEEP, str(_("unchanged: an item you cannot see")))
        model = instance.concerns_type.model_class()
        key = f"{model._meta.app_label}.{model._meta.model_name}:{instance.concerns_id}"
        return (key, shown.label)

    def clean_concerns(self) -> Any:
        from forvalta.governance import concerns

        value = self.cleaned_data.get("concerns") or ""
        if value == KEEP or not value:
            return value
        current = self._current_concern()
        if current is not None and value == current[0]:
            return KEEP  # unchanged (even if no longer offered, e.g. archived)
        target = concerns.resolve(self.user, value)
        if target is None:
            raise forms.ValidationError(
                _("The chosen item cannot be linked. Search and choose one from the list.")
            )
        return target

    def concern_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """The cleaned data with the choice as the stored reference."""
        from django.contrib.contenttypes.models import ContentType

        data = dict(data)
        data.pop("concerns_search", None)
        target = data.pop("concerns", "")
        if target == KEEP:
            return data
        if target:
            data["concerns_type"] = ContentType.objects.get_for_model(target)
            data["concerns_id"] = target.pk
        else:
            data["concerns_type"] = None
            data["concerns_id"] = None
        return data


class AgendaItemForm(ConcernsMixin, ScopedModelForm):
    class Meta:
        model = AgendaItem
        fields = ["meeting", "order", "title", "description", "for_decision", "link"]
        labels = {"link": _("other link")}

    def limit_choices(self) -> None:
        self.add_concern_fields()


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


class ParagraphForm(ConcernsMixin, ScopedModelForm):
    class Meta:
        model = Paragraph
        fields = ["title", "discussion", "decision_text", "decision_kind", "confidential"]

    def limit_choices(self) -> None:
        self.add_concern_fields()


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
