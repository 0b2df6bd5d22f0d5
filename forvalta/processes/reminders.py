"""The processes' deadlines for the daily reminders (forvalta.notifications): the open
steps of running processes, each for its assignee, read through the assignee's own
scope (a step the person no longer sees is not reminded of)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from forvalta.core.models import User
from forvalta.notifications.registry import Deadline, deadline_source
from forvalta.processes.models import FINISHED, ProcessStep, RunStatus


@deadline_source
def process_steps(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    open_steps = ProcessStep.objects.filter(
        due_on__isnull=False, due_on__lte=horizon, run__status=RunStatus.IN_PROGRESS
    ).exclude(status__in=FINISHED)
    people = User.objects.filter(
        is_active=True, pk__in=open_steps.filter(assignee__isnull=False).values("assignee_id")
    ).order_by("pk")
    for person in people:
        steps = (
            ProcessStep.objects.visible_to(person)
            .filter(pk__in=open_steps.filter(assignee=person).values("pk"))
            .order_by("due_on", "pk")
        )
        for step in steps:
            assert step.due_on is not None
            yield Deadline(person=person, obj=step, due_on=step.due_on)
