# ruff: noqa: S603, S608  # fixed partition names; the subprocess is manage.py
"""The log store at scale (issue 14 build 2): files in private storage, deleted once read;
monthly partitions on PostgreSQL (a fresh table indexed after the data and attached);
progress; all or nothing under kill -9 and a clean second run; retention."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services, store
from forvalta.logreview.models import (
    ClientIdentity,
    Judgment,
    LoadStatus,
    LogEntry,
    LogLoad,
    ReviewOutcome,
    Verdict,
    load_storage,
)
from forvalta.logreview.tests.helpers import CLIENTS, build_access_world, log_csv, make_source
from forvalta.logreview.tests.test_review import fulfilled_order

pytestmark = pytest.mark.django_db
POSTGRES = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only"
)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def aware(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def rows_at(*times: str, account: str = "u-anna") -> list[tuple[str, ...]]:
    return [
        (t, account, "Anna A", "Hemtjänst Norr", CLIENTS[i % 4], "", "Läsa", "Journal")
        for i, t in enumerate(times)
    ]


def stored_files() -> list[Path]:
    root = Path(load_storage().location)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def partition_counts() -> dict[str, int]:
    result = {}
    with connection.cursor() as cursor:
        for name in store.partitions():
            cursor.execute(f"SELECT count(*) FROM {name}")
            result[name] = cursor.fetchone()[0]
    return result


def leftover_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'logreview_load_%%' "
            "OR relname LIKE 'logreview_logentry_p%%_new'"
        )
        return sorted(r for (r,) in cursor.fetchall())


def test_an_upload_is_stored_as_a_file_loaded_and_the_file_deleted(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    client = login(aw.people["sysadmin"])
    times = ("2026-11-03 09:15", "2026-11-03 10:00:30", "2026-11-30 23:59")
    upload = SimpleUploadedFile("logg.csv", log_csv(rows_at(*times)), content_type="text/csv")
    seen: list[list[Path]] = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/logreview/sources/{source.pk}/upload/", {"file": upload})
        seen.append(stored_files())
    load = LogLoad.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logreview/loads/{load.pk}/"
    # Queued: the file is in private storage (not in the row), and the page says so.
    assert (load.status, bytes(load.data), load.file.name.startswith(f"{aw.org.pk}/")) == (
        LoadStatus.QUEUED,
        b"",
        True,
    )
    assert seen == [[Path(load_storage().location) / load.file.name]]
    assert not str(seen[0][0]).startswith(str(settings.MEDIA_ROOT))
    page = client.get(f"/logreview/loads/{load.pk}/").content.decode()
    assert "<dt>Lästa rader hittills</dt><dd>0</dd>" in page
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    load.refresh_from_db()
    assert (load.status, load.row_count, load.progress, load.file.name) == (
        LoadStatus.LOADED,
        3,
        3,
        "",
    )
    assert (load.first_time, load.last_time) == (aware(times[0]), aware(times[2]))
    assert stored_files() == []
    assert sorted(LogEntry.objects.values_list("time", flat=True)) == [aware(t) for t in times]
    page = client.get(f"/logreview/loads/{load.pk}/").content.decode()
    assert "<dt>Rader</dt><dd>3</dd>" in page and "Lästa rader hittills" not in page
    if connection.vendor == "postgresql":
        assert partition_counts() == {"logreview_logentry_p202611": 3}
        assert leftover_tables() == []


@POSTGRES
def test_months_get_partitions_with_the_parents_indexes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    admin = aw.people["sysadmin"]
    # A row written through the ORM waits in the default partition.
    orm_load = LogLoad.objects.create(
        organisation=aw.org, source=source, filename="orm", uploaded_by=admin
    )
    LogEntry.objects.create(
        organisation=aw.org,
        source=source,
        load=orm_load,
        time=aware("2026-10-15 12:00"),
        account="u-orm",
        client_hash="h",
        client_masked="m",
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = services.log_upload(
            actor=admin,
            source=source,
            filename="nov.csv",
            data=log_csv(rows_at("2026-11-01 00:00", "2026-11-02 08:00")),
        )
        second = services.log_upload(
            actor=admin,
            source=source,
            filename="nov2.csv",
            data=log_csv(rows_at("2026-11-05 08:00")),
        )
        both = services.log_upload(
            actor=admin,
            source=source,
            filename="oct-dec.csv",
            data=log_csv(rows_at("2026-10-31 23:59", "2026-11-20 08:00", "2026-12-01 00:00")),
        )
    for load in (first, second, both):
        load.refresh_from_db()
        assert load.status == LoadStatus.LOADED
    assert partition_counts() == {
        "logreview_logentry_p202610": 2,  # the ORM row moved out of the default partition
        "logreview_logentry_p202611": 4,
        "logreview_logentry_p202612": 1,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM logreview_logentry_default")
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'logreview_logentry_p202611' "
            "ORDER BY indexname"
        )
        definitions = [d.split(" USING ", 1)[1] for (d,) in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class "
            "WHERE relname = 'logreview_logentry_p202611'"
        )
        bound = cursor.fetchone()[0]
    assert definitions == [
        'btree (account, "time") INCLUDE (load_id, client_hash, unit, action)',
        'brin ("time")',
        'btree (client_hash, "time")',
        'btree (load_id, "time")',
        'btree (id, "time")',
    ]
    assert bound == ("FOR VALUES FROM ('2026-10-31 23:00:00+00') TO ('2026-11-30 23:00:00+00')")
    # Loads into a month that has its partition leave its statistics current (the planner
    # reads a new extract by what it holds): November's estimate counts all four rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
            "AND relname LIKE 'logreview_logentry_p2026%%' ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("logreview_logentry_p202610", 2),
            ("logreview_logentry_p202611", 4),
            ("logreview_logentry_p202612", 1),
        ]
    assert leftover_tables() == []
    # The month boundaries are local: 00:00 on 1 November is November's.
    assert list(
        LogEntry.objects.filter(load=first).order_by("time").values_list("time", flat=True)
    ) == [aware("2026-11-01 00:00"), aware("2026-11-02 08:00")]


def _big_file(rows: int) -> bytes:
    lines = [
        f"2026-09-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d};u-{i % 50};N;Norr;"
        f"{CLIENTS[i % 4]};;Läsa;Journal\n"
        for i in range(rows)
    ]
    return log_csv([]) + "".join(lines).encode()


@POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_load_killed_mid_way_leaves_nothing_and_runs_again_to_completion(
    monkeypatch: Any,
) -> None:
    from forvalta.logreview import tasks

    aw = build_access_world()
    source = make_source(aw)
    # Partitions an earlier transactional test left (a flush empties, never drops, them).
    from django.db import connection as db

    with db.cursor() as cursor:
        for name in store.partitions():
            cursor.execute(f"DROP TABLE {name}")
    partitions_before = store.partitions()
    rows = 400_000
    # Queued only: the worker is the subprocess below.
    monkeypatch.setattr(tasks, "load_log", SimpleNamespace(enqueue=lambda load_id: None))
    load = services.log_upload(
        actor=aw.people["sysadmin"], source=source, filename="big.csv", data=_big_file(rows)
    )
    path = Path(load_storage().location) / load.file.name
    assert path.exists()
    db = connection.settings_dict
    env = {
        **os.environ,
        "FORVALTA_TESTING": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "FORVALTA_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "logreview_load", str(load.pk)],
        cwd=settings.PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The progress is visible from outside the load's transaction; kill -9 mid-way.
    deadline = time.monotonic() + 120
    progress = 0
    while time.monotonic() < deadline and process.poll() is None:
        progress = LogLoad.objects.get(pk=load.pk).progress
        if progress > 0:
            break
        time.sleep(0.05)
    assert process.poll() is None and 0 < progress < rows
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Nothing of the file is in the log; the load is still queued with its file.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and leftover_tables():
        time.sleep(0.2)  # the server notices the dead client and rolls back
    assert LogEntry.objects.filter(load_id=load.pk).count() == 0
    assert leftover_tables() == []
    assert store.partitions() == partitions_before
    load.refresh_from_db()
    assert (load.status, load.row_count, path.exists()) == (LoadStatus.QUEUED, 0, True)
    page = login(aw.people["sysadmin"]).get(f"/logreview/loads/{load.pk}/").content.decode()
    assert f"<dt>Lästa rader hittills</dt><dd>{progress}</dd>" in page
    # The stalled load is picked up again and runs to completion.
    assert services.stalled_loads(dt.timedelta(0)) == [load.pk]
    assert services.run_load(load.pk) == "loaded"
    load.refresh_from_db()
    assert (load.status, load.row_count, load.progress, path.exists()) == (
        LoadStatus.LOADED,
        rows,
        rows,
        False,
    )
    assert LogEntry.objects.filter(load_id=load.pk).count() == rows
    assert partition_counts() == {"logreview_logentry_p202609": rows}
    assert services.run_load(load.pk) == "skipped"
    assert services.stalled_loads(dt.timedelta(0)) == []
    assert AuditEvent.objects.filter(action="logreview.logload.loaded").count() == 1


def test_an_extract_is_disposed_of_90_days_after_its_review_keeping_the_outcome(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    load = order.loads.get()
    judged = LogEntry.objects.get(account="u-anna", time=aware("2026-11-03 10:00"))
    judgment = Judgment.objects.create(
        organisation=aw.org,
        order=order,
        entry=judged,
        verdict=Verdict.REASONABLE,
        comment="Ny klient",
        judged_by=aw.people["mgr_north"],
    )
    outcome = ReviewOutcome.objects.create(
        organisation=aw.org,
        order=order,
        completed_on=dt.date(2026, 12, 2),
        reviewer=aw.people["mgr_north"],
        persons_reviewed=2,
        logs_reviewed=8,
        with_remark=False,
        incident_reported=False,
    )
    count = LogEntry.objects.filter(load=load).count()
    assert count == load.row_count == 17
    documented = outcome.documented_at
    assert store.dispose_expired(documented + dt.timedelta(days=89, hours=23)) == {
        "rows": 0,
        "partitions": 0,
        "loads": 0,
        "identities": 0,
    }
    assert LogEntry.objects.count() == count
    clients = set(LogEntry.objects.values_list("client_hash", flat=True))
    assert set(ClientIdentity.objects.values_list("client_hash", flat=True)) == clients
    result = store.dispose_expired(documented + dt.timedelta(days=90))
    # On PostgreSQL the month held only this extract: its partition is dropped whole.
    pg = connection.vendor == "postgresql"
    assert result == {
        "rows": count,
        "partitions": 1 if pg else 0,
        "loads": 1,
        "identities": len(clients),
    }
    assert LogEntry.objects.count() == 0
    # The full numbers go with the last rows naming them (nothing left to reveal).
    assert ClientIdentity.objects.count() == 0
    event = AuditEvent.objects.get(action="logreview.clientidentity.disposed")
    assert (event.organisation_id, event.changes) == (
        aw.org.pk,
        {"identities": [None, len(clients)]},
    )
    assert store.partitions() == []
    judgment.refresh_from_db()
    assert (
        judgment.entry_id,
        judgment.access_time,
        judgment.access_account,
        judgment.access_client,
        judgment.access_action,
        judgment.verdict,
        judgment.comment,
    ) == (
        None,
        aware("2026-11-03 10:00"),
        "u-anna",
        judged.client_masked,
        "Läsa",
        Verdict.REASONABLE,
        "Ny klient",
    )
    assert ReviewOutcome.objects.get() == outcome
    load.refresh_from_db()
    assert (load.disposed_at, load.disposed_rows, load.status) == (
        documented + dt.timedelta(days=90),
        count,
        LoadStatus.LOADED,
    )
    event = AuditEvent.objects.get(action="logreview.logload.disposed")
    assert (event.object_id, event.changes["rows"]) == (str(load.pk), [0, count])
    # Nothing more to do the next day.
    assert store.dispose_expired(documented + dt.timedelta(days=91)) == {
        "rows": 0,
        "partitions": 0,
        "loads": 0,
        "identities": 0,
    }
    # The load page says when the rows went.
    page = login(aw.people["sysadmin"]).get(f"/logreview/loads/{load.pk}/").content.decode()
    assert f"<dt>Loggraderna gallrades</dt><dd>{load.disposed_at:%Y-%m-%d} ({count})</dd>" in page


def test_the_full_log_is_disposed_of_by_the_sources_retention(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    source.log_retention_days = 30
    source.save()
    admin = aw.people["sysadmin"]
    with django_capture_on_commit_callbacks(execute=True):
        full = services.log_upload(
            actor=admin,
            source=source,
            filename="full.csv",
            data=log_csv(
                rows_at(
                    "2026-10-02 08:00",
                    "2026-10-30 08:00",
                    "2026-11-10 08:00",
                    "2026-11-14 23:59",
                    "2026-11-15 00:00",
                    "2026-11-20 08:00",
                )
            ),
        )
    now = aware("2026-12-15 00:00")  # cutoff: 2026-11-15 00:00
    result = store.dispose_expired(now)
    pg = connection.vendor == "postgresql"
    # The rows left name two of the four clients: the other two numbers go.
    assert result == {"rows": 4, "partitions": 1 if pg else 0, "loads": 0, "identities": 2}
    assert set(ClientIdentity.objects.values_list("client_hash", flat=True)) == set(
        LogEntry.objects.values_list("client_hash", flat=True)
    )
    assert sorted(LogEntry.objects.values_list("time", flat=True)) == [
        aware("2026-11-15 00:00"),
        aware("2026-11-20 08:00"),
    ]
    if pg:
        assert partition_counts() == {"logreview_logentry_p202611": 2}
    full.refresh_from_db()
    assert (full.disposed_at, full.disposed_rows) == (None, 4)
    # A month later every row is past its retention: the load is disposed of.
    later = aware("2027-01-20 00:00")
    assert store.dispose_expired(later) == {
        "rows": 2,
        "partitions": 1 if pg else 0,
        "loads": 1,
        "identities": 2,
    }
    assert ClientIdentity.objects.count() == 0
    full.refresh_from_db()
    assert (full.disposed_at, full.disposed_rows) == (later, 6)
    assert [
        e.changes["rows"]
        for e in AuditEvent.objects.filter(action="logreview.logload.disposed").order_by("pk")
    ] == [[0, 4], [4, 6]]


def test_rows_written_through_the_orm_are_disposed_of_too() -> None:
    aw = build_access_world()
    source = make_source(aw)
    source.log_retention_days = 30
    source.save()
    load = LogLoad.objects.create(
        organisation=aw.org,
        source=source,
        filename="demo",
        uploaded_by=aw.people["sysadmin"],
        status=LoadStatus.LOADED,
        row_count=2,
    )
    for time_ in ("2026-10-01 08:00", "2026-12-01 08:00"):
        LogEntry.objects.create(
            organisation=aw.org,
            source=source,
            load=load,
            time=aware(time_),
            account="u-demo",
            client_hash="h",
            client_masked="m",
        )
    assert store.dispose_expired(aware("2026-12-15 00:00")) == {
        "rows": 1,
        "partitions": 0,
        "loads": 0,
        "identities": 0,
    }
    load.refresh_from_db()
    assert (load.first_time, load.last_time, load.disposed_rows) == (
        aware("2026-10-01 08:00"),
        aware("2026-12-01 08:00"),
        1,
    )
    assert list(LogEntry.objects.values_list("time", flat=True)) == [aware("2026-12-01 08:00")]


def test_the_disposal_and_the_resumption_are_scheduled_jobs(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from forvalta.background.scheduler import JobSpec, declared_jobs
    from forvalta.logreview import tasks

    assert declared_jobs()["logreview.dispose_log_rows"] == JobSpec(
        name="logreview.dispose_log_rows",
        task_path="forvalta.logreview.tasks.dispose_log_rows",
        cron="15 3 * * *",
    )
    assert declared_jobs()["logreview.resume_loads"] == JobSpec(
        name="logreview.resume_loads",
        task_path="forvalta.logreview.tasks.resume_loads",
        every=600,
    )
    # A queued load older than ten minutes is started again by the job (and loads).
    aw = build_access_world()
    source = make_source(aw)
    with django_capture_on_commit_callbacks(execute=False):
        load = services.log_upload(
            actor=aw.people["sysadmin"],
            source=source,
            filename="l.csv",
            data=log_csv(rows_at("2026-11-03 09:00")),
        )
    assert tasks.resume_loads.call() == 0  # just uploaded
    LogLoad.objects.filter(pk=load.pk).update(uploaded_at=timezone.now() - dt.timedelta(minutes=11))
    assert tasks.resume_loads.call() == 1
    load.refresh_from_db()
    assert (load.status, load.row_count) == (LoadStatus.LOADED, 1)
    # An upload file no load refers to (its queueing rolled back) goes once a day old.
    orphan = Path(load_storage().location) / str(aw.org.pk) / "orphan.csv"
    orphan.write_bytes(b"Personnummer\n191212121212\n")
    assert tasks.dispose_log_rows.call() == {
        "rows": 0,
        "partitions": 0,
        "loads": 0,
        "identities": 0,
        "orphan_files": 0,
    }
    day_old = time.time() - 86_401
    os.utime(orphan, (day_old, day_old))
    assert tasks.dispose_log_rows.call()["orphan_files"] == 1
    # The load's own file (deleted when its transaction commits; here the test's) stays.
    load.refresh_from_db()
    assert stored_files() == [Path(load_storage().location) / load.file.name]


@POSTGRES
def test_the_kept_numbers_are_not_disposed_of_while_a_load_stores_its_clients() -> None:
    from django.db import DEFAULT_DB_ALIAS, connections

    from forvalta.logreview import identity

    aw = build_access_world()
    ClientIdentity.objects.create(organisation=aw.org, client_hash="f" * 64, number="token")
    real = connections[DEFAULT_DB_ALIAS]
    other = type(real)(dict(real.settings_dict), alias="a_running_load")
    other.ensure_connection()
    other.set_autocommit(True)
    try:
        with other.cursor() as cursor:  # as a load holds it from its clients to its commit
            cursor.execute(
                "SELECT pg_advisory_lock_shared(%s, %s)", [identity._IDENTITY_LOCK, aw.org.pk]
            )
        assert store.dispose_identities(aw.org.pk) == 0
        assert ClientIdentity.objects.filter(organisation=aw.org).count() == 1
        assert not AuditEvent.objects.filter(action="logreview.clientidentity.disposed").exists()
        # The load commits. Released here, not by closing: a closed connection's server
        # process may still hold its locks for a moment after the client has gone.
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock_shared(%s, %s)", [identity._IDENTITY_LOCK, aw.org.pk]
            )
    finally:
        other.close()
    # The load has committed: the number no row names goes.
    assert store.dispose_identities(aw.org.pk) == 1
    assert ClientIdentity.objects.filter(organisation=aw.org).count() == 0
