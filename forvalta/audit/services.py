"""Recording audit events, checkpoints, retention and disposal.

Services call `record` inside their transaction: the event is written (or rolled
back) with the change it describes. On PostgreSQL it is staged there without any lock
and chained after the commit by the sequencer (`chain_pending`), which takes the chain
lock (`db.lock_chain`) only for its own short transaction: a long import never holds it.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import threading
import time
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    models,
    transaction,
)
from django.db.models import Count, Max, Min
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forvalta.audit import chain, context, db
from forvalta.audit.models import (
    MIN_RETENTION_YEARS,
    AuditCheckpoint,
    AuditDisposal,
    AuditEvent,
    AuditPending,
    AuditRetention,
)

# Field names whose values never enter the trail in clear text.
SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "token",
        "secret",
        "api_key",
        "personal_identity_number",
        "otp_secret",
    }
)
MASK = "••••"

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
logger = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """A JSON-safe, stable rendering of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # One instant, one rendering: a form's value carries Stockholm's offset, the
        # stored one UTC's; the same time must not read as a change.
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return {"id": value.pk, "text": str(value)[:200]}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of an instance (FKs as ids, M2M as sorted id lists)."""
    data: dict[str, Any] = {}
    meta = instance._meta
    for f in meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in {"created_at", "updated_at", "id", "last_login"}:
            continue
        data[f.name] = _plain(f.value_from_object(instance))
    if instance.pk:
        for f in meta.many_to_many:
            if fields is not None and f.name not in fields:
                continue
            data[f.name] = sorted(getattr(instance, f.name).values_list("pk", flat=True))
    return data


def _mask(value: Any) -> Any:
    return MASK if value not in (None, "", [], {}) else value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed, sensitive values masked."""
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            if name in SENSITIVE_FIELDS:
                old, new = _mask(old), _mask(new)
            changes[name] = [old, new]
    return changes


def mask_sensitive(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Mask the values of sensitive fields in a changes mapping, however it was built."""
    masked: dict[str, Any] = {}
    for name, value in changes.items():
        if str(name) in SENSITIVE_FIELDS:
            if isinstance(value, list | tuple) and len(value) == 2:
                value = [_mask(value[0]), _mask(value[1])]
            else:
                value = _mask(value)
        masked[str(name)] = value
    return masked


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def organisation_of(obj: Any) -> Any:
    """The organisation an object belongs to, for the event's organisation column.

    A model whose `organisation` field means something else (an onboarding run's joining
    organisation) or whose owner sits further up names it in `audit_organisation`."""
    if obj is not None and hasattr(type(obj), "audit_organisation"):
        return obj.audit_organisation
    for attr in ("owner_organisation", "organisation"):
        org = getattr(obj, attr, None)
        if org is not None:
            return org
    if obj is not None and obj._meta.model_name == "organisation":
        return obj
    for attr in ("system", "source", "service"):
        parent = getattr(obj, attr, None)
        if parent is not None:
            return organisation_of(parent)
    return None


# --- the chain -------------------------------------------------------------------------------
def _current_anchor(using: str) -> chain.Anchor:
    """Where the chain starts: after the last disposal, or at the beginning."""
    last = AuditDisposal.objects.using(using).order_by("-up_to_seq").first()
    if last is None:
        return chain.GENESIS
    return chain.Anchor(last.up_to_seq, last.anchor_hash)


def head(using: str = DEFAULT_DB_ALIAS) -> chain.Anchor:
    """The last event's position and hash. Read it under the chain lock to append."""
    row = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    if row is not None:
        return chain.Anchor(int(row[0]), str(row[1]))
    return _current_anchor(using)


def _text(value: Any, limit: int) -> str:
    return chain.normalise(str(value or ""))[:limit]


def actor_organisation_of(actor: Any, organisation_id: int | None) -> Any:
    """The organisation an actor acts from, for the event's actor organisation columns.

    The actor's active membership in the event's own organisation if there is one;
    otherwise their oldest active membership (the lowest membership id), so a person
    with several memberships is filed under the one they joined first. None for
    anonymous actors and people without an active membership (the platform's staff).
    The memberships are looked up once per user object (one request).
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return None
    from forvalta.core.models import Membership

    cached = _known_organisations(actor)
    if cached is None:
        cached = [
            _OrgRef(org_id, name)
            for org_id, name in Membership.objects.active()
            .filter(user_id=actor.pk)
            .order_by("pk")
            .values_list("organisation_id", "organisation__name")
        ]
        with contextlib.suppress(AttributeError):  # an actor object without attributes
            actor._forvalta_audit_orgs = cached
    for ref in cached:
        if ref.pk == organisation_id:
            return ref
    return cached[0] if cached else None


def _known_organisations(actor: Any) -> list[_OrgRef] | None:
    """The actor's active memberships' organisations, oldest first, if this user object
    already knows them: from an earlier event, or from the tenancy scope the request
    computed to read anything (`forvalta.core.tenancy.scope_for`)."""
    known = getattr(actor, "_forvalta_audit_orgs", None)
    if known is None:
        from forvalta.core.tenancy import cached_scope

        scope = cached_scope(actor)
        if scope is not None and scope.membership_organisations is not None:
            known = [_OrgRef(org_id, name) for org_id, name in scope.membership_organisations]
            with contextlib.suppress(AttributeError):
                actor._forvalta_audit_orgs = known
    return known


@dataclass(frozen=True)
class _OrgRef:
    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


def event_fields(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    organisation: Any = None,
    reason: str = "",
    object_type: str = "",
    object_repr: str = "",
    object_id: str = "",
    api_token_id: int | str | None = None,
    actor_organisation: Any = None,
    lookup_actor_organisation: bool = True,
) -> dict[str, Any]:
    """The hashed fields of an event (without occurred_at), as `record` takes them.

    Texts are taken in the platform's language (Swedish), whatever the language of the
    request: the trail says the same thing to every reader and hashes the same text.

    Without `lookup_actor_organisation` the actor's organisation is left unset unless
    given (the staging INSERT looks it up itself, see `stage`).
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _event_fields(
            actor=actor,
            action=action,
            obj=obj,
            changes=changes,
            organisation=organisation,
            reason=reason,
            object_type=object_type,
            object_repr=object_repr,
            object_id=object_id,
            api_token_id=api_token_id,
            actor_organisation=actor_organisation,
            lookup_actor_organisation=lookup_actor_organisation,
        )


def _event_fields(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    changes: dict[str, Any] | None,
    organisation: Any,
    reason: str,
    object_type: str,
    object_repr: str,
    object_id: str,
    api_token_id: int | str | None,
    actor_organisation: Any,
    lookup_actor_organisation: bool,
) -> dict[str, Any]:
    ctx = context.current()
    org = organisation if organisation is not None else (organisation_of(obj) if obj else None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    org_id = getattr(org, "pk", None)
    if actor_organisation is None and is_person and lookup_actor_organisation:
        actor_organisation = actor_organisation_of(actor, org_id)
    return {
        "actor_id": actor.pk if is_person else None,
        "actor_name": _text(actor, 300) if is_person else "",
        "actor_organisation_id": getattr(actor_organisation, "pk", None),
        "actor_organisation_name": _text(actor_organisation, 300)
        if actor_organisation is not None
        else "",
        "organisation_id": org_id,
        "organisation_name": _text(org, 300) if org is not None else "",
        "client_address": chain.canonical_address(ctx.client_address),
        "user_agent": _text(ctx.user_agent, 500),
        "api_token_id": _text(api_token_id if api_token_id is not None else ctx.api_token_id, 64)
        if (api_token_id is not None or ctx.api_token_id is not None)
        else "",
        "request_id": _text(ctx.request_id, 64),
        "action": _text(action, 100),
        "object_type": _text(object_type_of(obj) if obj is not None else object_type, 100),
        "object_id": _text(obj.pk if obj is not None and obj.pk is not None else object_id, 64),
        "object_repr": _text(obj if obj is not None else object_repr, 300),
        "changes": chain.normalise(mask_sensitive(changes or {})),
        "reason": _text(reason, 100_000),
    }


def _in_test_transaction(connection: Any) -> bool:
    """Inside a Django TestCase's wrapping transaction, which never commits (so on_commit
    never runs): there the event is chained at once, in that transaction."""
    return any(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    organisation: Any = None,
    reason: str = "",
    object_type: str = "",
    object_repr: str = "",
    object_id: str = "",
    api_token_id: int | str | None = None,
    using: str | None = None,
    actor_organisation: Any = None,
    batch: bool = False,
) -> AuditEvent:
    """Record one event. Call inside the transaction that made the change.

    PostgreSQL: the event is staged (`AuditPending`, one INSERT, no lock) in the
    caller's transaction, so it commits or rolls back with the change; after the
    commit the sequencer chains it (`chain_pending`, non-blocking). The returned event
    is then not yet chained (`seq` is None) and carries the recorded fields. With
    `batch` (reads, searches: GET requests) the sequencer is not started: the event is
    chained with the next write's batch or by `manage.py audit_chain`, within the
    bound (FORVALTA_AUDIT_STAGING_BOUND_SECONDS).

    SQLite (one writer at a time anyway) and a test's wrapping transaction: the event is
    chained at once, in the caller's transaction, and returned with its position.

    `actor_organisation` overrides the actor's organisation (`actor_organisation_of`).
    """
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    staging = connection.vendor == "postgresql" and not _in_test_transaction(connection)
    # Staging on PostgreSQL looks the actor's organisation up inside its INSERT (one
    # round trip less per request) unless this user object already knows it.
    lookup = (
        staging
        and actor_organisation is None
        and actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.pk is not None
        and _known_organisations(actor) is None
    )
    fields = event_fields(
        actor=actor,
        action=action,
        obj=obj,
        changes=changes,
        organisation=organisation,
        reason=reason,
        object_type=object_type,
        object_repr=object_repr,
        object_id=object_id,
        api_token_id=api_token_id,
        actor_organisation=actor_organisation,
        lookup_actor_organisation=not lookup,
    )
    if not staging:
        return _append_now(fields, alias)
    occurred_at = timezone.now()
    if lookup:
        staged = stage_with_actor_organisation(fields, occurred_at=occurred_at, using=alias)
        fields["actor_organisation_id"] = staged.actor_organisation_id
        fields["actor_organisation_name"] = staged.actor_organisation_name
    else:
        staged = stage(fields, occurred_at=occurred_at, using=alias)
    if not batch:
        schedule_chaining(alias)
    # Not chained yet: no seq, prev_hash or hash (the staged row's id is `staged_id`).
    event = AuditEvent(occurred_at=occurred_at, prev_hash="", hash="", **fields)
    event.staged_id = staged.pk  # type: ignore[attr-defined]  # for callers that trace it
    return event


_STAGE_COLUMNS = ("content_hash", *chain.HASHED_FIELDS)
_STAGE_SQL = (
    f"INSERT INTO {db.PENDING_TABLE} ({', '.join(_STAGE_COLUMNS)}) "  # noqa: S608 - fixed
    f"VALUES ({', '.join(['%s'] * len(_STAGE_COLUMNS))}) RETURNING id"
)


def stage(
    fields: Mapping[str, Any], *, occurred_at: dt.datetime, using: str = DEFAULT_DB_ALIAS
) -> AuditPending:
    """Write one event to the staging table (no lock): the sequencer chains it later.

    One plain INSERT (no model save machinery: this is every audited request's cost)."""
    digest = chain.staged_hash({**fields, "occurred_at": chain.timestamp(occurred_at)})
    row = AuditPending(occurred_at=occurred_at, content_hash=digest, **fields)
    connection = connections[using]
    values = {**fields, "content_hash": digest}
    values["occurred_at"] = connection.ops.adapt_datetimefield_value(occurred_at)
    values["changes"] = chain.canonical_json_fast(fields.get("changes") or {})
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_SQL, [values.get(name) for name in _STAGE_COLUMNS])
        row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = using
    return row


_A0, _B0, _C0 = db.pg_canonical_parts("v")
_TYPES = {
    "occurred_at": "timestamptz",
    "actor_id": "bigint",
    "organisation_id": "bigint",
    "actor_organisation_id": "bigint",
}
_LOOKUP_FIELDS = ("actor_organisation_id", "actor_organisation_name")
_PARAM_FIELDS = tuple(f for f in chain.HASHED_FIELDS if f not in _LOOKUP_FIELDS)


def _stage_lookup_sql(membership_sql: str) -> str:
    values = ", ".join(
        f"m.organisation_id AS {f}"
        if f == "actor_organisation_id"
        else f"coalesce(left(m.name, 300), '') AS {f}"
        if f == "actor_organisation_name"
        else f"%s::{_TYPES.get(f, 'text')} AS {f}"
        for f in chain.HASHED_FIELDS
    )
    return (
        f"INSERT INTO {db.PENDING_TABLE} ({', '.join(_STAGE_COLUMNS)}) "  # noqa: S608 - fixed
        f"SELECT encode(sha256(convert_to({_A0} || {_B0} || {_C0} || '}}', 'UTF8')), 'hex'), "
        f"{', '.join('v.' + f for f in chain.HASHED_FIELDS)} "
        f"FROM (SELECT {values} FROM (SELECT 1) AS one "
        f"LEFT JOIN LATERAL ({membership_sql}) AS m(organisation_id, name) ON true) AS v "
        "RETURNING id, content_hash, actor_organisation_id, actor_organisation_name"
    )


@functools.cache
def _membership_sql(membership: Any) -> str:
    """The actor's membership `actor_organisation_of` chooses, as SQL (built once: the
    ORM's compile per request cost more than the query): active today (`Membership
    .objects.active()`), in the event's organisation first, else the oldest."""
    m = membership._meta
    org = m.get_field("organisation").related_model._meta.db_table
    return (
        f"SELECT mm.organisation_id, o.name FROM {m.db_table} mm "  # noqa: S608 - fixed
        f"JOIN {org} o ON o.id = mm.organisation_id "
        "WHERE mm.user_id = %s AND (mm.valid_from <= %s OR mm.valid_from IS NULL) "
        "AND (mm.valid_to >= %s OR mm.valid_to IS NULL) "
        "ORDER BY mm.organisation_id IS NOT DISTINCT FROM %s::bigint DESC, mm.id LIMIT 1"
    )


@functools.cache
def _stage_lookup_sql_for(membership_sql: str) -> str:
    return _stage_lookup_sql(membership_sql)


def stage_with_actor_organisation(
    fields: Mapping[str, Any], *, occurred_at: dt.datetime, using: str = DEFAULT_DB_ALIAS
) -> AuditPending:
    """`stage`, with the actor's organisation (as `actor_organisation_of` chooses it:
    their active membership in the event's organisation, else their oldest) looked up
    by the INSERT itself, and the content hash computed there from the server's
    canonical text of the inserted row (`db.pg_canonical_parts`, the text the sequencer
    and verify check it with): one statement, no separate membership query."""
    from forvalta.core.models import Membership, today

    connection = connections[using]
    membership_sql = _membership_sql(Membership)
    day = today()
    membership_params = [fields["actor_id"], day, day, fields.get("organisation_id")]
    values = {**fields, "occurred_at": connection.ops.adapt_datetimefield_value(occurred_at)}
    values["changes"] = chain.canonical_json_fast(fields.get("changes") or {})
    params = [values.get(name) for name in _PARAM_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_stage_lookup_sql_for(membership_sql), [*params, *membership_params])
        pk, digest, actor_org_id, actor_org_name = cursor.fetchone()
    row = AuditPending(
        occurred_at=occurred_at,
        content_hash=digest,
        **{
            **fields,
            "actor_organisation_id": actor_org_id,
            "actor_organisation_name": actor_org_name,
        },
    )
    row.pk = pk
    row._state.adding = False
    row._state.db = using
    return row


class Sequencer:
    """The per-process background sequencer for one database: a daemon thread that
    chains staged events whenever a commit wakes it (`poke`, which never blocks).

    Across processes `chain_pending`'s try-lock keeps one sequencer at a time; a process
    that dies leaves its rows staged for the next poke or `manage.py audit_chain`.
    """

    IDLE_CLOSE_SECONDS = 2.0
    # After a wake, wait this long for more commits, so a batch chains several events
    # (fewer round trips per event; the chaining delay stays far below the bound).
    # bench/audit_append_bench.py --events 3000: 0.65x/0.67x of plain INSERTs at 1/4
    # writers with 0.2 s, 0.71x/0.74x with 1 s; 2 s gained nothing more.
    LINGER_SECONDS = 1.0

    def __init__(self, using: str) -> None:
        self.using = using
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def poke(self) -> None:
        with self._guard:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                # (Re)start, also in a forked child, where the parent's thread is gone.
                self._pid = os.getpid()
                self._stop = False
                self._wake = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, name=f"forvalta-audit-sequencer-{self.using}", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (after chaining what is staged) and close its connection."""
        with self._guard:
            thread = self._thread
            self._stop = True
            self._wake.set()
        if thread is not None and thread.is_alive():
            thread.join(timeout)

    def _run(self) -> None:
        wake = self._wake
        try:
            while not self._stop:
                if not wake.wait(self.IDLE_CLOSE_SECONDS):
                    connections[self.using].close()  # idle: hold no connection
                    continue
                time.sleep(self.LINGER_SECONDS)
                wake.clear()
                try:
                    chain_pending(using=self.using)
                except Exception:  # the rows stay staged; the next poke or command retries
                    logger.exception("Chaining staged audit events failed")
                    connections[self.using].close()
                    time.sleep(1)
            chain_pending(using=self.using)
        finally:
            connections[self.using].close()


_SEQUENCERS: dict[str, Sequencer] = {}
_SEQUENCERS_GUARD = threading.Lock()


def sequencer(using: str = DEFAULT_DB_ALIAS) -> Sequencer:
    with _SEQUENCERS_GUARD:
        if not _SEQUENCERS:
            # A command that exits right after its commit still chains its events.
            atexit.register(stop_sequencers)
        if using not in _SEQUENCERS:
            _SEQUENCERS[using] = Sequencer(using)
        return _SEQUENCERS[using]


def stop_sequencers() -> None:
    """Stop every background sequencer of this process (tests, shutdown)."""
    for seq in list(_SEQUENCERS.values()):
        seq.stop()


def _chain_callback(using: str) -> Any:
    callback = _CALLBACKS.get(using)
    if callback is None:

        def callback() -> None:
            if getattr(settings, "FORVALTA_AUDIT_CHAIN_IN_BACKGROUND", False):
                sequencer(using).poke()
            else:
                chain_pending(using=using)

        _CALLBACKS[using] = callback
    return callback


_CALLBACKS: dict[str, Any] = {}


def schedule_chaining(using: str = DEFAULT_DB_ALIAS) -> None:
    """Chain the staged events once the current transaction commits (once per transaction;
    at once outside a transaction): by waking the background sequencer
    (FORVALTA_AUDIT_CHAIN_IN_BACKGROUND), else in this thread."""
    connection = connections[using]
    callback = _chain_callback(using)
    if any(hook[1] is callback for hook in connection.run_on_commit):
        return
    connection.on_commit(callback, robust=True)


def _event_from_row(row: Mapping[str, Any], seq: int, prev: str, digest: str) -> AuditEvent:
    return AuditEvent(
        seq=seq,
        prev_hash=prev,
        hash=digest,
        **{name: row[name] for name in chain.HASHED_FIELDS},
    )


def _chain_rows(
    rows: list[dict[str, Any]], builder: chain.ChainBuilder, using: str
) -> tuple[list[AuditEvent], list[int]]:
    """Events for staged rows in id order; (events, ids of rows whose content hash does
    not match: left staged, and named by verify)."""
    events: list[AuditEvent] = []
    altered: list[int] = []
    for row in rows:
        fields = {name: row[name] for name in chain.HASHED_FIELDS}
        fields["occurred_at"] = chain.timestamp(row["occurred_at"])
        if chain.staged_hash(fields) != row["content_hash"]:
            altered.append(row["id"])
            continue
        seq, prev, digest = builder.append(fields)
        events.append(_event_from_row(row, seq, prev, digest))
    return events, altered


_PENDING_VALUES = ("id", "content_hash", *chain.HASHED_FIELDS)


def _chain_batch(
    using: str, batch_size: int, *, wait: bool, skip: set[int], fast: bool = True
) -> int | None:
    """One sequencer transaction: chain up to batch_size committed staged events in id
    order and delete them. None if another sequencer holds the lock (and not `wait`).
    On PostgreSQL `fast` renders and copies the rows on the server (`_pg_chain_batch`);
    otherwise they are rebuilt in Python."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Losing this commit in a crash loses nothing: the staged rows it deletes
                # come back with it, and are chained again (the same way: same rows,
                # same order, same head). A later synchronous commit flushes it anyway.
                # One round trip: the setting and the lock (waiting or not).
                lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
                cursor.execute(
                    f"SELECT set_config('synchronous_commit', 'off', true), {lock}(%s)",
                    [db.CHAIN_LOCK_KEY],
                )
                got = cursor.fetchone()[1]
            if not wait and not got:
                return None
            if fast:
                return _pg_chain_batch(connection, batch_size, skip)
        pending = AuditPending.objects.using(using).order_by("id")
        if skip:
            pending = pending.exclude(id__in=skip)
        rows = list(pending.values(*_PENDING_VALUES)[:batch_size])
        if not rows:
            return 0
        builder = chain.ChainBuilder(head(using))
        events, altered = _chain_rows(rows, builder, using)
        skip.update(altered)
        AuditEvent.objects.using(using).bulk_create(events)
        done = [r["id"] for r in rows if r["id"] not in skip]
        if done:
            AuditPending.objects.using(using).filter(id__in=done)._raw_delete(using)
        return len(rows)


_A, _B, _C = db.pg_canonical_parts()
# The staged rows to chain, in id order, each with the server's rendering of its
# canonical text in three parts (db.pg_canonical_parts): Python only hashes.
_PG_PENDING_SQL = (
    f"SELECT id, content_hash, {_A}, {_B}, {_C} "  # noqa: S608 - fixed SQL, no input
    f"FROM {db.PENDING_TABLE} WHERE NOT (id = ANY(%s)) ORDER BY id LIMIT %s"
)
_EVENT_COLUMNS = ", ".join(chain.HASHED_FIELDS)
# The events are copied from their staged rows on the server, with the position and
# hashes Python computed: no row travels back.
_PG_INSERT_SQL = (
    f"INSERT INTO {db.EVENT_TABLE} (seq, prev_hash, hash, {_EVENT_COLUMNS}) "  # noqa: S608
    f"SELECT v.seq, v.prev, v.hash, {', '.join('p.' + c for c in chain.HASHED_FIELDS)} "
    f"FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS v(id, seq, prev, hash) "
    f"JOIN {db.PENDING_TABLE} p ON p.id = v.id ORDER BY v.seq"
)
_PG_DELETE_SQL = f"DELETE FROM {db.PENDING_TABLE} WHERE id = ANY(%s)"  # noqa: S608 - fixed


def _pg_chain_batch(connection: Any, batch_size: int, skip: set[int]) -> int:
    """The sequencer's batch on PostgreSQL, under the chain lock: the server renders each
    staged row's canonical text (the same text `chain.staged_hash` and `chain.content`
    hash, checked by a test), Python hashes it (hashlib) and links the chain, and the
    server copies the rows into the chain and deletes them: four statements per batch,
    no model instances. A row whose content hash does not match is left staged (`skip`).
    Raises DatabaseError if a row cannot be rendered (its changes are not JSON)."""
    sha256 = hashlib.sha256
    with connection.cursor() as cursor:
        last = head(connection.alias)
        cursor.execute(_PG_PENDING_SQL, [sorted(skip), batch_size])
        rows = cursor.fetchall()
        if not rows:
            return 0
        seq, prev = last.seq, last.hash
        ids: list[int] = []
        seqs: list[int] = []
        prevs: list[str] = []
        hashes: list[str] = []
        for pk, content_hash, a, b, c in rows:
            if sha256(f"{a}{b}{c}}}".encode()).hexdigest() != content_hash:
                skip.add(pk)  # changed after it was recorded: never chained
                continue
            seq += 1
            text = f'{a},"prev_hash":"{prev}"{b},"seq":{seq}{c},"v":{chain.HASH_VERSION}}}'
            digest = sha256(text.encode()).hexdigest()
            ids.append(pk)
            seqs.append(seq)
            prevs.append(prev)
            hashes.append(digest)
            prev = digest
        if ids:
            cursor.execute(_PG_INSERT_SQL, [ids, seqs, prevs, hashes])
            cursor.execute(_PG_DELETE_SQL, [ids])
        return len(rows)


def chain_pending(
    *, using: str = DEFAULT_DB_ALIAS, batch_size: int = 5000, wait: bool = False
) -> int:
    """The sequencer: chain every committed staged event, in id order, in short
    transactions of its own. Returns how many were chained by this call.

    Never waits for another sequencer unless `wait`: whoever holds the chain lock chains
    everyone's rows, and checks again after releasing it, so a row committed while the
    lock was held is never left behind.
    """
    connection = connections[using]
    if connection.in_atomic_block and not _in_test_transaction(connection):
        raise RuntimeError("chain_pending runs its own transactions; call it after commit")
    total = 0
    skip: set[int] = set()
    for _round in range(10_000):
        try:
            n = _chain_batch(using, batch_size, wait=wait, skip=skip)
        except DatabaseError:
            # A staged row the server cannot render (its changes are not JSON: altered):
            # this batch the Python way, which leaves that row staged for verify to name.
            n = _chain_batch(using, batch_size, wait=wait, skip=skip, fast=False)
        if n is None:
            return total  # another sequencer runs; it checks again after its commit
        total += n
        if n >= batch_size:
            continue
        pending = AuditPending.objects.using(using)
        if skip:
            pending = pending.exclude(id__in=skip)
        if not pending.exists():
            break
    return total - len(skip)


def record_now(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> AuditEvent:
    """Like `record`, but chained at once in the current transaction, under the chain
    lock held to its end: for the trail's own short transactions (checkpoint, disposal)
    that must see the event's position."""
    return _append_now(event_fields(**kwargs), using)


def _append_now(fields: Mapping[str, Any], using: str) -> AuditEvent:
    """Append one event in the current transaction under the chain lock (after any staged
    events, to keep their order): SQLite, tests, checkpoints and disposal."""
    with transaction.atomic(using=using):
        connection = connections[using]
        db.lock_chain(connection)
        rows = list(AuditPending.objects.using(using).order_by("id").values(*_PENDING_VALUES))
        builder = chain.ChainBuilder(head(using))
        if rows:
            events, altered = _chain_rows(rows, builder, using)
            AuditEvent.objects.using(using).bulk_create(events)
            done = [r["id"] for r in rows if r["id"] not in altered]
            if done:
                AuditPending.objects.using(using).filter(id__in=done)._raw_delete(using)
        # The time is taken under the lock, so it follows the chain order.
        occurred_at = timezone.now()
        seq, prev, digest = builder.append({**fields, "occurred_at": chain.timestamp(occurred_at)})
        event = AuditEvent(seq=seq, prev_hash=prev, hash=digest, occurred_at=occurred_at, **fields)
        event.save(force_insert=True, using=using)
    return event


def append_many(
    rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Append prepared events (imports, tests, the benchmark) in chained batches.

    Each batch is one transaction that takes the chain lock, reads the head once and
    inserts the batch with bulk_create: updating a head per row does not finish on a
    million rows (DESIGN.md, Known traps). `rows` are dicts of HASHED_FIELDS with
    `occurred_at` an aware datetime. Staged events are chained first.

    Called inside a caller's transaction, the chain lock is held until that transaction
    ends: long-running work (imports) records through `record` (staged) instead.
    """
    total = 0
    batch: list[Mapping[str, Any]] = []
    if connections[using].vendor == "postgresql" and not connections[using].in_atomic_block:
        chain_pending(using=using, wait=True)

    def flush() -> None:
        nonlocal total
        if not batch:
            return
        with transaction.atomic(using=using):
            db.lock_chain(connections[using])
            builder = chain.ChainBuilder(head(using))
            events = []
            for row in batch:
                fields = {name: row.get(name) for name in chain.HASHED_FIELDS}
                fields["changes"] = chain.normalise(mask_sensitive(row.get("changes") or {}))
                fields["client_address"] = chain.canonical_address(row.get("client_address"))
                for name in ("actor_name", "organisation_name", "user_agent", "api_token_id"):
                    fields[name] = fields[name] or ""
                for name in ("request_id", "object_type", "object_id", "object_repr", "reason"):
                    fields[name] = fields[name] or ""
                fields["actor_organisation_name"] = fields["actor_organisation_name"] or ""
                occurred_at = row["occurred_at"]
                seq, prev, digest = builder.append(
                    {**fields, "occurred_at": chain.timestamp(occurred_at)}
                )
                fields["occurred_at"] = occurred_at
                events.append(AuditEvent(seq=seq, prev_hash=prev, hash=digest, **fields))
            AuditEvent.objects.using(using).bulk_create(events)
        total += len(batch)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    flush()
    return total


# --- checkpoints -----------------------------------------------------------------------------
def checkpoint_create(
    *, actor: Any = None, day: dt.date | None = None, using: str = DEFAULT_DB_ALIAS
) -> tuple[AuditCheckpoint, bool]:
    """Record today's head of the chain (once per day); returns (checkpoint, created)."""
    day = day or timezone.localdate()
    existing = AuditCheckpoint.objects.using(using).filter(day=day).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic(using=using):
            record_now(
                actor=actor,
                action="audit.checkpoint_recorded",
                object_type="audit.auditcheckpoint",
                object_repr=day.isoformat(),
                using=using,
            )
            # Still under the chain lock taken by record_now: the head includes that event.
            last = head(using)
            checkpoint = AuditCheckpoint(
                day=day,
                seq=last.seq,
                hash=last.hash,
                count=AuditEvent.objects.using(using).count(),
                created_at=timezone.now(),
            )
            checkpoint.save(force_insert=True, using=using)
    except IntegrityError:
        # Another run recorded today's checkpoint first.
        return AuditCheckpoint.objects.using(using).get(day=day), False
    return checkpoint, True


def checkpoints_as_rows(using: str = DEFAULT_DB_ALIAS) -> list[dict[str, Any]]:
    return [
        {
            "day": cp.day.isoformat(),
            "seq": cp.seq,
            "hash": cp.hash,
            "count": cp.count,
            "created_at": cp.created_at.astimezone(dt.UTC).isoformat(),
        }
        for cp in AuditCheckpoint.objects.using(using).order_by("seq")
    ]


# --- retention -------------------------------------------------------------------------------
def default_retention_years() -> int:
    return max(MIN_RETENTION_YEARS, int(getattr(settings, "FORVALTA_AUDIT_RETENTION_YEARS", 10)))


def retention_years(organisation_id: int | None, using: str = DEFAULT_DB_ALIAS) -> int:
    if organisation_id is None:
        return default_retention_years()
    row = (
        AuditRetention.objects.using(using)
        .filter(organisation_id=organisation_id)
        .values_list("years", flat=True)
        .first()
    )
    return max(MIN_RETENTION_YEARS, row) if row is not None else default_retention_years()


def retention_set(*, actor: Any, organisation: Any, years: int, reason: str = "") -> AuditRetention:
    """Set how many years an organisation's events are kept (at least ten)."""
    if not actor.has_perm("audit.change_auditretention", organisation):
        record(
            actor=actor,
            action="access.denied",
            obj=organisation,
            changes={"attempted": [None, "change audit retention"]},
        )
        raise PermissionDenied(_("You do not have permission to do this."))
    with transaction.atomic():
        retention = (
            AuditRetention.objects.select_for_update().filter(organisation=organisation).first()
        )
        before = retention.years if retention is not None else default_retention_years()
        if retention is None:
            retention = AuditRetention(organisation=organisation)
        retention.years = years
        retention.full_clean()
        retention.save()
        record(
            actor=actor,
            action="audit.retention_changed",
            obj=retention,
            organisation=organisation,
            changes={"years": [before, years]} if before != years else {},
            reason=reason,
        )
    return retention


# --- disposal --------------------------------------------------------------------------------
def _year_start(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class DisposalPlan:
    before: dt.datetime  # whole calendar years before this are removed
    from_seq: int
    up_to_seq: int
    anchor_hash: str
    per_organisation: dict[str, int]

    @property
    def removed(self) -> int:
        return sum(self.per_organisation.values())


def disposal_plan(
    *, today: dt.date | None = None, using: str = DEFAULT_DB_ALIAS
) -> DisposalPlan | None:
    """What may be disposed of: the longest run of whole calendar years at the start of the
    chain that every organisation with events in it has kept for its retention.

    The chain is global, so only a prefix can go without breaking it: an organisation
    that keeps its events longer holds back the disposal of the years it has events in.
    """
    today = today or timezone.localdate()
    retention = dict(AuditRetention.objects.using(using).values_list("organisation_id", "years"))
    default = default_retention_years()

    def cutoff(org_id: int | None) -> dt.datetime:
        years = max(MIN_RETENTION_YEARS, retention.get(org_id, default)) if org_id else default
        return _year_start(today.year - years)

    earliest = list(
        AuditEvent.objects.using(using)
        .values("organisation_id")
        .annotate(first=Min("occurred_at"))
        .values_list("organisation_id", "first")
    )
    before = _year_start(today.year - MIN_RETENTION_YEARS)
    changed = True
    while changed:
        changed = False
        for org_id, first in earliest:
            limit = cutoff(org_id)
            if first is not None and first < before and limit < before:
                before, changed = limit, True
    events = AuditEvent.objects.using(using)
    start = _current_anchor(using)
    first_kept = events.filter(occurred_at__gte=before).aggregate(m=Min("seq"))["m"]
    if first_kept is None:
        last = head(using)
        up_to = last.seq
    else:
        up_to = int(first_kept) - 1
    if up_to <= start.seq:
        return None
    prefix = events.filter(seq__gt=start.seq, seq__lte=up_to)
    counts = prefix.values("organisation_id").annotate(n=Count("id")).order_by()
    per_org = {str(r["organisation_id"] or "platform"): int(r["n"]) for r in counts}
    anchor = events.filter(seq=up_to).values_list("hash", flat=True).first()
    if anchor is None or not per_org:
        return None
    return DisposalPlan(
        before=before,
        from_seq=start.seq + 1,
        up_to_seq=up_to,
        anchor_hash=str(anchor),
        per_organisation=per_org,
    )


def disposal_alias() -> str:
    """The database connection disposal runs on: `audit_disposal` (the role
    forvalta_audit_disposer, FORVALTA_AUDIT_DISPOSAL_DATABASE_URL) when configured."""
    return "audit_disposal" if "audit_disposal" in settings.DATABASES else DEFAULT_DB_ALIAS


def dispose(
    *, actor: Any = None, today: dt.date | None = None, using: str | None = None
) -> AuditDisposal | None:
    """Remove the periods `disposal_plan` allows, after verifying the chain.

    The removed range, its first and last event times (the disposed events' own dates),
    the count (also per organisation) and the anchor (position and hash of the last
    removed event) are kept in AuditDisposal and, field by field, in the
    `audit.disposed` event in the chain; verification then starts from that anchor and
    checks the disposal against the retention and the checkpoints.
    """
    from forvalta.audit.verify import verify_trail

    using = using or disposal_alias()
    if connections[using].vendor == "postgresql":
        chain_pending(using=using, wait=True)
    plan = disposal_plan(today=today, using=using)
    if plan is None:
        return None
    result = verify_trail(using=using)
    if not result.intact:
        raise ValidationError(
            _("The audit trail is broken (%(result)s); nothing was disposed of.")
            % {"result": str(result)}
        )
    with transaction.atomic(using=using):
        db.lock_chain(connections[using])
        period = (
            AuditEvent.objects.using(using)
            .filter(seq__gte=plan.from_seq, seq__lte=plan.up_to_seq)
            .aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        )
        removed = db.delete_prefix(connections[using], plan.up_to_seq)
        if removed != plan.removed:
            raise ValidationError(
                _("The trail changed while disposing (%(found)s events instead of %(planned)s).")
                % {"found": removed, "planned": plan.removed}
            )
        is_person = actor is not None and getattr(actor, "is_authenticated", False)
        disposal = AuditDisposal(
            disposed_at=timezone.now(),
            actor_id=actor.pk if is_person else None,
            actor_name=str(actor)[:300] if is_person else "",
            before=plan.before,
            from_seq=plan.from_seq,
            up_to_seq=plan.up_to_seq,
            anchor_hash=plan.anchor_hash,
            removed=removed,
            first_occurred_at=period["first"],
            last_occurred_at=period["last"],
            per_organisation=plan.per_organisation,
        )
        disposal.save(force_insert=True, using=using)
        record_now(
            actor=actor,
            action="audit.disposed",
            object_type="audit.auditdisposal",
            object_id=str(disposal.pk),
            object_repr=f"{plan.from_seq}–{plan.up_to_seq}",
            changes=disposal_changes(disposal),
            using=using,
        )
    return disposal


def disposal_changes(disposal: AuditDisposal) -> dict[str, list[Any]]:
    """What the `audit.disposed` event records of its disposal (verify compares them)."""
    return {
        "disposed_at": [None, chain.timestamp(disposal.disposed_at)],
        "before": [None, chain.timestamp(disposal.before)],
        "from_seq": [None, disposal.from_seq],
        "up_to_seq": [None, disposal.up_to_seq],
        "anchor_hash": [None, disposal.anchor_hash],
        "removed": [None, disposal.removed],
        "first_occurred_at": [
            None,
            chain.timestamp(disposal.first_occurred_at) if disposal.first_occurred_at else None,
        ],
        "last_occurred_at": [
            None,
            chain.timestamp(disposal.last_occurred_at) if disposal.last_occurred_at else None,
        ],
        "per_organisation": [None, disposal.per_organisation],
    }
