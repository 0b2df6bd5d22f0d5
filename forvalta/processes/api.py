"""API: templates (read), runs and steps (read, and their transitions), under the same
scope and rules as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet, form_errors
from forvalta.processes import filters, services
from forvalta.processes.forms import RunStartForm
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate, TemplateStep
from forvalta.processes.selectors import person_label, template_label
from forvalta.workflow.api import TransitionActionMixin


class TemplateStepSerializer(ScopedModelSerializer):
    class Meta:
        model = TemplateStep
        fields = [
            "id",
            "order",
            "name",
            "description",
            "role_type",
            "responsible_label",
            "waits_for_previous",
            "due_offset_days",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class TemplateSerializer(ScopedModelSerializer):
    steps = TemplateStepSerializer(many=True, read_only=True)

    class Meta:
        model = ProcessTemplate
        fields = [
            "id",
            "web_url",
            "display",
            "name",
            "code",
            "description",
            "origin",
            "target_kind",
            "organisation",
            "service",
            "copied_from",
            "steps",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class PeopleShownMixin:
    """The ids of people (and another organisation's template) the reader may not see
    are given as null, as the pages show a neutral text for them."""

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
        shown_template = isinstance(instance, ProcessRun) and (
            template_label(user, instance.template) is instance.template
        )
        if isinstance(instance, ProcessRun) and not shown_template:
            data["template"] = None
        return data


class RunSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("manager",)

    class Meta:
        model = ProcessRun
        fields = [
            "id",
            "web_url",
            "display",
            "template",
            "name",
            "management_object",
            "service",
            "system",
            "organisation",
            "status",
            "manager",
            "start_on",
            "started_on",
            "completed_on",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class StepSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("assignee",)
    evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = ProcessStep
        fields = [
            "id",
            "web_url",
            "display",
            "run",
            "order",
            "name",
            "description",
            "role_type",
            "responsible_label",
            "waits_for_previous",
            "assignee",
            "due_on",
            "status",
            "comment",
            "evidence_link",
            "evidence_file",
            "completed_on",
        ]
        read_only_fields = fields
        validators: list[Any] = []

    def get_evidence_file(self, obj: ProcessStep) -> str:
        return str(obj.evidence_file.name) if obj.evidence_file else ""


class TemplateViewSet(ScopedReadOnlyViewSet):
    model = ProcessTemplate
    serializer_class = TemplateSerializer
    filterset_class = filters.TemplateFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("steps")


class RunStartSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    name = serializers.CharField(required=False, allow_blank=True)
    management_object = serializers.IntegerField(required=False, allow_null=True)
    service = serializers.IntegerField(required=False, allow_null=True)
    system = serializers.IntegerField(required=False, allow_null=True)
    organisation = serializers.IntegerField(required=False, allow_null=True)
    manager = serializers.IntegerField(required=False, allow_null=True)
    start_on = serializers.DateField()


class RunViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    """Runs: read, start (POST, as the "start a run" page) and transitions."""

    model = ProcessRun
    select_related = ("template", "manager")
    serializer_class = RunSerializer
    filterset_class = filters.RunFilterSet

    @extend_schema(request=RunStartSerializer, responses={201: RunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = RunStartForm(data=request.data, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        run = services.run_start(actor=request.user, data=form.cleaned_data)
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)


class StepViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    model = ProcessStep
    select_related = ("assignee",)
    serializer_class = StepSerializer
    filterset_class = filters.StepFilterSet
