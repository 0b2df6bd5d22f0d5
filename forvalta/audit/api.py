"""GET /api/audit/events/: the audit search for programs, under the page's rules.

Same FilterSet, same scoping (`visible_to`), same rights; cursor pagination on the
chain position (newest first), so deep pages cost what the first does. Every call is
an `audit.searched` event; a refusal is an `access.denied` event.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.audit.filters import AuditEventFilterSet
from forvalta.audit.models import AuditEvent
from forvalta.audit.views import record_search, refuse


class AuditEventSerializer(serializers.ModelSerializer):
    changes = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor_id",
            "actor_name",
            "actor_organisation_id",
            "actor_organisation_name",
            "organisation_id",
            "organisation_name",
            "client_address",
            "user_agent",
            "api_token_id",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditCursorPagination(pagination.CursorPagination):
    ordering = "-seq"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventListAPI(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilterSet
    pagination_class = AuditCursorPagination

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and IsAuthenticated
        if not request.user.has_perm("audit.view_auditevent"):
            try:
                refuse(request._request, "search the audit trail (API)")
            except PermissionDenied as exc:
                from rest_framework.exceptions import PermissionDenied as ApiDenied

                raise ApiDenied(str(exc)) from exc

    def get_queryset(self) -> QuerySet:
        return AuditEvent.objects.visible_to(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        record_search(request._request, "audit.searched", {"api": [None, True]})
        return response
