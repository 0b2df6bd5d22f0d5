"""Filters for the governance lists, for the HTML list and the API alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from forvalta.core.filters import LookupChoiceFilter, SearchFilterSet
from forvalta.governance.models import (
    Body,
    BodyKind,
    Circulation,
    CirculationResult,
    CirculationStatus,
    Decision,
    DecisionKind,
    DecisionMadeBy,
    Meeting,
    MeetingStatus,
    Vote,
    VoteChoice,
)
from forvalta.register.models import ManagementObject, Service


def _body_filter() -> django_filters.ModelChoiceFilter:
    # scoping: allowed a field declaration; SearchFilterSet scopes it per request
    return django_filters.ModelChoiceFilter(queryset=Body.objects.all(), label=_("body"))


def _service_filter(field: str = "service") -> django_filters.ModelChoiceFilter:
    return LookupChoiceFilter(
        # scoping: allowed a field declaration; SearchFilterSet scopes it per request
        queryset=Service.objects.all(),
        label=_("service"),
        field_name=field,
    )


def _object_filter(field: str = "management_object") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        # scoping: allowed a field declaration; SearchFilterSet scopes it per request
        queryset=ManagementObject.objects.all(),
        label=_("management object"),
        method="by_object",
        field_name=field,
    )


class BodyFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    kind = django_filters.ChoiceFilter(choices=BodyKind.choices, label=_("kind"))
    service = _service_filter()
    management_object = _object_filter()

    class Meta:
        model = Body
        fields = ["q", "kind", "service", "management_object"]

    def by_object(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Q(management_object=value) | Q(service__management_object=value))


class MeetingFilterSet(SearchFilterSet):
    search_fields = ("title", "body__name", "place")
    body = _body_filter()
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("status"))
    year = django_filters.NumberFilter(field_name="starts_at", lookup_expr="year", label=_("year"))

    class Meta:
        model = Meeting
        fields = ["q", "body", "status", "year"]


class DecisionFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "text")
    body = _body_filter()
    service = _service_filter("body__service")
    management_object = _object_filter()
    kind = django_filters.ChoiceFilter(choices=DecisionKind.choices, label=_("kind"))
    made_by = django_filters.ChoiceFilter(choices=DecisionMadeBy.choices, label=_("how made"))
    year = django_filters.NumberFilter(field_name="year", label=_("year"))

    class Meta:
        model = Decision
        fields = ["q", "body", "service", "management_object", "kind", "made_by", "year"]

    def by_object(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(
            Q(body__management_object=value) | Q(body__service__management_object=value)
        )


class CirculationFilterSet(SearchFilterSet):
    search_fields = ("title", "proposal")
    body = _body_filter()
    status = django_filters.ChoiceFilter(choices=CirculationStatus.choices, label=_("status"))
    result = django_filters.ChoiceFilter(choices=CirculationResult.choices, label=_("result"))

    class Meta:
        model = Circulation
        fields = ["q", "body", "status", "result"]


class VoteFilterSet(SearchFilterSet):
    search_fields = ("circulation__title", "organisation__name")
    circulation = django_filters.ModelChoiceFilter(
        # scoping: allowed a field declaration; SearchFilterSet scopes it per request
        queryset=Circulation.objects.all(),
        label=_("decision by circulation"),
    )
    choice = django_filters.ChoiceFilter(choices=VoteChoice.choices, label=_("vote"))

    class Meta:
        model = Vote
        fields = ["q", "circulation", "choice"]
