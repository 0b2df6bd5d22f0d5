"""The register's background tasks: large imports (`imports/jobs.py`)."""

from __future__ import annotations

from django_tasks import task

from forvalta.background.scheduler import schedule
from forvalta.register.imports import jobs


@task()
def preview_import_job(job_id: int) -> str:
    """Check the rows of an uploaded file (idempotent: a job already checked is left)."""
    return jobs.run_preview(job_id)


@task()
def apply_import_job(job_id: int) -> str:
    """Import a confirmed file in one transaction (idempotent: a job done is not redone)."""
    return jobs.run_apply(job_id)


@task()
def prune_import_jobs() -> int:
    """Remove import runs ended more than FORVALTA_IMPORT_JOBS_KEEP_DAYS ago."""
    return jobs.prune_jobs()


schedule("register.prune_import_jobs", prune_import_jobs, cron="45 3 * * *")
