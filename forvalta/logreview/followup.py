"""Unauthorised access follow-up (seed 004 sections 8-9): the services.

When a reviewer judges that an employee handled a client's data without an acceptable
explanation ("needs follow-up"), the order's recipient (the unit manager) or the
controller opens a follow-up of that account (`open_followup`); in a review on
suspicion (seed 004 section 7) the case's recipient does (`open_case_followup`), and
the follow-up then stays within the case's need to know (scoping.py). Opening it always
reports a personal-data incident in the compliance part (section 9: "oavsett om
tillgången varit avsiktlig eller ej"), whose 72-hour IMY deadline runs from the
follow-up's awareness time. The decisions of section 8 are then documented one by one
(`decide`), each with who and when: removing the access at once (yes makes a removal
request in the access part, decided by the object or system owner like any request),
training, that the rules are known, whether it was intentional, contacting the process
owner (yes notifies the system's process owners), labour-law measures and a police
report. The controller closes it (`close`) once every decision is documented (from a
review on suspicion: the reviewed person's manager's manager named on the case); a
closed follow-up is immutable.

Every write checks its `rules` permission and records its audit event in the same
transaction (`logreview.followup.opened` / `.decided` / `.closed`); a refusal records
`access.denied`, raises `PermissionDenied` and changes nothing.

The organisation's audit readers are not among those who may know whose access is
followed up: the events carry the account, the person's name and every comment only
sealed (`identity.sealed`, a keyed digest that proves what was written without showing
it), the account as `"<follow-up id>:<account>"` so that two follow-ups of one account
cannot be linked through the trail. The follow-up's page shows them to those allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, record
from forvalta.audit.services import snapshot as audit_snapshot
from forvalta.logreview.identity import sealed
from forvalta.logreview.models import (
    DecisionKind,
    ExtractOrder,
    FollowUpDecision,
    FollowUpStatus,
    Judgment,
    SuspicionCase,
    SuspicionJudgment,
    UnauthorisedAccess,
    Verdict,
)
from forvalta.logreview.services import deny


class _Refusal(Exception):
    """Raised inside a transaction: it rolls back, then the refusal is recorded."""


OWNERS = ("object_owner", "system_owner")
PROCESS_OWNER = ("process_owner",)


def _stored_text() -> Any:
    """Texts stored for others (the incident, the request) in the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


def _check_aware_at(aware_at: dt.datetime | None, earliest: dt.date, message: str) -> dt.datetime:
    """The awareness time (now unless given): not in the future, not before the
    reviewed period's first day (`message` says which)."""
    now = timezone.now()
    aware_at = aware_at or now
    if aware_at > now:
        raise ValidationError({"aware_at": _("The awareness time cannot be in the future.")})
    if aware_at.date() < earliest:
        raise ValidationError({"aware_at": message})
    return aware_at


@dataclass
class _Origin:
    """Where a follow-up is opened from: a quarterly review's order (`order`, its
    `judgments`) or a review on suspicion (`case`, its `suspicion_judgments`)."""

    field: str  # "order" or "case"
    obj: ExtractOrder | SuspicionCase
    judgments_field: str  # "judgments" or "suspicion_judgments"
    judgments: list[Any]
    clients: int  # distinct clients of the judged accesses
    unit: str  # the review's unit(s), as the incident names them
    month: str  # the month(s) reviewed, as the incident names them
    readers: list[Any]  # the incident's readers besides its reporter


def _create(
    actor: Any,
    origin: _Origin,
    *,
    system: Any,
    account: str,
    employee_name: str,
    aware_at: dt.datetime,
) -> UnauthorisedAccess:
    """The follow-up, its personal-data incident and its audit event (the caller holds
    the origin's row lock and has checked the permission): one path for both origins,
    so the incident's text and the event are written once."""
    from forvalta.compliance.services import incident_create

    organisation = origin.obj.organisation
    followup = UnauthorisedAccess.objects.create(
        organisation_id=organisation.pk,
        system_id=system.pk,
        account=account,
        employee_name=employee_name,
        aware_at=aware_at,
        opened_by=actor,
        **{origin.field: origin.obj},
    )
    getattr(followup, origin.judgments_field).set(origin.judgments)
    with _stored_text():
        title = _("Unauthorised access in %(system)s (log review)") % {"system": system}
        # The same text whatever the origin: the incident's readers (the data protection
        # contacts) learn neither that a review on suspicion was made nor why.
        what = _(
            "The log review of %(unit)s %(month)s found that the account %(account)s "
            "handled personal data without an acceptable explanation: %(accesses)s "
            "accesses to %(clients)s persons. Follow-up: %(link)s"
        ) % {
            "unit": origin.unit,
            "month": origin.month,
            "account": account,
            "accesses": len(origin.judgments),
            "clients": origin.clients,
            "link": followup.get_absolute_url(),
        }
    incident = incident_create(
        actor=actor,
        organisation=organisation,
        title=title[:200],
        aware_at=aware_at,
        system=system,
        what_happened=what,
        subjects_count=origin.clients,
        records_count=len(origin.judgments),
        sensitive_data=True,
        readers=[p for p in origin.readers if p is not None and p.pk != actor.pk],
        # The person reviewed on suspicion never learns of it here, even as the
        # organisation's data protection contact.
        withheld_from=[
            person for person in [getattr(origin.obj, "subject_user", None)] if person is not None
        ],
        # The text names the account: the audit trail (read by the organisation's
        # administrators) holds it only sealed.
        seal_changes=lambda changes: _sealed_changes(organisation.pk, changes, "what_happened"),
    )
    followup.incident = incident
    followup.save(update_fields=["incident"])
    record(
        actor=actor,
        action="logreview.followup.opened",
        obj=followup,
        organisation=organisation,
        changes={
            origin.field: [None, origin.obj.pk],
            "account_sealed": [None, sealed_account(followup)],
            origin.judgments_field: [None, sorted(j.pk for j in origin.judgments)],
            "aware_at": [None, aware_at.isoformat()],
            "incident": [None, incident.pk],
        },
    )
    return followup


def open_followup(
    *, actor: Any, judgment: Judgment, aware_at: dt.datetime | None = None
) -> UnauthorisedAccess:
    """Open the follow-up of the judged access's account in the order (with every
    needs-follow-up judgment of that account in it) and report the personal-data
    incident, aware at `aware_at` (now unless given)."""
    if not actor.has_perm("logreview.open_unauthorisedaccess", judgment):
        deny(actor, judgment.order, "open follow-up")
    aware_at = _check_aware_at(
        aware_at,
        judgment.order.month.replace(day=1),
        _("The awareness time cannot be before the month reviewed."),
    )
    # The judged access's raw row may be disposed of (store.dispose_expired): its account
    # and client are then read from the judgment's copy.
    account = judgment.entry.account if judgment.entry else judgment.access_account
    with transaction.atomic():
        order = (
            ExtractOrder.objects.select_for_update(of=("self",))
            .select_related("round__schedule__source__system", "organisation")
            .get(pk=judgment.order_id)
        )
        if UnauthorisedAccess.objects.filter(order=order, account=account).exists():
            raise ValidationError(_("A follow-up of this account is already open for the order."))
        judgments = list(
            Judgment.objects.filter(
                order=order, verdict=Verdict.FOLLOW_UP, entry__account=account
            ).select_related("entry")
        )
        origin = _Origin(
            field="order",
            obj=order,
            judgments_field="judgments",
            judgments=judgments,
            clients=len({j.entry.client_hash if j.entry else j.access_client for j in judgments}),
            unit=order.drawn_unit.unit_name,
            month=f"{order.month:%Y-%m}",
            readers=[order.recipient],
        )
        return _create(
            actor,
            origin,
            system=order.round.schedule.source.system,
            account=account,
            employee_name=judgment.entry.employee_name if judgment.entry else "",
            aware_at=aware_at,
        )


def _months(times: list[dt.datetime]) -> str:
    """The month, or the first and last month, of the accesses (local time)."""
    if not times:
        return ""
    first, last = (timezone.localtime(t) for t in (min(times), max(times)))
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m} – {last:%Y-%m}"


def _disposed() -> ValidationError:
    """A case judgment's raw row was disposed of after the retention time
    (store.dispose_expired): no follow-up is opened from it."""
    return ValidationError(
        _("The access has been disposed of; a follow-up can no longer be opened from it.")
    )


def open_case_followup(
    *, actor: Any, judgment: SuspicionJudgment, aware_at: dt.datetime | None = None
) -> UnauthorisedAccess:
    """Open the follow-up of a review on suspicion (seed 004 sections 7-8): by the case's
    recipient, from a needs-follow-up judgment once the extract is there, with every
    needs-follow-up judgment of that account in the case; reports the personal-data
    incident as `open_followup` does. Once per case and account."""
    case = judgment.case
    if not actor.has_perm("logreview.open_unauthorisedaccess", judgment):
        deny(actor, case, "open follow-up")
    assert case.period_from is not None  # entered before the case could be fulfilled
    aware_at = _check_aware_at(
        aware_at,
        case.period_from,
        _("The awareness time cannot be before the period reviewed."),
    )
    if judgment.entry is None:
        raise _disposed()
    account = judgment.entry.account
    try:
        with transaction.atomic():
            locked = (
                # The case's row only: the organisation, its system and the people
                # are read, never locked (every write naming them would wait).
                SuspicionCase.objects.select_for_update(of=("self",))
                .select_related("source__system", "organisation", "recipient")
                .get(pk=case.pk)
            )
            # Every step re-checks on the locked case and the judgment as it is now.
            fresh = SuspicionJudgment.objects.select_related("entry").get(pk=judgment.pk)
            fresh.case = locked
            if not actor.has_perm("logreview.open_unauthorisedaccess", fresh):
                raise _Refusal
            if UnauthorisedAccess.objects.filter(case=locked, account=account).exists():
                raise ValidationError(
                    _("A follow-up of this account is already open for the review on suspicion.")
                )
            judgments = list(
                SuspicionJudgment.objects.filter(
                    # (an access already disposed of by its kept account)
                    Q(entry__account=account) | Q(entry__isnull=True, access_account=account),
                    case=locked,
                    verdict=Verdict.FOLLOW_UP,
                )
                .select_related("entry")
                .order_by("pk")
            )
            entries = [j.entry for j in judgments if j.entry is not None]
            if fresh.entry is None:
                raise _disposed()
            origin = _Origin(
                field="case",
                obj=locked,
                judgments_field="suspicion_judgments",
                judgments=judgments,
                clients=len({e.client_hash for e in entries}),
                # The units the accesses were logged under (as a quarterly review names
                # its unit), else the log source.
                unit=", ".join(sorted({e.unit for e in entries if e.unit}))[:200]
                or locked.source.name,
                month=_months([e.time for e in entries]),
                # The manager's manager closes the follow-up: they read the incident too.
                readers=[locked.recipient, locked.senior_manager],
            )
            return _create(
                actor,
                origin,
                system=locked.source.system,
                account=account,
                employee_name=fresh.entry.employee_name,
                aware_at=aware_at,
            )
    except _Refusal:
        # Recorded outside the rolled-back transaction.
        deny(actor, case, "open follow-up")
        raise  # pragma: no cover (deny raises)


def _sealed_changes(organisation_id: int, changes: dict[str, Any], *names: str) -> dict[str, Any]:
    """An event's changes with the named fields' values only sealed (`<name>_sealed`)."""
    for name in names:
        change = changes.pop(name, None)
        if change is not None:
            changes[f"{name}_sealed"] = [_sealed_text(organisation_id, v) for v in change]
    return changes


# The free texts of a follow-up's incident and of its reports to IMY: its description
# names the account, and what is written later is about the same person.
INCIDENT_SEALED_FIELDS = (
    "what_happened",
    "likely_consequences",
    "measures_taken",
    "measures_planned",
    "subjects_not_informed_reason",
    "decision_reason",  # the decision whether to notify IMY
    "content",  # a report to IMY
    "delay_reason",
)


def seal_incident_changes(incident: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """An edit of a follow-up's incident, its decision on notifying IMY and its reports
    (compliance.services) hold their free texts in the audit trail only sealed, as the
    incident's creation does."""
    # scoping: allowed whether the incident is a follow-up's; nothing of it is shown
    if UnauthorisedAccess.objects.filter(incident_id=incident.pk).exists():
        return _sealed_changes(incident.organisation_id, changes, *INCIDENT_SEALED_FIELDS)
    return changes


def sealed_account(followup: UnauthorisedAccess) -> str:
    """The follow-up's account as the audit trail holds it."""
    return sealed(followup.organisation_id, f"{followup.pk}:{followup.account}")


def _sealed_text(organisation_id: int, text: str | None) -> str | None:
    return sealed(organisation_id, text) if text else None


def _removal_request(actor: Any, followup: UnauthorisedAccess, comment: str) -> Any:
    """A removal request in the access part for the account's roles (from the latest
    imported list of the system's accounts), decided by the object or system owner."""
    from forvalta.access.models import (
        AccessRequest,
        Account,
        RequestKind,
        RequestStatus,
        Snapshot,
        SnapshotStatus,
    )
    from forvalta.access.services import role_holders
    from forvalta.notifications.services import notify

    latest = (
        Snapshot.objects.filter(
            organisation_id=followup.organisation_id,
            system_id=followup.system_id,
            status=SnapshotStatus.DONE,
        )
        .order_by("-taken_on", "-pk")
        .first()
    )
    account = (
        Account.objects.filter(snapshot=latest, account_id__iexact=followup.account)
        .order_by("pk")
        .first()
        if latest is not None
        else None
    )
    with _stored_text():
        roles = (
            account.roles.replace("|", ", ")
            if account is not None and account.roles
            else _("All roles of the account")
        )
        if followup.case_id:
            # A review on suspicion is need to know: the request (seen by the system's
            # access staff and the person) says neither why nor where it comes from.
            reason = _("Access removed at once by decision of the management.")
        else:
            reason = _("Unauthorised access found in the log review (%(link)s): %(comment)s") % {
                "link": followup.get_absolute_url(),
                "comment": comment,
            }
    request = AccessRequest.objects.create(
        organisation_id=followup.organisation_id,
        system_id=followup.system_id,
        kind=RequestKind.REMOVE,
        person_id=account.person_id if account is not None else None,
        account_id=followup.account,
        person_name=(account.name if account is not None and account.name else "")
        or followup.employee_name,
        roles=roles[:300],
        reason=reason,
        named_by_number=True,
        status=RequestStatus.REQUESTED,
        requested_by=actor,
    )
    record(
        actor=actor,
        action="access.accessrequest.created",
        obj=request,  # named by its number (`named_by_number`), never the person
        organisation=followup.organisation,
        changes={**_sealed_request(request, followup), "followup": [None, followup.pk]},
    )
    for owner in role_holders(followup.organisation, followup.system, OWNERS):
        if owner.pk not in (actor.pk, _subject_id(followup)):
            notify(
                owner,
                "decision_waiting",
                organisation=followup.organisation,
                link=request.get_absolute_url(),
                obj=request,
            )
    return request


def _sealed_request(request: Any, followup: UnauthorisedAccess) -> dict[str, list[Any]]:
    """The removal request's created event: the account, the name and the reason (which
    holds the decision's comment) only sealed; the other fields as for any request."""
    changes = diff({}, audit_snapshot(request))
    org = followup.organisation_id
    for name, sealed_value in (
        ("account_id", sealed_account(followup)),
        ("person_name", _sealed_text(org, f"{followup.pk}:{request.person_name}")),
        ("reason", _sealed_text(org, request.reason)),
    ):
        if changes.pop(name, None) is not None:
            changes[f"{name}_sealed"] = [None, sealed_value]
    if changes.pop("person", None) is not None and request.person_id:
        changes["person_sealed"] = [None, sealed(org, f"{followup.pk}:{request.person_id}")]
    return changes


def _subject_id(followup: UnauthorisedAccess) -> int | None:
    """The person reviewed on suspicion (a case's follow-up), else None."""
    case = followup.case
    return case.subject_user_id if case is not None else None


def _escalate(actor: Any, followup: UnauthorisedAccess) -> list[int]:
    """Tell the system's process owners (of the organisation); returns who."""
    from forvalta.access.services import role_holders
    from forvalta.notifications.services import notify

    # Never the person reviewed on suspicion, even as the process owner.
    owners = [
        owner
        for owner in role_holders(followup.organisation, followup.system, PROCESS_OWNER)
        if owner.pk != _subject_id(followup)
    ]
    if not owners:
        raise ValidationError(
            _("The organisation has no process owner of the system to escalate to.")
        )
    followup.escalated_to.set(owners)
    for owner in owners:
        notify(
            owner,
            "unauthorised_access_escalated",
            organisation=followup.organisation,
            link=followup.get_absolute_url(),
            obj=followup,
        )
    return [o.pk for o in owners]


def decide(
    *, actor: Any, followup: UnauthorisedAccess, kind: str, answer: bool, comment: str
) -> FollowUpDecision:
    """Document one decision (yes or no, with a comment); it can be changed until the
    follow-up is closed, except that a removal request once made stays made."""
    if not actor.has_perm("logreview.decide_unauthorisedaccess", followup):
        deny(actor, followup, "decide")
    comment = (comment or "").strip()
    if kind not in DecisionKind.values:
        raise ValidationError(_("Choose a decision."))
    if not comment:
        raise ValidationError(_("Write a comment on the decision."))
    try:
        with transaction.atomic():
            fresh = (
                UnauthorisedAccess.objects.select_for_update(of=("self",))
                .select_related("organisation", "system")
                .get(pk=followup.pk)
            )
            if fresh.status != FollowUpStatus.OPEN:
                raise _Refusal
            decision = FollowUpDecision.objects.filter(followup=fresh, kind=kind).first()
            before = [decision.answer, decision.comment] if decision else [None, None]
            if kind == DecisionKind.REMOVE_ACCESS and fresh.removal_request_id and not answer:
                raise ValidationError(
                    _("The removal request has been made; it is decided in the access part.")
                )
            if decision is None:
                decision = FollowUpDecision(followup=fresh, kind=kind)
            decision.answer = answer
            decision.comment = comment
            decision.decided_by = actor
            decision.decided_at = timezone.now()
            decision.save()
            changes: dict[str, Any] = {
                "kind": [None, kind],
                "answer": [before[0], answer],
                "comment_sealed": [
                    _sealed_text(fresh.organisation_id, str(before[1] or "")),
                    sealed(fresh.organisation_id, comment),
                ],
            }
            if kind == DecisionKind.REMOVE_ACCESS and answer and not fresh.removal_request_id:
                request = _removal_request(actor, fresh, comment)
                fresh.removal_request = request
                fresh.save(update_fields=["removal_request"])
                changes["removal_request"] = [None, request.pk]
            if kind == DecisionKind.ESCALATION:
                # scoping: allowed the follow-up's own escalation, read to record its change
                escalated = sorted(fresh.escalated_to.values_list("pk", flat=True))
                if answer and not escalated:
                    changes["escalated_to"] = [None, _escalate(actor, fresh)]
                elif not answer and escalated:
                    # Not escalated after all: the process owners no longer need to know.
                    fresh.escalated_to.clear()
                    changes["escalated_to"] = [escalated, []]
            record(
                actor=actor,
                action="logreview.followup.decided",
                obj=fresh,
                organisation=fresh.organisation,
                changes=changes,
            )
    except _Refusal:
        # Recorded outside the rolled-back transaction.
        deny(actor, followup, "decide")
    assert decision is not None
    return decision


def missing_decisions(followup: UnauthorisedAccess) -> list[str]:
    documented = set(
        FollowUpDecision.objects.filter(followup=followup).values_list("kind", flat=True)
    )
    return [str(label) for value, label in DecisionKind.choices if value not in documented]


def close(*, actor: Any, followup: UnauthorisedAccess) -> UnauthorisedAccess:
    """The controller (from a review on suspicion: the case's manager's manager) closes
    the follow-up once every decision is documented (an intentional access must have
    been escalated to the process owner)."""
    if not actor.has_perm("logreview.close_unauthorisedaccess", followup):
        deny(actor, followup, "close")
    try:
        with transaction.atomic():
            fresh = UnauthorisedAccess.objects.select_for_update().get(pk=followup.pk)
            if fresh.status != FollowUpStatus.OPEN:
                raise _Refusal
            missing = missing_decisions(fresh)
            if missing:
                raise ValidationError(
                    _("Document every decision before closing: %(missing)s")
                    % {"missing": ", ".join(str(m) for m in missing)}
                )
            answers = dict(
                FollowUpDecision.objects.filter(followup=fresh).values_list("kind", "answer")
            )
            if answers[DecisionKind.INTENTIONAL] and not answers[DecisionKind.ESCALATION]:
                raise ValidationError(
                    _("An intentional access is escalated to the process owner (section 8).")
                )
            fresh.status = FollowUpStatus.CLOSED
            fresh.closed_by = actor
            fresh.closed_at = timezone.now()
            fresh.save(update_fields=["status", "closed_by", "closed_at"])
            record(
                actor=actor,
                action="logreview.followup.closed",
                obj=fresh,
                organisation=fresh.organisation,
                changes={"status": [FollowUpStatus.OPEN, FollowUpStatus.CLOSED]},
            )
    except _Refusal:
        deny(actor, followup, "close")
    return fresh


def reported_persons(order: ExtractOrder, user: Any) -> int | None:
    """For the review's documentation: the persons of the incidents its follow-ups
    reported (distinct clients), or None when none was reported."""
    followups = UnauthorisedAccess.objects.visible_to(user).filter(
        order=order, incident__isnull=False
    )
    if not followups.exists():
        return None
    return (
        Judgment.objects.filter(followups__in=followups)
        .values("entry__client_hash")
        .distinct()
        .count()
    )


def outcome_initial(order: ExtractOrder, user: Any) -> dict[str, Any]:
    """The documentation form's "personal-data incident reported", prefilled."""
    persons = reported_persons(order, user)
    if persons is None:
        return {}
    return {"incident_reported": "1", "incident_persons": persons}


def case_outcome_initial(case: SuspicionCase, user: Any) -> dict[str, Any]:
    """A review on suspicion's documentation (seed 004 section 7.5): "personal-data
    incident reported" prefilled when a follow-up of the case reported one, for the
    distinct clients of its judgments."""
    followups = UnauthorisedAccess.objects.visible_to(user).filter(
        case=case, incident__isnull=False
    )
    if not followups.exists():
        return {}
    persons = (
        SuspicionJudgment.objects.filter(followups__in=followups)
        .values("entry__client_hash")
        .distinct()
        .count()
    )
    return {"incident_reported": "1", "incident_persons": persons}
