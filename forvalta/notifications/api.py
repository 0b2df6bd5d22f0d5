"""API: the person's own inbox (list, detail, mark one or all read), under the same
scope as the page: another person's notification is a 404 and nothing changes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet
from forvalta.notifications import services
from forvalta.notifications.models import Notification


class NotificationSerializer(ScopedModelSerializer):
    link_url = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The item the notification is about (its page checks the scope again)."
        )
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "web_url",
            "kind",
            "title",
            "link_url",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields
        validators: list[Any] = []

    def get_link_url(self, obj: Notification) -> str:
        return str(self.context["request"].build_absolute_uri(obj.link))


class NotificationViewSet(ScopedReadOnlyViewSet):
    """Your notifications, newest first. `?unread=1`: only the unread ones."""

    model = Notification
    serializer_class = NotificationSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    def rule_allows(self, request: Request, action: str, obj: Any) -> bool:
        if self.action in {"read", "read_all"}:
            action = "change"
        return super().rule_allows(request, action, obj)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """Mark one notification read."""
        notification = self.get_object()
        services.mark_read(actor=request.user, notification=notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"marked_read": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all your notifications read."""
        return Response({"marked_read": services.mark_all_read(actor=request.user)})
