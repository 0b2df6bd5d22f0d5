"""`{% process_runs object %}`: the runs on a management object, service or system and a
"start a run" link, for the register's detail pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from forvalta.processes.models import ProcessRun

register = template.Library()


@register.inclusion_tag("processes/partials/target_runs.html", takes_context=True)
def process_runs(context: Any, obj: Any) -> dict[str, Any]:
    user = context["request"].user
    field = {"managementobject": "management_object"}.get(
        obj._meta.model_name, obj._meta.model_name
    )
    runs = ProcessRun.objects.visible_to(user).filter(**{field: obj}).select_related("template")
    probe = ProcessRun(**{field: obj})
    start_url = None
    if user.has_perm("processes.add_processrun", probe):
        start_url = f"{reverse('processes:processrun_add')}?{field}={obj.pk}"
    return {"runs": list(runs[:20]), "start_url": start_url}
