"""FilterSet bases: one FilterSet per model serves the HTML list and (later) the API."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import DateInput, clear_messages
from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.validators import validate_no_control_characters
from forvalta.core.widgets import LookupInput, speed_up


def fast_form(form: Any) -> Any:
    """The filter panel's choice widgets render their options in Python (once per form).

    Its fields get messages that name them ("Enter renewal decided by, at latest as a
    date ..."), shown beside the filter, and a date filter is a date field."""
    if not getattr(form, "_fast_widgets", False):
        speed_up(form)
        for field in form.fields.values():
            clear_messages(field)
            if type(field.widget) is forms.DateInput:
                field.widget = DateInput()
        form._fast_widgets = True
    return form


YES_NO_CHOICES = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]


def yes_no_filter(label: Any, field_name: str | None = None) -> django_filters.BooleanFilter:
    """A boolean filter that reads "All / Yes / No" rather than "Unknown"."""
    kwargs: dict[str, Any] = {"label": label, "widget": forms.Select(choices=YES_NO_CHOICES)}
    if field_name:
        kwargs["field_name"] = field_name
    return django_filters.BooleanFilter(**kwargs)


def multiple_choice_filter(choices: Any, label: Any) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(
        choices=choices, label=label, widget=forms.CheckboxSelectMultiple
    )


# --- long choice lists: a search field with suggestions ------------------------------------
LOOKUP_SUGGESTIONS = 20
# At most 18 digits: an id fits a bigint; a longer number is a name to search for.
_LOOKUP_ID = re.compile(r"\s*(\d{1,18})\s*|.*\(#(\d{1,18})\)\s*", re.DOTALL)


def lookup_pk(text: str) -> int | None:
    """The id in "12" or "Name (#12)", else None (a name to search for)."""
    match = _LOOKUP_ID.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def lookup_label(row: Any) -> str:
    return f"{row} (#{row.pk})"


class NameLookup(str):
    """Text typed into a lookup field that names no row by id: matched by name."""


class LookupField(forms.ModelChoiceField):
    """A row by its id ("12" or "Name (#12)", which must be one the person sees), or a
    name to search for among those they see."""

    widget = LookupInput
    is_lookup = True  # its own message for an id it cannot take (core.forms.clear_messages)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text:
            return None
        pk = lookup_pk(text)
        if pk is not None:
            return super().to_python(pk)
        validate_no_control_characters(text)
        return NameLookup(text[:LOOKUP_TEXT_MAX])

    def validate(self, value: Any) -> None:
        if isinstance(value, NameLookup):
            return
        super().validate(value)


LOOKUP_TEXT_MAX = 100


class LookupChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter for long lists (LookupField, LookupInput): `?system=12` as
    before, `?system=Tres` the rows whose `search_fields` contain the text, among those
    the person sees; `suggestions(text)` feeds the field's <datalist>."""

    field_class = LookupField

    def __init__(self, *args: Any, search_fields: tuple[str, ...] = ("name",), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def _matching(self, text: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        return self.queryset.filter(condition)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if isinstance(value, NameLookup):
            return qs.filter(**{f"{self.field_name}__in": self._matching(value).values("pk")})
        return super().filter(qs, value)

    def suggestions(self, text: str) -> list[Any]:
        """At most LOOKUP_SUGGESTIONS rows the person sees whose name holds the text (the
        name part of "Name (#12)"), in name order."""
        text = text.strip()[:LOOKUP_TEXT_MAX]
        if "(#" in text and lookup_pk(text) is not None:
            text = text.rsplit("(#", 1)[0].strip()
        rows = self._matching(text) if text else self.queryset
        return list(rows.order_by(*self.search_fields[:1], "pk")[:LOOKUP_SUGGESTIONS])


class SearchFilterSet(django_filters.FilterSet):
    """Adds a free-text `q` over `search_fields`; choice filters read the user's scope."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for f in self.filters.values():
            qs = getattr(f, "queryset", None)
            if qs is None or callable(qs) or not hasattr(qs, "visible_to"):
                continue
            # Choice lists are drawn from the user's scope like everything else.
            f.queryset = qs.visible_to(user) if user is not None else qs.none()
            if qs.model is Organisation and self.queryset is not None and not f.method:
                # Organisations are a public directory: a filter offers only those that
                # occur in the rows the user sees (a supplier's consultant is not shown
                # every municipality on the platform), in the same query.
                f.queryset = f.queryset.filter(pk__in=self.queryset.order_by().values(f.field_name))

    @property
    def form(self) -> Any:
        return fast_form(super().form)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition).distinct()


class OrganisationFilterSet(SearchFilterSet):
    search_fields = ("name", "short_name", "org_number")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label=_("kind"))
    is_active = yes_no_filter(_("active"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "is_active"]


class UnitFilterSet(SearchFilterSet):
    search_fields = ("name", "code")
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label=_("organisation")
    )

    class Meta:
        model = Unit
        fields = ["q", "organisation", "is_active"]


class UserFilterSet(SearchFilterSet):
    search_fields = ("first_name", "last_name", "username", "email")

    class Meta:
        model = User
        fields = ["q"]


class MembershipFilterSet(SearchFilterSet):
    search_fields = ("user__first_name", "user__last_name", "title", "unit__name")
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label=_("organisation")
    )
    unit = LookupChoiceFilter(queryset=Unit.objects.all(), label=_("unit"))
    is_org_admin = yes_no_filter(_("organisation administrator"))

    class Meta:
        model = Membership
        fields = ["q", "organisation", "unit", "is_org_admin"]
