"""Large imports in the background: an `ImportJob` per run, checked and imported by tasks.

A file of more than `FORVALTA_IMPORT_TASK_THRESHOLD` rows (default 300) is not checked
inside the request. The upload is parsed and stored as for a small file
(`storage.save_upload`), an `ImportJob` is created (queued) and the preview task is
enqueued once the request commits. The job's page shows a progress bar until the
preview is ready, then the same preview as a small file; confirming it enqueues the
import task. Below the threshold nothing changes: preview and commit run in the request.

    queued -> previewing -> ready -> applying -> done
                     \\            \\          \\-> failed (nothing written)
                      \\-> failed   \\-> cancelled

Both tasks re-read the job, its uploader and the stored rows, and check the uploader's
rights again (they have no request). The import lands all or nothing: the rows, their
audit events, the `register.import.committed` event and the job's `done` are written in
one transaction (`run_import(..., finalise=...)`). The tasks are idempotent:

- a job is claimed by a conditional UPDATE of its status, so a second run of a task
  that finished, or of a job cancelled meanwhile, does nothing;
- a worker killed mid-import loses its transaction (nothing of it is written), the job
  stays `applying`, and the task run again by another worker (`run_worker` requeues the
  tasks of dead workers) imports the file once;
- two runs at once: the second's final conditional UPDATE of the job finds it done (on
  PostgreSQL it waits for the first's commit) and rolls its own run back.

Progress while the import's transaction is open. The job's row is not touched by that
transaction until its very end (so nothing it does waits for, or holds, a lock that the
progress writes need), and the progress must be seen by the page before the commit:

- outside a transaction (the preview): an UPDATE of the job's row, in autocommit;
- inside it on PostgreSQL: an UPDATE of the job's row through a second connection of
  its own, in autocommit: visible at once, a lock on that one row for one statement;
- inside it on SQLite: the whole database is locked for writing by the import's
  transaction, so any write from a second connection would wait for the end of the
  import (and fail after the busy timeout). Progress goes to Django's cache instead,
  which on a SQLite installation is files in var/cache (or Redis), shared by the web
  server and the workers on that machine; the page reads the cache for a running job
  and takes whichever of cache and row is further on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forvalta.register.imports.engine import (
    CHECKING,
    WRITING,
    Change,
    ImportReport,
    RowResult,
    _organisation_of,
    run_import,
)
from forvalta.register.imports.kinds import KINDS
from forvalta.register.imports.reading import Table
from forvalta.register.imports.storage import (
    StoredUpload,
    clean_filename,
    delete_upload,
    load_report,
    load_upload,
    save_report,
    save_upload,
)
from forvalta.register.models import ImportJob, ImportJobStatus

logger = logging.getLogger("forvalta.register.imports")

Status = ImportJobStatus
PHASES = ("", CHECKING, WRITING)
PROGRESS_SECONDS = 24 * 3600
# Error rows kept on a failed job for its page.
MAX_ERROR_ROWS = 1000


def task_threshold() -> int:
    return int(getattr(settings, "FORVALTA_IMPORT_TASK_THRESHOLD", 300))


def runs_as_task(table: Table) -> bool:
    return len(table.rows) > task_threshold()


class JobFailed(Exception):
    """The job cannot go on; the message says why, in the uploader's words."""


class AlreadyFinished(Exception):
    """Another run of the task finished the job first: this run's writes roll back."""


# --- starting, confirming and cancelling (the views call these) ---------------------------
def start_job(*, user: Any, kind: Any, filename: str, table: Table, language: str) -> ImportJob:
    """Store the parsed upload, create its job and enqueue the preview after commit."""
    from forvalta.register.tasks import preview_import_job

    token = save_upload(user, kind.key, filename, table)
    job = ImportJob.objects.create(
        user=user,
        organisation=_organisation_of(user),
        kind=kind.key,
        filename=clean_filename(filename),
        upload_token=token,
        language=language[:10],
        rows_total=len(table.rows),
    )
    transaction.on_commit(partial(preview_import_job.enqueue, job.pk))
    return job


def confirm_job(job: ImportJob) -> bool:
    """Move a ready job to `applying` and enqueue its import; False when it was not ready
    (already confirmed, cancelled, or its preview had errors or nothing to import)."""
    from forvalta.register.tasks import apply_import_job

    summary = job.summary or {}
    if summary.get("error") or not (summary.get("create") or summary.get("update")):
        return False
    claimed = ImportJob.objects.filter(pk=job.pk, status=Status.READY).update(
        status=Status.APPLYING,
        phase="",
        rows_done=0,
        started_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if claimed:
        transaction.on_commit(partial(apply_import_job.enqueue, job.pk))
    return bool(claimed)


def cancel_job(job: ImportJob) -> bool:
    """Cancel a job not yet importing; its stored rows are removed."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.QUEUED, Status.PREVIEWING, Status.READY]
    ).update(status=Status.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now())
    if cancelled:
        delete_upload(job.user, job.upload_token)
    return bool(cancelled)


# --- progress ------------------------------------------------------------------------------
def _cache_key(job_id: int, status: str) -> str:
    return f"register:import-job:{job_id}:{status}:progress"


@dataclass(frozen=True)
class JobProgress:
    phase: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, (100 * self.done) // self.total) if self.total else 0

    def ahead_of(self, other: JobProgress) -> bool:
        order = PHASES.index if self.phase in PHASES and other.phase in PHASES else None
        if order is None:
            return False
        return (order(self.phase), self.done) > (order(other.phase), other.done)


def progress_of(job: ImportJob) -> JobProgress:
    """How far a job is: its row, or (a running import on SQLite) the cache if further."""
    stored = JobProgress(job.phase, job.rows_done, job.rows_total)
    if not job.is_running:
        return stored
    cached = cache.get(_cache_key(job.pk, job.status))
    if isinstance(cached, dict):
        other = JobProgress(
            str(cached.get("phase", "")), int(cached.get("done", 0)), int(cached.get("total", 0))
        )
        if other.ahead_of(stored):
            return other
    return stored


class ProgressWriter:
    """`run_import`'s progress callback for a job: writes each phase's start and end and
    in between at most every 1 % of the rows and every `min_seconds`, where the page can
    see it (module docstring)."""

    min_seconds = 0.5

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.pk
        self.status = job.status
        self.last: tuple[str, int] = ("", -1)
        self.last_at = 0.0
        self.side: BaseDatabaseWrapper | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        last_phase, last_done = self.last
        now = time.monotonic()
        too_soon = done - last_done < max(1, total // 100) or now - self.last_at < self.min_seconds
        if phase == last_phase and done != total and too_soon:
            return
        self.last, self.last_at = (phase, done), now
        self.write(phase, done, total)

    def write(self, phase: str, done: int, total: int) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        values = {"phase": phase, "rows_done": done, "rows_total": total}
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id, status=self.status).update(**values)
        elif connection.vendor == "postgresql":
            self._side_update(values)
        else:
            cache.set(
                _cache_key(self.job_id, self.status),
                {"phase": phase, "done": done, "total": total, "at": time.time()},
                PROGRESS_SECONDS,
            )

    def _side_update(self, values: dict[str, Any]) -> None:
        if self.side is None:
            main = connections[DEFAULT_DB_ALIAS]
            self.side = type(main)(dict(main.settings_dict), alias=f"{DEFAULT_DB_ALIAS}-progress")
            with self.side.cursor() as cursor:
                # A progress row lost in a crash costs nothing: do not wait for the disk.
                cursor.execute("SET synchronous_commit TO OFF")
        sql = (
            f"UPDATE {ImportJob._meta.db_table} "  # noqa: S608 - our own table's name
            "SET phase = %s, rows_done = %s, rows_total = %s WHERE id = %s AND status = %s"
        )
        params = [values["phase"], values["rows_done"], values["rows_total"]]
        with self.side.cursor() as cursor:
            cursor.execute(sql, [*params, self.job_id, self.status])

    def close(self) -> None:
        cache.delete(_cache_key(self.job_id, self.status))
        if self.side is not None:
            self.side.close()
            self.side = None


# --- the preview's report, kept for the page -------------------------------------------------
def report_data(report: ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "filename": report.filename,
        "warnings": list(report.warnings),
        "refused_rows": list(report.refused_rows),
        "rows": [
            [
                r.number,
                r.label,
                r.action,
                [[c.heading, c.old, c.new] for c in r.changes],
                list(r.errors),
            ]
            for r in report.rows
        ],
    }


def report_from_data(data: dict[str, Any]) -> ImportReport:
    return ImportReport(
        kind=str(data["kind"]),
        filename=str(data["filename"]),
        warnings=[str(w) for w in data.get("warnings", [])],
        refused_rows=[int(n) for n in data.get("refused_rows", [])],
        rows=[
            RowResult(
                number=int(number),
                label=str(label),
                action=str(action),
                changes=[Change(str(h), str(o), str(n)) for h, o, n in changes],
                errors=[str(e) for e in errors],
            )
            for number, label, action, changes, errors in data["rows"]
        ],
    )


def stored_report(job: ImportJob) -> ImportReport | None:
    data = load_report(job.user, job.upload_token)
    if data is None:
        return None
    try:
        return report_from_data(data)
    except (KeyError, TypeError, ValueError):
        return None


def stored_upload(job: ImportJob) -> StoredUpload | None:
    return load_upload(job.user, job.upload_token)


# --- the tasks' work -------------------------------------------------------------------------
def _prepare(job: ImportJob) -> tuple[Any, Any, StoredUpload]:
    """The uploader, the kind and the stored rows, with the uploader's rights checked now."""
    user = job.user
    kind = KINDS.get(job.kind)
    if not user.is_active or kind is None or not user.has_perm(kind.perm):
        raise JobFailed(_("You may no longer import this kind of data. Nothing was imported."))
    stored = load_upload(user, job.upload_token)
    if stored is None:
        raise JobFailed(
            _(
                "The uploaded file is no longer available (it is kept for a day). Upload it "
                "again. Nothing was imported."
            )
        )
    return user, kind, stored


def _finish(job_id: int, status: str, to: str, **values: Any) -> bool:
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, status=status).update(
            status=to, finished_at=now, updated_at=now, **values
        )
    )


def _unexpected(exc: BaseException) -> str:
    return _(
        "An unexpected error stopped the import (%(error)s). Nothing was imported. Try again "
        "later, or tell the platform's administrator."
    ) % {"error": type(exc).__name__}


def _error_rows(report: ImportReport) -> list[list[Any]]:
    return [[r.number, r.label, list(r.errors)] for r in report.error_rows[:MAX_ERROR_ROWS]]


def run_preview(job_id: int) -> str:
    """Check every row of a queued job (writes nothing but the preview's audit event)."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "gone"
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[Status.QUEUED, Status.PREVIEWING]
    ).update(status=Status.PREVIEWING, phase=CHECKING, rows_done=0, started_at=timezone.now())
    if not claimed:
        return job.status  # cancelled, or previewed by an earlier run
    job.status = Status.PREVIEWING
    progress = ProgressWriter(job)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            user, kind, stored = _prepare(job)
            report = run_import(
                actor=user, kind=kind, table=stored.table, commit=False, progress=progress
            )
            save_report(user, job.upload_token, report_data(report))
        except JobFailed as exc:
            _finish(job_id, Status.PREVIEWING, Status.FAILED, error=str(exc), phase="")
            return Status.FAILED
        except Exception as exc:
            logger.exception("Import job %s: the preview failed", job_id)
            _finish(job_id, Status.PREVIEWING, Status.FAILED, error=_unexpected(exc), phase="")
            raise
        finally:
            progress.close()
    ready = ImportJob.objects.filter(pk=job_id, status=Status.PREVIEWING).update(
        status=Status.READY,
        phase="",
        rows_done=len(report.rows),
        rows_total=len(report.rows),
        summary=report.summary(),
        updated_at=timezone.now(),
    )
    return Status.READY if ready else "cancelled"


def run_apply(job_id: int) -> str:
    """Import a confirmed job's rows: all of them in one transaction, or nothing."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return "gone"
    if job.status != Status.APPLYING:
        return job.status  # done already (a second run), failed or never confirmed
    progress = ProgressWriter(job)

    def finalise(report: ImportReport) -> None:
        # Inside the import's transaction, after its last row: done lands with the rows.
        if not _finish(
            job_id,
            Status.APPLYING,
            Status.DONE,
            summary=report.summary(),
            phase="",
            rows_done=len(report.rows),
            rows_total=len(report.rows),
            error="",
            error_rows=[],
        ):
            raise AlreadyFinished

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            user, kind, stored = _prepare(job)
            report = run_import(
                actor=user,
                kind=kind,
                table=stored.table,
                commit=True,
                progress=progress,
                finalise=finalise,
            )
        except AlreadyFinished:
            return "already done"
        except JobFailed as exc:
            _finish(job_id, Status.APPLYING, Status.FAILED, error=str(exc), phase="")
            return Status.FAILED
        except Exception as exc:
            logger.exception("Import job %s: the import failed and was rolled back", job_id)
            _finish(job_id, Status.APPLYING, Status.FAILED, error=_unexpected(exc), phase="")
            raise
        finally:
            progress.close()
        if report.committed:
            delete_upload(user, job.upload_token)
            return Status.DONE
        if not report.has_errors:
            _finish(
                job_id,
                Status.APPLYING,
                Status.DONE,
                summary=report.summary(),
                phase="",
                rows_done=len(report.rows),
            )
            delete_upload(user, job.upload_token)
            return Status.DONE
        # The register changed since the preview and some rows no longer fit.
        _finish(
            job_id,
            Status.APPLYING,
            Status.FAILED,
            summary=report.summary(),
            phase="",
            error=_(
                "Some rows no longer fit the register as it is now. Nothing was imported. "
                "Correct the file and upload it again."
            ),
            error_rows=_error_rows(report),
        )
        return Status.FAILED


def prune_jobs(now: Any = None) -> int:
    """Remove import runs that ended (done, failed, cancelled) or waited for confirmation
    longer than FORVALTA_IMPORT_JOBS_KEEP_DAYS, with any file still stored for them; the
    audit trail keeps what each import did. Returns how many were removed."""
    import datetime as dt

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FORVALTA_IMPORT_JOBS_KEEP_DAYS)
    # Status changes are conditional UPDATEs that leave updated_at alone: a run is as
    # old as its last step's end (or its creation, for one that never ran).
    aged = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    ended = (Status.DONE, Status.FAILED, Status.CANCELLED, Status.READY)
    old = ImportJob.objects.filter(aged, status__in=ended).select_related("user")
    removed = 0
    for job in old.iterator(chunk_size=500):
        delete_upload(job.user, job.upload_token)
        removed += ImportJob.objects.filter(aged, pk=job.pk, status__in=ended).delete()[0]
    return removed
