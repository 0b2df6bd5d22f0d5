"""The unread count in the header: one COUNT, made only when a page renders it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class _UnreadCount:
    """Called by the template (`{% with unread=inbox_unread %}`), once per page."""

    def __init__(self, user: Any) -> None:
        self.user = user

    def __call__(self) -> int:
        from forvalta.notifications.services import unread_count

        return unread_count(self.user)


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": _UnreadCount(user)}
