"""The core entities in the API (organisations, suppliers, units) and its documentation page.

(The core app's `api.py` holds the settings hooks DRF imports early; see its docstring.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.templatetags.static import static
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers

from forvalta.core import filters, forms, services
from forvalta.core.api_base import ScopedModelSerializer, ScopedModelViewSet
from forvalta.core.models import Organisation, OrganisationKind, Unit


def _fields(form_class: Any) -> list[str]:
    return ["id", "url", "web_url", "display", *form_class._meta.fields, "created_at", "updated_at"]


class OrganisationSerializer(ScopedModelSerializer):
    """An organisation: municipality, region, association, supplier or other."""

    url = serializers.HyperlinkedIdentityField(view_name="api:organisation-detail")

    class Meta:
        model = Organisation
        fields = _fields(forms.OrganisationForm)
        validators: list[Any] = []


class SupplierSerializer(OrganisationSerializer):
    """A supplier (an organisation of the kind supplier)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:supplier-detail")

    class Meta(OrganisationSerializer.Meta):
        read_only_fields = ["kind"]


class OrganisationViewSet(ScopedModelViewSet):
    """Organisations: municipalities, regions, associations and suppliers.

    Names and organisation numbers are public facts every member sees. A platform
    administrator registers organisations; an organisation administrator registers
    suppliers and edits their own organisation.
    """

    model = Organisation
    serializer_class = OrganisationSerializer
    form_class = forms.OrganisationForm
    filterset_class = filters.OrganisationFilterSet
    create_service = staticmethod(services.organisation_create)
    update_service = staticmethod(services.organisation_update)
    delete_service = staticmethod(services.organisation_delete)


class SupplierViewSet(OrganisationViewSet):
    """Suppliers: organisations of the kind supplier. Created here, they are suppliers."""

    serializer_class = SupplierSerializer
    fixed_on_create = {"kind": OrganisationKind.SUPPLIER.value}

    def scoped_queryset(self) -> QuerySet:
        return super().scoped_queryset().filter(kind=OrganisationKind.SUPPLIER)


class UnitSerializer(ScopedModelSerializer):
    """A unit of an organisation (förvaltning, avdelning, enhet)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:unit-detail")

    class Meta:
        model = Unit
        fields = _fields(forms.UnitForm)
        validators: list[Any] = []


class UnitViewSet(ScopedModelViewSet):
    """Units (förvaltning, avdelning, enhet) of the user's own organisations."""

    model = Unit
    serializer_class = UnitSerializer
    form_class = forms.UnitForm
    filterset_class = filters.UnitFilterSet
    select_related = ("organisation", "parent")
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)
    delete_service = staticmethod(services.unit_delete)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI over /api/schema/, served from Forvalta's own static files (no CDN).

    The split view serves its start script as a second request (`?script`) and our
    template has no inline style, so the page works under the Content-Security-Policy.

    The files are vendored from the npm package swagger-ui-dist by
    scripts/vendor-assets.sh into forvalta/core/static/vendor/swagger-ui/.
    """

    title = "Forvalta API"
    template_name = "core/swagger_ui.html"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"vendor/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static("vendor/swagger-ui/favicon-32x32.png")
