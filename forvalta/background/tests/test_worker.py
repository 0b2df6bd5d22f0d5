"""The real database worker, as a subprocess: it runs tasks, survives `kill -9`, stores
errors, and its scheduler runs the first periodic job (chaining staged audit events)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from forvalta.audit.models import AuditPending
from forvalta.audit.services import event_fields, stage
from forvalta.background.models import ScheduledJob, WorkerHeartbeat
from forvalta.background.scheduler import sync_jobs
from forvalta.background.tests.conftest import DATABASE_TASKS, wait_for
from forvalta.background.tests.tasks import fail_on_purpose


def status_of(result_id: Any) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


@override_settings(TASKS=DATABASE_TASKS, ROOT_URLCONF="forvalta.background.tests.urls")
def test_a_worker_killed_mid_task_leaves_it_to_the_next_worker_which_completes_it_once(
    start_worker: Any, tmp_path: Path
) -> None:
    (tmp_path / "hold").touch()
    response = Client().post("/enqueue/", {"directory": str(tmp_path), "key": "k1"})
    assert response.status_code == 202
    result = DBTaskResult.objects.get()
    assert response.json() == {"id": str(result.id)}
    assert (result.task_path, result.status) == (
        "forvalta.background.tests.tasks.record_completion",
        TaskResultStatus.READY,
    )

    first = start_worker("--no-scheduler")
    wait_for(lambda: (tmp_path / "attempts").exists(), 15, "the first worker to start the task")
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    # Killed mid-task: the task is still marked running, and did not complete.
    assert status_of(result.id) == TaskResultStatus.RUNNING
    assert not (tmp_path / "done-k1").exists()

    (tmp_path / "hold").unlink()
    second = start_worker("--no-scheduler")
    wait_for(
        lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL,
        15,
        "the second worker to requeue and finish the task",
    )
    row = DBTaskResult.objects.get(pk=result.id)
    attempts = (tmp_path / "attempts").read_text().split()
    assert len(attempts) == 2
    assert len(set(attempts)) == 2  # two processes, one attempt each
    assert row.return_value == "done"
    assert len(row.worker_ids) == 2
    assert (tmp_path / "done-k1").exists()
    assert not (tmp_path / "duplicates").exists()
    assert second.poll() is None
    second.send_signal(signal.SIGTERM)
    assert second.wait(10) == 0
    # A worker that stops cleanly removes its heartbeat; the killed one's stays, stale.
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_failed_task_keeps_its_error_on_the_task_result() -> None:
    result = fail_on_purpose.enqueue("a broken import")
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker's own steps (its loop closes connections, which a test transaction forbids).
    claimed = DBTaskResult.objects.ready().get_locked()
    assert claimed is not None
    claimed.claim(worker.worker_id)
    worker.run_task(claimed)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "builtins.ValueError"
    assert "failed on purpose: a broken import" in row.traceback
    assert DBTaskResult.objects.failed().count() == 1
    refreshed = fail_on_purpose.get_result(result.id)
    assert refreshed.status == TaskResultStatus.FAILED
    assert refreshed.errors[0].exception_class is ValueError


@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_runs_the_scheduled_audit_chaining_job(start_worker: Any) -> None:
    with transaction.atomic():
        for i in range(3):
            stage(
                event_fields(actor=None, action="test.staged", object_repr=f"left {i}"),
                occurred_at=timezone.now(),
            )
    sync_jobs()
    job = ScheduledJob.objects.get(name="audit.chain_staged_events")
    assert job.next_run_at <= timezone.now()
    assert AuditPending.objects.count() == 3

    worker = start_worker("--batch")  # ticks once at start, runs what is queued, exits
    assert worker.wait(20) == 0
    job.refresh_from_db()
    assert job.last_run_at is not None
    assert job.next_run_at > job.last_run_at
    row = DBTaskResult.objects.get(pk=job.last_result_id)
    assert row.task_path == "forvalta.audit.tasks.chain_staged_audit_events"
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert AuditPending.objects.count() == 0
