"""The main navigation: links grouped by area, shown by what the user may open.

Each area (Register, Styrning, Förändring, Support, Egenkontroll, Administration) is
shown only when it holds at least one link the user may open; the areas are ordered by
what the person's roles use first:

- a platform administrator: Administration first, then the rest in the base order;
- an organisation administrator: Register, then Administration, then the rest;
- everyone else (members, supplier staff): the base order, Administration last.

Areas without pages yet (Förändring, Support) are declared empty so a new part only
adds its links here.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forvalta.core.tenancy import scope_for

REGISTER, GOVERNANCE, CHANGE, SUPPORT, CONTROL, ADMIN = (
    "register",
    "governance",
    "change",
    "support",
    "control",
    "administration",
)
BASE_ORDER = [REGISTER, GOVERNANCE, CHANGE, SUPPORT, CONTROL, ADMIN]
AREA_LABELS = {
    REGISTER: _("Register"),
    GOVERNANCE: _("Governance"),
    CHANGE: _("Change"),
    SUPPORT: _("Support"),
    CONTROL: _("Internal control"),
    ADMIN: _("Administration"),
}


@dataclass
class NavLink:
    label: str
    url: str
    current: bool = False


@dataclass
class NavArea:
    key: str
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def area_order(scope: Any) -> list[str]:
    if scope.is_platform_admin:
        return [ADMIN, *[a for a in BASE_ORDER if a != ADMIN]]
    if scope.admin_org_ids:
        return [REGISTER, ADMIN, *[a for a in BASE_ORDER if a not in (REGISTER, ADMIN)]]
    return list(BASE_ORDER)


def _links(user: Any, scope: Any) -> dict[str, list[tuple[str, str]]]:
    member = bool(scope.org_ids) or scope.is_platform_admin
    links: dict[str, list[tuple[str, str]]] = {key: [] for key in BASE_ORDER}
    if scope.org_ids:
        links[REGISTER] += [
            (str(_("Objects")), reverse("register:managementobject_list")),
            (str(_("Services")), reverse("register:service_list")),
            (str(_("Participations")), reverse("register:participation_list")),
            (str(_("Systems")), reverse("register:system_list")),
            (str(_("Environments")), reverse("register:environment_list")),
            (str(_("Integrations")), reverse("register:integration_list")),
            (str(_("Agreements")), reverse("register:agreement_list")),
            (str(_("Suppliers")), reverse("core:supplier_list")),
            (str(_("Roles")), reverse("register:roleassignment_list")),
            (str(_("Documentation gaps")), reverse("register:documentation_gaps")),
        ]
        from forvalta.register.imports import kinds_for

        if kinds_for(user):
            links[REGISTER].append((str(_("Import")), reverse("register:import")))

    def may_view(perm: str) -> bool:
        # The same permission the generic list view checks (forvalta/core/generic_views.py).
        return member and bool(user.has_perm(perm))

    if may_view("processes.view_processstep"):
        links[GOVERNANCE].append((str(_("My steps")), reverse("processes:my_steps")))
    if may_view("processes.view_processrun"):
        links[GOVERNANCE].append((str(_("Checklist runs")), reverse("processes:processrun_list")))
    if may_view("processes.view_processtemplate"):
        links[GOVERNANCE].append(
            (str(_("Checklist templates")), reverse("processes:processtemplate_list"))
        )
    if may_view("governance.view_body"):
        links[GOVERNANCE] += [
            (str(_("Councils and groups")), reverse("governance:body_list")),
            (str(_("Meetings")), reverse("governance:meeting_list")),
            (str(_("Decision register")), reverse("governance:decision_list")),
            (str(_("Decisions by circulation")), reverse("governance:circulation_list")),
        ]
    if may_view("plans.view_managementplan"):
        links[GOVERNANCE].append((str(_("Management plans")), reverse("plans:managementplan_list")))
        links[GOVERNANCE].append((str(_("Cost splits")), reverse("plans:costsplit_list")))
        links[GOVERNANCE].append(
            (str(_("Goals assigned to my organisation")), reverse("plans:goal_list"))
        )
        links[GOVERNANCE].append((str(_("System budget")), reverse("plans:systembudgetline_list")))
    if user.has_perm("audit.view_auditevent"):
        links[CONTROL].append((str(_("Audit trail")), reverse("audit:search")))
    if may_view("compliance.view_controloccurrence"):
        links[CONTROL].append(
            (str(_("Annual cycle")), reverse("compliance:controloccurrence_list"))
        )
        links[CONTROL].append((str(_("Controls")), reverse("compliance:controldefinition_list")))
        links[CONTROL].append((str(_("Traffic-light report")), reverse("compliance:report")))
    if may_view("compliance.view_classification"):
        links[CONTROL].append(
            (str(_("Classifications")), reverse("compliance:classification_list"))
        )
    if may_view("compliance.view_riskanalysis"):
        links[CONTROL].append((str(_("Risk analyses")), reverse("compliance:riskanalysis_list")))
    if may_view("compliance.view_legalrequirement"):
        links[CONTROL].append((str(_("Laws")), reverse("compliance:legalact_list")))
        links[CONTROL].append(
            (
                str(_("Confidentiality undertakings")),
                reverse("compliance:confidentialityundertaking_list"),
            )
        )
    if may_view("compliance.view_archivedocumentation"):
        links[CONTROL].append(
            (str(_("Archiving")), reverse("compliance:archivedocumentation_list"))
        )
    if may_view("compliance.view_decommissioning"):
        links[CONTROL].append(
            (str(_("Decommissioning")), reverse("compliance:decommissioning_list"))
        )
    if may_view("compliance.view_personaldataincident"):
        links[CONTROL].append(
            (str(_("Personal-data incidents")), reverse("compliance:personaldataincident_list"))
        )
    if member and user.has_perm("access.use_menu"):
        links[CONTROL] += [
            (str(_("My access lists")), reverse("access:reviewlist_list")),
            (str(_("Access reviews")), reverse("access:campaign_list")),
        ]
    if member and user.has_perm("access.add_snapshot"):
        links[CONTROL] += [
            (str(_("Account snapshots")), reverse("access:snapshot_list")),
            (str(_("Access requests")), reverse("access:accessrequest_list")),
            (str(_("Access roles")), reverse("access:accessrole_list")),
            (str(_("Deviations")), reverse("access:deviation_list")),
            (str(_("Access review settings")), reverse("access:accesssettings_list")),
        ]
    if member and user.has_perm("access.add_yearsignoff"):
        links[CONTROL].append((str(_("Year sign-offs")), reverse("access:yearsignoff_list")))
    if member and user.has_perm("logreview.use_menu"):
        links[CONTROL].append((str(_("Log review")), reverse("logreview:source_list")))
    if member and user.has_perm("logreview.use_suspicion_menu"):
        links[CONTROL].append((str(_("Reviews on suspicion")), reverse("logreview:suspicion_list")))
    links[ADMIN].append((str(_("Organisations")), reverse("core:organisation_list")))
    for label, perm, name in [
        (_("People"), "core.view_user", "core:user_list"),
        (_("Memberships"), "core.view_membership", "core:membership_list"),
        (_("Units"), "core.view_unit", "core:unit_list"),
    ]:
        if may_view(perm):
            links[ADMIN].append((str(label), reverse(name)))
    if may_view("businesscalendar.view_servicehours"):
        links[ADMIN].append((str(_("Business calendar")), reverse("businesscalendar:calendar")))
    if may_view("notifications.view_emaildelivery"):
        links[ADMIN].append((str(_("Failed e-mails")), reverse("notifications:failed")))
    links[ADMIN] += [
        (str(_("Invitations")), reverse("core:invitation_list")),
        (str(_("API tokens")), reverse("core:token_list")),
    ]
    return links


def _current_url(path: str, urls: list[str]) -> str:
    """The longest link URL that the path starts with ("/" only on the home page)."""
    current = ""
    for url in urls:
        if url != "/" and path.startswith(url) and len(url) > len(current):
            current = url
    if not current and path == "/":
        current = "/"
    return current


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu, built once per request (a page that renders partials with the request,
    such as a list's table and filter panel, runs the context processors again)."""
    user = getattr(request, "user", None)
    pk = getattr(user, "pk", None) if user is not None and user.is_authenticated else None
    key = (pk, get_language())
    cached = getattr(request, "_forvalta_navigation", None)
    if cached is None or cached[0] != key:
        cached = (key, _navigation(request))
        request._forvalta_navigation = cached  # type: ignore[attr-defined]
    return cached[1]


def _navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_home": None, "nav_areas": []}
    scope = scope_for(user)
    links = _links(user, scope)
    home_url = reverse("core:home")
    all_urls = [home_url] + [url for area in links.values() for _label, url in area]
    current = _current_url(request.path, all_urls)
    areas = [
        NavArea(
            key=key,
            label=str(AREA_LABELS[key]),
            links=[NavLink(label, url, url == current) for label, url in links[key]],
        )
        for key in area_order(scope)
        if links[key]
    ]
    return {
        "nav_home": NavLink(str(_("My assignments")), home_url, home_url == current),
        "nav_areas": areas,
    }
