"""The plans' entries in the calendar feed: the open milestones of the goal-setting
calendar that the person is responsible for (holds the milestone's role on the plan's
object or service), of plans not yet decided that the person sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from forvalta.calendarfeed.registry import FeedItem, register
from forvalta.plans.models import EDITABLE, PlanMilestone
from forvalta.register.models import RoleAssignment


@register
def plan_milestones(user: Any) -> Iterator[FeedItem]:
    # scoping: allowed the user's own roles, as a condition on milestones read through visible_to
    holds = RoleAssignment.objects.active().filter(
        Q(management_object_id=OuterRef("plan__management_object_id"))
        | Q(service_id=OuterRef("plan__service_id")),
        person_id=user.pk,
        role_type_id=OuterRef("role_type_id"),
    )
    milestones = (
        PlanMilestone.objects.visible_to(user)
        .filter(done_on__isnull=True, plan__status__in=EDITABLE)
        .filter(Exists(holds))
        .select_related("plan")
        .order_by("due_on", "pk")
    )
    for milestone in milestones:
        yield FeedItem(
            kind="plan-milestone",
            pk=milestone.pk,
            summary=_("Plan: %(milestone)s (%(plan)s)")
            % {"milestone": milestone.name, "plan": milestone.plan},
            start=milestone.due_on,
            url=milestone.plan.get_absolute_url(),
        )
