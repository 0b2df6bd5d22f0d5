# ruff: noqa: S608  # SQL built only from fixed table names and computed month keys
"""The log store at scale (issue 14, build 2): where parsed log rows go, and their disposal.

PostgreSQL: `logreview_logentry` is partitioned by RANGE on `time`, one partition per
calendar month in the local time zone (`logreview_logentry_pYYYYMM`) plus a DEFAULT
partition for rows written through the ORM (tests, demo). The primary key is
(id, time); the indexes are defined on the parent (so every partition has them): a
covering B-tree on (account, time) INCLUDE (load_id, client_hash, unit, action), a
B-tree on (client_hash, time), one on (load_id, time) (an extract's rows: the review's
peer counts, disposal), BRIN on time.

A load writes its rows with psycopg 3 COPY into a fresh, unindexed table of its own
(`PgWriter`), inside the transaction that marks the load loaded, so a crash (kill -9)
anywhere before that commit leaves nothing: not a row, not a table. At the end
(`PgWriter.finish`):

- every row in one month that has no partition yet (the bulk case): the fresh table
  gets the month's CHECK constraint and the indexes (built after the data), and is
  attached as the month's partition: the rows are written once;
- otherwise the months without a partition get fresh tables filled from it, indexed
  and attached; the rows of months that have one are inserted through the parent.

SQLite (demo scale): the same parse and the same writer interface; rows are inserted
in batches (`SqliteWriter`). Never one query per row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

logger = logging.getLogger("forvalta.logreview")

TABLE = "logreview_logentry"
DEFAULT_PARTITION = f"{TABLE}_default"
# COPY's columns, in the order the ingest formats them.
COLUMNS = (
    "organisation_id",
    "source_id",
    "load_id",
    "time",
    "account",
    "employee_name",
    "unit",
    "client_hash",
    "client_masked",
    "client_unit",
    "action",
    "record_part",
    "client_surname",
)
# The indexes every partition has (the parent's definitions; built after the data).
INDEXES = (
    ("acct", 'btree (account, "time") INCLUDE (load_id, client_hash, unit, action)'),
    ("client", 'btree (client_hash, "time")'),
    # An extract's rows by its load (the review's per-day peer counts, disposal).
    ("load", 'btree (load_id, "time")'),
    ("brin", 'brin ("time")'),
)
MAINTENANCE_WORK_MEM = "1GB"
DELETE_BATCH = 50_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- months ------------------------------------------------------------------------------
def month_bounds(key: str) -> tuple[dt.datetime, dt.datetime]:
    """The local month `YYYY-MM` as [start, end) aware datetimes."""
    year, month = int(key[:4]), int(key[5:7])
    start = timezone.make_aware(dt.datetime(year, month, 1))
    end = timezone.make_aware(
        dt.datetime(year + 1, 1, 1) if month == 12 else dt.datetime(year, month + 1, 1)
    )
    return start, end


def partition_name(key: str) -> str:
    return f"{TABLE}_p{key[:4]}{key[5:7]}"


def _partitions(cursor: Any) -> dict[str, str]:
    """The attached month partitions: name -> bound expression."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = %s::regclass
        """,
        [TABLE],
    )
    return {name: bound for name, bound in cursor.fetchall()}


def partitions() -> list[str]:
    """The names of the month partitions (PostgreSQL), oldest first."""
    if not is_postgresql():
        return []
    with connection.cursor() as cursor:
        return sorted(n for n in _partitions(cursor) if n != DEFAULT_PARTITION)


def _lock_month(cursor: Any, key: str) -> None:
    """Two loads never create one month's partition at once (held until commit)."""
    key_id = zlib.crc32(key.encode()) - 2**31
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x10C5, key_id])


def _build_indexes(cursor: Any, table: str, name: str) -> None:
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT {name}_pkey PRIMARY KEY (id, "time")')
    for suffix, definition in INDEXES:
        cursor.execute(f"CREATE INDEX {name}_{suffix} ON {table} USING {definition}")


def _attach(cursor: Any, table: str, key: str) -> None:
    """Attach a filled table as month `key`'s partition: the rows of that month written
    through the ORM into the default partition move into it first; its CHECK constraint
    spares the attach a second scan; the parent's indexes match the ones built."""
    start, end = month_bounds(key)
    name = partition_name(key)
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "
        f'WHERE "time" >= %s AND "time" < %s RETURNING *) '
        f"INSERT INTO {table} SELECT * FROM moved",
        [start, end],
    )
    cursor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {name}_bound "
        f"CHECK (\"time\" >= '{start.isoformat()}' AND \"time\" < '{end.isoformat()}')"
    )
    _build_indexes(cursor, table, name)
    if table != name:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {name}")
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bound")
    cursor.execute(f"ANALYZE {name}")


def ensure_month(key: str) -> None:
    """Create month `key`'s partition if missing (empty, indexed, attached)."""
    with connection.cursor() as cursor:
        _lock_month(cursor, key)
        if partition_name(key) in _partitions(cursor):
            return
        fresh = f"{partition_name(key)}_new"
        cursor.execute(f"CREATE TABLE {fresh} (LIKE {TABLE} INCLUDING DEFAULTS)")
        _attach(cursor, fresh, key)


def split_default() -> int:
    """Move the rows of the default partition into month partitions (rows written
    through the ORM, or stored before the table was partitioned). The rows moved."""
    if not is_postgresql():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT to_char(\"time\" AT TIME ZONE %s, 'YYYY-MM') "
            f"FROM {DEFAULT_PARTITION}",
            [timezone.get_current_timezone_name()],
        )
        keys = sorted(k for (k,) in cursor.fetchall())
        moved = 0
        for key in keys:
            cursor.execute(
                f'SELECT count(*) FROM {DEFAULT_PARTITION} WHERE "time" >= %s AND "time" < %s',
                list(month_bounds(key)),
            )
            moved += cursor.fetchone()[0]
            ensure_month(key)
        return moved


# --- writers -----------------------------------------------------------------------------
class PgWriter:
    """COPY (text format) into a fresh unindexed table of the load; `finish` makes the rows
    part of the log inside the caller's transaction."""

    def __init__(self, load_id: int) -> None:
        assert transaction.get_connection().in_atomic_block
        self.table = f"logreview_load_{int(load_id)}"
        self.cursor = connection.cursor()
        if connection.pg_version >= 140000:  # type: ignore[attr-defined]
            # A killed worker's long statement (an index build) stops within a second.
            self.cursor.execute("SET LOCAL client_connection_check_interval = 1000")
        self.cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.cursor.execute(f"CREATE TABLE {self.table} (LIKE {TABLE} INCLUDING DEFAULTS)")
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        raw = self.cursor.cursor  # psycopg 3
        # The plain writer: a queued one (a thread sending while the file is parsed) held
        # the connection so that a statement after an unfinished COPY waited forever.
        self._copy_cm = raw.copy(f"COPY {self.table} ({names}) FROM STDIN")
        self.copy = self._copy_cm.__enter__()

    def write(self, text: str) -> None:
        """Lines in COPY text format (fields escaped, tab-separated, newline-ended)."""
        self.copy.write(text)

    def abort(self) -> None:
        # The transaction is rolled back anyway: an error ending the COPY changes nothing.
        with contextlib.suppress(Exception):
            self._copy_cm.__exit__(RuntimeError, RuntimeError("aborted"), None)
        self.cursor.close()

    def finish(self, months: Iterable[str]) -> None:
        self._copy_cm.__exit__(None, None, None)
        cursor = self.cursor
        keys = sorted(set(months))
        for key in keys:
            _lock_month(cursor, key)
        existing = _partitions(cursor)
        new = [k for k in keys if partition_name(k) not in existing]
        old = [k for k in keys if partition_name(k) in existing]
        if len(keys) == 1 and new:
            # The bulk case: the load's own table becomes the month's partition.
            _attach(cursor, self.table, keys[0])
            cursor.close()
            return
        for key in new:
            start, end = month_bounds(key)
            fresh = f"{partition_name(key)}_new"
            cursor.execute(f"CREATE TABLE {fresh} (LIKE {TABLE} INCLUDING DEFAULTS)")
            cursor.execute(
                f"INSERT INTO {fresh} SELECT * FROM {self.table} "
                'WHERE "time" >= %s AND "time" < %s',
                [start, end],
            )
            _attach(cursor, fresh, key)
        if old:
            ranges = " OR ".join('("time" >= %s AND "time" < %s)' for _ in old)
            params = [b for key in old for b in month_bounds(key)]
            cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {self.table} WHERE {ranges}", params)
            # The planner must know the new rows: with the statistics of before, a new
            # load's id is "not there" (estimated at one row), and a review of its extract
            # scans every row of the load by (load_id, time) instead of reading the drawn
            # employees' days by (account, time) (measured 14.6 -> 2.1 ms for 20,000 rows).
            # A partition of millions of rows is not re-analysed by autovacuum for one
            # extract. ANALYZE samples (a bounded read) and blocks no reader or writer.
            for key in old:
                cursor.execute(f"ANALYZE {partition_name(key)}")
        cursor.execute(f"DROP TABLE {self.table}")
        cursor.close()


class SqliteWriter:
    """The same interface at demo scale: rows inserted in batches of `BATCH`."""

    BATCH = 5000

    def __init__(self, load_id: int) -> None:
        assert transaction.get_connection().in_atomic_block
        self.rows: list[tuple[Any, ...]] = []
        self.cursor = connection.cursor()
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        self.sql = f"INSERT INTO {TABLE} ({names}) VALUES ({marks})"
        self.adapt = connection.ops.adapt_datetimefield_value

    def add(self, row: tuple[Any, ...]) -> None:
        """A row in `COLUMNS` order, its time an aware datetime."""
        self.rows.append((*row[:3], self.adapt(row[3]), *row[4:]))
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.rows = []

    def abort(self) -> None:
        self.rows = []
        self.cursor.close()

    def finish(self, months: Iterable[str]) -> None:
        self._flush()
        self.cursor.close()


# --- progress ----------------------------------------------------------------------------
class Progress:
    """`LogLoad.progress` written from a separate connection in autocommit, so the load
    page shows it while the load's own transaction is open (PostgreSQL; SQLite has one
    writer at a time, so there the count is written with the result)."""

    def __init__(self, load_id: int) -> None:
        self.load_id = load_id
        self.conn: Any = None
        if is_postgresql():
            try:
                real = connections[DEFAULT_DB_ALIAS]
                self.conn = type(real)(dict(real.settings_dict), alias="logreview_progress")
                self.conn.ensure_connection()
                self.conn.set_autocommit(True)
            except Exception:  # progress is a convenience
                logger.exception("no progress connection for load %s", load_id)
                self.conn = None

    def update(self, rows: int) -> None:
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(
                    "UPDATE logreview_logload SET progress = %s WHERE id = %s",
                    [rows, self.load_id],
                )
        except Exception:
            logger.exception("progress of load %s not written", self.load_id)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- disposal ----------------------------------------------------------------------------
def _keep_judged(load_ids: list[int], start: dt.datetime, end: dt.datetime) -> None:
    """Copy the judged accesses' essential fields onto their judgments (of quarterly
    reviews and of reviews on suspicion) and clear the link, before the raw rows of the
    loads with start <= time < end go (exactly the rows the caller deletes)."""
    from django.db.models import OuterRef, Subquery

    from forvalta.logreview.models import Judgment, LogEntry, SuspicionJudgment

    going = LogEntry.objects.filter(load_id__in=load_ids, time__gte=start, time__lt=end)
    entry = LogEntry.objects.filter(pk=OuterRef("entry_id"))
    for model in (Judgment, SuspicionJudgment):
        # scoping: allowed disposal, a system task; nothing is shown
        judged = model.objects.filter(entry_id__in=going.values("pk"))
        judged.update(
            access_time=Subquery(entry.values("time")[:1]),
            access_account=Subquery(entry.values("account")[:1]),
            access_client=Subquery(entry.values("client_masked")[:1]),
            access_action=Subquery(entry.values("action")[:1]),
        )
        # scoping: allowed disposal, a system task; nothing is shown
        model.objects.filter(entry_id__in=going.values("pk")).update(entry=None)


def _delete_rows(load_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """DELETE a load's rows with start <= time < end in batches; the rows deleted."""
    adapt = connection.ops.adapt_datetimefield_value
    where = '"time" >= %s AND "time" < %s AND load_id = %s'
    params = [adapt(start), adapt(end), load_id]
    total = 0
    with connection.cursor() as cursor:
        while True:
            if is_postgresql():
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE ctid = ANY(ARRAY("
                    f"SELECT ctid FROM {TABLE} WHERE {where} LIMIT {DELETE_BATCH}))",
                    params,
                )
            else:
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE id IN ("
                    f"SELECT id FROM {TABLE} WHERE {where} LIMIT {DELETE_BATCH})",
                    params,
                )
            total += cursor.rowcount
            if cursor.rowcount < DELETE_BATCH:
                return total


def _droppable_partitions(now: dt.datetime) -> list[tuple[str, str]]:
    """Month partitions every row of which is expired: every load with rows in the
    month is either a full export whose source's retention has passed the month's end,
    or an extract whose review was documented longer ago than its retention."""
    from forvalta.logreview.models import LogLoad

    result = []
    for name in partitions():
        key = f"{name[-6:-2]}-{name[-2:]}"
        start, end = month_bounds(key)
        loads = LogLoad.objects.filter(first_time__lt=end, last_time__gte=start).select_related(
            "source", "order__outcome"
        )
        if all(_expired(load, now, end) for load in loads):
            result.append((name, key))
    return result


def _expired(load: Any, now: dt.datetime, until: dt.datetime | None = None) -> bool:
    """Whether the load's rows (those before `until`, or all) are past their retention."""
    if load.disposed_at is not None and load.order_id is not None:
        return True
    if load.order_id is not None:
        outcome = getattr(load.order, "outcome", None) if load.order else None
        return outcome is not None and now - outcome.documented_at >= dt.timedelta(
            days=load.source.extract_retention_days
        )
    cutoff = now - dt.timedelta(days=load.source.log_retention_days)
    end = until if until is not None else load.last_time
    return end is not None and end <= cutoff


def prune_orphan_files(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete stored upload files no load refers to (an upload whose queueing rolled
    back), once older than `older_than`: they hold full personal identity numbers."""
    from forvalta.logreview.models import LogLoad, load_storage

    root = Path(load_storage().location)
    if not root.exists():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    referenced = set(LogLoad.objects.exclude(file="").values_list("file", flat=True))
    deleted = 0
    for path in root.rglob("*"):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name not in referenced and path.stat().st_mtime < cutoff:
            path.unlink()
            deleted += 1
    return deleted


def _backfill_spans() -> None:
    """Loaded log loads without a first/last time (rows written through the ORM, e.g.
    demo data) get them from their rows, so that retention never overlooks them."""
    from django.db.models import Max, Min

    from forvalta.logreview.models import LoadKind, LoadStatus, LogEntry, LogLoad

    missing = LogLoad.objects.filter(
        kind=LoadKind.LOG, status=LoadStatus.LOADED, disposed_at=None, first_time=None
    ).values("pk")
    spans = (
        LogEntry.objects.filter(load_id__in=missing)
        .values("load_id")
        .annotate(first=Min("time"), last=Max("time"))
        .order_by()
    )
    for span in spans:
        LogLoad.objects.filter(pk=span["load_id"]).update(
            first_time=span["first"], last_time=span["last"]
        )


def dispose_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """The daily disposal of raw log rows past their retention (outcomes and judgments
    are kept, with the judged access's essential fields). On PostgreSQL whole expired
    month partitions are dropped; the rest is deleted in batches. Each load whose rows
    went is recorded (`logreview.logload.disposed` with the number of rows)."""
    from forvalta.audit.services import record
    from forvalta.logreview.models import LoadKind, LoadStatus, LogLoad

    now = now or timezone.now()
    _backfill_spans()
    counts: dict[int, int] = {}
    dropped = 0
    loads = list(
        LogLoad.objects.filter(kind=LoadKind.LOG, status=LoadStatus.LOADED, disposed_at=None)
        .select_related("source", "order__outcome", "organisation")
        .order_by("pk")
    )
    # Whole partitions first (PostgreSQL): no row-by-row work for old months.
    for name, key in _droppable_partitions(now) if is_postgresql() else []:
        start, end = month_bounds(key)
        with transaction.atomic(), connection.cursor() as cursor:
            touching = [
                load.pk
                for load in loads
                if load.first_time is not None
                and load.last_time is not None
                and load.first_time < end
                and load.last_time >= start
            ]
            _keep_judged(touching, start, end)
            cursor.execute(f"SELECT load_id, count(*) FROM {name} GROUP BY load_id")
            for load_id, rows in cursor.fetchall():
                counts[load_id] = counts.get(load_id, 0) + rows
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
            dropped += 1
    disposed = []
    for load in loads:
        if load.order_id is not None:
            if not _expired(load, now):
                continue
            if load.first_time is None or load.last_time is None:
                disposed.append(load)  # no rows
                continue
            # A day either side: the first and last time are compared as local text
            # when read (an hour off in the autumn's repeated hour).
            window = (
                load.first_time - dt.timedelta(days=1),
                load.last_time + dt.timedelta(days=1),
            )
            with transaction.atomic():
                _keep_judged([load.pk], *window)
                counts[load.pk] = counts.get(load.pk, 0) + _delete_rows(load.pk, *window)
            disposed.append(load)
            continue
        cutoff = now - dt.timedelta(days=load.source.log_retention_days)
        if load.first_time is None or load.first_time >= cutoff:
            continue
        window = (load.first_time - dt.timedelta(days=1), cutoff)
        with transaction.atomic():
            # The rows before the cutoff go, the load's later rows stay (judged or not).
            _keep_judged([load.pk], *window)
            counts[load.pk] = counts.get(load.pk, 0) + _delete_rows(load.pk, *window)
        if load.last_time is not None and load.last_time < cutoff:
            disposed.append(load)
    for load in loads:
        rows = counts.get(load.pk, 0)
        done = load in disposed
        if not rows and not done:
            continue
        with transaction.atomic():
            fields: dict[str, Any] = {"disposed_rows": load.disposed_rows + rows}
            if done:
                fields["disposed_at"] = now
            LogLoad.objects.filter(pk=load.pk).update(**fields)
            record(
                actor=None,
                action="logreview.logload.disposed",
                obj=load,
                organisation=load.organisation,
                changes={"rows": [load.disposed_rows, load.disposed_rows + rows]}
                | ({"disposed": [None, now.isoformat()]} if done else {}),
            )
    # Every organisation with kept numbers, not only those whose rows went today: a day
    # skipped (a load was storing its clients) is made up the next day.
    from forvalta.logreview.models import ClientIdentity

    keeping = ClientIdentity.objects.order_by().values_list("organisation_id", flat=True).distinct()
    identities = sum(dispose_identities(org_id) for org_id in sorted(set(keeping)))
    return {
        "rows": sum(counts.values()),
        "partitions": dropped,
        "loads": len(disposed),
        "identities": identities,
    }


def dispose_identities(organisation_id: int) -> int:
    """Dispose of the organisation's kept client numbers (`ClientIdentity`) that no log
    row of the organisation names any more: the number could only be revealed from such
    a row. In batches, one transaction each; a batch is skipped (tried again the next
    day) while a load of the organisation is storing its clients. One audit event with
    the count. Returns the number disposed of."""
    from django.db.models import Exists, OuterRef

    from forvalta.audit.services import record
    from forvalta.core.models import Organisation
    from forvalta.logreview import identity
    from forvalta.logreview.models import ClientIdentity, LogEntry

    orphans = ClientIdentity.objects.filter(organisation_id=organisation_id).exclude(
        Exists(
            LogEntry.objects.filter(
                organisation_id=organisation_id, client_hash=OuterRef("client_hash")
            )
        )
    )
    total = 0
    while True:
        with transaction.atomic():
            if not identity.may_dispose_identities(organisation_id):
                break
            ids = list(orphans.order_by("pk").values_list("pk", flat=True)[:DELETE_BATCH])
            if not ids:
                break
            total += ClientIdentity.objects.filter(pk__in=ids).delete()[0]
    if total:
        with transaction.atomic():
            record(
                actor=None,
                action="logreview.clientidentity.disposed",
                organisation=Organisation.objects.get(pk=organisation_id),
                changes={"identities": [None, total]},
            )
    return total
