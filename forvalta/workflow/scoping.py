"""A transition record is seen with the object it belongs to (the models that have a
workflow are registered in `forvalta.workflow.engine`)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from forvalta.core.scoping import NOTHING, Custom, any_of, declare, visible_ids
from forvalta.workflow.models import TransitionRecord


def record_condition(user: Any, scope: Any) -> Q:
    from forvalta.workflow.engine import workflow_models

    if not scope.org_ids:
        return NOTHING
    return any_of(
        Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=visible_ids(model, user),
        )
        for model in workflow_models()
    )


def declare_workflow_models() -> None:
    declare(TransitionRecord, Custom(record_condition))
