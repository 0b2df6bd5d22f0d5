"""The main navigation, shown by what the user may open."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.tenancy import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    items: list[tuple[str, str]] = [(str(_("My assignments")), reverse("core:home"))]
    if scope.org_ids:
        items += [
            (str(_("Objects")), reverse("register:managementobject_list")),
            (str(_("Services")), reverse("register:service_list")),
            (str(_("Systems")), reverse("register:system_list")),
            (str(_("Agreements")), reverse("register:agreement_list")),
            (str(_("Suppliers")), reverse("core:supplier_list")),
            (str(_("Roles")), reverse("register:roleassignment_list")),
            (str(_("Documentation gaps")), reverse("register:documentation_gaps")),
        ]
        from forvalta.register.imports import kinds_for

        if kinds_for(user):
            items.append((str(_("Import")), reverse("register:import")))
    items.append((str(_("Organisations")), reverse("core:organisation_list")))
    if user.has_perm("audit.view_auditevent"):
        items.append((str(_("Audit trail")), reverse("audit:search")))
    path = request.path
    current = ""
    for _label, url in items:
        if url != "/" and path.startswith(url) and len(url) > len(current):
            current = url
    if not current and path == "/":
        current = "/"
    return {"nav_items": [(label, url, url == current) for label, url in items]}
