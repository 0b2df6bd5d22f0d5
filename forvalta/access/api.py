"""The access management API, under the same scope and rules as the pages.

- snapshots: read; POST pushes a system's accounts as a new snapshot (JSON rows with the
  account fields), imported as a file would be (all or nothing);
- accounts, campaigns, review lists, requests: read; transitions on campaigns (sign),
  lists (send, submit) and requests (approve, reject, done).
Personal identity numbers leave the API masked.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.access import filters, services, snapshots
from forvalta.access.models import (
    ACCOUNT_FIELDS,
    AccessRequest,
    AccessRole,
    Account,
    Campaign,
    ReviewList,
    Snapshot,
)
from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet
from forvalta.core.models import Organisation
from forvalta.register.models import System
from forvalta.workflow.api import TransitionActionMixin


class AccessRoleSerializer(ScopedModelSerializer):
    class Meta:
        model = AccessRole
        fields = (
            "id",
            "system",
            "service",
            "name",
            "description",
            "gives_access_to",
            "protected_identities",
            "decision_reference",
            "decided_on",
            "display",
            "web_url",
        )


class SnapshotSerializer(ScopedModelSerializer):
    class Meta:
        model = Snapshot
        fields = (
            "id",
            "organisation",
            "system",
            "taken_on",
            "source",
            "status",
            "account_count",
            "added_count",
            "changed_count",
            "removed_count",
            "unmatched_count",
            "previous",
            "display",
            "web_url",
        )


class AccountSerializer(ScopedModelSerializer):
    personal_number = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = (
            "id",
            "snapshot",
            "account_id",
            "name",
            "email",
            "employee_id",
            "personal_number",
            "unit_name",
            "unit",
            "person",
            "roles",
            "protected_access",
            "last_login",
            "valid_until",
            "change",
            "changed_fields",
            "display",
            "web_url",
        )

    def get_personal_number(self, obj: Account) -> str:
        return obj.masked_personal_number


class CampaignSerializer(ScopedModelSerializer):
    class Meta:
        model = Campaign
        fields = (
            "id",
            "organisation",
            "system",
            "snapshot",
            "name",
            "season",
            "year",
            "due_on",
            "status",
            "signed_at",
            "display",
            "web_url",
        )


class ReviewListSerializer(ScopedModelSerializer):
    class Meta:
        model = ReviewList
        fields = (
            "id",
            "campaign",
            "kind",
            "unit",
            "unit_name",
            "reviewer",
            "status",
            "account_count",
            "without_remark",
            "submitted_at",
            "display",
            "web_url",
        )


class AccessRequestSerializer(ScopedModelSerializer):
    class Meta:
        model = AccessRequest
        fields = (
            "id",
            "organisation",
            "system",
            "kind",
            "person",
            "account_id",
            "person_name",
            "access_role",
            "roles",
            "status",
            "requested_at",
            "decided_at",
            "done_at",
            "confirmed_by_snapshot",
            "display",
            "web_url",
        )


class AccountRowSerializer(serializers.Serializer):
    account_id = serializers.CharField(max_length=100)
    name = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    employee_id = serializers.CharField(required=False, allow_blank=True)
    personal_number = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    protected_access = serializers.BooleanField(required=False)
    last_login = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class SnapshotPushSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    system = serializers.IntegerField()
    taken_on = serializers.DateField(required=False)
    accounts = AccountRowSerializer(many=True)


class AccessRoleViewSet(ScopedReadOnlyViewSet):
    model = AccessRole
    serializer_class = AccessRoleSerializer
    filterset_class = filters.AccessRoleFilterSet


class SnapshotViewSet(ScopedReadOnlyViewSet):
    """Snapshots: read, and push a new one (POST) as the import page does."""

    model = Snapshot
    serializer_class = SnapshotSerializer
    filterset_class = filters.SnapshotFilterSet

    @extend_schema(request=SnapshotPushSerializer, responses={201: SnapshotSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SnapshotPushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        organisation = (
            Organisation.objects.visible_to(user).filter(pk=values["organisation"]).first()
        )
        system = System.objects.visible_to(user).filter(pk=values["system"]).first()
        if organisation is None or system is None:
            raise exceptions.ValidationError({"system": ["Not found."]})
        rows = []
        for number, row in enumerate(values["accounts"], start=1):
            raw = {name: row.get(name) for name in ACCOUNT_FIELDS if name not in {"unit", "roles"}}
            raw["unit"] = row.get("unit")
            raw["roles"] = ",".join(row.get("roles") or [])
            rows.append((number, raw))
        try:
            snapshot = services.snapshot_from_rows(
                actor=user,
                organisation=organisation,
                system=system,
                rows=rows,
                taken_on=values.get("taken_on"),
                source="api",
            )
        except snapshots.SnapshotRejected as exc:
            raise exceptions.ValidationError({"accounts": exc.messages}) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"detail": exc.messages}) from None
        return Response(self.get_serializer(snapshot).data, status=status.HTTP_201_CREATED)


class AccountViewSet(ScopedReadOnlyViewSet):
    model = Account
    serializer_class = AccountSerializer
    filterset_class = filters.AccountFilterSet


class CampaignViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    model = Campaign
    serializer_class = CampaignSerializer
    filterset_class = filters.CampaignFilterSet


class ReviewListViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    model = ReviewList
    serializer_class = ReviewListSerializer


class AccessRequestViewSet(TransitionActionMixin, ScopedReadOnlyViewSet):
    model = AccessRequest
    serializer_class = AccessRequestSerializer
    filterset_class = filters.AccessRequestFilterSet
