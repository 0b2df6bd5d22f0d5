"""The person's feed page (create, regenerate, revoke the address) and the feed itself.

The feed answers without a session: calendar clients do not log in. The secret key in
the address is the credential; a wrong or revoked key, an inactive person or one
without an active membership is a 404, and nothing is written.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from forvalta.calendarfeed.ical import build_calendar
from forvalta.calendarfeed.registry import items_for
from forvalta.calendarfeed.services import (
    feed_token_create,
    feed_token_revoke,
    feed_user,
    usable_token,
)


@login_required
@never_cache
@require_GET
def feed_settings(request: HttpRequest) -> HttpResponse:
    context = {"title": _("Calendar feed"), "token": usable_token(request.user)}
    return render(request, "calendarfeed/settings.html", context)


@login_required
@never_cache
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    token, key = feed_token_create(actor=request.user)
    url = request.build_absolute_uri(reverse("calendarfeed:feed", args=[key]))
    context = {"title": _("Your calendar feed address"), "token": token, "feed_url": url}
    # The address is in this response only; it must not be cached anywhere.
    return render(request, "calendarfeed/created.html", context, status=201)


@login_required
@never_cache
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    if feed_token_revoke(actor=request.user):
        messages.success(request, _("Your calendar feed address was revoked."))
    return HttpResponseRedirect(reverse("calendarfeed:settings"))


@never_cache
@require_GET
def feed(request: HttpRequest, key: str) -> HttpResponse:
    user = feed_user(key)
    if user is None:
        raise Http404
    # In the platform's language whatever the client asks for: an entry's text is part
    # of its fingerprint, and clients in two languages would bump SEQUENCE on every poll.
    with translation.override(settings.LANGUAGE_CODE):
        body = build_calendar(items_for(user), request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="forvalta.ics"'
    return response
