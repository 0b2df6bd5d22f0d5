"""The scheduler: periodic jobs declared by the apps, run once each time they fall due.

An app declares its jobs in its ``tasks.py``::

    from django_tasks import task
    from forvalta.background.scheduler import schedule

    @task()
    def send_reminders() -> int: ...

    schedule("reminders.send", send_reminders, cron="0 7 * * 1-5")   # 07:00 Stockholm time
    schedule("audit.chain", chain_staged_audit_events, every=60)     # every minute

`sync_jobs` (run after every migrate and when a worker or `run_scheduler` starts) writes the
declarations into `ScheduledJob` rows. `tick` enqueues the due jobs. A job is claimed by
moving its `next_run_at` forward in the same transaction that enqueues its task: on
PostgreSQL the due rows are locked with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two
ticks at once split the work instead of repeating it; on SQLite (no row locks) a job is
claimed by an UPDATE conditioned on the `next_run_at` the tick read, which only one tick
can win. The next run is computed from the time of the tick, so a scheduler that was down
for a day runs a missed job once, not once per missed period.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django_tasks.base import Task

logger = logging.getLogger("forvalta.background")

BATCH_SIZE = 100


@dataclass(frozen=True)
class JobSpec:
    name: str
    task_path: str
    cron: str = ""
    every: int | None = None


_REGISTRY: dict[str, JobSpec] = {}


def schedule(name: str, task: Task | str, *, cron: str = "", every: int | None = None) -> None:
    """Declare a periodic job: a cron expression (Europe/Stockholm) or an interval in seconds."""
    if bool(cron) == bool(every):
        raise ValueError(f"Scheduled job {name!r} needs exactly one of cron= or every=")
    if cron and not croniter.is_valid(cron):
        raise ValueError(f"Scheduled job {name!r} has an invalid cron expression {cron!r}")
    if every is not None and every <= 0:
        raise ValueError(f"Scheduled job {name!r} needs a positive interval")
    task_path = task if isinstance(task, str) else task.module_path
    spec = JobSpec(name=name, task_path=task_path, cron=cron, every=every)
    existing = _REGISTRY.get(name)
    if existing is not None and existing != spec:
        raise ValueError(f"Scheduled job {name!r} is declared twice")
    _REGISTRY[name] = spec


def declared_jobs() -> dict[str, JobSpec]:
    return dict(_REGISTRY)


def autodiscover() -> None:
    """Import every installed app's tasks.py, where jobs are declared."""
    autodiscover_modules("tasks")


def next_run(*, cron: str, interval_seconds: int | None, after: dt.datetime) -> dt.datetime:
    if cron:
        local = after.astimezone(ZoneInfo(settings.TIME_ZONE))
        result: dt.datetime = croniter(cron, local).get_next(dt.datetime)
        return result.astimezone(dt.UTC)
    assert interval_seconds
    return after + dt.timedelta(seconds=interval_seconds)


def sync_jobs(*, using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None) -> None:
    """Write the declared jobs into the database; keep the state of those that exist.

    A new interval job first runs at once, a new cron job at its next time. A job whose
    schedule changed is rescheduled; one no longer declared is kept but no longer runs.
    """
    from forvalta.background.models import ScheduledJob

    if ScheduledJob._meta.db_table not in connections[using].introspection.table_names():
        return
    now = now or timezone.now()
    with transaction.atomic(using=using):
        rows = {job.name: job for job in ScheduledJob.objects.using(using).select_for_update()}
        for spec in _REGISTRY.values():
            job = rows.get(spec.name)
            if job is None:
                first = (
                    now
                    if spec.every
                    else next_run(cron=spec.cron, interval_seconds=None, after=now)
                )
                ScheduledJob.objects.using(using).create(
                    name=spec.name,
                    task_path=spec.task_path,
                    cron=spec.cron,
                    interval_seconds=spec.every,
                    next_run_at=first,
                )
                continue
            changed = (job.cron, job.interval_seconds) != (spec.cron, spec.every)
            if changed or job.task_path != spec.task_path or not job.declared:
                job.task_path = spec.task_path
                job.cron, job.interval_seconds = spec.cron, spec.every
                job.declared = True
                if changed:
                    job.next_run_at = next_run(
                        cron=spec.cron, interval_seconds=spec.every, after=now
                    )
                job.save(using=using)
        ScheduledJob.objects.using(using).exclude(name__in=list(_REGISTRY)).filter(
            declared=True
        ).update(declared=False)


def _enqueue(job: Any) -> str:
    """Enqueue the job's task. The database backend writes in the claiming transaction, so
    the claim and the queued task commit together; other backends enqueue after commit."""
    from django_tasks_db import DatabaseBackend

    task: Task = import_string(job.task_path)
    if isinstance(task.get_backend(), DatabaseBackend):
        return str(task.enqueue().id)
    transaction.on_commit(task.enqueue)
    return ""


def _run(job: Any, now: dt.datetime, using: str) -> None:
    try:
        with transaction.atomic(using=using):
            job.last_result_id = _enqueue(job)
    except Exception:
        # A job whose task cannot be enqueued (renamed, broken import) must not block the
        # others or spin: it is logged and waits for its next time like any other.
        logger.exception("Scheduled job %s could not be enqueued", job.name)
        job.last_result_id = ""


def tick(*, using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every due job once; returns the names of the jobs this tick claimed."""
    from forvalta.background.models import ScheduledJob

    now = now or timezone.now()
    due = ScheduledJob.objects.using(using).filter(
        enabled=True, declared=True, next_run_at__lte=now
    )
    claimed: list[str] = []
    if connections[using].features.has_select_for_update_skip_locked:
        with transaction.atomic(using=using):
            for job in due.select_for_update(skip_locked=True).order_by("next_run_at")[:BATCH_SIZE]:
                job.next_run_at = next_run(
                    cron=job.cron, interval_seconds=job.interval_seconds, after=now
                )
                job.last_run_at = now
                _run(job, now, using)
                job.save(
                    using=using, update_fields=["next_run_at", "last_run_at", "last_result_id"]
                )
                claimed.append(job.name)
        return claimed
    for job in list(due.order_by("next_run_at")[:BATCH_SIZE]):
        if claim(job, now=now, using=using):
            claimed.append(job.name)
    return claimed


def claim(job: Any, *, now: dt.datetime, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Claim one job read earlier by moving its next_run_at from the value that was read;
    only one of several ticks that read the same value wins. Enqueues when it wins."""
    from forvalta.background.models import ScheduledJob

    following = next_run(cron=job.cron, interval_seconds=job.interval_seconds, after=now)
    with transaction.atomic(using=using):
        won = (
            ScheduledJob.objects.using(using)
            .filter(pk=job.pk, enabled=True, next_run_at=job.next_run_at)
            .update(next_run_at=following, last_run_at=now)
        )
        if not won:
            return False
        _run(job, now, using)
        ScheduledJob.objects.using(using).filter(pk=job.pk).update(
            last_result_id=job.last_result_id
        )
    return True
