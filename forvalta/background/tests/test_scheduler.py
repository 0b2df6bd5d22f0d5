"""The scheduler: declarations synced to rows, due jobs enqueued once, restarts resumed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forvalta.background import scheduler
from forvalta.background.models import ScheduledJob
from forvalta.background.tests.conftest import DATABASE_TASKS

ADD_PATH = "forvalta.background.tests.tasks.add"
UTC = dt.UTC


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, scheduler.JobSpec]]:
    """An empty registry for the test; the apps' declarations come back afterwards."""
    fresh: dict[str, scheduler.JobSpec] = {}
    monkeypatch.setattr(scheduler, "_REGISTRY", fresh)
    yield fresh


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_declaration_needs_exactly_one_valid_schedule(registry: dict) -> None:
    with pytest.raises(ValueError, match="exactly one of cron= or every="):
        scheduler.schedule("both", ADD_PATH, cron="* * * * *", every=60)
    with pytest.raises(ValueError, match="exactly one of cron= or every="):
        scheduler.schedule("neither", ADD_PATH)
    with pytest.raises(ValueError, match="invalid cron expression"):
        scheduler.schedule("bad", ADD_PATH, cron="61 * * * *")
    scheduler.schedule("ok", ADD_PATH, every=60)
    with pytest.raises(ValueError, match="declared twice"):
        scheduler.schedule("ok", ADD_PATH, every=30)
    assert list(registry) == ["ok"]


def test_cron_expressions_are_read_in_stockholm_time_across_a_dst_change() -> None:
    # 07:00 every day: CET (UTC+1) on Saturday 28 March 2026, CEST (UTC+2) from Sunday.
    after = at("2026-03-28T07:00:00")
    first = scheduler.next_run(cron="0 7 * * *", interval_seconds=None, after=after)
    assert first == at("2026-03-29T05:00:00")
    second = scheduler.next_run(cron="0 7 * * *", interval_seconds=None, after=first)
    assert second == at("2026-03-30T05:00:00")
    assert scheduler.next_run(cron="", interval_seconds=90, after=after) == at(
        "2026-03-28T07:01:30"
    )


def test_the_apps_declare_the_audit_chaining_job_and_migrate_syncs_it(db: None) -> None:
    job = ScheduledJob.objects.get(name="audit.chain_staged_events")
    assert (job.task_path, job.interval_seconds, job.cron, job.enabled, job.declared) == (
        "forvalta.audit.tasks.chain_staged_audit_events",
        60,
        "",
        True,
        True,
    )


@pytest.mark.django_db
def test_sync_keeps_the_schedule_state_reschedules_changes_and_retires_undeclared_jobs(
    registry: dict,
) -> None:
    now = at("2026-05-04T10:00:00")
    scheduler.schedule("every-minute", ADD_PATH, every=60)
    scheduler.schedule("mornings", ADD_PATH, cron="0 7 * * 1-5")
    scheduler.sync_jobs(now=now)
    minute = ScheduledJob.objects.get(name="every-minute")
    mornings = ScheduledJob.objects.get(name="mornings")
    assert minute.next_run_at == now  # a new interval job runs at once
    assert mornings.next_run_at == at("2026-05-05T05:00:00")  # 07:00 CEST next weekday

    # A restart syncs again: the state in the database is kept.
    ScheduledJob.objects.filter(pk=minute.pk).update(next_run_at=at("2026-05-04T10:05:00"))
    scheduler.sync_jobs(now=at("2026-05-04T10:01:00"))
    minute.refresh_from_db()
    assert minute.next_run_at == at("2026-05-04T10:05:00")

    # A changed schedule is rescheduled from now; a job no longer declared stops.
    registry.clear()
    scheduler.schedule("every-minute", ADD_PATH, every=300)
    scheduler.sync_jobs(now=at("2026-05-04T10:02:00"))
    minute.refresh_from_db()
    mornings.refresh_from_db()
    assert (minute.interval_seconds, minute.next_run_at) == (300, at("2026-05-04T10:07:00"))
    assert mornings.declared is False
    assert scheduler.tick(now=at("2026-05-06T00:00:00")) == ["every-minute"]


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_tick_enqueues_a_due_job_once_and_moves_its_next_run(registry: dict) -> None:
    scheduler.schedule("adder", ADD_PATH, every=60)
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    assert scheduler.tick(now=now) == ["adder"]
    assert scheduler.tick(now=now) == []  # the same moment again: nothing is due
    job = ScheduledJob.objects.get(name="adder")
    assert (job.last_run_at, job.next_run_at) == (now, now + dt.timedelta(seconds=60))
    queued = DBTaskResult.objects.get()
    assert (str(queued.pk), queued.task_path, queued.status) == (
        job.last_result_id,
        ADD_PATH,
        "READY",
    )
    # Down for an hour: the missed runs are run once, not sixty times.
    later = now + dt.timedelta(hours=1)
    assert scheduler.tick(now=later) == ["adder"]
    assert DBTaskResult.objects.count() == 2
    job.refresh_from_db()
    assert job.next_run_at == later + dt.timedelta(seconds=60)


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_two_ticks_that_read_the_same_due_job_claim_it_once(registry: dict) -> None:
    scheduler.schedule("adder", ADD_PATH, every=60)
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    # Both ticks read the job while it was due (the SQLite path's race, made explicit).
    seen_by_first = ScheduledJob.objects.get(name="adder")
    seen_by_second = ScheduledJob.objects.get(name="adder")
    assert scheduler.claim(seen_by_first, now=now) is True
    assert scheduler.claim(seen_by_second, now=now) is False
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_job_whose_task_cannot_be_imported_waits_for_its_next_time(
    registry: dict, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler.schedule("broken", "forvalta.background.tests.tasks.no_such_task", every=60)
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    assert scheduler.tick(now=now) == ["broken"]
    job = ScheduledJob.objects.get(name="broken")
    assert (job.next_run_at, job.last_result_id) == (now + dt.timedelta(seconds=60), "")
    assert "Scheduled job broken could not be enqueued" in caplog.text
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_the_scheduler_command_resumes_from_the_persisted_schedule(registry: dict) -> None:
    scheduler.schedule("adder", ADD_PATH, every=3600)
    call_command("run_scheduler", stdout=(first := _Output()))
    assert first.text == "enqueued 1 due jobs: adder\n"
    next_run = ScheduledJob.objects.get(name="adder").next_run_at
    # A new run of the scheduler (a restart) finds the job not due and enqueues nothing.
    call_command("run_scheduler", stdout=(second := _Output()))
    assert second.text == "enqueued 0 due jobs: \n"
    assert ScheduledJob.objects.get(name="adder").next_run_at == next_run
    assert DBTaskResult.objects.count() == 1


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --- PostgreSQL: row locks ----------------------------------------------------------------
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_on_postgresql_a_tick_skips_a_job_another_tick_holds(registry: dict) -> None:
    scheduler.schedule("adder", ADD_PATH, every=60)
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    claimed: list[list[str]] = []

    def other_tick() -> None:
        try:
            claimed.append(scheduler.tick(now=now))
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    with transaction.atomic():
        ScheduledJob.objects.select_for_update().get(name="adder")  # another tick's lock
        thread = threading.Thread(target=other_tick)
        thread.start()
        thread.join(10)
        assert not thread.is_alive()  # skipped the locked row instead of waiting
    assert claimed == [[]]
    assert DBTaskResult.objects.count() == 0


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_on_postgresql_concurrent_ticks_enqueue_each_due_job_once(registry: dict) -> None:
    for i in range(5):
        scheduler.schedule(f"adder-{i}", ADD_PATH, every=60)
    now = timezone.now()
    scheduler.sync_jobs(now=now)
    barrier = threading.Barrier(4)
    results: list[list[str]] = []

    def tick() -> Any:
        try:
            barrier.wait(10)
            results.append(scheduler.tick(now=now))
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    names = sorted(name for result in results for name in result)
    assert names == [f"adder-{i}" for i in range(5)]
    assert DBTaskResult.objects.count() == 5
