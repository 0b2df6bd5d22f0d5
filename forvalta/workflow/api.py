"""The API action of a workflow: `POST .../{id}/transitions/{name}/` on a viewset."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.workflow import engine
from forvalta.workflow.forms import TransitionForm


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True)
    decision_reference = serializers.CharField(required=False, allow_blank=True)
    attachment = serializers.FileField(required=False)


class TransitionActionMixin:
    """Adds the transition action to a scoped viewset. The object is read through the
    viewset's scoped queryset (an invisible id is a 404); the rule is the transition's."""

    @extend_schema(request=TransitionInputSerializer)
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request: Request, pk: Any = None, name: str = "") -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)  # type: ignore[attr-defined]  # a scoped viewset
        workflow = engine.workflow_for(type(obj))
        transition = workflow.get(name) if workflow else None
        if transition is None:
            raise exceptions.NotFound()
        form = TransitionForm(request.data, request.FILES, transition=transition)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {k if k != "__all__" else "non_field_errors": v for k, v in form.errors.items()}
            )
        try:
            engine.take(
                obj,
                transition.name,
                actor=request.user,
                comment=form.cleaned_data.get("comment") or "",
                decision_reference=form.cleaned_data.get("decision_reference") or "",
                attachment=form.cleaned_data.get("attachment"),
            )
        except engine.TransitionRefused as exc:
            if hasattr(exc, "error_dict"):
                raise exceptions.ValidationError(
                    {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
                ) from exc
            raise exceptions.ValidationError({"non_field_errors": exc.messages}) from exc
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]  # a viewset
