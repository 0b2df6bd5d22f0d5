"""Background work of access management: large snapshot imports, scheduled campaigns
and the escalation of overdue lists."""

from __future__ import annotations

from django_tasks import task

from forvalta.background.scheduler import schedule


@task()
def import_snapshot(snapshot_id: int) -> str:
    """Import a stored account export (idempotent: an imported snapshot is left)."""
    from forvalta.access.services import run_snapshot_import

    return run_snapshot_import(snapshot_id)


@task()
def access_review_daily() -> str:
    """Create scheduled campaigns and escalate overdue lists (idempotent)."""
    from forvalta.access.services import escalate_overdue, scheduled_campaigns

    made = scheduled_campaigns()
    escalated = escalate_overdue()
    return f"{made} campaigns, {escalated} escalations"


schedule("access.daily", access_review_daily, cron="15 6 * * *")
