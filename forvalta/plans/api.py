"""API: plans (read, create as the "new plan" page, and their transitions), goals with
their planned effort, cost splits and the shares the reader sees, under the same scope
and rules as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet, form_errors
from forvalta.plans import filters, services
from forvalta.plans.forms import PlanForm
from forvalta.plans.models import CostShare, CostSplit, Goal, GoalEffort, ManagementPlan
from forvalta.workflow.api import TransitionActionMixin


class PlanSerializer(ScopedModelSerializer):
    class Meta:
        model = ManagementPlan
        fields = [
            "id",
            "web_url",
            "display",
            "organisation",
            "management_object",
            "service",
            "name",
            "period_start",
            "period_end",
            "version",
            "previous_version",
            "status",
            "purpose",
            "current_state",
            "overall_goal",
            "working_days_per_year",
            "decision_reference",
            "decided_on",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class EffortSerializer(serializers.ModelSerializer):
    resource_group = serializers.CharField(source="resource_group.name")
    day_rate = serializers.DecimalField(
        source="resource_group.day_rate", max_digits=14, decimal_places=2
    )

    class Meta:
        model = GoalEffort
        fields = ["resource_group", "day_rate", "person_days", "fixed_cost"]
        read_only_fields = fields


class GoalSerializer(ScopedModelSerializer):
    activity = serializers.CharField(source="activity.name")
    efforts = EffortSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "web_url",
            "display",
            "plan",
            "activity",
            "text",
            "kind",
            "assigned_organisation",
            "status",
            "efforts",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class CostSplitSerializer(ScopedModelSerializer):
    class Meta:
        model = CostSplit
        fields = [
            "id",
            "web_url",
            "display",
            "organisation",
            "service",
            "name",
            "period_start",
            "period_end",
            "budget",
            "key",
            "base_percent",
            "rounding",
            "open_to_members",
            "decision_reference",
            "calculated_at",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class CostShareSerializer(ScopedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")

    class Meta:
        model = CostShare
        fields = [
            "id",
            "display",
            "split",
            "organisation",
            "organisation_name",
            "days",
            "key_value",
            "amount",
        ]
        read_only_fields = fields
        validators: list[Any] = []

    def get_web_url(self, obj: Any) -> str:
        return ""


class PlanViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    """Plans: read, create (as the "new plan" page) and transitions."""

    model = ManagementPlan
    serializer_class = PlanSerializer
    filterset_class = filters.PlanFilterSet

    @extend_schema(responses={201: PlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = PlanForm(data=request.data, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        plan = services.plan_create(actor=request.user, data=form.cleaned_data)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)


class GoalViewSet(ScopedReadOnlyViewSet):
    model = Goal
    serializer_class = GoalSerializer
    filterset_class = filters.GoalFilterSet

    def get_queryset(self) -> Any:
        return (
            super()
            .get_queryset()
            .select_related("activity")
            .prefetch_related("efforts__resource_group")
        )


class CostSplitViewSet(ScopedReadOnlyViewSet):
    model = CostSplit
    serializer_class = CostSplitSerializer
    filterset_class = filters.CostSplitFilterSet


class CostShareViewSet(ScopedReadOnlyViewSet):
    model = CostShare
    serializer_class = CostShareSerializer
    select_related = ("organisation",)
