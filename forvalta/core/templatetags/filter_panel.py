"""The filter panel's summary on narrow screens: how many filters are in use."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

IGNORED = {"sort", "page", "per_page"}


@register.filter
def active_filter_count(form: Any) -> int:
    """The filter fields with a value in the request (sorting and paging not counted)."""
    data = getattr(form, "data", None) or {}
    count = 0
    for name in form.fields:
        if name in IGNORED:
            continue
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if any(v not in (None, "") for v in values):
            count += 1
    return count
