"""The log review API, read-only under the pages' scope (`visible_to`) and rules.

- log sources: the organisation's members;
- rounds: the organisation's members; the drawn units with who was drawn (employees and
  days) only for those who may see them (the access staff of the source's system, the
  attestant and recipient named on the unit's order), exactly as on the round page;
- extract orders: the access staff, the attestant and the recipient; POST
  `/api/logreview-orders/{id}/extract/` (multipart `file`) uploads the extract of an
  attested order as the log administrator does on the order page;
- review outcomes (the documentation, seed 004 section 6.5): as the orders;
- reviews on suspicion (seed 004 section 7): to those named on the case and its log
  administrators, as on the case's page: the list names the case, its source and status;
  the detail adds who is named, the person reviewed, the account and the period only to
  those the page shows them to (else null); every reading is recorded;
- unauthorised-access follow-ups (seed 004 section 8): to those who need to know, as
  on the follow-up's page, with its decisions and judged accesses; the review, incident
  and removal request it links are given only to those who see them (else null); every
  reading is recorded. POST `{id}/decide/` (`kind`, `answer`, `comment`) documents a
  decision and POST `{id}/close/` closes it, as on the page (same services, rules and
  events).

No stored log row or reference row leaves through the API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.access.models import AccessRequest
from forvalta.compliance.models import PersonalDataIncident
from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet
from forvalta.core.validators import validate_no_control_characters_multiline
from forvalta.logreview import followup as followups
from forvalta.logreview import services, suspicion
from forvalta.logreview.forms import UploadForm
from forvalta.logreview.models import (
    DecisionKind,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    FollowUpDecision,
    Judgment,
    LogLoad,
    LogSource,
    ReviewOutcome,
    SamplingRound,
    SuspicionCase,
    SuspicionJudgment,
    SuspicionOutcome,
    UnauthorisedAccess,
)


class LogSourceSerializer(ScopedModelSerializer):
    class Meta:
        model = LogSource
        fields = (
            "id",
            "organisation",
            "system",
            "name",
            "mapping",
            "reference_mapping",
            "hours_from",
            "hours_to",
            "unit_hours",
            "created_at",
            "display",
            "web_url",
        )


class DrawnEmployeeSerializer(serializers.ModelSerializer):
    days = serializers.SerializerMethodField()

    class Meta:
        model = DrawnEmployee
        fields = ("position", "account", "employee_name", "days")

    def get_days(self, obj: DrawnEmployee) -> list[str]:
        return [d.day.isoformat() for d in obj.days.all()]


class DrawnUnitSerializer(serializers.ModelSerializer):
    employees = DrawnEmployeeSerializer(many=True, read_only=True)

    class Meta:
        model = DrawnUnit
        fields = ("position", "unit_name", "unit", "employees")


class SamplingRoundSerializer(ScopedModelSerializer):
    source = serializers.IntegerField(source="schedule.source_id", read_only=True)
    kind = serializers.CharField(source="schedule.kind", read_only=True)
    units = serializers.SerializerMethodField(
        help_text="The drawn units whose drawn employees the reader may see (as the round page)."
    )

    class Meta:
        model = SamplingRound
        fields = (
            "id",
            "organisation",
            "schedule",
            "source",
            "kind",
            "year",
            "quarter",
            "month",
            "seed",
            "status",
            "drawn_by",
            "drawn_at",
            "units",
            "display",
            "web_url",
        )

    @extend_schema_field(DrawnUnitSerializer(many=True))
    def get_units(self, obj: SamplingRound) -> list[Any]:
        # As on the round page: a unit is listed with the drawn employees the reader sees.
        units = [u for u in obj.units.all() if u.employees.all()]
        return list(DrawnUnitSerializer(units, many=True).data)


class ExtractOrderSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="drawn_unit.unit_name", read_only=True)

    class Meta:
        model = ExtractOrder
        fields = (
            "id",
            "organisation",
            "round",
            "drawn_unit",
            "unit_name",
            "month",
            "status",
            "attestant",
            "recipient",
            "requested_by",
            "requested_at",
            "attested_by",
            "attested_at",
            "fulfilled_by",
            "fulfilled_at",
            "display",
            "web_url",
        )


class ReviewOutcomeSerializer(ScopedModelSerializer):
    class Meta:
        model = ReviewOutcome
        fields = (
            "id",
            "organisation",
            "order",
            "completed_on",
            "reviewer",
            "persons_reviewed",
            "logs_reviewed",
            "with_remark",
            "incident_reported",
            "incident_persons",
            "documented_at",
            "display",
            "web_url",
        )

    def get_web_url(self, obj: ReviewOutcome) -> str:
        url = reverse("logreview:review", args=[obj.order_id])
        return str(self.context["request"].build_absolute_uri(url))


class LogLoadSerializer(ScopedModelSerializer):
    class Meta:
        model = LogLoad
        fields = (
            "id",
            "organisation",
            "source",
            "order",
            "kind",
            "filename",
            "status",
            "uploaded_at",
            "display",
            "web_url",
        )


class ExtractUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LogSourceViewSet(ScopedReadOnlyViewSet):
    model = LogSource
    serializer_class = LogSourceSerializer


class SamplingRoundViewSet(ScopedReadOnlyViewSet):
    """Rounds with their drawn units; who was drawn only for those who may see it."""

    model = SamplingRound
    serializer_class = SamplingRoundSerializer
    select_related = ("schedule__source",)

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        employees = DrawnEmployee.objects.visible_to(user).prefetch_related("days")
        units = DrawnUnit.objects.visible_to(user).prefetch_related(
            Prefetch("employees", queryset=employees)
        )
        return super().get_queryset().prefetch_related(Prefetch("units", queryset=units))


class ExtractOrderViewSet(ScopedReadOnlyViewSet):
    """Orders; POST `{id}/extract/` uploads the extract (the log administrator)."""

    model = ExtractOrder
    serializer_class = ExtractOrderSerializer
    select_related = ("drawn_unit",)

    @extend_schema(request=ExtractUploadSerializer, responses={201: LogLoadSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def extract(self, request: Request, pk: Any = None) -> Response:
        order = get_object_or_404(self.get_queryset(), pk=pk)  # an invisible order: 404
        form = UploadForm(request.data, request.FILES)
        if not form.is_valid():
            if not request.user.has_perm("logreview.fulfil_extractorder", order):
                services.deny(request.user, order, "fulfil extract order")
            raise exceptions.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        upload = form.cleaned_data["file"]
        load = services.order_fulfil(
            actor=request.user,
            order=order,
            filename=upload.name,
            data=upload.read(),
            language=get_language() or "",
        )
        data = LogLoadSerializer(load, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReviewOutcomeViewSet(ScopedReadOnlyViewSet):
    model = ReviewOutcome
    serializer_class = ReviewOutcomeSerializer
    select_related = ("order__drawn_unit",)


# --- unauthorised-access follow-ups (build 7) -------------------------------------------
class FollowUpDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpDecision
        fields = ("kind", "answer", "comment", "decided_by", "decided_at")


class JudgedAccessSerializer(serializers.Serializer):
    """One judged access as the follow-up's page shows it (the judgment's copy once the
    raw row is disposed of)."""

    time = serializers.DateTimeField(allow_null=True)
    client = serializers.CharField(help_text="The client's masked identity number.")
    action = serializers.CharField()
    record_part = serializers.CharField()
    verdict = serializers.CharField()
    comment = serializers.CharField()

    def to_representation(self, judgment: Any) -> dict[str, Any]:
        entry = judgment.entry
        return {
            "time": serializers.DateTimeField().to_representation(
                entry.time if entry else judgment.access_time
            )
            if (entry or judgment.access_time)
            else None,
            "client": entry.client_masked if entry else judgment.access_client,
            "action": entry.action if entry else judgment.access_action,
            "record_part": entry.record_part if entry else "",
            "verdict": judgment.verdict,
            "comment": judgment.comment,
        }


class FollowUpSerializer(ScopedModelSerializer):
    imy_deadline = serializers.SerializerMethodField(
        help_text="The 72-hour deadline of the incident, when the reader sees it."
    )
    decisions = serializers.SerializerMethodField()
    judgments = serializers.SerializerMethodField(help_text="The judged accesses, in time order.")

    class Meta:
        model = UnauthorisedAccess
        fields = (
            "id",
            "organisation",
            "system",
            "order",
            "case",
            "account",
            "employee_name",
            "aware_at",
            "imy_deadline",
            "incident",
            "removal_request",
            "escalated_to",
            "status",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "decisions",
            "judgments",
            "display",
            "web_url",
        )

    # The related rows' ids only to those who see them (DESIGN: tenancy), as the page.
    SEEN = {
        "order": "order_seen",
        "case": "case_seen",
        "incident": "incident_seen",
        "removal_request": "removal_request_seen",
    }

    def to_representation(self, instance: UnauthorisedAccess) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name, seen in self.SEEN.items():
            if not getattr(instance, seen):
                data[name] = None
        return data

    def get_imy_deadline(self, obj: Any) -> str | None:
        if not obj.incident_seen or obj.incident is None:
            return None
        return str(serializers.DateTimeField().to_representation(obj.incident.imy_deadline))

    @extend_schema_field(FollowUpDecisionSerializer(many=True))
    def get_decisions(self, obj: Any) -> list[Any]:
        return list(FollowUpDecisionSerializer(obj.shown_decisions, many=True).data)

    @extend_schema_field(JudgedAccessSerializer(many=True))
    def get_judgments(self, obj: Any) -> list[Any]:
        judged = obj.shown_suspicion_judgments if obj.case_id else obj.shown_judgments
        return list(JudgedAccessSerializer(judged, many=True).data)


class DecisionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    answer = serializers.BooleanField()
    comment = serializers.CharField(
        max_length=10_000, validators=[validate_no_control_characters_multiline]
    )


class FollowUpViewSet(ScopedReadOnlyViewSet):
    """Follow-ups of unauthorised access the reader needs to know of; every reading is
    recorded, as on the pages."""

    model = UnauthorisedAccess
    serializer_class = FollowUpSerializer
    select_related = ("incident",)
    listed_action = "logreview.followup.listed"
    viewed_action = "logreview.followup.viewed"

    def get_queryset(self) -> QuerySet:
        user = self.request.user

        def seen(model: Any, field: str) -> Exists:
            return Exists(model.objects.visible_to(user).filter(pk=OuterRef(field)))

        judged = {
            # In time order; a disposed access by the time kept on its judgment.
            model: model.objects.visible_to(user)
            .select_related("entry")
            .order_by(Coalesce("entry__time", "access_time"), "pk")
            for model in (Judgment, SuspicionJudgment)
        }
        return (
            super()
            .get_queryset()
            .annotate(
                order_seen=seen(ExtractOrder, "order_id"),
                case_seen=seen(SuspicionCase, "case_id"),
                incident_seen=seen(PersonalDataIncident, "incident_id"),
                removal_request_seen=seen(AccessRequest, "removal_request_id"),
            )
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=FollowUpDecision.objects.visible_to(user).order_by("pk"),
                    to_attr="shown_decisions",
                ),
                Prefetch("judgments", queryset=judged[Judgment], to_attr="shown_judgments"),
                Prefetch(
                    "suspicion_judgments",
                    queryset=judged[SuspicionJudgment],
                    to_attr="shown_suspicion_judgments",
                ),
            )
        )

    def _fresh(self, pk: Any) -> Response:
        followup = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(followup).data)

    @extend_schema(request=DecisionInputSerializer, responses={200: FollowUpSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        """Document one decision (yes or no, with a comment), as on the page."""
        followup = get_object_or_404(self.get_queryset(), pk=pk)  # not seen: 404
        data = DecisionInputSerializer(data=request.data)
        if not data.is_valid():
            if not request.user.has_perm("logreview.decide_unauthorisedaccess", followup):
                services.deny(request.user, followup, "decide")
            raise exceptions.ValidationError(data.errors)
        followups.decide(actor=request.user, followup=followup, **data.validated_data)
        return self._fresh(followup.pk)

    @extend_schema(request=None, responses={200: FollowUpSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """Close the follow-up once every decision is documented, as on the page."""
        followup = get_object_or_404(self.get_queryset(), pk=pk)
        followups.close(actor=request.user, followup=followup)
        return self._fresh(followup.pk)


# --- reviews on suspicion (build 6) -------------------------------------------------------
class SuspicionCaseSerializer(ScopedModelSerializer):
    """A case as its list shows it."""

    class Meta:
        model = SuspicionCase
        fields: tuple[str, ...] = (
            "id",
            "organisation",
            "source",
            "status",
            "requested_at",
            "display",
            "web_url",
        )


# The detail's fields by who the case's page shows them to (suspicion.what_user_sees).
_CASE_NAMED = ("requested_by", "attestant", "recipient", "senior_manager", "reason")
_CASE_SUBJECT = ("subject_user", "subject_account", "administrator")
_CASE_PERIOD = ("period_from", "period_to")


class SuspicionCaseDetailSerializer(SuspicionCaseSerializer):
    """A case as its page shows it to the reader; what the reader may not learn is null
    (the requester and the attestant never learn whom it concerns)."""

    requested_by = serializers.IntegerField(
        source="requested_by_id", read_only=True, allow_null=True
    )
    reason = serializers.CharField(read_only=True, allow_null=True)
    subject_account = serializers.CharField(read_only=True, allow_null=True)
    attestant = serializers.IntegerField(source="attestant_id", read_only=True, allow_null=True)
    recipient = serializers.IntegerField(source="recipient_id", read_only=True, allow_null=True)
    senior_manager = serializers.IntegerField(
        source="senior_manager_id", read_only=True, allow_null=True
    )
    subject_user = serializers.IntegerField(
        source="subject_user_id", read_only=True, allow_null=True
    )
    administrator = serializers.IntegerField(
        source="administrator_id", read_only=True, allow_null=True
    )
    documented_on = serializers.SerializerMethodField(
        help_text="The review's completion date, to those named on the case."
    )

    class Meta(SuspicionCaseSerializer.Meta):
        fields = (
            *SuspicionCaseSerializer.Meta.fields,
            *_CASE_NAMED,
            *_CASE_SUBJECT,
            *_CASE_PERIOD,
            "entered_at",
            "attested_at",
            "fulfilled_at",
            "from_store",
            "documented_on",
        )

    def get_documented_on(self, case: SuspicionCase) -> str | None:
        if case.status != "documented":
            return None
        # Through the outcome's own scope (those named on the case).
        outcome = (
            SuspicionOutcome.objects.visible_to(self.context["request"].user)
            .filter(case=case)
            .first()
        )
        return None if outcome is None else str(outcome.completed_on.isoformat())

    def to_representation(self, case: SuspicionCase) -> dict[str, Any]:
        data = super().to_representation(case)
        sees = suspicion.what_user_sees(self.context["request"].user, case)
        hidden = [
            *([] if sees["named"] else [*_CASE_NAMED, "documented_on"]),
            *([] if sees["subject"] else _CASE_SUBJECT),
            *([] if sees["period"] else _CASE_PERIOD),
        ]
        for name in hidden:
            data[name] = None
        return data


class SuspicionCaseViewSet(ScopedReadOnlyViewSet):
    """Reviews on suspicion, to those named on them (need to know); every reading is
    recorded, as on the pages."""

    model = SuspicionCase
    listed_action = "logreview.suspicioncase.listed"
    viewed_action = "logreview.suspicioncase.viewed"

    def get_serializer_class(self) -> Any:
        return (
            SuspicionCaseDetailSerializer if self.action == "retrieve" else SuspicionCaseSerializer
        )
