"""The compliance part's sections of the register's documentation gaps page."""

from __future__ import annotations

from typing import Any

from django import template

from forvalta.compliance.selectors import missing_undertakings, unclassified_systems

register = template.Library()

SHOWN = 100


@register.inclusion_tag("compliance/partials/gaps.html", takes_context=True)
def compliance_gaps(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"systems": [], "more": False, "undertakings": []}
    management_object = context.get("management_object")
    systems = list(unclassified_systems(user, management_object)[: SHOWN + 1])
    missing = list(missing_undertakings(user, management_object)[: SHOWN + 1])
    return {
        "systems": systems[:SHOWN],
        "more": len(systems) > SHOWN,
        "undertakings": missing[:SHOWN],
        "more_undertakings": len(missing) > SHOWN,
    }
