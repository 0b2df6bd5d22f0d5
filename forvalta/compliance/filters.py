from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from forvalta.compliance.models import (
    CONTROL_KINDS,
    AnalysisStatus,
    Classification,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    IncidentStatus,
    LegalAct,
    LegalRequirement,
    NotifyDecision,
    OccurrenceStatus,
    PersonalDataIncident,
    RiskAnalysis,
)
from forvalta.core.filters import SearchFilterSet


class IncidentFilterSet(SearchFilterSet):
    search_fields = ("title", "what_happened")
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices, label=_("status"))
    decision = django_filters.ChoiceFilter(
        choices=NotifyDecision.choices, label=_("decision on notifying IMY")
    )

    class Meta:
        model = PersonalDataIncident
        fields = ["q", "status", "decision", "organisation"]


class ControlDefinitionFilterSet(SearchFilterSet):
    search_fields = ("name", "evidence_kind")
    kind = django_filters.ChoiceFilter(choices=CONTROL_KINDS, label=_("kind"))

    class Meta:
        model = ControlDefinition
        fields = ["q", "kind", "organisation", "active"]


class OccurrenceFilterSet(SearchFilterSet):
    search_fields = ("definition__name",)
    status = django_filters.ChoiceFilter(choices=OccurrenceStatus.choices, label=_("status"))
    year = django_filters.NumberFilter(
        field_name="due_on", lookup_expr="year", label=_("year"), min_value=2000, max_value=2100
    )

    class Meta:
        model = ControlOccurrence
        fields = ["q", "status", "year"]


class ClassificationFilterSet(SearchFilterSet):
    search_fields = ("system__name", "information_set")

    class Meta:
        model = Classification
        fields = ["q", "organisation", "system"]


class RiskAnalysisFilterSet(SearchFilterSet):
    search_fields = ("title", "summary")
    status = django_filters.ChoiceFilter(choices=AnalysisStatus.choices, label=_("status"))

    class Meta:
        model = RiskAnalysis
        fields = ["q", "status", "organisation"]


class LegalActFilterSet(SearchFilterSet):
    search_fields = ("name", "reference", "short_name")

    class Meta:
        model = LegalAct
        fields = ["q"]


class LegalRequirementFilterSet(SearchFilterSet):
    search_fields = ("act__name", "comment")

    class Meta:
        model = LegalRequirement
        fields = ["q", "organisation", "act"]


class UndertakingFilterSet(SearchFilterSet):
    search_fields = ("person__first_name", "person__last_name", "scope")

    class Meta:
        model = ConfidentialityUndertaking
        fields = ["q", "organisation"]
