"""The log review API, read-only under the pages' scope (`visible_to`) and rules.

- log sources: the organisation's members;
- rounds: the organisation's members; the drawn units with who was drawn (employees and
  days) only for those who may see them (the access staff of the source's system, the
  attestant and recipient named on the unit's order), exactly as on the round page;
- extract orders: the access staff, the attestant and the recipient; POST
  `/api/logreview-orders/{id}/extract/` (multipart `file`) uploads the extract of an
  attested order as the log administrator does on the order page;
- review outcomes (the documentation, seed 004 section 6.5): as the orders.

No stored log row or reference row leaves through the API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet
from forvalta.logreview import services
from forvalta.logreview.forms import UploadForm
from forvalta.logreview.models import (
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    LogLoad,
    LogSource,
    ReviewOutcome,
    SamplingRound,
)


class LogSourceSerializer(ScopedModelSerializer):
    class Meta:
        model = LogSource
        fields = (
            "id",
            "organisation",
            "system",
            "name",
            "mapping",
            "hours_from",
            "hours_to",
            "created_at",
            "display",
            "web_url",
        )


class DrawnEmployeeSerializer(serializers.ModelSerializer):
    days = serializers.SerializerMethodField()

    class Meta:
        model = DrawnEmployee
        fields = ("position", "account", "employee_name", "days")

    def get_days(self, obj: DrawnEmployee) -> list[str]:
        return [d.day.isoformat() for d in obj.days.all()]


class DrawnUnitSerializer(serializers.ModelSerializer):
    employees = DrawnEmployeeSerializer(many=True, read_only=True)

    class Meta:
        model = DrawnUnit
        fields = ("position", "unit_name", "unit", "employees")


class SamplingRoundSerializer(ScopedModelSerializer):
    source = serializers.IntegerField(source="schedule.source_id", read_only=True)
    kind = serializers.CharField(source="schedule.kind", read_only=True)
    units = serializers.SerializerMethodField(
        help_text="The drawn units whose drawn employees the reader may see (as the round page)."
    )

    class Meta:
        model = SamplingRound
        fields = (
            "id",
            "organisation",
            "schedule",
            "source",
            "kind",
            "year",
            "quarter",
            "month",
            "seed",
            "status",
            "drawn_by",
            "drawn_at",
            "units",
            "display",
            "web_url",
        )

    @extend_schema_field(DrawnUnitSerializer(many=True))
    def get_units(self, obj: SamplingRound) -> list[Any]:
        # As on the round page: a unit is listed with the drawn employees the reader sees.
        units = [u for u in obj.units.all() if u.employees.all()]
        return list(DrawnUnitSerializer(units, many=True).data)


class ExtractOrderSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="drawn_unit.unit_name", read_only=True)

    class Meta:
        model = ExtractOrder
        fields = (
            "id",
            "organisation",
            "round",
            "drawn_unit",
            "unit_name",
            "month",
            "status",
            "attestant",
            "recipient",
            "requested_by",
            "requested_at",
            "attested_by",
            "attested_at",
            "fulfilled_by",
            "fulfilled_at",
            "display",
            "web_url",
        )


class ReviewOutcomeSerializer(ScopedModelSerializer):
    class Meta:
        model = ReviewOutcome
        fields = (
            "id",
            "organisation",
            "order",
            "completed_on",
            "reviewer",
            "persons_reviewed",
            "logs_reviewed",
            "with_remark",
            "incident_reported",
            "incident_persons",
            "documented_at",
            "display",
            "web_url",
        )

    def get_web_url(self, obj: ReviewOutcome) -> str:
        url = reverse("logreview:review", args=[obj.order_id])
        return str(self.context["request"].build_absolute_uri(url))


class LogLoadSerializer(ScopedModelSerializer):
    class Meta:
        model = LogLoad
        fields = (
            "id",
            "organisation",
            "source",
            "order",
            "kind",
            "filename",
            "status",
            "uploaded_at",
            "display",
            "web_url",
        )


class ExtractUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LogSourceViewSet(ScopedReadOnlyViewSet):
    model = LogSource
    serializer_class = LogSourceSerializer


class SamplingRoundViewSet(ScopedReadOnlyViewSet):
    """Rounds with their drawn units; who was drawn only for those who may see it."""

    model = SamplingRound
    serializer_class = SamplingRoundSerializer
    select_related = ("schedule__source",)

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        employees = DrawnEmployee.objects.visible_to(user).prefetch_related("days")
        units = DrawnUnit.objects.visible_to(user).prefetch_related(
            Prefetch("employees", queryset=employees)
        )
        return super().get_queryset().prefetch_related(Prefetch("units", queryset=units))


class ExtractOrderViewSet(ScopedReadOnlyViewSet):
    """Orders; POST `{id}/extract/` uploads the extract (the log administrator)."""

    model = ExtractOrder
    serializer_class = ExtractOrderSerializer
    select_related = ("drawn_unit",)

    @extend_schema(request=ExtractUploadSerializer, responses={201: LogLoadSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def extract(self, request: Request, pk: Any = None) -> Response:
        order = get_object_or_404(self.get_queryset(), pk=pk)  # an invisible order: 404
        form = UploadForm(request.data, request.FILES)
        if not form.is_valid():
            if not request.user.has_perm("logreview.fulfil_extractorder", order):
                services.deny(request.user, order, "fulfil extract order")
            raise exceptions.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        upload = form.cleaned_data["file"]
        load = services.order_fulfil(
            actor=request.user,
            order=order,
            filename=upload.name,
            data=upload.read(),
            language=get_language() or "",
        )
        data = LogLoadSerializer(load, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReviewOutcomeViewSet(ScopedReadOnlyViewSet):
    model = ReviewOutcome
    serializer_class = ReviewOutcomeSerializer
    select_related = ("order__drawn_unit",)
