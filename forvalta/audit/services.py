"""Recording audit events, checkpoints, retention and disposal.

Services call `record` inside their transaction: the event is written (or rolled
back) with the change it describes. Each event gets its chain position and the
previous hash under the chain lock (`db.lock_chain`), which is held until that
transaction ends, so concurrent writers append one after the other.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models import Count, Min
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit import chain, context, db
from forvalta.audit.models import (
    MIN_RETENTION_YEARS,
    AuditCheckpoint,
    AuditDisposal,
    AuditEvent,
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


def _plain(value: Any) -> Any:
    """A JSON-safe, stable rendering of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
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
    """The organisation an object belongs to, for the event's organisation column."""
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
) -> AuditEvent:
    """Append one event. Call inside the transaction that made the change.

    The chain lock is held from here until that transaction ends: record as the
    last write of a transaction where you can.
    """
    ctx = context.current()
    org = organisation if organisation is not None else (organisation_of(obj) if obj else None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    fields: dict[str, Any] = {
        "actor_id": actor.pk if is_person else None,
        "actor_name": _text(actor, 300) if is_person else "",
        "organisation_id": getattr(org, "pk", None),
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
    alias = using or DEFAULT_DB_ALIAS
    with transaction.atomic(using=alias):
        connection = connections[alias]
        db.lock_chain(connection)
        last = head(alias)
        # The time is taken under the lock, so it follows the chain order.
        occurred_at = timezone.now()
        seq = last.seq + 1
        digest = chain.event_hash(
            seq, last.hash, {**fields, "occurred_at": chain.timestamp(occurred_at)}
        )
        event = AuditEvent(
            seq=seq, prev_hash=last.hash, hash=digest, occurred_at=occurred_at, **fields
        )
        event.save(force_insert=True, using=alias)
    return event


def append_many(
    rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Append prepared events (imports, tests, the benchmark) in chained batches.

    Each batch is one transaction that takes the chain lock, reads the head once and
    inserts the batch with bulk_create: updating a head per row does not finish on a
    million rows (DESIGN.md, Known traps). `rows` are dicts of HASHED_FIELDS with
    `occurred_at` an aware datetime.
    """
    total = 0
    batch: list[Mapping[str, Any]] = []

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
            record(
                actor=actor,
                action="audit.checkpoint_recorded",
                object_type="audit.auditcheckpoint",
                object_repr=day.isoformat(),
                using=using,
            )
            # Still under the chain lock taken by record: the head includes that event.
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


def dispose(
    *, actor: Any = None, today: dt.date | None = None, using: str = DEFAULT_DB_ALIAS
) -> AuditDisposal | None:
    """Remove the periods `disposal_plan` allows, after verifying the chain.

    The removed range, the per-organisation counts and the anchor (position and hash
    of the last removed event) are kept in AuditDisposal, and the disposal itself is
    an event in the chain; verification then starts from that anchor.
    """
    from forvalta.audit.verify import verify_trail

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
            per_organisation=plan.per_organisation,
        )
        disposal.save(force_insert=True, using=using)
        record(
            actor=actor,
            action="audit.disposed",
            object_type="audit.auditdisposal",
            object_id=str(disposal.pk),
            object_repr=f"1–{plan.up_to_seq}",
            changes={
                "before": [None, plan.before.isoformat()],
                "from_seq": [None, plan.from_seq],
                "up_to_seq": [None, plan.up_to_seq],
                "anchor_hash": [None, plan.anchor_hash],
                "removed": [None, removed],
                "per_organisation": [None, plan.per_organisation],
            },
            using=using,
        )
    return disposal
