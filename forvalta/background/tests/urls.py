"""A test-only view that enqueues a task the way a request handler does: after commit."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from forvalta.background.tests.tasks import record_completion


@require_POST
def enqueue_completion(request: HttpRequest) -> JsonResponse:
    queued: dict[str, str] = {}

    def enqueue() -> None:
        queued["id"] = str(
            record_completion.enqueue(request.POST["directory"], request.POST["key"]).id
        )

    transaction.on_commit(enqueue)
    return JsonResponse(queued, status=202)


urlpatterns = [path("enqueue/", enqueue_completion)]
