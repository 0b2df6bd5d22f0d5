"""API: bodies, meetings, decisions, circulations and votes (read), and a member's vote
(POST), under the same scope and rules as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from forvalta.core.api_base import ScopedModelSerializer, ScopedReadOnlyViewSet
from forvalta.governance import filters, services
from forvalta.governance.models import Body, Circulation, Decision, Meeting, Vote, VoteChoice
from forvalta.processes.selectors import person_label


class PeopleShownMixin:
    """The ids of people the reader may not see are given as null."""

    people_fields: tuple[str, ...] = ()
    context: dict[str, Any]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]  # a serializer
        user = self.context["request"].user
        cache = self.context.setdefault("_people_shown", {})
        for name in self.people_fields:
            person = getattr(instance, name)
            if person is not None and person_label(user, person, cache) is not person:
                data[name] = None
        return data


class BodySerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("chair", "convener", "secretary")

    class Meta:
        model = Body
        fields = [
            "id",
            "web_url",
            "display",
            "name",
            "kind",
            "organisation",
            "management_object",
            "service",
            "chair",
            "convener",
            "secretary",
            "frequency",
            "notice_days",
            "circulation_rule",
            "circulation_quorum",
            "circulation_kinds",
            "circulation_min_days",
            "rhythm",
            "rhythm_interval",
            "rhythm_weekday",
            "rhythm_week_of_month",
            "rhythm_time",
            "rhythm_minutes",
            "rhythm_from",
            "rhythm_until",
            "rhythm_place",
            "rhythm_video_link",
            "rhythm_days_ahead",
        ]
        read_only_fields = fields


class MeetingSerializer(ScopedModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "web_url",
            "display",
            "body",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "video_link",
            "status",
            "notice_sent_at",
            "late_notice_reason",
            "held_on",
            "minutes_version",
            "minutes_approved_at",
            "published_at",
            "occurrence_on",
        ]
        read_only_fields = fields


class DecisionSerializer(ScopedModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "id",
            "web_url",
            "display",
            "number",
            "decided_on",
            "body",
            "kind",
            "title",
            "text",
            "basis",
            "basis_link",
            "made_by",
            "paragraph",
            "circulation",
        ]
        read_only_fields = fields


class CirculationSerializer(ScopedModelSerializer):
    class Meta:
        model = Circulation
        fields = [
            "id",
            "web_url",
            "display",
            "body",
            "title",
            "kind",
            "proposal",
            "basis",
            "basis_link",
            "deadline",
            "status",
            "result",
            "closed_at",
        ]
        read_only_fields = fields


class VoteSerializer(PeopleShownMixin, ScopedModelSerializer):
    people_fields = ("cast_by",)

    class Meta:
        model = Vote
        fields = [
            "id",
            "web_url",
            "display",
            "circulation",
            "organisation",
            "voter_role",
            "cast_by",
            "choice",
            "reason",
            "updated_at",
        ]
        read_only_fields = fields


class CastVoteSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BodyViewSet(ScopedReadOnlyViewSet):
    model = Body
    select_related = ("organisation", "chair", "convener", "secretary")
    serializer_class = BodySerializer
    filterset_class = filters.BodyFilterSet


class MeetingViewSet(ScopedReadOnlyViewSet):
    model = Meeting
    serializer_class = MeetingSerializer
    filterset_class = filters.MeetingFilterSet


class DecisionViewSet(ScopedReadOnlyViewSet):
    model = Decision
    serializer_class = DecisionSerializer
    filterset_class = filters.DecisionFilterSet


class CirculationViewSet(ScopedReadOnlyViewSet):
    model = Circulation
    serializer_class = CirculationSerializer
    filterset_class = filters.CirculationFilterSet

    @extend_schema(request=CastVoteSerializer, responses={200: VoteSerializer})
    # Who may vote is the service's rule (the member's representative or substitute),
    # not a permission on the circulation; the circulation is still found in the scope.
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def vote(self, request: Request, pk: Any = None) -> Response:
        """Cast or change the vote of the member one represents (as on the page)."""
        circulation = self.get_object()
        given = CastVoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            vote = services.vote_cast(
                actor=request.user,
                circulation=circulation,
                choice=given.validated_data["choice"],
                reason=given.validated_data["reason"],
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"detail": exc.messages}) from exc
        return Response(VoteSerializer(vote, context=self.get_serializer_context()).data)


class VoteViewSet(ScopedReadOnlyViewSet):
    model = Vote
    select_related = ("cast_by",)
    serializer_class = VoteSerializer
    filterset_class = filters.VoteFilterSet
