"""Which running tasks a worker puts back in the queue, and when it gives up on one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from forvalta.background.models import WorkerHeartbeat
from forvalta.background.tests.conftest import DATABASE_TASKS
from forvalta.background.tests.tasks import add
from forvalta.background.workers import beat, requeue_orphans

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("database_tasks"),
]


@pytest.fixture
def database_tasks() -> Iterator[None]:
    with override_settings(TASKS=DATABASE_TASKS, FORVALTA_TASKS_STALE_SECONDS=60):
        yield


def running(worker_ids: list[str], started: dt.datetime) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=add.enqueue(1, 2).id)
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING, worker_ids=worker_ids, started_at=started
    )
    return result


def test_only_tasks_of_silent_workers_go_back_to_the_queue() -> None:
    now = timezone.now()
    long_ago = now - dt.timedelta(minutes=10)
    beat("alive", now=now - dt.timedelta(seconds=5))
    beat("silent", now=now - dt.timedelta(seconds=61))
    of_alive = running(["alive"], long_ago)
    of_silent = running(["silent"], long_ago)
    of_unknown = running(["never-beat"], long_ago)
    just_started = running(["also-unknown"], now - dt.timedelta(seconds=30))

    assert requeue_orphans(now=now) == 2
    statuses = {pk: status for pk, status in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses == {
        of_alive.pk: TaskResultStatus.RUNNING,
        of_silent.pk: TaskResultStatus.READY,
        of_unknown.pk: TaskResultStatus.READY,
        just_started.pk: TaskResultStatus.RUNNING,  # within the grace period
    }
    assert DBTaskResult.objects.get(pk=of_silent.pk).started_at is None
    assert requeue_orphans(now=now) == 0


def test_a_task_that_lost_its_worker_three_times_fails_with_the_reason_stored() -> None:
    now = timezone.now()
    result = running(["w1", "w2", "w3"], now - dt.timedelta(minutes=10))
    assert requeue_orphans(now=now) == 0
    row = DBTaskResult.objects.get(pk=result.pk)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "forvalta.background.workers.WorkerLostError"
    assert "worker stopped mid-task 3 times" in row.traceback


def test_heartbeats_of_long_gone_workers_are_cleared() -> None:
    now = timezone.now()
    beat("gone", now=now - dt.timedelta(days=2))
    beat("recent", now=now - dt.timedelta(minutes=5))
    requeue_orphans(now=now)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]
