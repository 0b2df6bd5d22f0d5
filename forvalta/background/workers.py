"""What keeps the database queue honest when a worker dies.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again:
a worker killed with SIGKILL, or a machine lost, would leave its task running forever.
Every `run_worker` process therefore writes a heartbeat, and every worker puts back in the
queue the tasks whose worker has been silent for FORVALTA_TASKS_STALE_SECONDS. A task is
thus run at least once, possibly twice when its worker died mid-way: tasks must be
idempotent (check what is already done, record completion under a unique key). A task
claimed FORVALTA_TASKS_MAX_ATTEMPTS times without finishing is failed instead, with the
error stored on the task result like any other failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from forvalta.background import scheduler
from forvalta.background.models import WorkerHeartbeat

logger = logging.getLogger("forvalta.background")


class WorkerLostError(Exception):
    """The worker running this task stopped without finishing it, too many times."""


def beat(worker_id: str, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            last_seen=now,
        )


def requeue_orphans(*, now: dt.datetime | None = None) -> int:
    """Put back in the queue the running tasks whose worker is gone; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.FORVALTA_TASKS_STALE_SECONDS)
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff - dt.timedelta(days=1)).delete()
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )
    candidates = [
        result.pk
        for result in DBTaskResult.objects.running().filter(started_at__lt=cutoff)
        if not (result.worker_ids and result.worker_ids[-1] in alive)
    ]
    requeued = 0
    max_attempts = int(getattr(settings, "FORVALTA_TASKS_MAX_ATTEMPTS", 3))
    for pk in candidates:
        with transaction.atomic():
            result = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=pk, status=TaskResultStatus.RUNNING)
                .first()
            )
            if result is None or (result.worker_ids and result.worker_ids[-1] in alive):
                continue
            if len(result.worker_ids) >= max_attempts:
                logger.error("Task %s lost its worker %d times: failed", pk, max_attempts)
                result.set_failed(
                    WorkerLostError(f"worker stopped mid-task {len(result.worker_ids)} times")
                )
                continue
            logger.warning("Task %s lost its worker %s: back in the queue", pk, result.worker_ids)
            DBTaskResult.objects.filter(pk=pk).update(
                status=TaskResultStatus.READY, started_at=None
            )
            requeued += 1
    return requeued


class Supervisor(threading.Thread):
    """Beside a worker: heartbeat, requeue orphaned tasks, and (optionally) scheduler ticks."""

    def __init__(self, worker_id: str, *, run_scheduler: bool) -> None:
        super().__init__(name=f"forvalta-supervisor-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.run_scheduler = run_scheduler
        self.stopping = threading.Event()
        self._last_tick = 0.0

    def step(self) -> None:
        close_old_connections()
        beat(self.worker_id)
        requeue_orphans()
        if self.run_scheduler:
            now = timezone.now().timestamp()
            if now - self._last_tick >= settings.FORVALTA_SCHEDULER_TICK_SECONDS:
                self._last_tick = now
                claimed = scheduler.tick()
                if claimed:
                    logger.info("Scheduler enqueued %s", ", ".join(claimed))

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.step()
                except Exception:
                    logger.exception("Worker supervision failed; trying again")
                self.stopping.wait(settings.FORVALTA_TASKS_HEARTBEAT_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
