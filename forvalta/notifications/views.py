"""The inbox, opening a notification, the preferences and the failed e-mails page of an
organisation's administrators. Everything works without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forvalta.notifications import selectors, services
from forvalta.notifications.forms import PreferencesForm
from forvalta.notifications.models import DeliveryStatus, EmailDelivery, Notification
from forvalta.notifications.registry import kinds

PAGE_SIZE = 25


@login_required
@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.visible_to(request.user).order_by("-created_at", "-pk")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    names = selectors.about_names(request.user, page)
    rows = [(n, names.get(n.pk, "")) for n in page]
    context = {"title": _("Inbox"), "page": page, "rows": rows}
    return render(request, "notifications/inbox.html", context)


@login_required
@never_cache
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read and leads to its item."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.mark_read(actor=request.user, notification=notification)
    link = notification.link
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=None) or not link.startswith("/"):
        link = reverse("notifications:inbox")
    return HttpResponseRedirect(link)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                services.preferences_update(
                    actor=user,
                    channels=form.channels(),
                    days_ahead=form.cleaned_data["days_ahead"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    name = field if field in form.fields else f"kind_{field}"
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Your notification choices were saved."))
                return HttpResponseRedirect(reverse("notifications:preferences"))
        status = 400
    else:
        current = services.preferences_for(user)
        initial: dict[str, object] = {f"kind_{name}": c for name, c in current.items()}
        initial["days_ahead"] = services.days_ahead_for(user)
        form = PreferencesForm(initial=initial)
        status = 200
    context = {"title": _("Notification choices"), "form": form}
    return render(request, "notifications/preferences.html", context, status=status)


@login_required
@never_cache
@require_GET
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("notifications.view_emaildelivery"):
        raise PermissionDenied
    deliveries = (
        EmailDelivery.objects.visible_to(request.user)
        .filter(status=DeliveryStatus.FAILED)
        .select_related("recipient", "organisation")
        .order_by("-last_attempt_at", "-pk")
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {k.name: k.label for k in kinds()}
    rows = [(d, labels.get(d.kind, _("Daily summary"))) for d in page]
    context = {"title": _("Failed e-mails"), "page": page, "rows": rows}
    return render(request, "notifications/failed.html", context)


@login_required
@require_POST
def retry_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(EmailDelivery.objects.visible_to(request.user), pk=pk)
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The e-mail is queued to be sent again."))
    return HttpResponseRedirect(reverse("notifications:failed"))
