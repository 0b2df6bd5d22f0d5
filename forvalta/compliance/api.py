"""API: incidents (read, report), controls (read and write), occurrences and signed
reports (read), under the same scope and rules as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.compliance import filters, services
from forvalta.compliance.forms import ClassificationForm, ControlDefinitionForm, IncidentForm
from forvalta.compliance.models import (
    AnnualReport,
    Classification,
    ControlDefinition,
    ControlOccurrence,
    PersonalDataIncident,
    RiskAnalysis,
)
from forvalta.core.api_base import (
    ScopedModelSerializer,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    form_errors,
)
from forvalta.processes.selectors import person_label


class PeopleShownMixin:
    """People the reader does not see are given as null (the pages show a neutral text)."""

    people_fields: tuple[str, ...] = ()
    context: dict[str, Any]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]  # a serializer
        user = self.context["request"].user
        cache = self.context.setdefault("_people_shown", {})
        for name in self.people_fields:
            person = getattr(instance, name)
            if person is not None and person_label(user, person, cache) is not person:
                data[name] = None
        return data


class IncidentSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("reporter", "decided_by")
    imy_deadline = serializers.DateTimeField(read_only=True)

    class Meta:
        model = PersonalDataIncident
        fields = [
            "id",
            "web_url",
            "display",
            "organisation",
            "title",
            "reporter",
            "reported_at",
            "aware_at",
            "imy_deadline",
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
            "decision",
            "decision_reason",
            "decided_by",
            "decided_at",
            "imy_reference",
            "status",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class IncidentViewSet(ScopedReadOnlyViewSet):
    """Incidents the reader needs to know of; every reading is recorded; POST reports one
    (as the "report an incident" page)."""

    model = PersonalDataIncident
    select_related = ("reporter", "decided_by")
    serializer_class = IncidentSerializer
    filterset_class = filters.IncidentFilterSet
    listed_action = "compliance.personaldataincident.listed"
    viewed_action = "compliance.personaldataincident.viewed"

    @extend_schema(request=IncidentSerializer, responses={201: IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = IncidentForm(data=request.data, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        incident = services.incident_create(actor=request.user, data=form.cleaned_data)
        return Response(self.get_serializer(incident).data, status=status.HTTP_201_CREATED)


class ControlDefinitionSerializer(ScopedModelSerializer):
    class Meta:
        model = ControlDefinition
        fields = [
            "id",
            "web_url",
            "display",
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
        read_only_fields = ["id", "web_url", "display"]
        validators: list[Any] = []


class ControlDefinitionViewSet(ScopedModelViewSet):
    model = ControlDefinition
    serializer_class = ControlDefinitionSerializer
    filterset_class = filters.ControlDefinitionFilterSet
    form_class = ControlDefinitionForm
    create_service = staticmethod(services.controldefinition_create)
    update_service = staticmethod(services.controldefinition_update)
    delete_service = staticmethod(services.controldefinition_delete)


class OccurrenceSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("completed_by",)

    class Meta:
        model = ControlOccurrence
        fields = [
            "id",
            "web_url",
            "display",
            "definition",
            "due_on",
            "status",
            "completed_on",
            "completed_by",
            "automatic",
            "evidence_label",
            "evidence_url",
            "evidence_link",
            "remark",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class OccurrenceViewSet(ScopedReadOnlyViewSet):
    model = ControlOccurrence
    select_related = ("definition", "completed_by")
    serializer_class = OccurrenceSerializer
    filterset_class = filters.OccurrenceFilterSet


class AnnualReportSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("signed_by",)

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "web_url",
            "display",
            "organisation",
            "management_object",
            "year",
            "signed_by",
            "signed_at",
            "statement",
            "rows",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class AnnualReportViewSet(ScopedReadOnlyViewSet):
    model = AnnualReport
    select_related = ("signed_by",)
    serializer_class = AnnualReportSerializer


class ClassificationSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("classified_by",)

    class Meta:
        model = Classification
        fields = [
            "id",
            "web_url",
            "display",
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
            "classified_by",
            "classified_on",
            "review_on",
        ]
        read_only_fields = ["id", "web_url", "display", "classified_by"]
        validators: list[Any] = []


class ClassificationViewSet(ScopedModelViewSet):
    model = Classification
    select_related = ("classified_by",)
    serializer_class = ClassificationSerializer
    filterset_class = filters.ClassificationFilterSet
    form_class = ClassificationForm
    create_service = staticmethod(services.classification_create)
    update_service = staticmethod(services.classification_update)
    delete_service = staticmethod(services.classification_delete)


class RiskAnalysisSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("forwarded_to",)

    class Meta:
        model = RiskAnalysis
        fields = [
            "id",
            "web_url",
            "display",
            "organisation",
            "title",
            "management_object",
            "service",
            "system",
            "performed_on",
            "method",
            "participants",
            "summary",
            "status",
            "finished_on",
            "shared_with_participants",
            "forwarded_to",
            "forwarded_on",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class RiskAnalysisViewSet(ScopedReadOnlyViewSet):
    model = RiskAnalysis
    select_related = ("forwarded_to",)
    serializer_class = RiskAnalysisSerializer
    filterset_class = filters.RiskAnalysisFilterSet
