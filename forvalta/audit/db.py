"""Database guards for the audit tables, per vendor, and the chain lock.

PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE of events, checkpoints and
disposals; the one way to delete events is the function `forvalta_audit_dispose(seq)`,
which turns on a transaction-local setting the trigger lets through.

SQLite: triggers refuse UPDATE; DELETE of events passes only while the disposal
function's control row exists in `audit_auditdisposalflag` (written and removed inside the
disposal transaction).

Staged events (`audit_auditpending`): UPDATE and TRUNCATE are refused; DELETE passes
only for rows whose event is in the chain (the sequencer deletes them in the
transaction that inserts their events).

The disposal function is SECURITY DEFINER, its EXECUTE revoked from PUBLIC and granted
only to the role `forvalta_audit_disposer` (created here when the migrating role may):
the application's own role cannot dispose of anything (docs/audit.md, "Hardening").

A database owner can still drop a trigger: that is what the hash chain and the exported
checkpoints are for (docs/audit.md, "Hardening" for separating the roles).
"""

from __future__ import annotations

from typing import Any

# pg_advisory_xact_lock key for appending to the chain ("FORVALTA" in ASCII, cut to 63 bits).
CHAIN_LOCK_KEY = 0x464F5256414C5441 & 0x7FFFFFFFFFFFFFFF

EVENT_TABLE = "audit_auditevent"
PENDING_TABLE = "audit_auditpending"
DISPOSER_ROLE = "forvalta_audit_disposer"
PENDING_DELETE_MESSAGE = "a staged audit event can only be removed once it is chained"
FROZEN_TABLES = ("audit_auditcheckpoint", "audit_auditdisposal")
APPEND_ONLY_MESSAGE = "the audit trail is append-only"

_PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION forvalta_audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND TG_TABLE_NAME = '{EVENT_TABLE}'
         AND coalesce(current_setting('forvalta.audit_disposal', true), '') = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    """,
    f"""
    CREATE OR REPLACE FUNCTION forvalta_audit_dispose(up_to bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE removed bigint;
    BEGIN
      PERFORM set_config('forvalta.audit_disposal', 'on', true);
      DELETE FROM {EVENT_TABLE} WHERE seq <= up_to;
      GET DIAGNOSTICS removed = ROW_COUNT;
      PERFORM set_config('forvalta.audit_disposal', 'off', true);
      RETURN removed;
    END $$;
    """,  # noqa: S608 - fixed table names, no input
    f"""
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{DISPOSER_ROLE}') THEN
        CREATE ROLE {DISPOSER_ROLE} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE WARNING 'create the role {DISPOSER_ROLE} (docs/audit.md, Hardening)';
    END $$;
    """,  # noqa: S608 - a fixed role name, no input
    "REVOKE ALL ON FUNCTION forvalta_audit_dispose(bigint) FROM PUBLIC",
    f"""
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{DISPOSER_ROLE}') THEN
        GRANT EXECUTE ON FUNCTION forvalta_audit_dispose(bigint) TO {DISPOSER_ROLE};
      END IF;
    END $$;
    """,  # noqa: S608 - a fixed role name, no input
    f"""
    CREATE OR REPLACE FUNCTION forvalta_audit_pending_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      -- OFFSET 0 keeps the inner query a per-row index probe: as an anti-join the
      -- planner would hash the whole event table on every delete. The probe can use
      -- only the time's index (`|| ''` hides the action's): with stale statistics the
      -- planner chose the action index, one value for many events, and each probe
      -- read every event of that action (a delete grew with the trail).
      IF EXISTS (SELECT 1 FROM gone g WHERE NOT EXISTS (
          SELECT 1 FROM {EVENT_TABLE} e
          WHERE e.occurred_at = g.occurred_at AND e.action || '' = g.action
            AND e.request_id = g.request_id AND e.object_id = g.object_id OFFSET 0)) THEN
        RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: {PENDING_DELETE_MESSAGE}'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NULL;
    END $$;
    """,  # noqa: S608 - fixed table names, no input
    f"DROP TRIGGER IF EXISTS {PENDING_TABLE}_append_only ON {PENDING_TABLE}",
    f"CREATE TRIGGER {PENDING_TABLE}_append_only BEFORE UPDATE ON {PENDING_TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION forvalta_audit_refuse_change()",
    f"DROP TRIGGER IF EXISTS {PENDING_TABLE}_no_truncate ON {PENDING_TABLE}",
    f"CREATE TRIGGER {PENDING_TABLE}_no_truncate BEFORE TRUNCATE ON {PENDING_TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION forvalta_audit_refuse_change()",
    f"DROP TRIGGER IF EXISTS {PENDING_TABLE}_chained_only ON {PENDING_TABLE}",
    f"CREATE TRIGGER {PENDING_TABLE}_chained_only AFTER DELETE ON {PENDING_TABLE} "
    "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT "
    "EXECUTE FUNCTION forvalta_audit_pending_deleted()",
]
for _table in (EVENT_TABLE, *FROZEN_TABLES):
    _PG_INSTALL += [
        f"DROP TRIGGER IF EXISTS {_table}_append_only ON {_table}",
        f"CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table} "
        "FOR EACH ROW EXECUTE FUNCTION forvalta_audit_refuse_change()",
        f"DROP TRIGGER IF EXISTS {_table}_no_truncate ON {_table}",
        f"CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION forvalta_audit_refuse_change()",
    ]

_PG_REMOVE = [
    *(
        f"DROP TRIGGER IF EXISTS {t}_{kind} ON {t}"
        for t in (EVENT_TABLE, *FROZEN_TABLES)
        for kind in ("append_only", "no_truncate")
    ),
    *(
        f"DROP TRIGGER IF EXISTS {PENDING_TABLE}_{kind} ON {PENDING_TABLE}"
        for kind in ("append_only", "no_truncate", "chained_only")
    ),
    "DROP FUNCTION IF EXISTS forvalta_audit_pending_deleted()",
    "DROP FUNCTION IF EXISTS forvalta_audit_dispose(bigint)",
    "DROP FUNCTION IF EXISTS forvalta_audit_refuse_change()",
]

_SQLITE_INSTALL: list[str] = [
    f"""CREATE TRIGGER IF NOT EXISTS {EVENT_TABLE}_no_delete BEFORE DELETE ON {EVENT_TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM audit_auditdisposalflag)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: DELETE on {EVENT_TABLE} refused'); END"""  # noqa: S608
]
for _table in (EVENT_TABLE, *FROZEN_TABLES):
    _SQLITE_INSTALL.append(
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_no_update BEFORE UPDATE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: UPDATE on {_table} refused'); END"""
    )
for _table in FROZEN_TABLES:
    _SQLITE_INSTALL.append(
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_no_delete BEFORE DELETE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: DELETE on {_table} refused'); END"""
    )
_SQLITE_INSTALL += [
    f"""CREATE TRIGGER IF NOT EXISTS {PENDING_TABLE}_no_update BEFORE UPDATE ON {PENDING_TABLE}
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: UPDATE on {PENDING_TABLE} refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {PENDING_TABLE}_no_delete BEFORE DELETE ON {PENDING_TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM {EVENT_TABLE} e WHERE e.occurred_at = OLD.occurred_at
      AND e.action = OLD.action AND e.request_id = OLD.request_id
      AND e.object_id = OLD.object_id)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: {PENDING_DELETE_MESSAGE}'); END""",  # noqa: S608
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {t}_{kind}"
    for t in (EVENT_TABLE, *FROZEN_TABLES)
    for kind in ("no_update", "no_delete")
] + [f"DROP TRIGGER IF EXISTS {PENDING_TABLE}_{kind}" for kind in ("no_update", "no_delete")]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return _PG_INSTALL if install else _PG_REMOVE
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    raise NotImplementedError(f"No audit guards for the {vendor} database")


def install_guards(connection: Any) -> None:
    with connection.cursor() as cursor:
        # Migration 0002 runs this before the staging table exists (0003 adds it).
        staging = PENDING_TABLE in connection.introspection.table_names(cursor)
        for sql in _statements(connection.vendor, install=True):
            if staging or f"ON {PENDING_TABLE}" not in sql:
                cursor.execute(sql)


def remove_guards(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, install=False):
            cursor.execute(sql)


# The canonical JSON (RFC 8785, as `chain.content` writes it) of an event's or staged
# event's hashed fields, rendered by PostgreSQL in three parts around the chain's own
# keys: A + ',"prev_hash":…' + B + ',"seq":…' + C + ',"v":1}' is an event's content;
# A + B + C + '}' a staged event's (`chain.staged_hash`). Keys in RFC 8785 order, strings
# through to_json (the same escapes), `changes` as stored (already canonical text; the
# ::json cast refuses anything that is not one JSON value, so no row can shift text
# between fields). A test checks these against the Python reference.
def pg_canonical_parts(table: str = "") -> tuple[str, str, str]:
    t = f"{table}." if table else ""
    a = (
        f"""'{{"action":' || to_json({t}action)::text"""
        f"""|| ',"actor_id":' || coalesce({t}actor_id::text, 'null')"""
        f"""|| ',"actor_name":' || to_json({t}actor_name)::text"""
        f"""|| CASE WHEN {t}actor_organisation_id IS NULL AND {t}actor_organisation_name = ''"""
        f""" THEN '' ELSE ',"actor_organisation_id":'"""
        f""" || coalesce({t}actor_organisation_id::text, 'null')"""
        f""" || ',"actor_organisation_name":' || to_json({t}actor_organisation_name)::text END"""
        f"""|| ',"api_token_id":' || to_json({t}api_token_id)::text"""
        f"""|| ',"changes":' || {t}changes::json::text"""
        f"""|| ',"client_address":' || coalesce(to_json({t}client_address)::text, 'null')"""
        f"""|| ',"object_id":' || to_json({t}object_id)::text"""
        f"""|| ',"object_repr":' || to_json({t}object_repr)::text"""
        f"""|| ',"object_type":' || to_json({t}object_type)::text"""
        f"""|| ',"occurred_at":"' || to_char({t}occurred_at AT TIME ZONE 'UTC',"""
        f""" 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'"""
        f"""|| ',"organisation_id":' || coalesce({t}organisation_id::text, 'null')"""
        f"""|| ',"organisation_name":' || to_json({t}organisation_name)::text"""
    )
    b = (
        f"""',"reason":' || to_json({t}reason)::text"""
        f"""|| ',"request_id":' || to_json({t}request_id)::text"""
    )
    c = f"""',"user_agent":' || to_json({t}user_agent)::text"""
    return a, b, c


def lock_chain(connection: Any) -> None:
    """Serialise appends until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the transaction already
    holds the database write lock (settings use BEGIN IMMEDIATE), which serialises
    every writer.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def try_lock_chain(connection: Any) -> bool:
    """Take the chain lock for the current transaction if nobody holds it (never waits)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            return bool(cursor.fetchone()[0])
    return True


def delete_prefix(connection: Any, up_to_seq: int) -> int:
    """The one path that deletes events: everything up to and including `up_to_seq`.

    Must run inside the disposal transaction (services.dispose), which has verified
    the chain and records the disposal.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT forvalta_audit_dispose(%s)", [up_to_seq])
            return int(cursor.fetchone()[0])
        cursor.execute("INSERT INTO audit_auditdisposalflag (id) VALUES (1)")
        cursor.execute(f"DELETE FROM {EVENT_TABLE} WHERE seq <= %s", [up_to_seq])  # noqa: S608
        removed = cursor.rowcount
        cursor.execute("DELETE FROM audit_auditdisposalflag")
        return int(removed)
