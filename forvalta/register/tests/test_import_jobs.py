"""Large imports as background tasks: the job page with its progress (refresh without
JavaScript, a polled fragment with htmx), the preview, the confirmation, the import all or
nothing, the job private to its uploader, idempotent tasks, and the 20 000-row limit.

Tasks go to the database queue here (not run at once as elsewhere in the suite) and are
run by the worker's own `run_task`, one by one, where the test says so."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from forvalta.audit.models import AuditEvent
from forvalta.background.scheduler import JobSpec, declared_jobs
from forvalta.background.tests.conftest import (  # noqa: F401 - fixtures
    DATABASE_TASKS,
    shared_database,
    start_worker,
    wait_for,
)
from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.imports import engine, jobs
from forvalta.register.models import ImportJob, ImportJobStatus, ManagementObject, System
from forvalta.register.tests.factories import ManagementObjectFactory
from forvalta.register.tests.importing import csv_bytes, in_english, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADINGS = [
    "Ägare (organisationsnummer)",
    "Namn",
    "Förvaltningsobjekt",
    "Beskrivning",
    "Livscykelfas",
    "Kritikalitet",
    "Behandlar personuppgifter",
]


@pytest.fixture
def kommun(db: None) -> dict[str, Any]:
    org = OrganisationFactory(name="Ånge kommun", kind=OrganisationKind.MUNICIPALITY)
    admin = UserFactory(username="asa.oberg", first_name="Åsa", last_name="Öberg")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    colleague = UserFactory(username="bo.ek")
    MembershipFactory(user=colleague, organisation=org, is_org_admin=True)
    other_org = OrganisationFactory(name="Sundsvalls kommun", kind=OrganisationKind.MUNICIPALITY)
    stranger = UserFactory(username="cecilia.lund")
    MembershipFactory(user=stranger, organisation=other_org, is_org_admin=True)
    ManagementObjectFactory(owner_organisation=org, name="Vård och omsorg")
    return {"org": org, "admin": admin, "colleague": colleague, "stranger": stranger}


def system_rows(org: Any, count: int, prefix: str = "System") -> list[list[Any]]:
    return [
        HEADINGS,
        *(
            [
                org.org_number,
                f"{prefix} {i:05d}",
                "Vård och omsorg",
                f"Verksamhetssystem nr {i} för äldreomsorg",
                "Drift",
                "Hög",
                "Ja",
            ]
            for i in range(1, count + 1)
        ),
    ]


@pytest.fixture
def queue(settings: Any, django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Tasks to the database queue; requests whose commits enqueue run their on_commit
    callbacks (the test's own transaction never commits)."""
    settings.TASKS = DATABASE_TASKS
    settings.FORVALTA_IMPORT_TASK_THRESHOLD = 5

    class Queue:
        def committing(self, request: Callable[[], Any]) -> Any:
            with django_capture_on_commit_callbacks(execute=True):
                return request()

        def run(self) -> list[DBTaskResult]:
            """Run every queued task as a worker does; returns their stored results."""
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
            ran = []
            while True:
                with transaction.atomic():
                    claimed = DBTaskResult.objects.ready().get_locked()
                    if claimed is None:
                        return ran
                    claimed.claim(worker.worker_id)
                worker.run_task(claimed)
                ran.append(DBTaskResult.objects.get(pk=claimed.pk))

    yield Queue()


@pytest.fixture
def admin_client(client: Any, kommun: dict[str, Any]) -> Any:
    client.force_login(kommun["admin"])
    in_english(client)
    return client


def job_url(job: ImportJob, name: str = "import_job") -> str:
    return reverse(f"register:{name}", args=[job.key])


def upload_job(queue: Any, client: Any, data: bytes, filename: str = "system.csv") -> ImportJob:
    response = queue.committing(lambda: upload(client, "systems", filename, data))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    return job


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- small files stay in the request -------------------------------------------------------
def test_a_file_at_the_threshold_stays_synchronous_one_row_more_becomes_a_job(
    admin_client: Any, kommun: dict[str, Any], settings: Any
) -> None:
    settings.TASKS = DATABASE_TASKS
    assert settings.FORVALTA_IMPORT_TASK_THRESHOLD == 300
    data = csv_bytes(system_rows(kommun["org"], 300))
    response = upload(admin_client, "systems", "system.csv", data)
    assert response.status_code == 302
    assert response["Location"].endswith("/preview/")
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()

    data = csv_bytes(system_rows(kommun["org"], 301))
    response = upload(admin_client, "systems", "system.csv", data)
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert (job.user, job.organisation, job.kind, job.status, job.rows_total) == (
        kommun["admin"],
        kommun["org"],
        "systems",
        ImportJobStatus.QUEUED,
        301,
    )


# --- a large file, end to end ----------------------------------------------------------------
def test_a_large_file_is_checked_then_imported_by_tasks_with_a_progress_page(
    admin_client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    job = upload_job(queue, admin_client, xlsx_bytes(system_rows(kommun["org"], 8)), "s.xlsx")
    assert job.filename == "s.xlsx"
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status, queued.args_kwargs["args"]) == (
        "forvalta.register.tasks.preview_import_job",
        TaskResultStatus.READY,
        [job.pk],
    )

    # Queued: a page that refreshes itself (without JavaScript) and a fragment htmx polls.
    page = admin_client.get(job_url(job))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert '<progress id="import-job-bar" max="8" value="0">0 %</progress>' in html
    assert '<p id="import-job-count">0 of 8 rows (0 %)</p>' in html
    assert f'hx-get="{job_url(job, "import_job_progress")}" hx-trigger="every 2s"' in html
    assert "Waiting for a worker to start" in html
    assert not System.objects.exists()

    [ran] = queue.run()
    assert (ran.status, ran.return_value) == (TaskResultStatus.SUCCESSFUL, "ready")
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (ImportJobStatus.READY, 8, 8)
    assert job.summary["create"] == 8
    assert events("register.import.previewed") == 1
    assert not System.objects.exists()

    # Ready: the same preview as a small file's, confirming through the job.
    page = admin_client.get(job_url(job))
    html = page.content.decode()
    assert page.status_code == 200
    assert "http-equiv" not in html
    assert "Check the import" in html
    assert '<dd data-count="create">8</dd>' in html
    assert f'action="{job_url(job, "import_job_confirm")}"' in html
    assert f'action="{job_url(job, "import_job_cancel")}"' in html
    assert html.count('data-action="create"') == 8

    response = queue.committing(lambda: admin_client.post(job_url(job, "import_job_confirm")))
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLYING
    page = admin_client.get(job_url(job))
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.content.decode()
    assert "<h2>Importing</h2>" in page.content.decode()
    assert not System.objects.exists()

    # A second confirmation (a double click) enqueues nothing more.
    queue.committing(lambda: admin_client.post(job_url(job, "import_job_confirm")))
    [apply] = DBTaskResult.objects.ready()
    assert apply.task_path == "forvalta.register.tasks.apply_import_job"

    [ran] = queue.run()
    assert (ran.status, ran.return_value) == (TaskResultStatus.SUCCESSFUL, "done")
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.error) == (ImportJobStatus.DONE, 8, "")
    assert job.finished_at is not None
    assert sorted(System.objects.values_list("name", flat=True)) == [
        f"System {i:05d}" for i in range(1, 9)
    ]
    assert events("register.system.created") == 8
    assert events("register.import.committed") == 1
    committed = AuditEvent.objects.get(action="register.import.committed")
    assert (committed.actor_id, committed.organisation_id) == (
        kommun["admin"].pk,
        kommun["org"].pk,
    )
    assert committed.changes["create"] == [None, 8]

    page = admin_client.get(job_url(job))
    html = page.content.decode()
    assert "http-equiv" not in html
    assert "hx-trigger" not in html
    assert "The import is done: 8 created, 0 changed, 0 unchanged." in html
    # The import page lists the uploader's own jobs, to come back to.
    html = admin_client.get(reverse("register:import")).content.decode()
    assert f'<a href="{job_url(job)}">s.xlsx</a>' in html
    assert "): Done</li>" in html
    # The stored rows are gone; running the import task again changes nothing.
    assert jobs.stored_upload(job) is None
    assert jobs.run_apply(job.pk) == "done"
    assert System.objects.count() == 8
    assert events("register.import.committed") == 1


def test_the_htmx_fragment_is_the_progress_alone_and_stops_polling_when_the_job_is_done(
    admin_client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    job = upload_job(queue, admin_client, csv_bytes(system_rows(kommun["org"], 6)))
    url = job_url(job, "import_job_progress")
    response = admin_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="import-job-progress"')
    assert "<html" not in html and "<body" not in html and "http-equiv" not in html
    assert 'hx-trigger="every 2s"' in html
    assert '<progress id="import-job-bar" max="6" value="0">0 %</progress>' in html
    assert "HX-Refresh" not in response.headers

    queue.run()
    response = admin_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="ready"' in html
    assert "hx-get" not in html and "hx-trigger" not in html
    assert f'<a href="{job_url(job)}">Show the result</a>' in html
    assert response.headers["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True)
def test_progress_during_the_import_is_seen_while_its_transaction_is_open(
    admin_client: Any, kommun: dict[str, Any], queue: Any, monkeypatch: Any
) -> None:
    """What the page shows while the rows are written: the written count, not 0 (nor a
    wait for the import's transaction). Transactional: the job's row is committed, as in
    production, so PostgreSQL's second connection can write its progress."""
    job = upload_job(queue, admin_client, csv_bytes(system_rows(kommun["org"], 10)))
    queue.run()
    queue.committing(lambda: admin_client.post(job_url(job, "import_job_confirm")))
    seen: list[str] = []
    real_insert = engine._insert

    def insert(ctx: Any, write: Any) -> None:
        real_insert(ctx, write)
        if len(seen) < 10 and write.result.number == 7:  # row 7: the 6th of 10 written
            job.refresh_from_db()
            seen.append(jobs.progress_of(job).phase)
            seen.append(str(jobs.progress_of(job).done))

    monkeypatch.setattr(engine, "_insert", insert)
    monkeypatch.setattr(jobs.ProgressWriter, "min_seconds", 0)
    queue.run()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert seen == ["writing", "5"]
    assert System.objects.count() == 10


# --- the job is its uploader's ---------------------------------------------------------------
@pytest.mark.parametrize("who", ["colleague", "stranger"])
def test_someone_else_gets_404_on_the_job_and_cannot_confirm_or_cancel_it(
    client: Any, kommun: dict[str, Any], queue: Any, who: str
) -> None:
    client.force_login(kommun["admin"])
    job = upload_job(queue, client, csv_bytes(system_rows(kommun["org"], 6)))
    queue.run()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.READY
    before = ImportJob.objects.values().get()

    client.force_login(kommun[who])
    for name in ("import_job", "import_job_progress"):
        assert client.get(job_url(job, name)).status_code == 404
    for name in ("import_job_confirm", "import_job_cancel"):
        response = queue.committing(lambda name=name: client.post(job_url(job, name)))
        assert response.status_code == 404
    assert client.get(reverse("register:import_job", args=[uuid.uuid4()])).status_code == 404
    assert ImportJob.objects.values().get() == before
    assert job_url(job) not in client.get(reverse("register:import")).content.decode()
    assert not DBTaskResult.objects.ready().exists()
    assert not System.objects.exists()
    assert jobs.stored_upload(job) is not None


def test_the_uploader_may_cancel_a_job_before_it_is_imported(
    admin_client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    job = upload_job(queue, admin_client, csv_bytes(system_rows(kommun["org"], 6)))
    response = admin_client.post(job_url(job, "import_job_cancel"))
    assert response.status_code == 302
    assert response["Location"] == reverse("register:import")
    job.refresh_from_db()
    assert job.status == ImportJobStatus.CANCELLED
    assert jobs.stored_upload(job) is None
    [ran] = queue.run()  # the preview task finds the job cancelled and leaves it
    assert ran.return_value == "cancelled"
    job.refresh_from_db()
    assert job.status == ImportJobStatus.CANCELLED
    assert admin_client.get(job_url(job)).status_code == 404
    assert events("register.import.previewed") == 0


def test_a_preview_with_errors_shows_them_and_cannot_be_confirmed(
    admin_client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    rows = system_rows(kommun["org"], 6)
    rows[4][5] = "Jättehög"  # row 5: no such criticality
    job = upload_job(queue, admin_client, csv_bytes(rows))
    queue.run()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.READY
    assert (job.summary["create"], job.summary["error"], job.summary["error_rows"]) == (5, 1, [5])
    html = admin_client.get(job_url(job)).content.decode()
    assert "Nothing has been imported" in html
    assert '<a href="#row-5">Row 5: Kritikalitet: ' in html
    assert "import_job_confirm" not in html and job_url(job, "import_job_confirm") not in html
    assert "Start over" in html

    response = queue.committing(lambda: admin_client.post(job_url(job, "import_job_confirm")))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJobStatus.READY
    assert not DBTaskResult.objects.ready().exists()
    assert not System.objects.exists()
    page = admin_client.get(job_url(job))
    assert "This import cannot be confirmed: see its preview." in page.content.decode()

    response = admin_client.post(job_url(job, "import_job_cancel"))
    assert response["Location"] == reverse("register:import")
    job.refresh_from_db()
    assert job.status == ImportJobStatus.CANCELLED


# --- all or nothing, once ---------------------------------------------------------------------
def _ready_and_confirmed(client: Any, kommun: dict[str, Any], queue: Any, n: int) -> ImportJob:
    job = upload_job(queue, client, csv_bytes(system_rows(kommun["org"], n)))
    queue.run()
    queue.committing(lambda: client.post(job_url(job, "import_job_confirm")))
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLYING
    return job


def test_a_failure_during_the_import_writes_nothing_and_the_job_says_why(
    admin_client: Any, kommun: dict[str, Any], queue: Any, monkeypatch: Any
) -> None:
    job = _ready_and_confirmed(admin_client, kommun, queue, 8)
    real_insert = engine._insert

    def insert(ctx: Any, write: Any) -> None:
        if write.result.number == 7:
            raise RuntimeError("disk full")
        real_insert(ctx, write)

    monkeypatch.setattr(engine, "_insert", insert)
    [ran] = queue.run()
    assert ran.status == TaskResultStatus.FAILED
    assert ran.exception_class_path == "builtins.RuntimeError"
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.error == (
        "An unexpected error stopped the import (RuntimeError). Nothing was imported. Try "
        "again later, or tell the platform's administrator."
    )
    assert not System.objects.exists()
    assert events("register.system.created") == 0
    assert events("register.import.committed") == 0
    html = admin_client.get(job_url(job)).content.decode()
    assert "Nothing has been imported" in html
    assert "An unexpected error stopped the import (RuntimeError)." in html
    assert "http-equiv" not in html


def test_rows_that_no_longer_fit_fail_the_job_with_their_errors_and_write_nothing(
    admin_client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    job = _ready_and_confirmed(admin_client, kommun, queue, 6)
    # Meanwhile the management object the rows name is removed.
    ManagementObject.objects.filter(name="Vård och omsorg").delete()
    queue.run()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.error == (
        "Some rows no longer fit the register as it is now. Nothing was imported. Correct "
        "the file and upload it again."
    )
    assert [number for number, _label, _errors in job.error_rows] == [2, 3, 4, 5, 6, 7]
    assert job.error_rows[0][2] == [
        "Förvaltningsobjekt: “Vård och omsorg” was not found among the management objects "
        "you can choose."
    ]
    assert not System.objects.exists()
    assert events("register.import.committed") == 0


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the task handles it."""


def test_a_worker_killed_mid_import_leaves_nothing_and_the_rerun_imports_once(
    admin_client: Any, kommun: dict[str, Any], queue: Any, monkeypatch: Any
) -> None:
    job = _ready_and_confirmed(admin_client, kommun, queue, 8)
    real_insert = engine._insert

    def killed(ctx: Any, write: Any) -> None:
        if write.result.number == 6:
            raise WorkerKilled
        real_insert(ctx, write)

    monkeypatch.setattr(engine, "_insert", killed)
    [ran] = queue.run()
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLYING  # as the dead worker left it
    assert not System.objects.exists()
    assert events("register.system.created") == 0

    # The next worker requeues the orphaned task (workers.requeue_orphans) and runs it.
    monkeypatch.setattr(engine, "_insert", real_insert)
    DBTaskResult.objects.filter(pk=ran.pk).update(status=TaskResultStatus.READY, started_at=None)
    [again] = queue.run()
    assert (again.status, again.return_value) == (TaskResultStatus.SUCCESSFUL, "done")
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert System.objects.count() == 8
    assert events("register.system.created") == 8
    assert events("register.import.committed") == 1

    # Run once more (a duplicate delivery): the job is done, nothing is imported twice.
    DBTaskResult.objects.filter(pk=ran.pk).update(status=TaskResultStatus.READY, started_at=None)
    [third] = queue.run()
    assert third.return_value == "done"
    assert System.objects.count() == 8
    assert events("register.import.committed") == 1


def _write_locked(times: int) -> bool:
    """SQLite: another connection holds the write lock, `times` checks 0.2 s apart (a
    worker's heartbeat holds it for a moment; the import's transaction for seconds)."""
    for i in range(times):
        probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            pass
        finally:
            probe.close()
        if i < times - 1:
            time.sleep(0.2)
    return True


@pytest.mark.slow
@override_settings(TASKS=DATABASE_TASKS)
def test_a_real_worker_killed_with_sigkill_mid_import_leaves_nothing_and_the_next_imports_once(
    start_worker: Any,  # noqa: F811 - the fixture imported above
    kommun: dict[str, Any],
    client: Any,
    settings: Any,
) -> None:
    """The worker as a process: `kill -9` while it writes the rows, then another worker
    requeues the orphaned task and imports the file exactly once."""
    media = {"FORVALTA_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    client.force_login(kommun["admin"])
    response = upload(client, "systems", "s.csv", csv_bytes(system_rows(kommun["org"], 3000)))
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert start_worker("--no-scheduler", "--batch", **media).wait(60) == 0
    job.refresh_from_db()
    assert job.status == ImportJobStatus.READY
    assert client.post(job_url(job, "import_job_confirm")).status_code == 302
    apply = DBTaskResult.objects.get(task_path="forvalta.register.tasks.apply_import_job")

    first = start_worker("--no-scheduler", **media)
    wait_for(
        lambda: DBTaskResult.objects.get(pk=apply.pk).status == TaskResultStatus.RUNNING,
        30,
        "the worker to start the import",
    )
    if connection.vendor == "postgresql":
        # The progress connection's writes are seen while the import's transaction is open.
        wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, phase="writing", rows_done__gt=0).exists(),
            30,
            "the import to write rows",
        )
    else:
        # SQLite: the import's transaction holds the write lock while it writes rows.
        wait_for(lambda: _write_locked(3), 30, "the import to write rows")
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.APPLYING
    assert DBTaskResult.objects.get(pk=apply.pk).status == TaskResultStatus.RUNNING
    assert not System.objects.exists()
    assert events("register.system.created") == 0

    start_worker("--no-scheduler", **media)
    wait_for(
        lambda: DBTaskResult.objects.get(pk=apply.pk).status == TaskResultStatus.SUCCESSFUL,
        90,
        "the next worker to requeue and finish the import",
    )
    result = DBTaskResult.objects.get(pk=apply.pk)
    assert (result.return_value, len(result.worker_ids)) == ("done", 2)
    job.refresh_from_db()
    assert (job.status, job.summary["create"]) == (ImportJobStatus.DONE, 3000)
    assert System.objects.count() == 3000
    assert events("register.system.created") == 3000
    assert events("register.import.committed") == 1


def test_a_second_run_that_finds_the_job_done_at_its_end_rolls_its_own_writes_back(
    admin_client: Any, kommun: dict[str, Any], queue: Any, monkeypatch: Any
) -> None:
    """Two runs at once: the one that reaches the end second writes nothing."""
    job = _ready_and_confirmed(admin_client, kommun, queue, 6)
    real_committed = engine._committed

    def other_run_finished_first(ctx: Any, report: Any, table: Any) -> None:
        real_committed(ctx, report, table)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.DONE)

    monkeypatch.setattr(engine, "_committed", other_run_finished_first)
    assert jobs.run_apply(job.pk) == "already done"
    assert not System.objects.exists()
    assert events("register.import.committed") == 0


# --- the limit: 20 000 rows ----------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_20000_row_system_import_runs_as_a_task_and_lands_all_of_it(
    admin_client: Any, kommun: dict[str, Any], queue: Any, settings: Any
) -> None:
    """Transactional, as in production: on PostgreSQL each audit event is staged (one
    INSERT) and chained in batches after the commit; inside a test's wrapping
    transaction it would be chained row by row (about four times slower)."""
    settings.FORVALTA_IMPORT_TASK_THRESHOLD = 300
    assert settings.FORVALTA_IMPORT_MAX_ROWS == 20_000
    data = xlsx_bytes(system_rows(kommun["org"], 20_000), title="System")
    started = time.monotonic()
    job = upload_job(queue, admin_client, data, "alla-system.xlsx")
    uploaded = time.monotonic()
    [ran] = queue.run()
    previewed = time.monotonic()
    assert ran.return_value == "ready"
    page = admin_client.get(job_url(job))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<dd data-count="create">20000</dd>' in html
    assert html.count('data-action="create"') == 1000
    assert "… and 19000 more rows, not listed here." in html
    queue.committing(lambda: admin_client.post(job_url(job, "import_job_confirm")))
    [ran] = queue.run()
    applied = time.monotonic()
    assert (ran.status, ran.return_value) == (TaskResultStatus.SUCCESSFUL, "done")
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.summary["create"]) == (
        ImportJobStatus.DONE,
        20_000,
        20_000,
    )
    assert System.objects.count() == 20_000
    assert events("register.system.created") == 20_000
    print(  # the timing, for the record (pytest -s)
        f"\n20 000 systems: upload {uploaded - started:.1f} s, preview task "
        f"{previewed - uploaded:.1f} s, import task {applied - previewed:.1f} s"
    )


def test_more_than_20000_rows_are_refused_in_swedish_and_nothing_is_created(
    client: Any, kommun: dict[str, Any], queue: Any
) -> None:
    client.force_login(kommun["admin"])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "sv"
    data = csv_bytes(system_rows(kommun["org"], 20_001))
    response = queue.committing(lambda: upload(client, "systems", "för-många.csv", data))
    assert response.status_code == 400
    assert "Filen har fler än 20000 rader. Dela upp den i mindre filer." in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not System.objects.exists()
    assert events("register.import.previewed") == 0
    assert not (Path(django_settings.MEDIA_ROOT) / "imports").exists()


def test_ended_import_runs_are_removed_after_the_keeping_time_with_their_files(
    admin_client: Any, kommun: dict[str, Any], queue: Any, settings: Any
) -> None:
    settings.FORVALTA_IMPORT_JOBS_KEEP_DAYS = 90
    ready = upload_job(queue, admin_client, csv_bytes(system_rows(kommun["org"], 6)))
    queue.run()
    ready.refresh_from_db()
    assert ready.status == ImportJobStatus.READY
    assert jobs.stored_upload(ready) is not None
    running = ImportJob.objects.create(
        user=kommun["admin"], kind="systems", filename="b.csv", upload_token="x" * 32
    )
    ImportJob.objects.filter(pk=running.pk).update(status=ImportJobStatus.APPLYING)
    now = timezone.now()
    # Not yet: 89 days on, both stay.
    assert jobs.prune_jobs(now + dt.timedelta(days=89)) == 0
    assert ImportJob.objects.count() == 2
    # The scheduled job, 91 days on: the run waiting for confirmation goes with its file;
    # a run still importing stays.
    later = now + dt.timedelta(days=91)
    assert jobs.prune_jobs(later) == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [running.pk]
    assert jobs.stored_upload(ready) is None
    assert admin_client.get(job_url(ready)).status_code == 404
    assert declared_jobs()["register.prune_import_jobs"] == JobSpec(
        name="register.prune_import_jobs",
        task_path="forvalta.register.tasks.prune_import_jobs",
        cron="45 3 * * *",
    )
