"""The plan's goal-setting workflow (003 4.1): draft -> proposed -> aligned -> decided
(fastställd) -> in follow-up -> closed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forvalta.core.controls import control_fulfilled
from forvalta.core.models import today
from forvalta.plans.models import ManagementPlan, PlanStatus
from forvalta.workflow.engine import COMMENT, DECISION, Transition, Workflow, register


def _has_goals(plan: ManagementPlan) -> str | None:
    if not plan.goals.exists():  # type: ignore[attr-defined]  # reverse relation
        return gettext("A plan is proposed with at least one goal.")
    return None


def _decision_recorded(plan: ManagementPlan) -> str | None:
    if not plan.decision_reference or not plan.decided_on:
        return gettext(
            "Record the decision first (its reference and date, and who decided) on the "
            "plan's decision page."
        )
    return None


def _decided(plan: Any, actor: Any) -> None:
    """The decided plan fulfils the annual control "plan_decision" (sent inside the
    transition's transaction; the compliance part listens)."""
    control_fulfilled.send(
        sender=ManagementPlan,
        kind="plan_decision",
        organisation=plan.organisation,
        target=plan.management_object or plan.service,
        on=plan.decided_on or today(),
        evidence=plan,
    )


PLAN = register(
    Workflow(
        ManagementPlan,
        field="status",
        transitions=[
            Transition(
                "propose",
                _("Propose the plan"),
                source=(PlanStatus.DRAFT,),
                target=PlanStatus.PROPOSED,
                permission="plans.change_managementplan",
                check=_has_goals,
                primary=True,
            ),
            Transition(
                "align",
                _("Aligned with the steering group"),
                source=(PlanStatus.PROPOSED,),
                target=PlanStatus.ALIGNED,
                permission="plans.change_managementplan",
                primary=True,
            ),
            Transition(
                "return",
                _("Return to draft"),
                source=(PlanStatus.PROPOSED, PlanStatus.ALIGNED),
                target=PlanStatus.DRAFT,
                permission="plans.change_managementplan",
                requires=(COMMENT,),
            ),
            Transition(
                "decide",
                _("Decide the plan"),
                source=(PlanStatus.ALIGNED,),
                target=PlanStatus.DECIDED,
                permission="plans.decide_managementplan",
                requires=(DECISION,),
                check=_decision_recorded,
                effect=_decided,
            ),
            Transition(
                "follow_up",
                _("Start the follow-up"),
                source=(PlanStatus.DECIDED,),
                target=PlanStatus.FOLLOW_UP,
                permission="plans.followup_managementplan",
                primary=True,
            ),
            Transition(
                "close",
                _("Close the plan"),
                source=(PlanStatus.FOLLOW_UP,),
                target=PlanStatus.CLOSED,
                permission="plans.followup_managementplan",
                requires=(COMMENT,),
            ),
        ],
    )
)
