"""Core pages: home ("Mitt uppdrag"), organisations, units, people and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core import filters, forms, services, tables
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    safe_reverse,
)
from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.selectors import my_assignment_overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Mitt uppdrag: where I hold a role, and what needs attention there."""
    return render(request, "core/home.html", my_assignment_overview(request.user))


# --- organisations ------------------------------------------------------------------------
class OrganisationListView(ObjectListView):
    model = Organisation
    table_class = tables.OrganisationTable
    filterset_class = filters.OrganisationFilterSet


class SupplierListView(OrganisationListView):
    title = _("Suppliers")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(kind=OrganisationKind.SUPPLIER)

    def add_url(self) -> str | None:
        url = super().add_url()
        return f"{url}?kind=supplier" if url else None


class OrganisationDetailView(ObjectDetailView):
    model = Organisation
    template_name = "core/organisation_detail.html"
    fields = (
        "name",
        "short_name",
        "kind",
        "org_number",
        "email",
        "website",
        "description",
        "is_active",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        related: list[dict[str, Any]] = []
        # An organisation's own units and people are shown only to its own members; the
        # platform administrator sees its administrators and nothing else.
        scope = _scope(user)
        if obj.pk in scope.org_ids:
            related.append(
                self.related_table(
                    _("Units"),
                    tables.UnitTable,
                    Unit.objects.visible_to(user)
                    .filter(organisation=obj)
                    .select_related("parent", "organisation"),
                    add_url=self._add(user, "core.add_unit", "core:unit_add", obj),
                )
            )
            related.append(
                self.related_table(
                    _("People"),
                    tables.MembershipTable,
                    Membership.objects.visible_to(user)
                    .filter(organisation=obj)
                    .select_related("user", "organisation", "unit", "manager"),
                    add_url=self._add(user, "core.add_membership", "core:membership_add", obj),
                )
            )
        elif scope.is_platform_admin:
            related.append(
                self.related_table(
                    _("Administrators"),
                    tables.MembershipTable,
                    Membership.objects.visible_to(user)
                    .filter(organisation=obj, is_org_admin=True)
                    .select_related("user", "organisation", "unit", "manager"),
                    add_url=f"{reverse('core:user_add')}?organisation={obj.pk}",
                )
            )
        return related

    def _add(self, user: Any, perm: str, name: str, org: Organisation) -> str | None:
        probe = Unit(organisation=org) if "unit" in perm else Membership(organisation=org)
        if user.has_perm(perm, probe):
            return f"{reverse(name)}?organisation={org.pk}"
        return None


def _scope(user: Any) -> Any:
    from forvalta.core.tenancy import scope_for

    return scope_for(user)


class OrganisationEditView(ObjectEditView):
    model = Organisation
    form_class = forms.OrganisationForm
    create_service = staticmethod(services.organisation_create)
    update_service = staticmethod(services.organisation_update)


class OrganisationDeleteView(ObjectDeleteView):
    model = Organisation
    delete_service = staticmethod(services.organisation_delete)


# --- units ---------------------------------------------------------------------------------
class UnitListView(ObjectListView):
    model = Unit
    table_class = tables.UnitTable
    filterset_class = filters.UnitFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "parent")


class UnitDetailView(ObjectDetailView):
    model = Unit
    fields = ("name", "organisation", "parent", "code", "is_active")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        return [
            self.related_table(
                _("Sub-units"),
                tables.UnitTable,
                Unit.objects.visible_to(user)
                .filter(parent=obj)
                .select_related("organisation", "parent"),
            ),
            self.related_table(
                _("People"),
                tables.MembershipTable,
                Membership.objects.visible_to(user)
                .filter(unit=obj)
                .select_related("user", "organisation", "unit", "manager"),
            ),
        ]


class UnitEditView(ObjectEditView):
    model = Unit
    form_class = forms.UnitForm
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)


class UnitDeleteView(ObjectDeleteView):
    model = Unit
    delete_service = staticmethod(services.unit_delete)


# --- people --------------------------------------------------------------------------------
class UserListView(ObjectListView):
    model = User
    table_class = tables.UserTable
    filterset_class = filters.UserFilterSet
    title = _("People")

    def get_queryset(self) -> QuerySet:
        # The people list is one's own organisations' staff; role holders elsewhere
        # are reached from the objects they hold roles for.
        return _scope(self.request.user).colleagues(super().get_queryset())


class UserDetailView(ObjectDetailView):
    model = User
    template_name = "core/user_detail.html"
    fields = ("first_name", "last_name", "username", "email", "phone")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        from forvalta.register.models import RoleAssignment
        from forvalta.register.tables import RoleAssignmentTable

        user = self.request.user
        return [
            self.related_table(
                _("Memberships"),
                tables.MembershipTable,
                Membership.objects.visible_to(user)
                .filter(user=obj)
                .select_related("user", "organisation", "unit", "manager"),
            ),
            self.related_table(
                _("Roles"),
                RoleAssignmentTable,
                RoleAssignment.objects.visible_to(user)
                .filter(person=obj)
                .select_related(
                    "person", "role_type", "organisation", "management_object", "service", "system"
                ),
            ),
        ]


class UserEditView(ObjectEditView):
    model = User
    form_class = forms.UserForm
    create_service = staticmethod(services.user_create)
    update_service = staticmethod(services.user_update)


# --- memberships ---------------------------------------------------------------------------
class MembershipListView(ObjectListView):
    model = Membership
    table_class = tables.MembershipTable
    filterset_class = filters.MembershipFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("user", "organisation", "unit", "manager")


class MembershipDetailView(ObjectDetailView):
    model = Membership
    fields = (
        "user",
        "organisation",
        "unit",
        "manager",
        "title",
        "is_org_admin",
        "valid_from",
        "valid_to",
    )


class MembershipEditView(ObjectEditView):
    model = Membership
    form_class = forms.MembershipForm
    create_service = staticmethod(services.membership_create)
    update_service = staticmethod(services.membership_update)

    def success_url(self, obj: Any) -> str:
        return (
            safe_reverse("core:organisation_detail", obj.organisation_id) or obj.get_absolute_url()
        )


class MembershipDeleteView(ObjectDeleteView):
    model = Membership
    delete_service = staticmethod(services.membership_delete)
