"""The workflows of runs and steps (see forvalta.workflow.engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import today
from forvalta.processes.models import FINISHED, ProcessRun, ProcessStep, RunStatus, StepStatus
from forvalta.workflow.engine import COMMENT, Transition, Waiting, Workflow, register


def _run_in_progress(step: ProcessStep) -> str | None:
    if step.run.status != RunStatus.IN_PROGRESS:
        return gettext("The run is not in progress: start the run first.")
    return None


def _ready(step: ProcessStep) -> str | None:
    problem = _run_in_progress(step)
    if problem:
        return problem
    waiting = list(step.blocking_steps().values_list("order", "name"))
    if waiting:
        names = ", ".join(f"{order}. {name}" for order, name in waiting)
        return gettext(
            "This step waits for the previous steps, which are not done yet: %(steps)s."
        ) % {"steps": names}
    return None


@dataclass(frozen=True)
class Completion:
    """What another part does when a run of one of the seeds' templates completes (by the
    template's code, also for an organisation's copy of it): `check` says why the run
    cannot complete yet (or None); `effect` acts, in the completion's transaction, and
    raises `TransitionRefused` to refuse it after all."""

    check: Callable[[ProcessRun], str | None]
    effect: Callable[[ProcessRun, Any], None]


COMPLETIONS: dict[str, Completion] = {}


def on_completion(code: str, completion: Completion) -> None:
    """Declared by a part in its AppConfig.ready (e.g. compliance: "decommissioning")."""
    COMPLETIONS[code] = completion


def template_code(run: ProcessRun) -> str:
    """The code of the run's template, or of the seeded template it was copied from
    (through copies of copies)."""
    template: Any = run.template
    for _depth in range(20):
        if template.code or template.copied_from_id is None:
            return str(template.code)
        template = template.copied_from
    return ""


def _all_finished(run: ProcessRun) -> str | None:
    open_steps = list(
        run.steps.exclude(status__in=FINISHED).values_list("order", "name")  # type: ignore[attr-defined]  # reverse relation
    )
    if open_steps:
        names = ", ".join(f"{order}. {name}" for order, name in open_steps)
        return gettext(
            "The run can be completed only when every step is done or not applicable. "
            "Still open: %(steps)s."
        ) % {"steps": names}
    completion = COMPLETIONS.get(template_code(run))
    return completion.check(run) if completion is not None else None


def _run_completed(run: ProcessRun, actor: Any) -> None:
    run.completed_on = today()
    completion = COMPLETIONS.get(template_code(run))
    if completion is not None:
        completion.effect(run, actor)


def _started(run: Any, actor: Any) -> None:
    run.started_on = today()


def _steps_given(run: ProcessRun) -> Iterator[Waiting]:
    """Starting a run gives each open step to its assignee (notified: step_assigned)."""
    steps = (
        run.steps.filter(assignee__isnull=False)  # type: ignore[attr-defined]  # reverse relation
        .exclude(status__in=FINISHED)
        .select_related("assignee")
        .order_by("order", "pk")
    )
    for step in steps:
        yield Waiting(step.assignee, "step_assigned", step)


def _completed(obj: Any, actor: Any) -> None:
    obj.completed_on = today()


def _reopened(step: Any, actor: Any) -> None:
    step.completed_on = None


RUN = register(
    Workflow(
        ProcessRun,
        field="status",
        transitions=[
            Transition(
                "start",
                _("Start the run"),
                source=(RunStatus.PLANNED,),
                target=RunStatus.IN_PROGRESS,
                permission="processes.change_processrun",
                effect=_started,
                primary=True,
                waiting=_steps_given,
            ),
            Transition(
                "complete",
                _("Complete the run"),
                source=(RunStatus.IN_PROGRESS,),
                target=RunStatus.COMPLETED,
                permission="processes.change_processrun",
                check=_all_finished,
                effect=_run_completed,
                primary=True,
            ),
            Transition(
                "cancel",
                _("Cancel the run"),
                source=(RunStatus.PLANNED, RunStatus.IN_PROGRESS),
                target=RunStatus.CANCELLED,
                permission="processes.change_processrun",
                requires=(COMMENT,),
            ),
        ],
    )
)

STEP = register(
    Workflow(
        ProcessStep,
        field="status",
        lock_first="run",
        transitions=[
            Transition(
                "start",
                _("Start the step"),
                source=(StepStatus.TODO,),
                target=StepStatus.IN_PROGRESS,
                permission="processes.work_processstep",
                check=_ready,
            ),
            Transition(
                "complete",
                _("Mark as done"),
                source=(StepStatus.TODO, StepStatus.IN_PROGRESS),
                target=StepStatus.DONE,
                permission="processes.work_processstep",
                check=_ready,
                effect=_completed,
                primary=True,
            ),
            Transition(
                "skip",
                _("Not applicable"),
                source=(StepStatus.TODO, StepStatus.IN_PROGRESS),
                target=StepStatus.NOT_APPLICABLE,
                permission="processes.work_processstep",
                requires=(COMMENT,),
                check=_run_in_progress,
                effect=_completed,
            ),
            Transition(
                "reopen",
                _("Reopen"),
                source=(StepStatus.DONE, StepStatus.NOT_APPLICABLE),
                target=StepStatus.TODO,
                permission="processes.assign_processstep",
                requires=(COMMENT,),
                check=_run_in_progress,
                effect=_reopened,
            ),
        ],
    )
)
