"""Review on suspicion of misuse of access (seed 004 section 7): the services and the
review. Every write checks its `rules` permission, writes and records its audit event in
one transaction; a refusal records `access.denied`, raises `PermissionDenied` and
changes nothing.

The flow: requested (naming only the attestant, the recipient of the log and the
reviewed person's manager's manager, never who) -> subject_entered (only by that
manager's manager, checked against the memberships' managers) -> attested (by the
attestant) -> fulfilled (a log administrator of the source's system uploads the extract,
loaded by the same task and ingest as every log file, or takes it from the stored log)
-> documented (by the recipient, seed 004 section 7.5 = 6.5).

Who learns the person reviewed: the manager's manager (who enters it), the log
administrators once attested (to take the extract out), the recipient once the extract
is there (to review it). Never the requester or the attestant through Forvalta; the
audit events carry neither the person nor the reason (the organisation's
administrators read the audit trail).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forvalta.audit.services import record
from forvalta.core.models import Membership, User, today
from forvalta.logreview.hours import SourceHours
from forvalta.logreview.identity import sealed, surname_hash
from forvalta.logreview.models import (
    LoadKind,
    LoadStatus,
    LogEntry,
    LogLoad,
    LogSource,
    ReferenceRow,
    SuspicionCase,
    SuspicionJudgment,
    SuspicionOutcome,
    SuspicionStatus,
    UnauthorisedAccess,
    Verdict,
)
from forvalta.logreview.review import coworker_flag
from forvalta.logreview.services import _refuse, _require

logger = logging.getLogger(__name__)


def _load_event(actor: Any, action: str, load: LogLoad, changes: dict[str, Any]) -> None:
    """A case's extract in the trail by number only (its file name may name the person)."""
    record(
        actor=actor,
        action=action,
        organisation=load.organisation,
        object_type="logreview.logload",
        object_id=str(load.pk),
        object_repr=f"#{load.pk}",
        changes=changes,
    )


MAX_PERIOD_DAYS = 92  # a case's period, both days inclusive (a quarter at most)


def period_too_long(period_from: dt.date, period_to: dt.date) -> ValidationError | None:
    """The error for a period longer than `MAX_PERIOD_DAYS` (days inclusive), if it is."""
    if (period_to - period_from).days + 1 > MAX_PERIOD_DAYS:
        return ValidationError(
            _("The period can be at most %(days)s days long."),
            params={"days": MAX_PERIOD_DAYS},
        )
    return None


class _Refusal(Exception):
    """Raised inside a transaction: it rolls back, then the refusal is recorded."""


# --- who is whose manager --------------------------------------------------------------
def manager_of(organisation_id: int, user_id: int | None) -> int | None:
    """The person's manager in the organisation (active membership), if any."""
    if user_id is None:
        return None
    return (
        Membership.objects.active()
        .filter(organisation_id=organisation_id, user_id=user_id)
        .values_list("manager_id", flat=True)
        .first()
    )


def managers_manager(organisation_id: int, user_id: int | None) -> int | None:
    """The manager of the person's manager, from the memberships."""
    return manager_of(organisation_id, manager_of(organisation_id, user_id))


def subject_choices(actor: Any, organisation_id: int) -> QuerySet[User]:
    """The people whose manager's manager the actor is: the only ones they may enter."""
    managers = (
        Membership.objects.active()
        .filter(organisation_id=organisation_id, manager_id=actor.pk)
        .values("user_id")
    )
    members = (
        Membership.objects.active()
        .filter(organisation_id=organisation_id, manager_id__in=managers)
        .values("user_id")
    )
    return User.objects.filter(pk__in=members, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def member_choices(organisation_ids: Any) -> QuerySet[User]:
    """The active members of the organisations (to name on a case)."""
    members = (
        Membership.objects.active().filter(organisation_id__in=organisation_ids).values("user_id")
    )
    return User.objects.filter(pk__in=members, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def log_administrators(case: SuspicionCase) -> list[Any]:
    """The log administrators (`system_administrator`) of the case's organisation on the
    source's system or a service of it, never the person reviewed."""
    from django.db.models import Q

    from forvalta.access.rules import ADMINISTRATOR
    from forvalta.register.models import RoleAssignment, Service

    services = Service.systems.through.objects.filter(system_id=case.source.system_id).values(
        "service_id"
    )
    people = (
        RoleAssignment.objects.active()
        .filter(organisation_id=case.organisation_id, role_type__code__in=ADMINISTRATOR)
        .filter(Q(system_id=case.source.system_id) | Q(service_id__in=services))
        .exclude(person_id=case.subject_user_id)
        .values("person_id")
    )
    return list(User.objects.filter(pk__in=people, is_active=True).order_by("pk"))


def _notify(person: Any, kind: str, case: SuspicionCase) -> None:
    """A neutral notification (never the person reviewed nor the reason)."""
    from forvalta.notifications.services import notify

    try:
        notify(
            person,
            kind,
            organisation=case.organisation,
            link=case.get_absolute_url(),
            obj=case,
            key=f"logreview.suspicioncase:{case.pk}:{case.status}:{person.pk}",
        )
    except Exception:  # a notification never stops the case
        logger.exception("notifying about case %s failed", case.pk)


# --- the case's steps --------------------------------------------------------------------
def case_request(
    *,
    actor: Any,
    source: LogSource,
    attestant: Any,
    recipient: Any,
    senior_manager: Any,
    reason: str = "",
) -> SuspicionCase:
    """Request a review on suspicion: only who attests, who receives the log and who
    (the reviewed person's manager's manager) will say whom it concerns."""
    case = SuspicionCase(
        organisation_id=source.organisation_id,
        source=source,
        requested_by=actor,
        attestant=attestant,
        recipient=recipient,
        senior_manager=senior_manager,
        reason=reason.strip(),
    )
    _require(actor, "logreview.add_suspicioncase", case, "request review on suspicion")
    members = set(
        member_choices([source.organisation_id])
        .filter(pk__in=[attestant.pk, recipient.pk, senior_manager.pk])
        .values_list("pk", flat=True)
    )
    if {attestant.pk, recipient.pk, senior_manager.pk} - members:
        raise ValidationError(_("The people named must be members of the organisation."))
    with transaction.atomic():
        case.save()
        record(
            actor=actor,
            action="logreview.suspicioncase.requested",
            obj=case,
            organisation=case.organisation,
            changes={
                "status": [None, case.status],
                "source": [None, source.pk],
                "attestant": [None, attestant.pk],
                "recipient": [None, recipient.pk],
                "senior_manager": [None, senior_manager.pk],
            },
        )
        _notify(senior_manager, "step_assigned", case)
    return case


def case_rename(*, actor: Any, case: SuspicionCase, **people: Any) -> SuspicionCase:
    """Name other people on the case before they act (`rules.RENAMEABLE`): `people`
    maps attestant / recipient / senior_manager / administrator to a User (None or
    absent: unchanged). Active members of the organisation only (the administrator: a
    log administrator of the system), never the person reviewed, and after the person
    is entered never the manager's manager themselves; the newly named person whose
    step the case waits on is told; the person replaced no longer sees the case."""
    from forvalta.logreview.rules import RENAMEABLE

    _require(actor, "logreview.rename_suspicioncase", case, "rename people on review")
    unknown = set(people) - {"attestant", "recipient", "senior_manager", "administrator"}
    if unknown:
        raise ValueError(f"not a named role of a case: {sorted(unknown)}")
    try:
        with transaction.atomic():
            fresh = _locked(case)
            if fresh.status != case.status or not actor.has_perm(
                "logreview.rename_suspicioncase", fresh
            ):
                raise _Refusal  # it moved on meanwhile
            allowed = RENAMEABLE.get(fresh.status, ())
            changes: dict[str, list[Any]] = {}
            for field, person in people.items():
                if person is None or getattr(fresh, f"{field}_id") == person.pk:
                    continue
                if field not in allowed:
                    raise ValidationError(_("That person can no longer be changed on this case."))
                changes[field] = [getattr(fresh, f"{field}_id"), person.pk]
            if not changes:
                return fresh
            new_ids = [pk for _old, pk in changes.values()]
            members = set(
                member_choices([fresh.organisation_id])
                .filter(pk__in=new_ids)
                .values_list("pk", flat=True)
            )
            if set(new_ids) - members:
                raise ValidationError(_("The people named must be members of the organisation."))
            if fresh.subject_user_id is not None and fresh.subject_user_id in new_ids:
                raise ValidationError(
                    _("The person reviewed cannot be one of those named on the case.")
                )
            if fresh.status != SuspicionStatus.REQUESTED and actor.pk in new_ids:
                # The manager's manager who entered the person does not also attest,
                # receive the log or take it out.
                raise ValidationError(_("You cannot name yourself on this case."))
            if "administrator" in changes and changes["administrator"][1] not in {
                p.pk for p in log_administrators(fresh)
            }:
                raise ValidationError(
                    _("The case's administrator must be a log administrator of the system.")
                )
            for field, (_old, pk) in changes.items():
                setattr(fresh, f"{field}_id", pk)
            fresh.save(update_fields=list(changes))
            record(
                actor=actor,
                action="logreview.suspicioncase.renamed",
                obj=fresh,
                organisation=fresh.organisation,
                changes=changes,
            )
            waits_on = {
                "requested": "senior_manager",
                "subject_entered": "attestant",
                "attested": "administrator",
            }.get(fresh.status)
            if waits_on in changes:
                _notify(getattr(fresh, waits_on), "step_assigned", fresh)
    except _Refusal:
        _refuse(actor, case, "rename people on review")
    return fresh


def _locked(case: SuspicionCase) -> SuspicionCase:
    return SuspicionCase.objects.select_for_update().select_related("source").get(pk=case.pk)


def subject_enter(
    *,
    actor: Any,
    case: SuspicionCase,
    subject: Any,
    account: str,
    period_from: dt.date,
    period_to: dt.date,
    administrator: Any = None,
) -> SuspicionCase:
    """The reviewed person's manager's manager enters the person, their account as
    logged and the period, and the log administrator of the case (seed 004 section 7.3;
    only that one takes out the log). Anyone else is refused, the case unchanged."""
    _require(actor, "logreview.enter_suspicion_subject", case, "enter subject of review")
    account = account.strip()
    try:
        with transaction.atomic():
            fresh = _locked(case)
            # The people named may have changed since the page was read (`case_rename`).
            if fresh.status != SuspicionStatus.REQUESTED or not actor.has_perm(
                "logreview.enter_suspicion_subject", fresh
            ):
                raise _Refusal
            if subject is None or managers_manager(fresh.organisation_id, subject.pk) != actor.pk:
                # Only the person's manager's manager, from the memberships.
                raise _Refusal
            if subject.pk in fresh.named_ids():
                raise ValidationError(
                    _("The person reviewed cannot be one of those named on the case.")
                )
            if not account or len(account) > 100:
                raise ValidationError(_("Give the person's account as it is logged."))
            if period_to < period_from:
                raise ValidationError(_("The period must end on or after its first day."))
            if period_to > today():
                raise ValidationError(_("The period cannot end in the future."))
            if period_from < dt.date(1900, 1, 1):
                raise ValidationError(_("The period cannot start before 1900."))
            too_long = period_too_long(period_from, period_to)
            if too_long is not None:
                raise too_long
            if administrator is not None and (
                administrator.pk == subject.pk
                or administrator.pk not in {p.pk for p in log_administrators(fresh)}
            ):
                raise ValidationError(
                    _("The case's administrator must be a log administrator of the system.")
                )
            fresh.administrator = administrator
            fresh.subject_user = subject
            fresh.subject_account = account
            fresh.period_from = period_from
            fresh.period_to = period_to
            fresh.entered_by = actor
            fresh.entered_at = timezone.now()
            fresh.status = SuspicionStatus.SUBJECT_ENTERED
            fresh.save()
            record(
                actor=actor,
                action="logreview.suspicioncase.subject_entered",
                obj=fresh,
                organisation=fresh.organisation,
                # The person reviewed is kept on the case only, never in the trail.
                changes={
                    "status": [SuspicionStatus.REQUESTED, SuspicionStatus.SUBJECT_ENTERED],
                    "period": [None, [period_from.isoformat(), period_to.isoformat()]],
                    "subject_sealed": [
                        None,
                        sealed(fresh.organisation_id, f"{fresh.pk}:{subject.pk}:{account}"),
                    ],
                },
            )
            _notify(fresh.attestant, "step_assigned", fresh)
    except _Refusal:
        _refuse(actor, case, "enter subject of review")
    return fresh


def case_attest(*, actor: Any, case: SuspicionCase) -> SuspicionCase:
    _require(actor, "logreview.attest_suspicioncase", case, "attest review on suspicion")
    try:
        with transaction.atomic():
            fresh = _locked(case)
            # The people named may have changed since the page was read (`case_rename`).
            if fresh.status != SuspicionStatus.SUBJECT_ENTERED or not actor.has_perm(
                "logreview.attest_suspicioncase", fresh
            ):
                raise _Refusal
            fresh.status = SuspicionStatus.ATTESTED
            fresh.attested_by = actor
            fresh.attested_at = timezone.now()
            fresh.save(update_fields=["status", "attested_by", "attested_at"])
            record(
                actor=actor,
                action="logreview.suspicioncase.attested",
                obj=fresh,
                organisation=fresh.organisation,
                changes={"status": [SuspicionStatus.SUBJECT_ENTERED, SuspicionStatus.ATTESTED]},
            )
            for person in (
                [fresh.administrator] if fresh.administrator else log_administrators(fresh)
            ):
                _notify(person, "step_assigned", fresh)
    except _Refusal:
        _refuse(actor, case, "attest review on suspicion")
    return fresh


def case_fulfil(
    *, actor: Any, case: SuspicionCase, filename: str, data: bytes, language: str = ""
) -> LogLoad:
    """A log administrator uploads the extract; the case is fulfilled when it has loaded
    (the task `load_log`, all or nothing, like every log file)."""
    from forvalta.logreview.tasks import load_log

    _require(actor, "logreview.fulfil_suspicioncase", case, "fulfil review on suspicion")
    try:
        with transaction.atomic():
            fresh = _locked(case)
            # The people named may have changed since the page was read (`case_rename`).
            if fresh.status != SuspicionStatus.ATTESTED or not actor.has_perm(
                "logreview.fulfil_suspicioncase", fresh
            ):
                raise _Refusal
            load = LogLoad.objects.create(
                organisation_id=fresh.organisation_id,
                source=fresh.source,
                case=fresh,
                kind=LoadKind.LOG,
                filename=filename[:200],
                data=data,
                language=(language or settings.LANGUAGE_CODE)[:10],
                uploaded_by=actor,
            )
            _load_event(
                actor,
                "logreview.logload.queued",
                load,
                {"case": [None, fresh.pk], "kind": [None, LoadKind.LOG]},
            )
            transaction.on_commit(partial(load_log.enqueue, load.pk))
    except _Refusal:
        _refuse(actor, case, "fulfil review on suspicion")
    return load


def case_from_store(*, actor: Any, case: SuspicionCase) -> SuspicionCase:
    """A log administrator fulfils the case from the log already stored (the source's
    full-log loads) for the account and the period."""
    _require(actor, "logreview.fulfil_suspicioncase", case, "fulfil review on suspicion")
    try:
        with transaction.atomic():
            fresh = _locked(case)
            # The people named may have changed since the page was read (`case_rename`).
            if fresh.status != SuspicionStatus.ATTESTED or not actor.has_perm(
                "logreview.fulfil_suspicioncase", fresh
            ):
                raise _Refusal
            fresh.from_store = True
            rows = extract(fresh).count()
            _fulfilled(actor, fresh, rows)
    except _Refusal:
        _refuse(actor, case, "fulfil review on suspicion")
    return fresh


def _fulfilled(actor: Any, case: SuspicionCase, rows: int) -> None:
    case.status = SuspicionStatus.FULFILLED
    case.fulfilled_by = actor
    case.fulfilled_at = timezone.now()
    case.save(update_fields=["status", "fulfilled_by", "fulfilled_at", "from_store"])
    record(
        actor=actor,
        action="logreview.suspicioncase.fulfilled",
        obj=case,
        organisation=case.organisation,
        changes={
            "status": [SuspicionStatus.ATTESTED, SuspicionStatus.FULFILLED],
            "from_store": [False, case.from_store],
            "rows": [0, rows],
        },
    )
    _notify(case.recipient, "review_waiting", case)


def run_case_load(load: LogLoad) -> str:
    """The load task's work for a case's extract (called by `services.run_load`): the
    rows, the load's status and the case's fulfilment commit together."""
    from forvalta.logreview.ingest import FileRefused, load_file

    load_id = load.pk
    actor = load.uploaded_by

    def fail(message: str) -> str:
        # The file holds full personal identity numbers: never kept once read.
        from forvalta.logreview.services import _delete_file

        LogLoad.objects.filter(pk=load_id, status=LoadStatus.QUEUED).update(
            status=LoadStatus.FAILED, error=message, finished_at=timezone.now(), data=b""
        )
        _delete_file(load)
        _load_event(
            actor,
            "logreview.logload.failed",
            load,
            {"status": [LoadStatus.QUEUED, LoadStatus.FAILED]},
        )
        return "failed"

    assert load.case_id is not None
    case = SuspicionCase.objects.select_related("source").get(pk=load.case_id)
    with translation.override(load.language or settings.LANGUAGE_CODE):
        if not actor.is_active or not actor.has_perm("logreview.fulfil_suspicioncase", case):
            return fail(_("You no longer have the right to load this log."))
        try:
            with transaction.atomic():
                # One run of a load at a time (an advisory lock, as services._run_load):
                # the load's row is not locked while the file is read, since its progress
                # is written from another connection (a row lock here waited forever).
                from forvalta.logreview.services import lock_load

                lock_load(load_id)
                fresh = LogLoad.objects.select_related("source").get(pk=load_id)
                if fresh.status != LoadStatus.QUEUED:
                    return "skipped"
                # Locked first: two extracts for one case are never both loaded.
                locked = _locked(case)
                if locked.status != SuspicionStatus.ATTESTED:
                    raise FileRefused([_("The case is no longer waiting for its extract.")])
                count = load_file(fresh)
                if LogLoad.objects.select_for_update().get(pk=load_id).status != (
                    LoadStatus.QUEUED
                ):
                    raise FileRefused([_("The file was loaded by another run.")])
                fresh.status = LoadStatus.LOADED
                fresh.row_count = count
                fresh.finished_at = timezone.now()
                fresh.data = b""
                fresh.save(update_fields=["status", "row_count", "finished_at", "data"])
                _load_event(
                    actor,
                    "logreview.logload.loaded",
                    fresh,
                    {"status": [LoadStatus.QUEUED, LoadStatus.LOADED], "rows": [0, count]},
                )
                _fulfilled(actor, locked, count)
                # The stored file holds full personal identity numbers: gone once read.
                from forvalta.logreview.services import _delete_file

                transaction.on_commit(partial(_delete_file, fresh))
        except FileRefused as exc:
            return fail("\n".join(exc.messages))
        except Exception:
            logger.exception("log load %s failed", load_id)
            return fail(_("The file could not be loaded. Check its format and load it again."))
    return "loaded"


# --- the review ----------------------------------------------------------------------------
def _period(case: SuspicionCase) -> tuple[dt.datetime, dt.datetime]:
    assert case.period_from is not None and case.period_to is not None
    start = timezone.make_aware(dt.datetime.combine(case.period_from, dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(case.period_to + dt.timedelta(days=1), dt.time.min)
    )
    return start, end


def extract(case: SuspicionCase) -> QuerySet[LogEntry]:
    """The accesses of the case's account in its period: in its uploaded extract, or
    (taken from the store) in the source's full-log loads."""
    start, end = _period(case)
    rows = LogEntry.objects.filter(
        source_id=case.source_id,
        account=case.subject_account,
        time__gte=start,
        time__lt=end,
    )
    if case.from_store:
        return rows.filter(load__case__isnull=True, load__order__isnull=True)
    return rows.filter(load__case=case)


@dataclass
class Access:
    """One access of the review (as `review.Access`, judged on the case)."""

    entry: LogEntry
    explanations: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    judgment: SuspicionJudgment | None = None

    @property
    def explained(self) -> bool:
        return bool(self.explanations) and not self.flags


@dataclass
class CaseDay:
    day: dt.date
    accesses: list[Access] = field(default_factory=list)

    @property
    def clients(self) -> int:
        return len({a.entry.client_hash for a in self.accesses})

    @property
    def explained(self) -> list[Access]:
        return [a for a in self.accesses if a.explained]

    @property
    def unexplained(self) -> list[Access]:
        return [a for a in self.accesses if not a.explained]


@dataclass
class CaseReview:
    case: SuspicionCase
    days: list[CaseDay]
    outcome: SuspicionOutcome | None

    @property
    def accesses(self) -> list[Access]:
        return [a for d in self.days for a in d.accesses]

    @property
    def total(self) -> int:
        return len(self.accesses)

    @property
    def explained_count(self) -> int:
        return sum(1 for a in self.accesses if a.explained)

    @property
    def explained_percent(self) -> int:
        return round(100 * self.explained_count / self.total) if self.total else 0

    @property
    def waiting(self) -> int:
        return sum(1 for a in self.accesses if not a.explained and a.judgment is None)

    def access(self, entry_id: int) -> Access | None:
        return next((a for a in self.accesses if a.entry.pk == entry_id), None)


REVIEW_PAGE_SIZE = 50  # accesses per page of the review


def page_days(review: CaseReview, accesses: list[Access]) -> list[tuple[CaseDay, CaseDay]]:
    """A page's accesses grouped by day: (the whole day, the day's part on the page). The
    day's counts are the whole day's; a day may continue on the next page."""
    on_page = {id(a) for a in accesses}
    pairs = []
    for day in review.days:
        part = [a for a in day.accesses if id(a) in on_page]
        if part:
            pairs.append((day, CaseDay(day.day, part)))
    return pairs


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def build(case: SuspicionCase) -> CaseReview:
    """Every access of the account in the period with the explanations and flags of the
    systematic review (seed 004 7.4 as 6.4; the peer comparison needs peers and is left
    out). A fixed number of queries. The caller has read the case through `visible_to`
    and checked `logreview.view_suspicion_review`."""
    source = case.source
    outcome = SuspicionOutcome.objects.filter(case_id=case.pk).select_related("reviewer").first()
    entries = list(extract(case).order_by("time", "pk"))
    by_day: dict[dt.date, CaseDay] = {}
    for entry in entries:
        day = timezone.localtime(entry.time).date()
        by_day.setdefault(day, CaseDay(day)).accesses.append(Access(entry))
    hashes = sorted({e.client_hash for e in entries})
    placements: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
    officers: dict[tuple[str, str], list[tuple[Any, Any]]] = defaultdict(list)
    protected: set[str] = set()
    coworkers: dict[str, set[str]] = defaultdict(set)
    # Derived server-side: the reviewer sees the explanations, never the reference rows.
    for ref in ReferenceRow.objects.filter(source=source, client_hash__in=hashes):
        if ref.kind == LoadKind.PLACEMENTS:
            placements[ref.client_hash].append((ref.unit.casefold(), ref.valid_from, ref.valid_to))
        elif ref.kind == LoadKind.ASSIGNMENTS:
            officers[(ref.client_hash, ref.account)].append((ref.valid_from, ref.valid_to))
        elif ref.kind == LoadKind.PROTECTED:
            protected.add(ref.client_hash)
        elif ref.kind == LoadKind.EMPLOYEES:
            coworkers[ref.client_hash].add(ref.account)
    judgments = {
        j.entry_id: j
        for j in SuspicionJudgment.objects.filter(case_id=case.pk).select_related("judged_by")
    }
    hours = SourceHours(source)
    for slot in by_day.values():
        for access in slot.accesses:
            entry = access.entry
            local = timezone.localtime(entry.time)
            unit = entry.unit.casefold()
            if unit and any(
                u == unit and _within(slot.day, start, end)
                for u, start, end in placements.get(entry.client_hash, [])
            ):
                access.explanations.append(_("The client was placed in the employee's unit"))
            if any(
                _within(slot.day, start, end)
                for start, end in officers.get((entry.client_hash, entry.account), [])
            ):
                access.explanations.append(_("The employee was the client's case officer"))
            if entry.client_hash in protected:
                access.flags.append(_("Protected identity"))
            flag = coworker_flag(coworkers.get(entry.client_hash), entry.account)
            if flag:
                access.flags.append(flag)
            if entry.client_surname and entry.client_surname == surname_hash(
                case.organisation_id, entry.employee_name
            ):
                access.flags.append(_("Same surname as the employee"))
            closed = hours.flag(local, (entry.unit,))
            if closed:
                access.flags.append(closed)
            access.judgment = judgments.get(entry.pk)
    return CaseReview(case, sorted(by_day.values(), key=lambda d: d.day), outcome)


def judge(
    *, actor: Any, case: SuspicionCase, entry_id: int, verdict: str, comment: str
) -> SuspicionJudgment:
    """The recipient judges one access not explained automatically."""
    _require(actor, "logreview.review_suspicioncase", case, "judge access")
    comment = comment.strip()
    if verdict not in Verdict.values:
        raise ValidationError(_("Choose a judgment."))
    if not comment:
        raise ValidationError(_("Write a comment on the judgment."))
    try:
        with transaction.atomic():
            fresh = _locked(case)
            if fresh.status != SuspicionStatus.FULFILLED:
                raise _Refusal
            access = build(fresh).access(entry_id)
            if access is None or access.explained:
                raise ValidationError(
                    _("The access is not one of the review's unexplained accesses.")
                )
            judgment = access.judgment
            if (
                judgment is not None
                and verdict != judgment.verdict
                and UnauthorisedAccess.objects.filter(suspicion_judgments=judgment).exists()
            ):
                raise ValidationError(_("The access is in a follow-up of unauthorised access."))
            before = [judgment.verdict, judgment.comment] if judgment else [None, None]
            if judgment is None:
                judgment = SuspicionJudgment(
                    organisation_id=fresh.organisation_id, case=fresh, entry_id=entry_id
                )
            judgment.verdict = verdict
            judgment.comment = comment
            judgment.judged_by = actor
            judgment.save()
            record(
                actor=actor,
                action="logreview.suspicionjudgment.made",
                obj=judgment,
                organisation=fresh.organisation,
                # The comment only sealed: the trail's readers are not named on the case.
                changes={
                    "entry": [None, entry_id],
                    "verdict": [before[0], verdict],
                    "comment_sealed": [
                        sealed(fresh.organisation_id, before[1]) if before[1] else None,
                        sealed(fresh.organisation_id, comment),
                    ],
                },
            )
    except _Refusal:
        _refuse(actor, case, "judge access")
    assert judgment is not None
    return judgment


def document(
    *,
    actor: Any,
    case: SuspicionCase,
    completed_on: dt.date,
    persons_reviewed: int,
    logs_reviewed: int,
    with_remark: bool,
    incident_reported: bool,
    incident_persons: int | None,
) -> SuspicionOutcome:
    """Document the review (seed 004 section 7.5); immutable once made."""
    _require(actor, "logreview.review_suspicioncase", case, "document review on suspicion")
    if incident_reported and not incident_persons:
        raise ValidationError(_("Give for how many persons the incident was reported."))
    if not incident_reported:
        incident_persons = None
    try:
        with transaction.atomic():
            fresh = _locked(case)
            if fresh.status != SuspicionStatus.FULFILLED:
                raise _Refusal
            waiting = build(fresh).waiting
            if waiting:
                raise ValidationError(
                    _("%(count)s unexplained accesses still lack a judgment.") % {"count": waiting}
                )
            outcome = SuspicionOutcome.objects.create(
                organisation_id=fresh.organisation_id,
                case=fresh,
                completed_on=completed_on,
                reviewer=actor,
                persons_reviewed=persons_reviewed,
                logs_reviewed=logs_reviewed,
                with_remark=with_remark,
                incident_reported=incident_reported,
                incident_persons=incident_persons,
            )
            fresh.status = SuspicionStatus.DOCUMENTED
            fresh.save(update_fields=["status"])
            record(
                actor=actor,
                action="logreview.suspicioncase.documented",
                obj=fresh,
                organisation=fresh.organisation,
                changes={
                    "status": [SuspicionStatus.FULFILLED, SuspicionStatus.DOCUMENTED],
                    "completed_on": [None, completed_on.isoformat()],
                    "persons_reviewed": [None, persons_reviewed],
                    "logs_reviewed": [None, logs_reviewed],
                    "with_remark": [None, with_remark],
                    "incident_reported": [None, incident_reported],
                    "incident_persons": [None, incident_persons],
                },
            )
    except _Refusal:
        _refuse(actor, case, "document review on suspicion")
    return outcome


__all__ = [
    "build",
    "case_attest",
    "case_from_store",
    "case_fulfil",
    "case_request",
    "document",
    "judge",
    "managers_manager",
    "run_case_load",
    "sealed",
    "subject_choices",
    "subject_enter",
]


def what_user_sees(user: Any, case: SuspicionCase) -> dict[str, bool]:
    """Need to know within the case: the named see the case and its reason; the person
    reviewed is shown to the manager's manager (who entered it), to the log
    administrators once attested (to take the extract out) and to the recipient once the
    extract is there (to review it); never to the requester or the attestant as such.
    The period also to the attestant (what they attest). A log administrator not named
    sees only what fulfilling needs: the source, the person, the account, the period."""
    named = user.pk in case.named_ids()
    administers = user.has_perm("logreview.administer_suspicioncase", case)
    reviewing = case.recipient_id == user.pk and case.status in (
        SuspicionStatus.FULFILLED,
        SuspicionStatus.DOCUMENTED,
    )
    subject = case.subject_user_id is not None and (
        case.senior_manager_id == user.pk or administers or reviewing
    )
    return {
        "named": named,
        "administers": administers,
        "subject": subject,
        "period": case.period_from is not None and (subject or case.attestant_id == user.pk),
    }
