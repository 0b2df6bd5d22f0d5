"""Error pages in the product's layout; under /api/ the API's JSON error body instead."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions


def _is_api(request: HttpRequest) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {
                "error": {
                    "code": "permission_denied",
                    "message": str(exception or "") or _("You do not have permission to do this."),
                    "fields": {},
                }
            },
            status=403,
        )
    return render(request, "core/403.html", {"message": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        # The same body as the API's own 404 (an unknown id), for paths no endpoint has.
        return JsonResponse(
            {
                "error": {
                    "code": "not_found",
                    "message": str(exceptions.NotFound.default_detail),
                    "fields": {},
                }
            },
            status=404,
        )
    return render(request, "core/404.html", status=404)
