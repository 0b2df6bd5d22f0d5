"""The compliance part's sections of the register's documentation gaps page."""

from __future__ import annotations

from typing import Any

from django import template

from forvalta.compliance.selectors import unclassified_systems

register = template.Library()

SHOWN = 100


@register.inclusion_tag("compliance/partials/gaps.html", takes_context=True)
def compliance_gaps(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"systems": [], "more": False}
    systems = list(unclassified_systems(user, context.get("management_object"))[: SHOWN + 1])
    return {"systems": systems[:SHOWN], "more": len(systems) > SHOWN}
