"""The application's URLs plus `/bench/bare/`: the reference of the list-page benchmark.

The bare view sits behind the same middleware as every page and needs the same logged-in
session (reading the session and the user, as the list pages do), and does nothing else.
Only `bench_settings` names this urlconf.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from forvalta.urls import handler403, handler404
from forvalta.urls import urlpatterns as app_urlpatterns

__all__ = ["handler403", "handler404", "urlpatterns"]


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *app_urlpatterns]
