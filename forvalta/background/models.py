"""Scheduled jobs and the heartbeats of the database workers.

Neither holds organisation data: a job names a task and its schedule, a heartbeat names
a worker process. Both are platform rows and need no tenancy declaration.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """A periodic job, declared in an app's tasks.py (`scheduler.schedule`) and synced here.

    `next_run_at` is the persisted state that lets the scheduler survive restarts; a tick
    claims a due job by moving `next_run_at` forward in the transaction that enqueues it.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    task_path = models.CharField(_("task"), max_length=255)
    cron = models.CharField(_("cron expression"), max_length=100, blank=True)
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_result_id = models.CharField(_("last task result"), max_length=64, blank=True)
    declared = models.BooleanField(
        _("declared"),
        default=True,
        help_text=_("False when no app declares the job any more; it no longer runs."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(cron="") | models.Q(interval_seconds__gt=0),
                name="background_job_has_schedule",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A running database worker; `last_seen` moves every few seconds while it lives."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
