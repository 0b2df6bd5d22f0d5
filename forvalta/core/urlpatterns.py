"""One helper for the list/add/detail/edit/delete URL set every register model has."""

from typing import Any

from django.urls import URLPattern, path


def crud(
    prefix: str,
    name: str,
    list_view: Any,
    detail_view: Any,
    edit_view: Any,
    delete_view: Any,
) -> list[URLPattern]:
    patterns = [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
    ]
    if edit_view is not None:
        patterns += [
            path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        ]
    if delete_view is not None:
        patterns.append(
            path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete")
        )
    return patterns
