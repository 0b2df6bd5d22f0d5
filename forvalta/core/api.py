"""The API's settings hooks: pagination and the one error body.

`REST_FRAMEWORK` names this module, and DRF imports it while its own generic views
are still being imported; so this module must not import DRF's views, viewsets or
drf-spectacular's schema (that would be a circular import). The scoped viewset and
serializer bases are in `forvalta.core.api_base`, the core entities' endpoints in
`forvalta.core.api_views`, each app's in its `api.py`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from forvalta.core.tables import WindowCountPaginator


class Pagination(pagination.PageNumberPagination):
    # The count comes with the page's rows (COUNT(*) OVER ()): one query, not two.
    django_paginator_class = WindowCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error body for every failure: {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        messages = exc.messages if not fields else []
        if "__all__" in fields:
            fields = dict(fields)
            fields["non_field_errors"] = fields.pop("__all__")
        exc = exceptions.ValidationError(fields or {"non_field_errors": messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        body: dict[str, Any] = {
            "error": {
                "code": "invalid",
                "message": _("The data is not valid. Nothing was changed."),
                "fields": fields,
            }
        }
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        body = {
            "error": {
                "code": "throttled",
                "message": _("Too many requests. Try again in %(seconds)d seconds.")
                % {"seconds": wait},
                "fields": {},
                "retry_after": wait,
            }
        }
        response["Retry-After"] = str(wait)
    else:
        code = getattr(exc, "default_code", "error")
        message = detail.get("detail", "") if isinstance(detail, dict) else str(detail)
        body = {"error": {"code": code, "message": str(message), "fields": {}}}
    response.data = body
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
