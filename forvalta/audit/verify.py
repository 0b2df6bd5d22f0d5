"""Verifying the trail in the database: the chain, its anchor and the checkpoints.

Reads events by chain position in chunks (keyset on `seq`, raw SQL: no model
instances) and feeds them to the pure verifier in `chain.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Max
from django.utils import timezone

from forvalta.audit import chain, db
from forvalta.audit.models import (
    MIN_RETENTION_YEARS,
    AuditCheckpoint,
    AuditDisposal,
    AuditEvent,
    AuditPending,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

_COLUMNS = ("seq", "prev_hash", "hash", *chain.HASHED_FIELDS)
# PostgreSQL writes the time as the chain encodes it (UTC, microseconds, Z), which
# spares a Python datetime per row; SQLite's stored text is converted in Python.
_PG_TIME = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _select(vendor: str) -> str:
    columns = [_PG_TIME if (c == "occurred_at" and vendor == "postgresql") else c for c in _COLUMNS]
    return (
        f"SELECT {', '.join(columns)} FROM audit_auditevent "  # noqa: S608 - fixed columns
        "WHERE seq > %s ORDER BY seq LIMIT %s"
    )


_I_OCCURRED = chain.HASHED_FIELDS.index("occurred_at")
_I_ADDRESS = chain.HASHED_FIELDS.index("client_address")
_I_CHANGES = chain.HASHED_FIELDS.index("changes")


def iter_events(
    *, after: int = 0, chunk_size: int = 20_000, using: str = DEFAULT_DB_ALIAS
) -> Iterator[tuple[int, str, str, dict[str, Any] | None]]:
    """(seq, prev_hash, hash, content) in chain order, content ready to hash (None
    where the stored changes are not JSON at all)."""
    connection = connections[using]
    names = chain.HASHED_FIELDS
    timestamp = chain.timestamp
    address = chain.canonical_address
    loads = json.loads
    version = chain.HASH_VERSION
    drop_unset = chain.drop_unset_optional
    select = _select(connection.vendor)
    time_is_text = connection.vendor == "postgresql"
    last = after
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last, chunk_size])
            rows = cursor.fetchall()
        if not rows:
            return
        for row in rows:
            seq, prev_hash, stored = row[0], row[1], row[2]
            values = list(row[3:])
            if not time_is_text:
                values[_I_OCCURRED] = timestamp(values[_I_OCCURRED])
            values[_I_ADDRESS] = address(values[_I_ADDRESS])
            raw = values[_I_CHANGES]
            try:
                values[_I_CHANGES] = loads(raw) if isinstance(raw, str | bytes) else raw
            except ValueError:
                yield int(seq), prev_hash, stored, None
                continue
            content = drop_unset(dict(zip(names, values, strict=True)))
            content["seq"] = seq
            content["prev_hash"] = prev_hash
            content["v"] = version
            yield int(seq), prev_hash, stored, content
        last = rows[-1][0]
        if len(rows) < chunk_size:
            return


def stored_checkpoints(using: str = DEFAULT_DB_ALIAS) -> list[chain.Checkpoint]:
    return [
        chain.Checkpoint(seq, digest, day.isoformat(), count, created_at)
        for day, seq, digest, count, created_at in AuditCheckpoint.objects.using(using).values_list(
            "day", "seq", "hash", "count", "created_at"
        )
    ]


def load_checkpoints(
    data: Iterable[dict[str, Any]], source: str = "file"
) -> list[chain.Checkpoint]:
    """Checkpoints from an export (audit_checkpoint --export json)."""
    checkpoints = []
    for row in data:
        created = row.get("created_at")
        try:
            created_at = dt.datetime.fromisoformat(str(created)) if created else None
        except ValueError:
            created_at = None
        if created_at is not None and created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=dt.UTC)
        count = row.get("count")
        checkpoints.append(
            chain.Checkpoint(
                int(row["seq"]),
                str(row["hash"]),
                f"{row.get('day', '?')} ({source})",
                int(count) if isinstance(count, int | str) and str(count).isdigit() else None,
                created_at,
            )
        )
    return checkpoints


def _staging_bound() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "FORVALTA_AUDIT_STAGING_BOUND_SECONDS", 900)))


def staged_problems(
    using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None
) -> tuple[int, list[str]]:
    """(staged events, what is wrong with them): a staged row whose content no longer
    matches its content hash was changed; one older than the bound has not been chained
    in time (is `manage.py audit_chain` running?)."""
    now = now or timezone.now()
    oldest_allowed = now - _staging_bound()
    names = ("id", "content_hash", *chain.HASHED_FIELDS)
    count = 0
    problems: list[str] = []
    for row in AuditPending.objects.using(using).order_by("id").values(*names).iterator(2000):
        count += 1
        fields = {name: row[name] for name in chain.HASHED_FIELDS}
        fields["occurred_at"] = chain.timestamp(row["occurred_at"])
        if chain.staged_hash(fields) != row["content_hash"]:
            problems.append(
                f"staged event {row['id']} ({row['action']}) was changed after it was recorded"
            )
        elif row["occurred_at"] < oldest_allowed:
            problems.append(
                f"staged event {row['id']} ({row['action']}, {fields['occurred_at']}) has "
                f"waited longer than {int(_staging_bound().total_seconds())} s to be chained"
            )
    return count, problems


def _year_start(moment: dt.datetime, years_back: int) -> dt.datetime:
    local = moment.astimezone(STOCKHOLM)
    return dt.datetime(local.year - years_back, 1, 1, tzinfo=STOCKHOLM)


def disposal_problem(
    disposal: AuditDisposal,
    checkpoints: Iterable[chain.Checkpoint],
    using: str = DEFAULT_DB_ALIAS,
) -> str:
    """What does not hold about the disposal the chain starts from ('' if it holds).

    Trusts no date the disposal row gives for itself: the time of disposal is the time
    its `audit.disposed` event was recorded in the chain, and the disposed period is
    judged by the disposed events' own first and last times (recorded in that event),
    which the checkpoints at or before the anchor must agree with.
    """
    from forvalta.audit.services import disposal_changes

    event = (
        AuditEvent.objects.using(using)
        .filter(action="audit.disposed", object_id=str(disposal.pk))
        .values("seq", "occurred_at", "changes")
        .first()
    )
    if event is None:
        return "the disposal the chain starts from is not recorded in the chain"
    changes: dict[str, Any] = event["changes"] if isinstance(event["changes"], dict) else {}
    recorded = {k: v[1] for k, v in changes.items() if isinstance(v, list) and len(v) == 2}
    expected = {k: v[1] for k, v in disposal_changes(disposal).items()}
    differing = sorted(k for k in expected if recorded.get(k) != chain.normalise(expected[k]))
    if differing:
        return (
            "the disposal record differs from the disposal event in the chain "
            f"({', '.join(differing)})"
        )
    if disposal.first_occurred_at is None or disposal.last_occurred_at is None:
        return "the disposal does not record the dates of the events it removed"
    disposed_at = event["occurred_at"]  # when the chain recorded it
    bound = _staging_bound() + dt.timedelta(minutes=1)
    if abs(disposal.disposed_at - disposed_at) > bound:
        return (
            f"the disposal record is dated {disposal.disposed_at:%Y-%m-%d}, but it was recorded "
            f"in the chain on {disposed_at:%Y-%m-%d}"
        )
    first_kept = (
        AuditEvent.objects.using(using)
        .filter(seq=disposal.up_to_seq + 1)
        .values_list("occurred_at", flat=True)
        .first()
    )
    if first_kept is not None and disposed_at < first_kept - bound:
        return "the disposal is dated before the first event it kept"
    count = disposal.up_to_seq - disposal.from_seq + 1
    if not (count == disposal.removed == sum(int(n) for n in disposal.per_organisation.values())):
        return (
            f"the disposal removed positions {disposal.from_seq}–{disposal.up_to_seq} "
            f"({count}) but records {disposal.removed} events"
        )
    limit = _year_start(disposed_at, MIN_RETENTION_YEARS)
    if disposal.before > limit + dt.timedelta(days=1):
        return "the disposal was allowed to remove events younger than ten years"
    if disposal.last_occurred_at >= limit or disposal.last_occurred_at >= disposal.before:
        return (
            f"the disposal removed events up to {disposal.last_occurred_at:%Y-%m-%d}, younger "
            f"than the retention when it was disposed of ({disposed_at:%Y-%m-%d}: events before "
            f"{limit:%Y-%m-%d})"
        )
    if disposal.first_occurred_at > disposal.last_occurred_at:
        return "the disposal's first and last event times are reversed"
    day = dt.timedelta(days=1)
    for cp in checkpoints:
        if cp.seq > disposal.up_to_seq or cp.seq <= 0:
            continue
        if cp.seq == disposal.up_to_seq and cp.hash != disposal.anchor_hash:
            return f"the checkpoint {cp.label} records another hash at the disposal's anchor"
        when = cp.created_at
        if when is None:
            try:
                when = dt.datetime.fromisoformat(cp.label.split(" ")[0]).replace(tzinfo=STOCKHOLM)
            except ValueError:
                continue
        # The checkpoint's own event, at or before its position, was disposed of.
        if when - day > disposal.last_occurred_at:
            return (
                f"the checkpoint {cp.label} lies within the disposed events (seq {cp.seq}), "
                f"but the disposal says they ended {disposal.last_occurred_at:%Y-%m-%d}"
            )
        if when >= limit:
            return (
                f"the checkpoint {cp.label} lies within the disposed events (seq {cp.seq}), "
                "which were younger than the retention"
            )
    return ""


def counts_problem(checkpoints: Iterable[chain.Checkpoint], using: str) -> str:
    """Each checkpoint's count of events must equal its position less what the disposals
    recorded before it removed (a disposal row dated back, or a count changed, shows)."""
    disposals = list(
        AuditDisposal.objects.using(using).values_list("up_to_seq", "removed", "disposed_at")
    )
    for cp in checkpoints:
        if cp.count is None or cp.created_at is None:
            continue
        removed = sum(n for up_to, n, when in disposals if up_to < cp.seq and when < cp.created_at)
        if cp.count != cp.seq - removed:
            return (
                f"the checkpoint {cp.label} counted {cp.count} events at seq {cp.seq}, but the "
                f"disposals on record account for {cp.seq - removed}"
            )
    return ""


def _check_anchor(
    result: chain.VerifyResult,
    disposal: AuditDisposal | None,
    using: str,
    checkpoints: Iterable[chain.Checkpoint] = (),
) -> chain.VerifyResult:
    """The disposals must hold (see `disposal_problem` and `counts_problem`), then the
    staged events (see `staged_problems`)."""
    if not result.intact:
        return result
    checkpoints = list(checkpoints)
    problem = disposal_problem(disposal, checkpoints, using) if disposal is not None else ""
    if not problem:
        problem = counts_problem(checkpoints, using)
    if problem:
        return replace(
            result,
            intact=False,
            broken=chain.Break(
                disposal.up_to_seq + 1 if disposal is not None else result.start.seq + 1,
                "anchor",
                problem,
            ),
        )
    staged, problems = staged_problems(using)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return replace(
            result,
            intact=False,
            staged=staged,
            broken=chain.Break(result.head.seq + 1, "staged", "; ".join(problems[:5]) + more),
        )
    return replace(result, staged=staged)


# PostgreSQL renders each event's canonical JSON itself (C code, on the server's core),
# in the parts `db.pg_canonical_parts` writes (keys in RFC 8785 order, strings through
# to_json, `changes` as stored); Python then only hashes. `chain.content` is the
# reference; a test checks the two agree.
_A, _B, _C = db.pg_canonical_parts()
_PG_TEXT = (
    f"""{_A} || ',"prev_hash":' || to_json(prev_hash)::text || {_B}"""
    f"""|| ',"seq":' || seq::text || {_C} || ',"v":{chain.HASH_VERSION}}}'"""
)
_PG_CANONICAL = (
    f"SELECT seq, prev_hash, hash, {_PG_TEXT} "  # noqa: S608 - fixed SQL, no input
    "FROM audit_auditevent WHERE seq > %s ORDER BY seq LIMIT %s"
)

# The fast scan: the server also hashes each rendered event and compares it, and the
# links (consecutive seq, prev_hash = previous hash), in one pass over the seq index
# (lag() over the index order, no sort; the window keeps only the narrow rendered rows,
# not the wide ones, which would spill to disk); it returns only the first position that does
# not check out, or none. Python then verifies exactly from just before that position
# (or only the end), so every reason and checkpoint message comes from the one
# verifier in chain.py. Built from the constant SQL above only, no user input.
_PG_SCAN = f"""
SELECT min(seq) FILTER (WHERE computed IS DISTINCT FROM hash
         OR (pseq IS NULL AND (seq <> %s + 1 OR prev_hash <> %s))
         OR (pseq IS NOT NULL AND (seq <> pseq + 1 OR prev_hash <> phash))),
       max(seq)
FROM (
  SELECT seq, prev_hash, hash, computed, lag(seq) OVER w AS pseq, lag(hash) OVER w AS phash
  FROM (
    SELECT seq, prev_hash, hash, encode(sha256(convert_to({_PG_TEXT}, 'UTF8')), 'hex') AS computed
    FROM audit_auditevent WHERE seq > %s AND seq <= %s ORDER BY seq OFFSET 0
  ) s
  WINDOW w AS (ORDER BY seq)
) d"""  # noqa: S608 - fixed SQL, no input
# The scan must read the seq index in order: on a stale or small estimate the planner
# would otherwise take a bitmap scan and sort every rendered row (spilling to disk).
_PG_SCAN_SETTINGS = "SELECT set_config('enable_sort', 'off', true)"


# Past this many events the scan is split into seq ranges checked side by side, one
# connection (and one server core) each: every row carries its prev_hash, so a range
# needs nothing from the others but the stored hash at its lower edge.
PARALLEL_SCAN_FROM = 200_000


def verify_workers() -> int:
    """How many seq ranges are scanned side by side (one connection each):
    FORVALTA_AUDIT_VERIFY_WORKERS, default twice the cores, at least 2, at most 8 (the
    server's cores do the work; more ranges than cores still win a fair share on a
    busy server)."""
    configured = getattr(settings, "FORVALTA_AUDIT_VERIFY_WORKERS", 0)
    if configured:
        return max(1, int(configured))
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _scan_range(lower: int, lower_hash: str, upper: int, using: str) -> tuple[Any, Any]:
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(_PG_SCAN_SETTINGS)
        cursor.execute(_PG_SCAN, [lower, lower_hash, lower, upper])
        return cursor.fetchone()


def _scan_range_in_thread(lower: int, lower_hash: str, upper: int, using: str) -> tuple[Any, Any]:
    try:
        return _scan_range(lower, lower_hash, upper, using)
    finally:
        connections[using].close()  # this thread's own connection


def _pg_scan(start: chain.Anchor, using: str) -> tuple[int | None, int | None] | None:
    """(first suspect seq or None, last seq or None); None if a row cannot be rendered."""
    try:
        last = AuditEvent.objects.using(using).aggregate(m=Max("seq"))["m"]
        if last is None or last <= start.seq:
            return None, last
        workers = verify_workers()
        if last - start.seq < PARALLEL_SCAN_FROM or workers == 1:
            return _scan_range(start.seq, start.hash, last, using)
        step = (last - start.seq) // workers
        edges = [start.seq + i * step for i in range(workers)] + [last]
        stored = _hashes_at(edges[1:-1], using)
        if len(stored) != len(edges) - 2:
            # An edge event is missing: scan in one piece, which names the gap.
            return _scan_range(start.seq, start.hash, last, using)
        hashes = [start.hash, *(stored[e] for e in edges[1:-1])]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(
                pool.map(
                    lambda i: _scan_range_in_thread(edges[i], hashes[i], edges[i + 1], using),
                    range(workers),
                )
            )
    except DatabaseError:
        return None
    suspects = [r[0] for r in results if r[0] is not None]
    return (min(suspects) if suspects else None), last


def _hashes_at(seqs: Iterable[int], using: str) -> dict[int, str]:
    return dict(
        AuditEvent.objects.using(using).filter(seq__in=list(seqs)).values_list("seq", "hash")
    )


def _fast_forward(
    start: chain.Anchor, checkpoints: list[chain.Checkpoint], using: str
) -> tuple[chain.Anchor, chain.Break | None]:
    """How far the server scan proves the chain intact: (anchor to resume from, or a
    checkpoint break within the proven part)."""
    scanned = _pg_scan(start, using)
    if scanned is None:
        return start, None
    suspect, last = scanned
    if last is None:
        return start, None
    if suspect is None:
        proven = last
    else:
        # The event before the suspect (the suspect's own predecessor may be missing).
        before = AuditEvent.objects.using(using).filter(seq__gt=start.seq, seq__lt=suspect)
        proven = before.aggregate(m=Max("seq"))["m"] or start.seq
    if proven <= start.seq:
        return start, None
    inside = sorted((cp for cp in checkpoints if start.seq < cp.seq <= proven), key=lambda c: c.seq)
    stored = _hashes_at([proven, *(cp.seq for cp in inside)], using)
    for cp in inside:
        if stored.get(cp.seq) != cp.hash:
            return start, None  # let the exact verifier name it
    return chain.Anchor(proven, stored[proven]), None


def iter_canonical_pg(
    *, after: int = 0, chunk_size: int = 50_000, using: str = DEFAULT_DB_ALIAS
) -> Iterator[tuple[int, str, str, str | None]]:
    """(seq, prev_hash, hash, canonical text) from PostgreSQL; text None where the
    server could not render a row (its `changes` is not JSON: it was tampered with)."""
    connection = connections[using]
    last = after
    while True:
        try:
            with transaction.atomic(using=using), connection.cursor() as cursor:
                cursor.execute(_PG_CANONICAL, [last, chunk_size])
                rows = cursor.fetchall()
        except DatabaseError:
            # Some row in this chunk does not render: go on the reference way from here.
            for seq, prev_hash, stored, content in iter_events(
                after=last, chunk_size=chunk_size, using=using
            ):
                text = None if content is None else chain.canonical_json_fast(content)
                yield seq, prev_hash, stored, text
            return
        if not rows:
            return
        yield from rows
        last = rows[-1][0]
        if len(rows) < chunk_size:
            return


def verify_trail(
    *,
    extra_checkpoints: Iterable[chain.Checkpoint] = (),
    chunk_size: int = 50_000,
    reference: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> chain.VerifyResult:
    """Verify the whole trail: intact with the count, or the first broken event and why.

    On PostgreSQL the server renders the canonical text unless `reference` is set;
    the reference path (and SQLite) rebuilds it in Python from the stored fields.
    """
    extra_checkpoints = list(extra_checkpoints)
    disposal = AuditDisposal.objects.using(using).order_by("-up_to_seq").first()
    start = chain.Anchor(disposal.up_to_seq, disposal.anchor_hash) if disposal else chain.GENESIS
    verifier = chain.ChainVerifier(
        start=start, checkpoints=[*stored_checkpoints(using), *extra_checkpoints]
    )
    if connections[using].vendor == "postgresql" and not reference:
        checkpoints = [*stored_checkpoints(using), *extra_checkpoints]
        resume, _ = _fast_forward(start, checkpoints, using)
        if resume != start:
            verifier = chain.ChainVerifier(
                start=resume, checkpoints=[cp for cp in checkpoints if cp.seq > resume.seq]
            )
            verifier.count = resume.seq - start.seq
        for seq, prev_hash, stored, text in iter_canonical_pg(
            after=resume.seq, chunk_size=chunk_size, using=using
        ):
            if not verifier.feed_text(seq, prev_hash, stored, text):
                break
        result = verifier.finish()
        result = chain.VerifyResult(
            intact=result.intact,
            count=result.count,
            head=result.head,
            start=start,
            broken=result.broken,
        )
        return _check_anchor(result, disposal, using, checkpoints)
    else:
        for seq, prev_hash, stored, content in iter_events(
            after=start.seq, chunk_size=chunk_size, using=using
        ):
            if not verifier.feed(seq, prev_hash, stored, content, prepared=True):
                break
    return _check_anchor(
        verifier.finish(), disposal, using, [*stored_checkpoints(using), *extra_checkpoints]
    )
