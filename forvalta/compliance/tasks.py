"""The annual cycle's scheduled work: occurrences generated ahead, overdue ones escalated."""

from __future__ import annotations

from django_tasks import task

from forvalta.background.scheduler import schedule


@task()
def generate_control_occurrences() -> int:
    """The agreements' renewal controls brought in step with their renewal dates, then
    this year's and next year's occurrences of every active control (idempotent)."""
    from forvalta.compliance.services import generate_ahead

    return generate_ahead()


@task()
def escalate_overdue_controls() -> int:
    """Tell the process owners about controls overdue past their escalation days (once)."""
    from forvalta.compliance.services import escalate_overdue

    return escalate_overdue()


schedule("compliance.generate_occurrences", generate_control_occurrences, cron="15 2 * * *")
schedule("compliance.escalate_overdue", escalate_overdue_controls, cron="30 7 * * 1-5")
