"""The task path once through the Redis/RQ backend, when a Redis answers on 127.0.0.1:6379."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.test import override_settings
from django_tasks.base import TaskResultStatus

from forvalta.background.tests.tasks import add

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis answers on 127.0.0.1:6379")
def test_a_task_runs_through_redis_and_an_rq_worker() -> None:
    django_rq = pytest.importorskip("django_rq", reason="django-tasks-rq is not installed")
    rq = pytest.importorskip("rq")
    job_class = pytest.importorskip("django_tasks_rq").Job
    queue_name = f"forvalta-test-{uuid.uuid4().hex}"  # never another run's queue
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}},
        # Results are looked up through the "default" connection.
        RQ_QUEUES={
            "default": {"URL": REDIS_URL},
            queue_name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60},
        },
    ):
        queue = django_rq.get_queue(queue_name, job_class=job_class)
        result_id = ""
        try:
            result = add.using(queue_name=queue_name).enqueue(2, 3)
            result_id = result.id
            assert add.get_result(result.id).status == TaskResultStatus.READY
            worker = rq.SimpleWorker([queue], connection=queue.connection, job_class=job_class)
            assert worker.work(burst=True) is True
            finished = add.get_result(result.id)
            assert finished.status == TaskResultStatus.SUCCESSFUL
            assert finished.return_value == 5
        finally:
            queue.empty()
            queue.delete(delete_jobs=True)
            redis = queue.connection
            leftovers = [*redis.scan_iter(f"*{queue_name}*"), *redis.scan_iter(f"*{result_id}*")]
            if leftovers:
                redis.delete(*leftovers)
