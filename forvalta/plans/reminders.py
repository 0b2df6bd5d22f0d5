"""The goal-setting calendar's deadlines for the daily reminders (forvalta.notifications):
each open milestone of a plan not yet decided, for whoever holds the milestone's
responsible role on the plan's target today, read through that person's own scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q

from forvalta.core.models import User
from forvalta.notifications.registry import Deadline, deadline_source
from forvalta.plans.models import EDITABLE, PlanMilestone
from forvalta.register.models import RoleAssignment


def responsible(milestone: PlanMilestone) -> list[User]:
    """The holders of the milestone's role on the plan's object or service (for a
    service, also on its object), today."""
    if milestone.role_type_id is None:
        return []
    plan = milestone.plan
    where = (
        Q(management_object_id=plan.management_object_id)
        if plan.management_object_id
        else Q(service_id=plan.service_id)
    )
    if plan.service is not None and plan.service.management_object_id:
        where |= Q(management_object_id=plan.service.management_object_id)
    people = (
        RoleAssignment.objects.active()
        .filter(where, role_type_id=milestone.role_type_id, person__is_active=True)
        .values("person_id")
    )
    return list(User.objects.filter(pk__in=people).order_by("pk"))


@deadline_source
def plan_milestones(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    open_milestones = (
        PlanMilestone.objects.filter(
            done_on__isnull=True, due_on__lte=horizon, plan__status__in=EDITABLE
        )
        .select_related("plan", "plan__service")
        .order_by("due_on", "pk")
    )
    for milestone in open_milestones:
        for person in responsible(milestone):
            if PlanMilestone.objects.visible_to(person).filter(pk=milestone.pk).exists():
                yield Deadline(person=person, obj=milestone, due_on=milestone.due_on)
