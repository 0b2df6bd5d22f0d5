"""The processes' entries in the calendar feed: the open steps given to the person and
the due dates of the runs they manage (a run is due when its last step is)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from forvalta.calendarfeed.registry import FeedItem, register
from forvalta.processes.models import FINISHED, ProcessRun, ProcessStep, RunStatus

CLOSED_RUNS = (RunStatus.COMPLETED, RunStatus.CANCELLED)


@register
def process_deadlines(user: Any) -> Iterator[FeedItem]:
    steps = (
        ProcessStep.objects.visible_to(user)
        .filter(assignee=user, due_on__isnull=False)
        .exclude(status__in=FINISHED)
        .exclude(run__status__in=CLOSED_RUNS)
        .select_related("run")
        .order_by("due_on", "pk")
    )
    for step in steps:
        assert step.due_on is not None
        yield FeedItem(
            kind="process-step",
            pk=step.pk,
            summary=_("Step: %(step)s (%(run)s)") % {"step": step.name, "run": step.run.name},
            start=step.due_on,
            description=step.description,
            url=step.get_absolute_url(),
        )
    runs = (
        ProcessRun.objects.visible_to(user)
        .filter(manager=user)
        .exclude(status__in=CLOSED_RUNS)
        .annotate(due_on=Max("steps__due_on"))
        .filter(due_on__isnull=False)
        .order_by("due_on", "pk")
    )
    for run in runs:
        yield FeedItem(
            kind="process-run",
            pk=run.pk,
            summary=_("Run due: %(run)s") % {"run": run.name},
            start=run.due_on,
            url=run.get_absolute_url(),
        )
