"""Running queued tasks in the test's process, and the marker scan of every e-mail.

Every test of this app ends with a scan of every e-mail it sent: no tenancy marker
(`ZZ<KEY>ZZ`, planted in the names of organisations' items and people) may appear in a
subject, body or header, not even one the recipient may see: an e-mail leaves the
platform and carries only a neutral subject and a link (OSL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from forvalta.background.tests.conftest import DATABASE_TASKS

MARKER = re.compile(r"ZZ[A-Z0-9_]+ZZ")


@pytest.fixture(autouse=True)
def _scan_every_email() -> Iterator[None]:
    yield
    for message in mail.outbox:
        text = "\n".join(
            [
                message.subject,
                message.body,
                message.from_email,
                *message.to,
                *message.extra_headers.values(),
            ]
        )
        assert MARKER.findall(text) == [], f"an e-mail carries a marker: {text!r}"


@pytest.fixture
def database_tasks() -> Iterator[None]:
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def run_due_tasks() -> int:
    """Run every due task, as a worker would, until none is due; returns how many ran."""
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
    ran = 0
    while True:
        claimed = DBTaskResult.objects.ready().get_locked()
        if claimed is None:
            return ran
        claimed.claim(worker.worker_id)
        worker.run_task(claimed)
        claimed.refresh_from_db()
        assert claimed.status == TaskResultStatus.SUCCESSFUL, claimed.traceback
        ran += 1


def time_passes() -> int:
    """The deferred tasks (retries waiting for their backoff) fall due."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, run_after__gt=timezone.now()
    ).update(run_after=timezone.now())
