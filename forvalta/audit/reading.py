"""Marking the pages and API endpoints that show personal data or review material.

Reading such data is an audit event (seed 000, 4.6.5: "tillträde, läsning/utskrifter").
Two ways to mark a view:

- a function view: ``@records_view("logreview.extract.viewed")``;
- a generic detail view: mix in `RecordsObjectViewMixin`, set `view_action`, and
  override `records_view_of(obj)` to say which objects count (say, only systems that
  hold protected identities).

The event is written only when the page was actually shown (a 2xx response), after
the view's own permission check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from forvalta.audit.services import record


def records_view(
    action: str, *, object_type: str = "", pk_kwarg: str = "pk"
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Record `action` each time the decorated view shows its page successfully."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300 and request.method in {"GET", "HEAD"}:
                record(
                    actor=request.user,
                    action=action,
                    object_type=object_type,
                    object_id=str(kwargs.get(pk_kwarg, "")),
                    object_repr=request.path[:300],
                    batch=True,  # a read: chained with the next batch
                )
            return response

        wrapped.records_view_action = action  # type: ignore[attr-defined]  # a marker for tests
        return wrapped

    return decorator


class RecordsObjectViewMixin:
    """For ObjectDetailView subclasses: record each view of an object that counts."""

    view_action: str = ""
    request: HttpRequest

    def records_view_of(self, obj: Any) -> bool:
        """Whether viewing this object is recorded (default: always)."""
        return True

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().extra_context(obj)  # type: ignore[misc]  # a mixin
        if self.view_action and self.records_view_of(obj):
            record(
                actor=self.request.user,
                action=self.view_action,
                obj=obj,
                batch=self.request.method in {"GET", "HEAD"},
            )
        return context
