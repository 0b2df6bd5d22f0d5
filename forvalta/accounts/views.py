"""Login administration pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forvalta.accounts.services import end_user_sessions
from forvalta.core.models import User


@login_required
@require_POST
def end_sessions(request: HttpRequest, pk: Any) -> HttpResponse:
    person = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    end_user_sessions(actor=request.user, person=person)
    messages.success(
        request,
        _("%(person)s is logged out everywhere at their next request.") % {"person": person},
    )
    return HttpResponseRedirect(person.get_absolute_url())
