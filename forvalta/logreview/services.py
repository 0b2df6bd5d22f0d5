"""Every write of log review: each checks the `rules` permission, writes and records
its audit event in one transaction; a refusal records `access.denied`, raises
`PermissionDenied` and changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forvalta.audit.services import object_type_of, record
from forvalta.core.tenancy import forget_scope
from forvalta.logreview.models import (
    MAPPED_FIELDS,
    REFERENCE_FIELDS,
    ExtractOrder,
    Judgment,
    LoadKind,
    LoadStatus,
    LogLoad,
    LogSource,
    OperationKind,
    OrderStatus,
    ReviewOutcome,
    RoundStatus,
    SamplingRound,
    SamplingSchedule,
    Verdict,
    default_reference_mapping,
)

logger = logging.getLogger(__name__)


def _refuse(actor: Any, obj: Any, verb: str) -> None:
    forget_scope(actor)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and getattr(obj, "pk", None) else None,
        object_type=object_type_of(obj),
        object_repr=str(obj)[:300] if obj is not None and getattr(obj, "pk", None) else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def deny(actor: Any, obj: Any, verb: str) -> None:
    """Refuse (records `access.denied`, raises `PermissionDenied`)."""
    _refuse(actor, obj, verb)


class _Refusal(Exception):
    """Raised inside a transaction: it rolls back, then the refusal is recorded."""


def _require(actor: Any, perm: str, obj: Any, verb: str) -> None:
    if not actor.has_perm(perm, obj):
        _refuse(actor, obj, verb)


def _clean_mapping(mapping: dict[str, Any]) -> dict[str, str]:
    return {name: str(mapping.get(name) or "").strip()[:100] for name in MAPPED_FIELDS}


def _clean_reference_mapping(mapping: dict[str, Any] | None) -> dict[str, str]:
    """The reference files' headings (the defaults where none is given); the client's
    number is read from every kind of file."""
    if mapping is None:
        return default_reference_mapping()
    cleaned = {name: str(mapping.get(name) or "").strip()[:100] for name in REFERENCE_FIELDS}
    if not cleaned["client_id"]:
        raise ValidationError(
            {"ref_client_id": _("Name the column of the client's personal identity number.")}
        )
    return cleaned


# --- log sources -------------------------------------------------------------------------
def _unique_name(source: LogSource) -> None:
    taken = (
        LogSource.objects.filter(
            organisation_id=source.organisation_id, system_id=source.system_id, name=source.name
        )
        .exclude(pk=source.pk)
        .exists()
    )
    if taken:
        raise ValidationError(
            {"name": _("The organisation already has a log source of this name for the system.")}
        )


def source_create(
    *,
    actor: Any,
    organisation: Any,
    system: Any,
    name: str,
    mapping: dict[str, Any],
    reference_mapping: dict[str, Any] | None = None,
    hours_from: int | None = None,
    hours_to: int | None = None,
    extract_retention_days: int | None = None,
    log_retention_days: int | None = None,
) -> LogSource:
    source = LogSource(
        organisation=organisation,
        system=system,
        name=name.strip(),
        mapping=_clean_mapping(mapping),
        reference_mapping=_clean_reference_mapping(reference_mapping),
        hours_from=7 if hours_from is None else hours_from,
        hours_to=18 if hours_to is None else hours_to,
        extract_retention_days=90 if extract_retention_days is None else extract_retention_days,
        log_retention_days=730 if log_retention_days is None else log_retention_days,
    )
    _require(actor, "logreview.add_logsource", source, "create log source")
    _check_retention(source)
    _unique_name(source)
    with transaction.atomic():
        source.save()
        record(
            actor=actor,
            action="logreview.logsource.created",
            obj=source,
            organisation=organisation,
            changes={
                "name": [None, source.name],
                "mapping": [None, source.mapping],
                "reference_mapping": [None, source.reference_mapping],
                "hours": [None, [source.hours_from, source.hours_to]],
                "extract_retention_days": [None, source.extract_retention_days],
                "log_retention_days": [None, source.log_retention_days],
            },
        )
    return source


def _check_retention(source: LogSource) -> None:
    from forvalta.logreview.forms import MAX_RETENTION_DAYS

    for field in ("extract_retention_days", "log_retention_days"):
        if not 1 <= getattr(source, field) <= MAX_RETENTION_DAYS:
            raise ValidationError(
                {
                    field: _("Retention is between 1 and %(days)s days.")
                    % {"days": MAX_RETENTION_DAYS}
                }
            )


def source_update(
    *,
    actor: Any,
    source: LogSource,
    name: str,
    mapping: dict[str, Any],
    reference_mapping: dict[str, Any] | None = None,
    hours_from: int | None = None,
    hours_to: int | None = None,
    extract_retention_days: int | None = None,
    log_retention_days: int | None = None,
) -> LogSource:
    """Empty hours and retention take their defaults (7-18; 90 and 730 days); no
    reference mapping keeps the source's."""
    _require(actor, "logreview.change_logsource", source, "change log source")
    with transaction.atomic():
        fresh = LogSource.objects.select_for_update().get(pk=source.pk)
        before = {
            "name": fresh.name,
            "mapping": fresh.mapping,
            "reference_mapping": fresh.reference_mapping,
            "hours_from": fresh.hours_from,
            "hours_to": fresh.hours_to,
            "extract_retention_days": fresh.extract_retention_days,
            "log_retention_days": fresh.log_retention_days,
        }
        fresh.name = name.strip()
        fresh.mapping = _clean_mapping(mapping)
        if reference_mapping is not None:
            fresh.reference_mapping = _clean_reference_mapping(reference_mapping)
        fresh.hours_from = 7 if hours_from is None else hours_from
        fresh.hours_to = 18 if hours_to is None else hours_to
        fresh.extract_retention_days = (
            90 if extract_retention_days is None else extract_retention_days
        )
        fresh.log_retention_days = 730 if log_retention_days is None else log_retention_days
        if fresh.hours_from >= fresh.hours_to:
            raise ValidationError(_("The hours must end after they start."))
        _check_retention(fresh)
        _unique_name(fresh)
        fresh.save()
        changes = {
            key: [before[key], getattr(fresh, key)]
            for key in before
            if before[key] != getattr(fresh, key)
        }
        record(
            actor=actor,
            action="logreview.logsource.updated",
            obj=fresh,
            organisation=fresh.organisation,
            changes=changes,
        )
    return fresh


def source_set_unit_hours(
    *, actor: Any, source: LogSource, rows: list[dict[str, Any]], opened: str | None = None
) -> LogSource:
    """Replace the units' own hours of a source (forvalta.logreview.hours): checked
    whole, all or nothing, one audit event with the rows before and after. `opened`, the
    version the caller's page showed (`hours_version`), must still be the stored one."""
    from forvalta.logreview.hours import clean_unit_hours, hours_version

    _require(actor, "logreview.change_logsource", source, "change log source")
    cleaned = clean_unit_hours(rows)
    with transaction.atomic():
        fresh = LogSource.objects.select_for_update().get(pk=source.pk)
        before = list(fresh.unit_hours or [])
        if opened is not None and opened != hours_version(before):
            raise ValidationError(
                _(
                    "Someone changed the units' hours after you opened the page. The page "
                    "now shows them as saved: make your change again."
                ),
                code="stale",
            )
        if before == cleaned:
            return fresh
        fresh.unit_hours = cleaned
        fresh.save(update_fields=["unit_hours"])
        record(
            actor=actor,
            action="logreview.logsource.updated",
            obj=fresh,
            organisation=fresh.organisation,
            changes={"unit_hours": [before, cleaned]},
        )
    return fresh


# --- schedules and rounds ----------------------------------------------------------------
DEFAULT_UNITS = {OperationKind.PROVIDER: 3, OperationKind.AUTHORITY: 2}


def schedule_create(
    *,
    actor: Any,
    source: LogSource,
    kind: str,
    unit_count: int | None = None,
    employees_per_unit: int = 4,
    day_count: int = 3,
    day_mode: str = "active",
) -> SamplingSchedule:
    schedule = SamplingSchedule(
        organisation_id=source.organisation_id,
        source=source,
        kind=kind,
        unit_count=unit_count or DEFAULT_UNITS[OperationKind(kind)],
        employees_per_unit=employees_per_unit,
        day_count=day_count,
        day_mode=day_mode,
    )
    _require(actor, "logreview.add_samplingschedule", schedule, "create sampling schedule")
    with transaction.atomic():
        schedule.save()
        record(
            actor=actor,
            action="logreview.samplingschedule.created",
            obj=schedule,
            organisation=source.organisation,
            changes={
                field: [None, getattr(schedule, field)]
                for field in ("kind", "unit_count", "employees_per_unit", "day_count", "day_mode")
            },
        )
    return schedule


def new_seed() -> int:
    return secrets.randbits(62)


def round_draw(
    *, actor: Any, schedule: SamplingSchedule, month: dt.date, seed: int | None = None
) -> SamplingRound:
    """Draw a round over `month` (any day of it) with a new seed (or the one given),
    and order the extract of each drawn operation (unit): a provider operation's order
    goes to its unit manager as attestant and recipient."""
    from forvalta.logreview.draw import draw_round

    first = month.replace(day=1)
    round_ = SamplingRound(
        organisation_id=schedule.organisation_id,
        schedule=schedule,
        year=first.year,
        quarter=(first.month - 1) // 3 + 1,
        month=first,
        seed=new_seed() if seed is None else seed,
        drawn_by=actor,
    )
    _require(actor, "logreview.add_samplinground", round_, "draw sampling round")
    with transaction.atomic():
        round_.save()
        units = draw_round(round_)
        for unit in units:
            attestant_id = unit.manager_id if schedule.kind == OperationKind.PROVIDER else None
            ExtractOrder.objects.create(
                organisation_id=schedule.organisation_id,
                round=round_,
                drawn_unit=unit,
                month=first,
                recipient_id=attestant_id,
                attestant_id=attestant_id,
                requested_by=actor,
            )
        from forvalta.logreview import notices

        notices.orders_drawn(round_, actor)
        record(
            actor=actor,
            action="logreview.samplinground.drawn",
            obj=round_,
            organisation=schedule.organisation,
            changes={
                "month": [None, first.isoformat()],
                "seed": [None, str(round_.seed)],
                "units": [None, [u.unit_name for u in units]],
                **(
                    {"managers": [None, [u.manager_id for u in units]]}
                    if schedule.kind == OperationKind.PROVIDER
                    else {}
                ),
            },
        )
    return round_


# --- extract orders ----------------------------------------------------------------------
def is_member(organisation_id: int, person: Any) -> bool:
    """An active person with a current membership of the organisation."""
    from forvalta.core.models import Membership

    return bool(
        person is not None
        and person.is_active
        and Membership.objects.filter(organisation_id=organisation_id, user_id=person.pk)
        .active()
        .exists()
    )


def _check_member(organisation_id: int, person: Any) -> None:
    if not is_member(organisation_id, person):
        raise ValidationError(_("Choose a member of the order's organisation."))


def order_attest(*, actor: Any, order: ExtractOrder, recipient: Any = None) -> ExtractOrder:
    """Attest a requested order; the attestant may name another recipient (a member of
    the organisation)."""
    _require(actor, "logreview.attest_extractorder", order, "attest extract order")
    if recipient is not None:
        _check_member(order.organisation_id, recipient)
    with transaction.atomic():
        fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
        if fresh.status != OrderStatus.REQUESTED:
            raise PermissionDenied(_("The order is no longer waiting for attestation."))
        fresh.status = OrderStatus.ATTESTED
        fresh.attested_by = actor
        fresh.attested_at = timezone.now()
        changes: dict[str, Any] = {"status": [OrderStatus.REQUESTED, OrderStatus.ATTESTED]}
        if recipient is not None and recipient.pk != fresh.recipient_id:
            changes["recipient"] = [fresh.recipient_id, recipient.pk]
            fresh.recipient = recipient
        elif fresh.recipient_id is None:
            # An authority order: the attesting controller receives and reviews it.
            fresh.recipient = actor
            changes["recipient"] = [None, actor.pk]
        fresh.save(update_fields=["status", "attested_by", "attested_at", "recipient"])
        record(
            actor=actor,
            action="logreview.extractorder.attested",
            obj=fresh,
            organisation=fresh.organisation,
            changes=changes,
        )
        from forvalta.logreview import notices

        notices.order_attested(fresh, actor)
    return fresh


def order_set_recipient(*, actor: Any, order: ExtractOrder, recipient: Any) -> ExtractOrder:
    """The controller (or the attestant of a requested order) names the order's
    recipient, a member of the organisation, until its review is documented."""
    _require(actor, "logreview.change_recipient_extractorder", order, "change recipient")
    _check_member(order.organisation_id, recipient)
    try:
        with transaction.atomic():
            fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
            if ReviewOutcome.objects.filter(order=fresh).exists():
                raise _Refusal
            before = fresh.recipient_id
            if before == recipient.pk:
                return fresh
            fresh.recipient = recipient
            fresh.save(update_fields=["recipient"])
            record(
                actor=actor,
                action="logreview.extractorder.recipient_changed",
                obj=fresh,
                organisation=fresh.organisation,
                changes={"recipient": [before, recipient.pk]},
            )
    except _Refusal:
        _refuse(actor, order, "change recipient")
    return fresh


def order_set_attestant(*, actor: Any, order: ExtractOrder, attestant: Any) -> ExtractOrder:
    """The controller names the attestant of a requested provider order (its drawn
    unit had no manager, or the manager has left): a member of the organisation. The
    recipient follows when it was none or the earlier attestant."""
    _require(actor, "logreview.name_attestant_extractorder", order, "name attestant")
    _check_member(order.organisation_id, attestant)
    try:
        with transaction.atomic():
            fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
            if fresh.status != OrderStatus.REQUESTED:
                raise _Refusal
            before = fresh.attestant_id
            if before == attestant.pk:
                return fresh
            changes: dict[str, Any] = {"attestant": [before, attestant.pk]}
            if fresh.recipient_id is None or fresh.recipient_id == before:
                changes["recipient"] = [fresh.recipient_id, attestant.pk]
                fresh.recipient = attestant
            fresh.attestant = attestant
            fresh.save(update_fields=["attestant", "recipient"])
            record(
                actor=actor,
                action="logreview.extractorder.attestant_named",
                obj=fresh,
                organisation=fresh.organisation,
                changes=changes,
            )
    except _Refusal:
        _refuse(actor, order, "name attestant")
    return fresh


def _draw_days(actor: Any, order: ExtractOrder) -> None:
    """Draw and record the order's days unless drawn already (inside the caller's
    transaction, with the order locked)."""
    from forvalta.logreview.draw import draw_order_days, order_seed

    drawn = draw_order_days(order)
    if drawn is None:
        return
    record(
        actor=actor,
        action="logreview.extractorder.days_drawn",
        obj=order,
        organisation=order.organisation,
        changes={
            "seed": [None, str(order_seed(order.round.seed, order.pk))],
            "days": [None, {a: [d.isoformat() for d in days] for a, days in drawn.items()}],
        },
    )


def order_draw_days(*, actor: Any, order: ExtractOrder) -> ExtractOrder:
    """The log administrator draws the days of an attested order (before taking out
    the extract); drawn once (fulfilling the order draws them if not yet drawn)."""
    _require(actor, "logreview.fulfil_extractorder", order, "draw days")
    try:
        with transaction.atomic():
            fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
            if fresh.status != OrderStatus.ATTESTED:
                raise _Refusal
            _draw_days(actor, fresh)
    except _Refusal:
        _refuse(actor, order, "draw days")
    return fresh


def _queue_load(
    actor: Any,
    source: LogSource,
    filename: str,
    data: Any,
    order: ExtractOrder | None,
    language: str,
    kind: str = LoadKind.LOG,
) -> LogLoad:
    from forvalta.logreview.tasks import load_log

    load = LogLoad(
        organisation_id=source.organisation_id,
        source=source,
        order=order,
        kind=kind,
        filename=filename[:200],
        language=(language or settings.LANGUAGE_CODE)[:10],
        uploaded_by=actor,
    )
    # The file goes to private file storage (streamed, never whole in memory when it
    # is an upload or an open file), deleted once read (store.py, run_load).
    content = ContentFile(bytes(data)) if isinstance(data, bytes | bytearray) else File(data)
    load.file.save("upload.csv", content, save=False)
    try:
        load.save()
    except BaseException:
        load.file.delete(save=False)
        raise
    record(
        actor=actor,
        action="logreview.logload.queued",
        obj=load,
        organisation=source.organisation,
        changes={
            "filename": [None, load.filename],
            "order": [None, order.pk if order else None],
            "kind": [None, kind],
        },
    )
    transaction.on_commit(partial(load_log.enqueue, load.pk))
    return load


def log_upload(
    *, actor: Any, source: LogSource, filename: str, data: Any, language: str = ""
) -> LogLoad:
    """Queue a log file of the source (a full export) for loading."""
    probe = LogLoad(organisation_id=source.organisation_id, source=source)
    _require(actor, "logreview.add_logload", probe, "upload log")
    with transaction.atomic():
        return _queue_load(actor, source, filename, data, None, language)


def reference_upload(
    *, actor: Any, source: LogSource, kind: str, filename: str, data: Any, language: str = ""
) -> LogLoad:
    """Queue a reference file (placements, case assignments, protected identities,
    employees' numbers) of the source; loaded all or nothing, replacing its kind."""
    probe = LogLoad(organisation_id=source.organisation_id, source=source)
    _require(actor, "logreview.add_logload", probe, "upload reference data")
    if kind == LoadKind.LOG or kind not in LoadKind.values:
        raise ValidationError(_("Choose the kind of reference data."))
    with transaction.atomic():
        return _queue_load(actor, source, filename, data, None, language, kind)


def order_fulfil(
    *, actor: Any, order: ExtractOrder, filename: str, data: Any, language: str = ""
) -> LogLoad:
    """The log administrator uploads the extract of an attested order; the days are
    drawn and recorded now if not drawn already; the order is fulfilled when the file
    has loaded."""
    _require(actor, "logreview.fulfil_extractorder", order, "fulfil extract order")
    with transaction.atomic():
        fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
        if fresh.status != OrderStatus.ATTESTED:
            raise PermissionDenied(_("The order is not waiting for its extract."))
        _draw_days(actor, fresh)
        source = fresh.round.schedule.source
        return _queue_load(actor, source, filename, data, fresh, language)


def _delete_file(load: LogLoad) -> None:
    """The stored file holds full personal identity numbers: deleted once read."""
    if load.file:
        name = load.file.name
        load.file.storage.delete(name or "")
        LogLoad.objects.filter(pk=load.pk, file=name).update(file="")


def lock_load(load_id: int) -> None:
    """PostgreSQL: a transaction-level advisory lock on the load (a second run waits)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x10C6, load_id])


def stalled_loads(older_than: dt.timedelta) -> list[int]:
    """Queued loads uploaded longer ago than `older_than` that no run holds (PostgreSQL:
    the load's advisory lock is free; SQLite: every such load)."""
    from django.db import connection

    cutoff = timezone.now() - older_than
    ids = list(
        LogLoad.objects.filter(status=LoadStatus.QUEUED, uploaded_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if connection.vendor != "postgresql":
        return ids
    free = []
    for load_id in ids:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x10C6, load_id])
            if cursor.fetchone()[0]:
                free.append(load_id)
    return free


def run_load(load_id: int) -> str:
    """The task's work, idempotent: a load already loaded or failed is left. All or
    nothing: the rows and the status change commit together."""

    load = LogLoad.objects.filter(pk=load_id).select_related("source", "uploaded_by").first()
    if load is None or load.status != LoadStatus.QUEUED:
        return "skipped"
    if load.case_id:  # a review on suspicion's extract (forvalta/logreview/suspicion.py)
        from forvalta.logreview.suspicion import run_case_load

        return run_case_load(load)
    with translation.override(load.language or settings.LANGUAGE_CODE):
        return _run_load(load)


def _run_load(load: LogLoad) -> str:
    from forvalta.logreview.ingest import FileRefused, load_file

    load_id = load.pk
    actor = load.uploaded_by

    def fail(message: str) -> str:
        # The file holds full personal identity numbers: never kept once read.
        LogLoad.objects.filter(pk=load_id, status=LoadStatus.QUEUED).update(
            status=LoadStatus.FAILED, error=message, finished_at=timezone.now(), data=b""
        )
        _delete_file(load)
        record(
            actor=actor,
            action="logreview.logload.failed",
            obj=load,
            organisation=load.organisation,
            changes={"status": [LoadStatus.QUEUED, LoadStatus.FAILED]},
        )
        return "failed"

    allowed = "logreview.fulfil_extractorder" if load.order_id else "logreview.add_logload"
    checked = load.order if load.order_id else load
    if not actor.is_active or not actor.has_perm(allowed, checked):
        return fail(_("You no longer have the right to load this log."))
    try:
        with transaction.atomic():
            # One run of a load at a time (a restarted task waits for, then skips, a
            # run still in progress). The load's row is not locked while the file is
            # read: the progress is written to it from another connection.
            lock_load(load_id)
            fresh = LogLoad.objects.select_related("source").get(pk=load_id)
            if fresh.status != LoadStatus.QUEUED:
                return "skipped"
            if fresh.order is not None and fresh.order.status != OrderStatus.ATTESTED:
                raise FileRefused([_("The order is already fulfilled.")])
            count = load_file(fresh)
            order = None
            if fresh.order_id:
                # Locked and checked again: two extracts for one order are never both loaded.
                order = ExtractOrder.objects.select_for_update().get(pk=fresh.order_id)
                if order.status != OrderStatus.ATTESTED:
                    raise FileRefused([_("The order is already fulfilled.")])
            locked = LogLoad.objects.select_for_update().get(pk=load_id)
            if locked.status != LoadStatus.QUEUED:
                raise FileRefused([_("The file was loaded by another run.")])
            fresh.status = LoadStatus.LOADED
            fresh.row_count = count
            fresh.finished_at = timezone.now()
            fresh.data = b""  # full personal identity numbers: never kept once stored hashed
            fresh.save(
                update_fields=[
                    "status",
                    "row_count",
                    "finished_at",
                    "data",
                    "progress",
                    "first_time",
                    "last_time",
                ]
            )
            transaction.on_commit(partial(_delete_file, fresh))
            record(
                actor=actor,
                action="logreview.logload.loaded",
                obj=fresh,
                organisation=fresh.organisation,
                changes={"status": [LoadStatus.QUEUED, LoadStatus.LOADED], "rows": [0, count]},
            )
            if order is not None:
                order.status = OrderStatus.FULFILLED
                order.fulfilled_by = actor
                order.fulfilled_at = timezone.now()
                order.save(update_fields=["status", "fulfilled_by", "fulfilled_at"])
                record(
                    actor=actor,
                    action="logreview.extractorder.fulfilled",
                    obj=order,
                    organisation=order.organisation,
                    changes={"status": [OrderStatus.ATTESTED, OrderStatus.FULFILLED]},
                )
                from forvalta.logreview import notices

                notices.order_fulfilled(order, actor)
    except FileRefused as exc:
        return fail("\n".join(exc.messages))
    except Exception:
        # Anything else (a database refusing a value): the load fails visibly and the
        # file, with its full personal identity numbers, is not kept.
        logger.exception("log load %s failed", load_id)
        return fail(_("The file could not be loaded. Check its format and load it again."))
    return "loaded"


# --- the review --------------------------------------------------------------------------
def judge(
    *, actor: Any, order: ExtractOrder, entry_id: int, verdict: str, comment: str
) -> Judgment:
    """The recipient judges one access the review did not explain automatically."""
    from forvalta.logreview.review import build

    _require(actor, "logreview.review_extractorder", order, "judge access")
    comment = comment.strip()
    if verdict not in Verdict.values:
        raise ValidationError(_("Choose a judgment."))
    if not comment:
        raise ValidationError(_("Write a comment on the judgment."))
    with transaction.atomic():
        fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
        if ReviewOutcome.objects.filter(order=fresh).exists():
            _refuse(actor, fresh, "judge access")
        access = build(fresh, actor).access(entry_id)
        if access is None or access.explained:
            raise ValidationError(_("The access is not one of the review's unexplained accesses."))
        judgment = access.judgment
        if judgment is not None and verdict != judgment.verdict and judgment.followups.exists():
            raise ValidationError(_("The access is in a follow-up of unauthorised access."))
        before = [judgment.verdict, judgment.comment] if judgment else [None, None]
        if judgment is None:
            judgment = Judgment(
                organisation_id=fresh.organisation_id, order=fresh, entry_id=entry_id
            )
        judgment.verdict = verdict
        judgment.comment = comment
        judgment.judged_by = actor
        judgment.save()
        record(
            actor=actor,
            action="logreview.judgment.made",
            obj=judgment,
            organisation=fresh.organisation,
            changes={
                "entry": [None, entry_id],
                "verdict": [before[0], verdict],
                "comment": [before[1], comment],
            },
        )
    return judgment


def document(
    *,
    actor: Any,
    order: ExtractOrder,
    completed_on: dt.date,
    persons_reviewed: int,
    logs_reviewed: int,
    with_remark: bool,
    incident_reported: bool,
    incident_persons: int | None,
) -> ReviewOutcome:
    """Document the review's outcome (seed 004 section 6.5); immutable once made."""
    from forvalta.logreview.review import build

    _require(actor, "logreview.review_extractorder", order, "document review")
    if incident_reported and not incident_persons:
        raise ValidationError(_("Give for how many persons the incident was reported."))
    if not incident_reported:
        incident_persons = None
    with transaction.atomic():
        fresh = ExtractOrder.objects.select_for_update().get(pk=order.pk)
        if ReviewOutcome.objects.filter(order=fresh).exists():
            _refuse(actor, fresh, "document review")
        waiting = build(fresh, actor).waiting
        if waiting:
            raise ValidationError(
                _("%(count)s unexplained accesses still lack a judgment.") % {"count": waiting}
            )
        outcome = ReviewOutcome.objects.create(
            organisation_id=fresh.organisation_id,
            order=fresh,
            completed_on=completed_on,
            reviewer=actor,
            persons_reviewed=persons_reviewed,
            logs_reviewed=logs_reviewed,
            with_remark=with_remark,
            incident_reported=incident_reported,
            incident_persons=incident_persons,
        )
        record(
            actor=actor,
            action="logreview.review.documented",
            obj=outcome,
            organisation=fresh.organisation,
            changes={
                "completed_on": [None, completed_on.isoformat()],
                "persons_reviewed": [None, persons_reviewed],
                "logs_reviewed": [None, logs_reviewed],
                "with_remark": [None, with_remark],
                "incident_reported": [None, incident_reported],
                "incident_persons": [None, incident_persons],
            },
        )
        _finish_round(actor, fresh)
    return outcome


def _finish_round(actor: Any, order: ExtractOrder) -> None:
    """The round is done when every one of its orders' reviews is documented."""
    round_ = SamplingRound.objects.select_for_update().get(pk=order.round_id)
    open_orders = ExtractOrder.objects.filter(round=round_, outcome__isnull=True)
    if round_.status == RoundStatus.DONE or open_orders.exists():
        return
    round_.status = RoundStatus.DONE
    round_.save(update_fields=["status"])
    record(
        actor=actor,
        action="logreview.samplinground.done",
        obj=round_,
        organisation=round_.organisation,
        changes={"status": [RoundStatus.DRAWN, RoundStatus.DONE]},
    )
    # The annual cycle's log-review control is fulfilled by the round (core.controls).
    from forvalta.core.controls import control_fulfilled
    from forvalta.core.models import today

    control_fulfilled.send(
        sender=SamplingRound,
        kind="log_review",
        organisation=round_.organisation,
        target=round_.schedule.source.system,
        on=today(),
        evidence=round_,
    )


def reveal_client(*, actor: Any, order: ExtractOrder, entry_id: int) -> str:
    """The order's recipient reveals the full personal identity number of one access's
    client in the review: an audit event naming the order and the masked number only."""
    from forvalta.logreview.identity import reveal
    from forvalta.logreview.review import build

    _require(actor, "logreview.reveal_client", order, "reveal client")
    access = build(order, actor).access(entry_id)
    if access is None:
        raise ValidationError(_("The access is not one of the review's accesses."))
    number = reveal(order.organisation_id, access.entry.client_hash)
    if not number:
        raise ValidationError(_("The full personal identity number is not kept for this client."))
    with transaction.atomic():
        record(
            actor=actor,
            action="logreview.client.revealed",
            obj=order,
            organisation=order.organisation,
            changes={"client": [None, access.entry.client_masked], "entry": [None, entry_id]},
        )
    return number
