"""The register in the API: serializers and viewsets under the web interface's rules.

Each viewset names the same form, filterset and services as the register's pages
(`forms.py`, `filters.py`, `services.py`); `forvalta.core.api_base` does the rest.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.audit.services import record
from forvalta.core.api_base import (
    ScopedAutoSchema,
    ScopedModelSerializer,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
)
from forvalta.register import filters, forms, services
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    Lifecycle,
    LifecycleRequirement,
    ManagementObject,
    Participation,
    Requirement,
    RoleAssignment,
    RoleType,
    Service,
    System,
)
from forvalta.register.selectors import deletion_plan, requirement_matrix


def _fields(form_class: Any, *extra: str) -> list[str]:
    """The output fields: id, links and text, then the form's fields, then timestamps."""
    names = [n for n in form_class._meta.fields if n != "document"]
    return ["id", "url", "web_url", "display", *names, *extra, "created_at", "updated_at"]


def _url(basename: str) -> serializers.HyperlinkedIdentityField:
    return serializers.HyperlinkedIdentityField(view_name=f"api:{basename}-detail")


# --- serializers ------------------------------------------------------------------------------
class ManagementObjectSerializer(ScopedModelSerializer):
    """A management object (förvaltningsobjekt)."""

    url = _url("managementobject")

    class Meta:
        model = ManagementObject
        fields = _fields(forms.ManagementObjectForm, "archived_at")
        validators: list[Any] = []


class ServiceSerializer(ScopedModelSerializer):
    """A shared service; `systems` lists the systems you see."""

    url = _url("service")

    class Meta:
        model = Service
        fields = _fields(forms.ServiceForm, "archived_at")
        validators: list[Any] = []


class SystemSerializer(ScopedModelSerializer):
    """A system or IT component."""

    url = _url("system")

    class Meta:
        model = System
        fields = _fields(forms.SystemForm, "archived_at")
        validators: list[Any] = []


class EnvironmentSerializer(ScopedModelSerializer):
    """An installation of a system (production, test …)."""

    url = _url("environment")

    class Meta:
        model = Environment
        fields = _fields(forms.EnvironmentForm)
        validators: list[Any] = []


class IntegrationSerializer(ScopedModelSerializer):
    """A flow from a system to another system or an external related system."""

    url = _url("integration")

    class Meta:
        model = Integration
        fields = _fields(forms.IntegrationForm)
        validators: list[Any] = []
        extra_kwargs = {
            "target": {
                "help_text": gettext_lazy(
                    "The target system; empty with an empty external_system when the "
                    "target belongs to someone else and is not visible to you."
                )
            }
        }

    def _target_hidden(self, obj: Integration) -> bool:
        if obj.target_id is None:
            return False
        if getattr(obj, "target_visible", None) is None:
            # A row fresh from a write: ask the scope (once).
            user = self.context["request"].user
            obj.target_visible = System.objects.visible_to(user).filter(pk=obj.target_id).exists()  # type: ignore[attr-defined]  # the visible_to annotation
        return not obj.shows_target

    def get_display(self, obj: Integration) -> str:
        self._target_hidden(obj)
        # The counterpart of someone else's is named no further than its owner.
        return str(obj)

    def to_representation(self, instance: Integration) -> Any:
        data = super().to_representation(instance)
        if self._target_hidden(instance):
            data["target"] = None
        return data


class ParticipationSerializer(ScopedModelSerializer):
    """An organisation taking part in a shared service, from one date to another."""

    url = _url("participation")

    class Meta:
        model = Participation
        fields = _fields(forms.ParticipationForm)
        validators: list[Any] = []


class RoleTypeSerializer(ScopedModelSerializer):
    """A role of the governance model and its duties."""

    url = _url("roletype")
    name = serializers.CharField(
        read_only=True, help_text=gettext_lazy("In the reader's language.")
    )
    duties = serializers.CharField(
        read_only=True, help_text=gettext_lazy("In the reader's language.")
    )

    class Meta:
        model = RoleType
        fields = [
            "id",
            "url",
            "web_url",
            "display",
            "code",
            "name",
            "name_sv",
            "name_en",
            "level",
            "applies_to_object",
            "applies_to_service",
            "applies_to_system",
            "is_supplier_role",
            "manages",
            "mandatory_for_system_in_operation",
            "duties",
            "duties_sv",
            "duties_en",
            "source",
            "sort_order",
        ]
        read_only_fields = fields
        validators: list[Any] = []


class RoleAssignmentSerializer(ScopedModelSerializer):
    """A person holding a role for one object, service or system."""

    url = _url("roleassignment")

    class Meta:
        model = RoleAssignment
        fields = _fields(forms.RoleAssignmentForm)
        validators: list[Any] = []


class AgreementSerializer(ScopedModelSerializer):
    """An agreement with a supplier; the covered rows listed are those you see."""

    url = _url("agreement")
    document_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The signed document, when there is one.")
    )

    class Meta:
        model = Agreement
        fields = _fields(forms.AgreementForm, "document_url")
        validators: list[Any] = []

    def get_document_url(self, obj: Agreement) -> str | None:
        if not obj.document:
            return None
        path = reverse("register:agreement_document", args=[obj.pk])
        return str(self.context["request"].build_absolute_uri(path))


# --- archive, restore and hard delete ---------------------------------------------------------
class DeletionGroupSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    names = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Only the rows you may see; `not_shown` counts the others."),
    )
    not_shown = serializers.IntegerField()


class DeletionPlanSerializer(serializers.Serializer):
    deletes = DeletionGroupSerializer(many=True)
    blocked_by = DeletionGroupSerializer(many=True)
    confirm = serializers.CharField(
        source="token",
        help_text=gettext_lazy(
            "Pass as ?confirm= to DELETE: the deletion takes exactly what is listed here."
        ),
    )


class ArchiveActionsMixin:
    """`POST .../{id}/archive/` and `.../restore/` (whoever may edit the item), a
    `GET .../{id}/deletion/` preview, and a DELETE that takes `?confirm=` from it."""

    archive_service: Any
    restore_service: Any

    def _archiving(self, request: Request, pk: Any, service: Any) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)  # type: ignore[attr-defined]  # a scoped viewset
        service(actor=request.user, instance=obj)
        return Response(self.output(obj))  # type: ignore[attr-defined]  # ScopedModelViewSet

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: Any = None) -> Response:
        return self._archiving(request, pk, type(self).archive_service)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: Any = None) -> Response:
        return self._archiving(request, pk, type(self).restore_service)

    @extend_schema(request=None, responses=DeletionPlanSerializer)
    @action(detail=True, methods=["get"])
    def deletion(self, request: Request, pk: Any = None) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)  # type: ignore[attr-defined]  # a scoped viewset
        if not self.rule_allows(request, "delete", obj):  # type: ignore[attr-defined]  # ScopedApiMixin
            self.permission_denied(request)  # type: ignore[attr-defined]  # APIView
        return Response(DeletionPlanSerializer(deletion_plan(request.user, obj)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]  # a scoped viewset
        refused: PermissionDenied | None = None
        with transaction.atomic():
            instance = self.locked_instance(instance)  # type: ignore[attr-defined]  # If-Match
            try:
                services.register_item_delete(
                    actor=request.user,
                    instance=instance,
                    confirm=request.query_params.get("confirm"),
                )
            except PermissionDenied as exc:
                refused = exc  # recorded by the service; must not roll back with this
        if refused is not None:
            raise refused
        return Response(status=204)


# --- viewsets ---------------------------------------------------------------------------------
class ManagementObjectViewSet(ArchiveActionsMixin, ScopedModelViewSet):
    """Management objects (förvaltningsobjekt)."""

    model = ManagementObject
    serializer_class = ManagementObjectSerializer
    form_class = forms.ManagementObjectForm
    filterset_class = filters.ManagementObjectFilterSet
    create_service = staticmethod(services.management_object_create)
    update_service = staticmethod(services.management_object_update)
    delete_service = staticmethod(services.management_object_delete)
    archive_service = staticmethod(services.management_object_archive)
    restore_service = staticmethod(services.management_object_restore)


class ServiceViewSet(ArchiveActionsMixin, ScopedModelViewSet):
    """Shared services offered to member organisations."""

    model = Service
    serializer_class = ServiceSerializer
    form_class = forms.ServiceForm
    filterset_class = filters.ServiceFilterSet
    create_service = staticmethod(services.service_create)
    update_service = staticmethod(services.service_update)
    delete_service = staticmethod(services.service_delete)
    archive_service = staticmethod(services.service_archive)
    restore_service = staticmethod(services.service_restore)


class SystemViewSet(ArchiveActionsMixin, ScopedModelViewSet):
    """Systems and IT components."""

    model = System
    serializer_class = SystemSerializer
    form_class = forms.SystemForm
    filterset_class = filters.SystemFilterSet
    create_service = staticmethod(services.system_create)
    update_service = staticmethod(services.system_update)
    delete_service = staticmethod(services.system_delete)
    archive_service = staticmethod(services.system_archive)
    restore_service = staticmethod(services.system_restore)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reading a system that processes personal data is an audit event, as on its page."""
        response = super().retrieve(request, *args, **kwargs)
        system = self.get_object()
        if system.processes_personal_data or system.holds_protected_identities:
            record(actor=request.user, action="register.system.viewed", obj=system)
        return response


class EnvironmentViewSet(ScopedModelViewSet):
    """Installations of a system: production, test, training …"""

    model = Environment
    serializer_class = EnvironmentSerializer
    form_class = forms.EnvironmentForm
    filterset_class = filters.EnvironmentFilterSet
    select_related = ("system",)
    create_service = staticmethod(services.environment_create)
    update_service = staticmethod(services.environment_update)
    delete_service = staticmethod(services.environment_delete)


class IntegrationViewSet(ScopedModelViewSet):
    """Integrations between systems, and with related systems outside the register."""

    model = Integration
    serializer_class = IntegrationSerializer
    form_class = forms.IntegrationForm
    filterset_class = filters.IntegrationFilterSet
    select_related = ("source", "target__owner_organisation")
    create_service = staticmethod(services.integration_create)
    update_service = staticmethod(services.integration_update)
    delete_service = staticmethod(services.integration_delete)


class ParticipationViewSet(ScopedModelViewSet):
    """Organisations taking part in shared services (anslutning), with dates."""

    model = Participation
    serializer_class = ParticipationSerializer
    form_class = forms.ParticipationForm
    filterset_class = filters.ParticipationFilterSet
    select_related = ("organisation", "service")
    create_service = staticmethod(services.participation_create)
    update_service = staticmethod(services.participation_update)
    delete_service = staticmethod(services.participation_delete)


class RoleTypeViewSet(ScopedReadOnlyViewSet):
    """The roles of the governance model and their duties (read only)."""

    model = RoleType
    serializer_class = RoleTypeSerializer
    filterset_class = filters.RoleTypeFilterSet

    def scoped_queryset(self) -> Any:
        # The governance model's catalogue is the same for everyone (as on the page).
        return RoleType.objects.all()


class RoleAssignmentViewSet(ScopedModelViewSet):
    """Who holds which role for which object, service or system, and when."""

    model = RoleAssignment
    serializer_class = RoleAssignmentSerializer
    form_class = forms.RoleAssignmentForm
    filterset_class = filters.RoleAssignmentFilterSet
    select_related = (
        "person",
        "role_type",
        "organisation",
        "management_object",
        "service",
        "system",
    )
    create_service = staticmethod(services.role_assignment_create)
    update_service = staticmethod(services.role_assignment_update)
    delete_service = staticmethod(services.role_assignment_delete)


class AgreementViewSet(ScopedModelViewSet):
    """Agreements with suppliers (framework, PUB, SLA, licence, support).

    The signed document is uploaded on the agreement's page and read through
    `document_url`; the API does not take files.
    """

    model = Agreement
    serializer_class = AgreementSerializer
    form_class = forms.AgreementForm
    filterset_class = filters.AgreementFilterSet
    create_service = staticmethod(services.agreement_create)
    update_service = staticmethod(services.agreement_update)
    delete_service = staticmethod(services.agreement_delete)


# --- documentation requirements per lifecycle phase -------------------------------------------
class DocumentationRequirementsSerializer(serializers.Serializer):
    """An organisation's documentation requirements per lifecycle stage."""

    organisation = serializers.IntegerField(read_only=True)
    requirements = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=Requirement.choices)),
        help_text=gettext_lazy(
            "Per lifecycle stage (need, procurement, introduction, operation, "
            "decommissioning, retired), what a system must have: system_owner, "
            "system_manager, supplier_agreement, dpa (where personal data is processed), "
            "sla. A stage left out requires nothing."
        ),
    )

    def validate_requirements(self, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(Lifecycle.values))
        if unknown:
            raise serializers.ValidationError(
                gettext_lazy("Unknown lifecycle stages: %(stages)s.")
                % {"stages": ", ".join(unknown)}
            )
        return value


class DocumentationRequirementViewSet(viewsets.ViewSet):
    """`GET` and `PUT /api/documentation-requirements/{organisation id}/`: which roles and
    agreements the organisation's systems need in each lifecycle stage (documentation
    gaps). For the organisation's administrators, as on the page."""

    schema = ScopedAutoSchema()
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DocumentationRequirementsSerializer
    lookup_value_regex = r"[0-9]+"

    def _organisation(self, request: Request, pk: Any, verb: str) -> Any:
        from forvalta.core.models import Organisation

        organisation = Organisation.objects.visible_to(request.user).filter(pk=pk).first()
        if organisation is None:
            raise exceptions.NotFound()
        probe = LifecycleRequirement(organisation=organisation)
        if not request.user.has_perm(f"register.{verb}_lifecyclerequirement", probe):
            record(
                actor=request.user,
                action="access.denied",
                organisation=organisation,
                object_type="register.lifecyclerequirement",
                object_repr=request.path[:300],
                changes={"attempted": [None, verb]},
            )
            raise exceptions.PermissionDenied()
        return organisation

    @extend_schema(responses=DocumentationRequirementsSerializer)
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        organisation = self._organisation(request, pk, "view")
        return Response(
            {"organisation": organisation.pk, "requirements": requirement_matrix(organisation.pk)}
        )

    @extend_schema(
        request=DocumentationRequirementsSerializer, responses=DocumentationRequirementsSerializer
    )
    def update(self, request: Request, pk: Any = None) -> Response:
        organisation = self._organisation(request, pk, "change")
        serializer = DocumentationRequirementsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        required = {
            (phase, code)
            for phase, codes in serializer.validated_data["requirements"].items()
            for code in codes
        }
        matrix = services.lifecycle_requirements_set(
            actor=request.user, organisation=organisation, required=required
        )
        return Response({"organisation": organisation.pk, "requirements": matrix})
