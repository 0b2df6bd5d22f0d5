"""Every write of compliance: checks the rule, saves, records the audit event."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, record, snapshot
from forvalta.compliance.models import (
    AnalysisStatus,
    AnnualReport,
    ArchiveDocumentation,
    Classification,
    ClassificationAction,
    ClassificationLevelName,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    IncidentReport,
    IncidentStatus,
    LegalAct,
    LegalRequirement,
    NotifyDecision,
    OccurrenceStatus,
    PersonalDataIncident,
    ReportKind,
    RetentionRule,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.compliance.roles import DATA_PROTECTION_CONTACT, people_holding
from forvalta.core.controls import control_fulfilled
from forvalta.core.models import today
from forvalta.core.services import crud_services, model_create, model_update
from forvalta.core.tenancy import forget_scope
from forvalta.notifications.services import notify

controldefinition_create, controldefinition_update, controldefinition_delete = crud_services(
    ControlDefinition
)
classification_update, classification_delete = crud_services(Classification)[1:]
(
    classificationaction_create,
    classificationaction_update,
    classificationaction_delete,
) = crud_services(ClassificationAction)
(
    classificationlevelname_create,
    classificationlevelname_update,
    classificationlevelname_delete,
) = crud_services(ClassificationLevelName)


def classification_create(*, actor: Any, data: dict[str, Any]) -> Classification:
    """Classify: recorded as classified by the actor (today unless given)."""
    values = {**data, "classified_by": actor}
    values.setdefault("classified_on", None)
    if values["classified_on"] is None:
        values["classified_on"] = today()
    with transaction.atomic():
        classification = model_create(actor=actor, model=Classification, data=values)
        control_fulfilled.send(
            sender=Classification,
            kind="classification_review",
            organisation=classification.organisation,
            target=classification.system,
            on=classification.classified_on,
            evidence=classification,
        )
    return classification


def _refuse(actor: Any, obj: Any, verb: str, model: Any = None) -> None:
    forget_scope(actor)
    target = obj if obj is not None else (model() if model is not None else None)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and obj.pk else None,
        object_type=object_type_of(target) if target is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


# --- personal-data incidents ----------------------------------------------------------------
INCIDENT_FIELDS = {f.name for f in PersonalDataIncident._meta.concrete_fields} - {
    "id",
    "created_at",
    "updated_at",
    "reporter",
    "reported_at",
    "status",
    "decision",
    "decision_reason",
    "decided_by",
    "decided_at",
}


def incident_contacts(incident: PersonalDataIncident) -> list[Any]:
    """The data protection contacts who handle the incident: the organisation's, except
    those it is withheld from."""
    withheld = set(incident.withheld_from.values_list("pk", flat=True)) if incident.pk else set()
    return [
        person
        for person in people_holding(DATA_PROTECTION_CONTACT, incident.organisation_id)
        if person.pk not in withheld
    ]


def incident_create(
    *,
    actor: Any,
    organisation: Any = None,
    data: dict[str, Any] | None = None,
    seal_changes: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    **fields: Any,
) -> PersonalDataIncident:
    """Report a personal-data incident of `organisation` (the actor must be a member);
    the organisation's data protection contacts are told. Other parts (log review) call
    this with the incident's fields as keyword arguments, `withheld_from` for the people
    who must neither read nor be told of it (the person reviewed on suspicion), and
    `seal_changes` to replace what the audit event must not hold in clear (the log
    review's account)."""
    values = {**(data or {}), **fields}
    if organisation is not None:
        values["organisation"] = organisation
    readers = values.pop("readers", None) or []
    withheld_from = values.pop("withheld_from", None) or []
    unknown = set(values) - INCIDENT_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    incident = PersonalDataIncident(reporter=actor, **values)
    if not actor.has_perm("compliance.add_personaldataincident", incident):
        _refuse(actor, None, "create", PersonalDataIncident)
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        if readers:
            incident.readers.set(readers)
        if withheld_from:
            incident.withheld_from.set(withheld_from)
        record(
            actor=actor,
            action="compliance.personaldataincident.created",
            obj=incident,
            # Whom it is withheld from is not told to the trail's readers either.
            changes=(seal_changes or (lambda c: c))(
                {k: v for k, v in diff({}, snapshot(incident)).items() if k != "withheld_from"}
            ),
        )
        for person in incident_contacts(incident):
            if person.pk == actor.pk:
                continue
            notify(
                person,
                "incident_reported",
                organisation=incident.organisation,
                link=incident.get_absolute_url(),
                obj=incident,
            )
    forget_scope(actor)
    return incident


def _require_open(incident: PersonalDataIncident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError(_("The incident is closed and can no longer be changed."))


# How other parts keep an incident's changes out of the audit trail in clear: called with
# the incident and the changes of an event of it (an edit, the decision on notifying IMY,
# a report to IMY), each returns them with what must be sealed sealed
# (the log review: the text of a follow-up's incident names the account). Registered in
# the other part's AppConfig.ready, so that compliance imports none of them.
ChangeSealer = Callable[[PersonalDataIncident, dict[str, Any]], dict[str, Any]]
_CHANGE_SEALERS: list[ChangeSealer] = []


def register_change_sealer(sealer: ChangeSealer) -> None:
    if sealer not in _CHANGE_SEALERS:
        _CHANGE_SEALERS.append(sealer)


def _sealed(incident: PersonalDataIncident, changes: dict[str, Any]) -> dict[str, Any]:
    for sealer in _CHANGE_SEALERS:
        changes = sealer(incident, changes)
    return changes


def incident_update(
    *, actor: Any, instance: PersonalDataIncident, data: dict[str, Any]
) -> PersonalDataIncident:
    if not actor.has_perm("compliance.change_personaldataincident", instance):
        _refuse(actor, instance, "update")
    _require_open(instance)
    data = {k: v for k, v in data.items() if k in INCIDENT_FIELDS | {"readers"}}
    return model_update(
        actor=actor,
        instance=instance,
        data=data,
        seal_changes=lambda changes: _sealed(instance, changes),
    )


def incident_decide(
    *, actor: Any, instance: PersonalDataIncident, decision: str, reason: str
) -> PersonalDataIncident:
    """Decide whether IMY is notified; a decision not to notify needs its reason (the
    incident stays documented, GDPR 33.5)."""
    with transaction.atomic():
        fresh = PersonalDataIncident.objects.select_for_update().get(pk=instance.pk)
        allowed = actor.has_perm("compliance.change_personaldataincident", fresh)
        if allowed:
            _require_open(fresh)
            if decision not in (NotifyDecision.NOTIFY, NotifyDecision.NOT_NOTIFY):
                raise ValidationError({"decision": _("Choose whether IMY is notified.")})
            if decision == NotifyDecision.NOT_NOTIFY and not reason.strip():
                raise ValidationError(
                    {"reason": _("Give the reason why IMY is not notified (GDPR 33.5).")}
                )
            if (
                fresh.decision == NotifyDecision.NOTIFY
                and decision == NotifyDecision.NOT_NOTIFY
                and fresh.reports.exists()  # type: ignore[attr-defined]  # reverse relation
            ):
                raise ValidationError(
                    {"decision": _("IMY has already been notified of this incident.")}
                )
            before = snapshot(fresh)
            fresh.decision = decision
            fresh.decision_reason = reason.strip()
            fresh.decided_by = actor
            fresh.decided_at = timezone.now()
            fresh.save()
            record(
                actor=actor,
                action="compliance.personaldataincident.decided",
                obj=fresh,
                changes=_sealed(fresh, diff(before, snapshot(fresh))),
            )
    if not allowed:
        _refuse(actor, instance, "decide")
    return fresh


def incident_report_add(
    *, actor: Any, incident: PersonalDataIncident, data: dict[str, Any]
) -> IncidentReport:
    """A report to IMY: the first one (late only with a reason), then supplements."""
    report = IncidentReport(incident=incident, submitted_by=actor, **data)
    if not actor.has_perm("compliance.add_incidentreport", report):
        _refuse(actor, None, "create", IncidentReport)
    with transaction.atomic():
        fresh = PersonalDataIncident.objects.select_for_update().get(pk=incident.pk)
        _require_open(fresh)
        report.incident = fresh
        report.full_clean()
        errors: dict[str, Any] = {}
        has_first = fresh.reports.filter(kind=ReportKind.FIRST).exists()  # type: ignore[attr-defined]  # reverse relation
        if fresh.decision != NotifyDecision.NOTIFY:
            errors["kind"] = _("Decide to notify IMY before recording a report.")
        elif report.kind == ReportKind.FIRST and has_first:
            errors["kind"] = _("The first report is already recorded; add a supplement.")
        elif report.kind == ReportKind.SUPPLEMENT and not has_first:
            errors["kind"] = _("Record the first report before a supplement.")
        if report.submitted_at > timezone.now():
            errors["submitted_at"] = _("The report cannot be submitted in the future.")
        elif report.submitted_at < fresh.aware_at:
            errors["submitted_at"] = _("The report cannot precede the awareness of the incident.")
        if report.is_late and not report.delay_reason.strip():
            errors["delay_reason"] = _(
                "The first report is later than 72 hours after awareness: give the reasons "
                "for the delay (GDPR 33.1)."
            )
        if errors:
            raise ValidationError(errors)
        report.save()
        record(
            actor=actor,
            action="compliance.incidentreport.created",
            obj=report,
            changes=_sealed(fresh, diff({}, snapshot(report))),
        )
    return report


def incident_close(*, actor: Any, instance: PersonalDataIncident) -> PersonalDataIncident:
    with transaction.atomic():
        fresh = PersonalDataIncident.objects.select_for_update().get(pk=instance.pk)
        allowed = actor.has_perm("compliance.change_personaldataincident", fresh)
        if allowed:
            _require_open(fresh)
            problems = []
            if fresh.decision == NotifyDecision.UNDECIDED:
                problems.append(_("Decide whether IMY is notified."))
            if (
                fresh.decision == NotifyDecision.NOTIFY
                and not fresh.reports.filter(kind=ReportKind.FIRST).exists()  # type: ignore[attr-defined]  # reverse relation
            ):
                problems.append(_("Record the report to IMY."))
            if fresh.as_processor and not fresh.controller_notified_at:
                problems.append(_("Record when the controller was notified."))
            if fresh.ongoing:
                problems.append(_("The incident is still ongoing."))
            if problems:
                raise ValidationError(problems)
            fresh.status = IncidentStatus.CLOSED
            fresh.save(update_fields=["status", "updated_at"])
            record(
                actor=actor,
                action="compliance.personaldataincident.closed",
                obj=fresh,
                changes={"status": [IncidentStatus.OPEN, IncidentStatus.CLOSED]},
            )
    if not allowed:
        _refuse(actor, instance, "close")
    return fresh


# --- the annual cycle -------------------------------------------------------------------------
def _generate(definitions: Any, years: list[int]) -> int:
    created = 0
    for definition in definitions:
        for year in years:
            for due in definition.due_dates_in(year):
                _, made = ControlOccurrence.objects.get_or_create(definition=definition, due_on=due)
                created += int(made)
    return created


def cycle_generate(*, actor: Any, organisation: Any, year: int) -> int:
    """Generate the year's occurrences of the organisation's active controls (those
    already there are kept); returns how many were made."""
    if not actor.has_perm(
        "compliance.add_controldefinition", ControlDefinition(organisation=organisation)
    ):
        _refuse(actor, None, "generate", ControlOccurrence)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    with transaction.atomic():
        agreement_controls_sync(organisation=organisation)
        definitions = ControlDefinition.objects.filter(organisation=organisation, active=True)
        created = _generate(definitions, [year])
        record(
            actor=actor,
            action="compliance.cycle.generated",
            object_type="compliance.controloccurrence",
            object_repr=f"{organisation} {year}",
            organisation=organisation,
            changes={"year": [None, year], "created": [None, created]},
        )
    return created


def generate_ahead(on: dt.date | None = None) -> int:
    """The scheduled task's work: the agreements' renewal controls brought in step, then
    occurrences of every active control for this year and the next (idempotent)."""
    day = on or today()
    with transaction.atomic():
        agreement_controls_sync(on=day)
        return _generate(
            ControlDefinition.objects.filter(active=True).order_by("pk"), [day.year, day.year + 1]
        )


# The renewal check is due this many months before the agreement's "renewal to be
# decided by" date (issue 15: "agreement renewal check 6 months before renewal date").
RENEWAL_CHECK_MONTHS = 6
# The "decide by" dates whose check falls in the years a control may have (2000-2100).
RENEWAL_DATES_FROM = dt.date(2000, 7, 1)
RENEWAL_DATES_UNTIL = dt.date(2100, 12, 31)


def renewal_check_on(decide_by: dt.date) -> dt.date:
    """`RENEWAL_CHECK_MONTHS` months before the date (the last day of a shorter month)."""
    months = decide_by.year * 12 + decide_by.month - 1 - RENEWAL_CHECK_MONTHS
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(decide_by.day, last))


def _agreement_control_values(agreement: Any) -> dict[str, Any]:
    due = renewal_check_on(agreement.renewal_decision_by)
    return {
        "organisation_id": agreement.owner_organisation_id,
        "name": (_("Agreement renewal: %(title)s") % {"title": agreement.title})[:200],
        "due_once": due,
        "due_dates": f"{due:%m-%d}",
        "first_year": due.year,
        "every_years": 1,
        "active": True,
    }


def agreement_controls_sync(*, on: dt.date | None = None, organisation: Any = None) -> int:
    """One "agreement renewal" control per agreement in force (or to come) with a
    "renewal to be decided by" date, filed with the agreement's customer (its owner
    organisation), with one occurrence due `RENEWAL_CHECK_MONTHS` before that date.
    The occurrence is generated with the year's others (`generate_ahead`, `cycle_generate`);
    a moved date removes the open occurrence of the old one; an agreement that ended or
    lost its date leaves its control inactive. Idempotent; returns the controls made or
    changed."""
    from forvalta.register.models import Agreement

    day = on or today()
    # A date the annual cycle cannot hold (a typo such as 2207) makes no control, rather
    # than stopping the daily run for every organisation.
    agreements = Agreement.objects.filter(
        renewal_decision_by__range=(RENEWAL_DATES_FROM, RENEWAL_DATES_UNTIL)
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    stale = ControlDefinition.objects.filter(agreement__isnull=False, active=True).exclude(
        agreement__in=agreements
    )
    if organisation is not None:
        agreements = agreements.filter(owner_organisation=organisation)
        stale = stale.filter(organisation=organisation)
    changed = 0
    with transaction.atomic():
        for inactive in stale.select_for_update().order_by("pk"):
            inactive.active = False
            inactive.save(update_fields=["active", "updated_at"])
            changed += 1
            record(
                actor=None,
                action="compliance.controldefinition.updated",
                obj=inactive,
                changes={"active": [True, False], "agreement": [str(inactive.agreement), None]},
            )
        for agreement in agreements.order_by("pk"):
            values = _agreement_control_values(agreement)
            definition = (
                ControlDefinition.objects.select_for_update().filter(agreement=agreement).first()
            )
            if definition is None:
                definition = ControlDefinition(
                    agreement=agreement,
                    kind="agreement_renewal",
                    evidence_kind=_("Decision on extension or new procurement"),
                    **values,
                )
                definition.full_clean()
                definition.save()
                changed += 1
                record(
                    actor=None,
                    action="compliance.controldefinition.created",
                    obj=definition,
                    changes={
                        **diff({}, snapshot(definition, ["organisation", "name", "kind"])),
                        "agreement": [None, str(agreement)],
                        "due_once": [None, values["due_once"].isoformat()],
                    },
                )
            elif any(getattr(definition, k) != v for k, v in values.items()):
                before = snapshot(definition)
                for name, value in values.items():
                    setattr(definition, name, value)
                definition.full_clean()
                definition.save()
                changed += 1
                # The open, unsigned occurrence of the old date goes; done ones stay.
                for old in ControlOccurrence.objects.filter(
                    definition=definition, status=OccurrenceStatus.OPEN
                ).exclude(due_on=values["due_once"]):
                    if not year_signed(old):
                        record(
                            actor=None,
                            action="compliance.controloccurrence.deleted",
                            obj=old,
                            changes={"due_on": [old.due_on.isoformat(), None]},
                        )
                        old.delete()
                record(
                    actor=None,
                    action="compliance.controldefinition.updated",
                    obj=definition,
                    changes=diff(before, snapshot(definition)),
                )
    return changed


def year_signed(occurrence: ControlOccurrence) -> bool:
    definition = occurrence.definition
    reports = AnnualReport.objects.filter(
        organisation_id=definition.organisation_id, year=occurrence.due_on.year
    )
    object_id = definition.management_object_id or getattr(
        definition.service or definition.system, "management_object_id", None
    )
    return reports.filter(
        Q(management_object__isnull=True) | Q(management_object_id=object_id)
    ).exists()


def occurrence_complete(
    *, actor: Any, instance: ControlOccurrence, data: dict[str, Any]
) -> ControlOccurrence:
    """Mark an occurrence done by hand, with its evidence (a file or a link) and, if
    anything was wrong, a remark."""
    with transaction.atomic():
        fresh = (
            ControlOccurrence.objects.select_for_update()
            .select_related("definition")
            .get(pk=instance.pk)
        )
        allowed = actor.has_perm("compliance.change_controloccurrence", fresh)
        if allowed:
            if fresh.is_done:
                raise ValidationError(_("The control is already done."))
            if year_signed(fresh):
                raise ValidationError(_("The year's report is signed; its controls are closed."))
            errors: dict[str, Any] = {}
            done_on = data.get("completed_on")
            if done_on is None:
                errors["completed_on"] = _("Give the date the control was done.")
            elif done_on > today():
                errors["completed_on"] = _("The date cannot be in the future.")
            if not data.get("evidence_file") and not data.get("evidence_link"):
                errors["evidence_link"] = _("Attach the evidence as a file or a link.")
            if errors:
                raise ValidationError(errors)
            before = snapshot(fresh)
            fresh.completed_on = done_on
            fresh.completed_by = actor
            fresh.remark = (data.get("remark") or "").strip()
            fresh.status = (
                OccurrenceStatus.DONE_WITH_REMARK if fresh.remark else OccurrenceStatus.DONE
            )
            fresh.evidence_link = data.get("evidence_link") or ""
            if data.get("evidence_file"):
                fresh.evidence_file = data["evidence_file"]
            fresh.full_clean()
            fresh.save()
            record(
                actor=actor,
                action="compliance.controloccurrence.completed",
                obj=fresh,
                changes=diff(before, snapshot(fresh)),
            )
    if not allowed:
        _refuse(actor, instance, "complete")
    return fresh


def _matching_definitions(kind: str, organisation: Any, target: Any) -> Any:
    definitions = ControlDefinition.objects.filter(
        organisation=organisation, kind=kind, active=True
    )
    untargeted = Q(management_object__isnull=True, service__isnull=True, system__isnull=True)
    if target is None:
        return definitions.filter(untargeted)
    name = target._meta.model_name
    condition = untargeted
    if name == "managementobject":
        condition |= Q(management_object_id=target.pk)
    elif name in ("service", "system"):
        condition |= Q(**{f"{name}_id": target.pk})
        if target.management_object_id:
            condition |= Q(management_object_id=target.management_object_id)
    return definitions.filter(condition)


def fulfil(
    *, kind: str, organisation: Any, target: Any, on: dt.date | None, evidence: Any
) -> list[ControlOccurrence]:
    """Mark the matching open occurrences done by the evidence (from `control_fulfilled`):
    for each matching control, its earliest open occurrence of the year of `on`, or
    else its next one. Sent again for the same evidence, it changes nothing."""
    if organisation is None or on is None:
        return []
    if isinstance(on, dt.datetime):
        on = timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    evidence_type = ContentType.objects.get_for_model(evidence) if evidence is not None else None
    evidence_id = str(getattr(evidence, "pk", "") or "")
    done: list[ControlOccurrence] = []
    with transaction.atomic():
        for definition in _matching_definitions(kind, organisation, target):
            occurrences = ControlOccurrence.objects.filter(definition=definition)
            if (
                evidence_type is not None
                and occurrences.filter(
                    evidence_type=evidence_type, evidence_id=evidence_id
                ).exists()
            ):
                continue
            open_ones = occurrences.select_for_update().filter(status=OccurrenceStatus.OPEN)
            occurrence = (
                open_ones.filter(due_on__year=on.year).order_by("due_on").first()
                or open_ones.filter(due_on__gt=on).order_by("due_on").first()
            )
            if occurrence is None or year_signed(occurrence):
                continue
            before = snapshot(occurrence)
            occurrence.status = OccurrenceStatus.DONE
            occurrence.completed_on = on
            occurrence.automatic = True
            occurrence.evidence_type = evidence_type
            occurrence.evidence_id = evidence_id
            occurrence.evidence_label = str(evidence)[:300] if evidence is not None else ""
            url = getattr(evidence, "get_absolute_url", None)
            occurrence.evidence_url = url()[:300] if callable(url) else ""
            occurrence.save()
            record(
                actor=None,
                action="compliance.controloccurrence.fulfilled",
                obj=occurrence,
                changes={**diff(before, snapshot(occurrence)), "kind": [None, kind]},
            )
            done.append(occurrence)
    return done


def escalate_overdue(on: dt.date | None = None) -> int:
    """Tell the organisation's process owners once about each control overdue by more
    than its escalation days (the scheduled task's work)."""
    from forvalta.compliance.roles import PROCESS_OWNER

    day = on or today()
    count = 0
    overdue = (
        ControlOccurrence.objects.filter(status=OccurrenceStatus.OPEN, escalated_on__isnull=True)
        .select_related("definition__organisation")
        .order_by("pk")
    )
    for occurrence in overdue:
        definition = occurrence.definition
        if (day - occurrence.due_on).days <= definition.escalate_days:
            continue
        with transaction.atomic():
            for person in people_holding(PROCESS_OWNER, definition.organisation_id):
                notify(
                    person,
                    "control_escalated",
                    organisation=definition.organisation,
                    link=occurrence.get_absolute_url(),
                    obj=occurrence,
                    key=f"control-escalated-{occurrence.pk}",
                )
            ControlOccurrence.objects.filter(pk=occurrence.pk).update(escalated_on=day)
            record(
                actor=None,
                action="compliance.controloccurrence.escalated",
                obj=occurrence,
                changes={"escalated_on": [None, day.isoformat()]},
            )
            count += 1
    return count


def report_sign(
    *,
    actor: Any,
    organisation: Any,
    year: int,
    management_object: Any = None,
    statement: str = "",
) -> AnnualReport:
    """The process owner signs the year's report: its rows are frozen as they stand."""
    from forvalta.compliance.selectors import report_rows

    report = AnnualReport(
        organisation=organisation,
        management_object=management_object,
        year=year,
        signed_by=actor,
        signed_at=timezone.now(),
        statement=statement.strip(),
    )
    if not actor.has_perm("compliance.add_annualreport", report):
        _refuse(actor, None, "sign", AnnualReport)
    with transaction.atomic():
        if AnnualReport.objects.filter(
            organisation=organisation, year=year, management_object=management_object
        ).exists():
            raise ValidationError(_("The report for this year is already signed."))
        rows = report_rows(organisation, year, management_object)
        if not rows:
            raise ValidationError(_("The year has no controls to report."))
        report.rows = [row.as_json() for row in rows]
        report.full_clean()
        report.save()
        record(
            actor=actor,
            action="compliance.annualreport.signed",
            obj=report,
            changes={
                **diff({}, snapshot(report, ["organisation", "management_object", "year"])),
                "rows": [None, len(rows)],
            },
        )
    return report


def report_title(report: AnnualReport) -> str:
    title = _("Internal control %(year)s: %(organisation)s") % {
        "year": report.year,
        "organisation": report.organisation,
    }
    if report.management_object is not None:
        title = f"{title} – {report.management_object}"
    return str(title)


def report_pdf(report: AnnualReport) -> bytes:
    """The signed report as the tagged PDF the report page exports."""
    from forvalta.compliance.selectors import light_counts
    from forvalta.core.pdf import render_pdf

    rows = list(report.rows)
    return render_pdf(
        "compliance/report_pdf.html",
        {"rows": rows, "signed": report, "counts": light_counts(rows), "year": report.year},
        title=report_title(report),
    )


# A meeting whose agenda is still open (not yet held or cancelled).
AGENDA_OPEN = ("planned", "notice_sent")


def report_to_meeting(*, actor: Any, report: AnnualReport, meeting: Any) -> Any:
    """Put the signed report on a council meeting's agenda: an agenda item concerning it
    and its PDF as a meeting document, made through the governance part's services
    (which require that the actor runs the meeting's body). The report's process owner
    presents it, to a body its organisation owns or takes part in, once per meeting."""
    from django.core.files.base import ContentFile

    from forvalta.governance import services as governance
    from forvalta.governance.models import AgendaItem

    if not (
        AnnualReport.objects.visible_to(actor).filter(pk=report.pk).exists()
        and actor.has_perm("compliance.add_annualreport", report)
    ):
        _refuse(actor, report, "to_meeting")
    if meeting.status not in AGENDA_OPEN:
        raise ValidationError({"meeting": _("The meeting's agenda is closed.")})
    if not governance.takes_part(meeting.body, report.organisation_id):
        raise ValidationError(
            {"meeting": _("The report's organisation does not take part in this body.")}
        )
    report_type = ContentType.objects.get_for_model(AnnualReport)
    with transaction.atomic():
        items = AgendaItem.objects.select_for_update().filter(meeting=meeting)
        if items.filter(concerns_type=report_type, concerns_id=report.pk).exists():
            raise ValidationError({"meeting": _("The report is already on this meeting's agenda.")})
        last = items.order_by("-order").first()
        title = _("Signed report: %(title)s") % {"title": report_title(report)}
        item = governance.agenda_item_create(
            actor=actor,
            data={
                "meeting": meeting,
                "order": (last.order + 1) if last is not None else 1,
                "title": title[:300],
                "description": _("Signed by %(name)s on %(date)s.")
                % {
                    "name": report.signed_by.get_full_name() or report.signed_by,
                    "date": timezone.localtime(report.signed_at).date().isoformat(),
                },
                "concerns_type": report_type,
                "concerns_id": report.pk,
            },
        )
        document = governance.document_create(
            actor=actor,
            data={
                "meeting": meeting,
                "title": title[:200],
                "file": ContentFile(
                    report_pdf(report), name=f"internkontroll-{report.year}-{report.pk}.pdf"
                ),
            },
        )
        record(
            actor=actor,
            action="compliance.annualreport.to_meeting",
            obj=report,
            changes={"meeting": [None, str(meeting)], "agenda_item": [None, item.pk]},
        )
    return item, document


# --- risk and vulnerability analyses ------------------------------------------------------------
riskanalysis_create, _riskanalysis_update, riskanalysis_delete = crud_services(RiskAnalysis)
risk_create, risk_update, risk_delete = crud_services(Risk)
riskaction_create, riskaction_update, riskaction_delete = crud_services(RiskAction)


def riskanalysis_update(*, actor: Any, instance: RiskAnalysis, data: dict[str, Any]) -> Any:
    if instance.status == AnalysisStatus.FINISHED:
        raise ValidationError(_("The analysis is finished and can no longer be changed."))
    return _riskanalysis_update(actor=actor, instance=instance, data=data)


def riskanalysis_finish(*, actor: Any, instance: RiskAnalysis, on: dt.date | None = None) -> Any:
    """Finish the analysis: it fulfils the yearly risk analysis control of its target."""
    with transaction.atomic():
        fresh = RiskAnalysis.objects.select_for_update().get(pk=instance.pk)
        allowed = actor.has_perm("compliance.change_riskanalysis", fresh)
        if allowed:
            if fresh.status == AnalysisStatus.FINISHED:
                raise ValidationError(_("The analysis is already finished."))
            if not fresh.risks.exists():  # type: ignore[attr-defined]  # reverse relation
                raise ValidationError(_("Record at least one risk before finishing."))
            fresh.status = AnalysisStatus.FINISHED
            fresh.finished_on = on or today()
            fresh.save(update_fields=["status", "finished_on", "updated_at"])
            record(
                actor=actor,
                action="compliance.riskanalysis.finished",
                obj=fresh,
                changes={"status": [AnalysisStatus.DRAFT, AnalysisStatus.FINISHED]},
            )
            control_fulfilled.send(
                sender=RiskAnalysis,
                kind="risk_analysis",
                organisation=fresh.organisation,
                target=fresh.target,
                on=fresh.finished_on,
                evidence=fresh,
            )
    if not allowed:
        _refuse(actor, instance, "finish")
    return fresh


def riskanalysis_forward(*, actor: Any, instance: RiskAnalysis, coordinator: Any) -> Any:
    """Record that the finished analysis went to the municipality's crisis coordinator
    (a holder of that role acting for the organisation), who is told."""
    from forvalta.compliance.roles import CRISIS_COORDINATOR, holds

    with transaction.atomic():
        fresh = RiskAnalysis.objects.select_for_update().get(pk=instance.pk)
        allowed = actor.has_perm("compliance.change_riskanalysis", fresh)
        if allowed:
            if fresh.status != AnalysisStatus.FINISHED:
                raise ValidationError(_("Finish the analysis before forwarding it."))
            if not holds(coordinator, CRISIS_COORDINATOR, fresh.organisation_id):
                raise ValidationError(
                    {"coordinator": _("The person is not the organisation's crisis coordinator.")}
                )
            before = snapshot(fresh)
            fresh.forwarded_to = coordinator
            fresh.forwarded_on = today()
            fresh.save(update_fields=["forwarded_to", "forwarded_on", "updated_at"])
            record(
                actor=actor,
                action="compliance.riskanalysis.forwarded",
                obj=fresh,
                changes=diff(before, snapshot(fresh)),
            )
            notify(
                coordinator,
                "analysis_forwarded",
                organisation=fresh.organisation,
                link=fresh.get_absolute_url(),
                obj=fresh,
            )
    if not allowed:
        _refuse(actor, instance, "forward")
    return fresh


def riskaction_to_plan(*, actor: Any, instance: RiskAction, plan: Any) -> RiskAction:
    """Carry the action into a management plan of the analysis's organisation as a new
    activity (through the plan part's service, which checks that the actor manages the
    plan and that it is not decided), linked from the action. Once only."""
    from forvalta.plans import services as plan_services
    from forvalta.plans.models import ManagementPlan, PlanActivity

    with transaction.atomic():
        fresh = (
            RiskAction.objects.select_for_update(of=("self",))
            .select_related("analysis__organisation", "owner")
            .get(pk=instance.pk)
        )
        allowed = actor.has_perm("compliance.change_riskaction", fresh)
        if allowed:
            analysis = fresh.analysis
            if fresh.plan_activity_id:
                raise ValidationError(_("The action is already in the management plan."))
            if (
                plan.organisation_id != analysis.organisation_id
                or not ManagementPlan.objects.visible_to(actor).filter(pk=plan.pk).exists()
            ):
                raise ValidationError(
                    {"plan": _("Choose a management plan of the analysis's organisation.")}
                )
            last = PlanActivity.objects.filter(plan=plan).order_by("-order").first()
            details = [
                _("From the risk and vulnerability analysis %(title)s.")
                % {"title": analysis.title},
            ]
            if fresh.due_on:
                details.append(_("Due %(date)s.") % {"date": fresh.due_on.isoformat()})
            if fresh.owner is not None:
                details.append(
                    _("Owner: %(name)s.") % {"name": fresh.owner.get_full_name() or fresh.owner}
                )
            activity = plan_services.activity_create(
                actor=actor,
                data={
                    "plan": plan,
                    "order": (last.order + 1) if last is not None else 1,
                    "name": fresh.description[:200],
                    "overall_goal": " ".join(str(d) for d in details),
                },
            )
            before = snapshot(fresh)
            fresh.plan_activity = activity
            fresh.plan_reference = f"{plan} – {activity}"[:200]
            fresh.save(update_fields=["plan_activity", "plan_reference"])
            record(
                actor=actor,
                action="compliance.riskaction.to_plan",
                obj=fresh,
                changes=diff(before, snapshot(fresh)),
            )
    if not allowed:
        _refuse(actor, instance, "to_plan")
    return fresh


# --- legal framework and undertakings -----------------------------------------------------------
legalact_create, legalact_update, legalact_delete = crud_services(LegalAct)
legalrequirement_create, legalrequirement_update, legalrequirement_delete = crud_services(
    LegalRequirement
)
(
    confidentialityundertaking_create,
    confidentialityundertaking_update,
    confidentialityundertaking_delete,
) = crud_services(ConfidentialityUndertaking)


# --- archiving ----------------------------------------------------------------------------------
(
    archivedocumentation_create,
    archivedocumentation_update,
    archivedocumentation_delete,
) = crud_services(ArchiveDocumentation)
retentionrule_create, retentionrule_update, retentionrule_delete = crud_services(RetentionRule)


# --- decommissioning ----------------------------------------------------------------------------
def decommissioning_start(*, actor: Any, data: dict[str, Any]) -> Any:
    """Start the decommissioning of a system: its checklist, and the system moved to the
    decommissioning stage in the register (through the register's service)."""
    from forvalta.compliance.models import (
        DECOMMISSIONING_ITEMS,
        Decommissioning,
        DecommissioningItem,
    )
    from forvalta.register import services as register
    from forvalta.register.models import Lifecycle

    system = data["system"]
    decommissioning = Decommissioning(
        organisation_id=system.owner_organisation_id,
        system=system,
        reason=(data.get("reason") or "").strip(),
        started_by=actor,
        started_on=data.get("started_on") or today(),
    )
    if not actor.has_perm("compliance.add_decommissioning", decommissioning):
        _refuse(actor, None, "create", Decommissioning)
    if system.lifecycle == Lifecycle.RETIRED:
        raise ValidationError({"system": _("The system is already retired.")})
    with transaction.atomic():
        decommissioning.full_clean()
        decommissioning.save()
        DecommissioningItem.objects.bulk_create(
            DecommissioningItem(decommissioning=decommissioning, order=n, code=code)
            for n, (code, _label, _needs) in enumerate(DECOMMISSIONING_ITEMS, start=1)
        )
        record(
            actor=actor,
            action="compliance.decommissioning.started",
            obj=decommissioning,
            changes=diff({}, snapshot(decommissioning)),
        )
        if system.lifecycle != Lifecycle.DECOMMISSIONING:
            register.system_update(
                actor=actor, instance=system, data={"lifecycle": Lifecycle.DECOMMISSIONING}
            )
    return decommissioning


def decommissioning_item_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    """Tick an item of the checklist (or untick it), with a comment and evidence; the
    information-handling decision, the integrations' evaluation and the decision itself
    need their evidence (a file or a link)."""
    from forvalta.compliance.models import DecommissioningItem, DecommissioningStatus

    with transaction.atomic():
        fresh = (
            DecommissioningItem.objects.select_for_update(of=("self",))
            .select_related("decommissioning__system")
            .get(pk=instance.pk)
        )
        allowed = actor.has_perm("compliance.change_decommissioningitem", fresh)
        if allowed:
            if fresh.decommissioning.status != DecommissioningStatus.OPEN:
                raise ValidationError(_("The decommissioning is completed."))
            before = snapshot(fresh)
            fresh.comment = (data.get("comment") or "").strip()
            if "evidence_link" in data:
                fresh.evidence_link = data["evidence_link"] or ""
            if data.get("evidence_file"):
                fresh.evidence_file = data["evidence_file"]
            done = bool(data.get("done"))
            if done and fresh.needs_evidence and not fresh.has_evidence:
                raise ValidationError(
                    {"evidence_link": _("Attach the documentation as a file or a link.")}
                )
            if done and not fresh.done:
                fresh.done_on, fresh.done_by = today(), actor
            elif not done:
                fresh.done_on, fresh.done_by = None, None
            fresh.done = done
            fresh.full_clean()
            fresh.save()
            changes = diff(before, snapshot(fresh))
            if changes:
                record(
                    actor=actor,
                    action="compliance.decommissioningitem.updated",
                    obj=fresh,
                    changes=changes,
                )
    if not allowed:
        _refuse(actor, instance, "update")
    return fresh


def decommissioning_run_completion() -> Any:
    """How a run of the processes part's "Avveckling" template completes: only when the
    system has a decommissioning checklist with every item done and its documents
    attached, which the completion then completes (retiring the system) in the same
    transaction; refused, nothing changes."""
    from forvalta.compliance.models import Decommissioning, DecommissioningStatus
    from forvalta.processes.workflows import Completion
    from forvalta.workflow.engine import TransitionRefused

    def open_checklist(run: Any) -> Any:
        if run.system_id is None:
            return None
        return (
            Decommissioning.objects.filter(  # scoping: allowed the run's system (its workflow)
                system_id=run.system_id, status=DecommissioningStatus.OPEN
            )
            .order_by("pk")
            .first()
        )

    def check(run: Any) -> str | None:
        if run.system_id is None:
            return None
        checklist = open_checklist(run)
        if checklist is None:
            completed = Decommissioning.objects.filter(  # scoping: allowed as above
                system_id=run.system_id, status=DecommissioningStatus.COMPLETED
            ).exists()
            if completed:
                return None
            return str(
                _(
                    "Start the system's decommissioning checklist (Internal control → "
                    "Decommissioning) and complete it: it retires the system."
                )
            )
        items = list(checklist.items.all())
        missing = [str(i) for i in items if not i.done]
        unproven = [str(i) for i in items if i.needs_evidence and not i.has_evidence]
        if missing:
            return str(_("Not yet done: %(items)s.") % {"items": "; ".join(missing)})
        if unproven:
            return str(_("Documentation is missing: %(items)s.") % {"items": "; ".join(unproven)})
        return None

    def effect(run: Any, actor: Any) -> None:
        checklist = open_checklist(run)
        if checklist is None:
            return  # completed already (the system is retired)
        try:
            decommissioning_complete(actor=actor, instance=checklist)
        except PermissionDenied as exc:
            raise TransitionRefused(
                _("Only someone who may change the system completes its decommissioning.")
            ) from exc
        except ValidationError as exc:
            raise TransitionRefused(exc.messages) from exc

    return Completion(check=check, effect=effect)


def decommissioning_complete(*, actor: Any, instance: Any) -> Any:
    """Complete the decommissioning when every item is done (with its evidence where
    needed): the system is moved to retired through the register's service (which
    checks that the actor may change it), all or nothing."""
    from forvalta.compliance.models import Decommissioning, DecommissioningStatus
    from forvalta.register import services as register
    from forvalta.register.models import Lifecycle

    with transaction.atomic():
        fresh = (
            Decommissioning.objects.select_for_update(of=("self",))
            .select_related("system")
            .get(pk=instance.pk)
        )
        allowed = actor.has_perm("compliance.change_decommissioning", fresh)
        if allowed:
            if fresh.status != DecommissioningStatus.OPEN:
                raise ValidationError(_("The decommissioning is already completed."))
            items = list(fresh.items.all())  # type: ignore[attr-defined]  # reverse relation
            missing = [str(i) for i in items if not i.done]
            if missing:
                raise ValidationError(_("Not yet done: %(items)s.") % {"items": "; ".join(missing)})
            unproven = [str(i) for i in items if i.needs_evidence and not i.has_evidence]
            if unproven:
                raise ValidationError(
                    _("Documentation is missing: %(items)s.") % {"items": "; ".join(unproven)}
                )
            before = snapshot(fresh)
            fresh.status = DecommissioningStatus.COMPLETED
            fresh.completed_on = today()
            fresh.completed_by = actor
            fresh.save()
            register.system_update(
                actor=actor, instance=fresh.system, data={"lifecycle": Lifecycle.RETIRED}
            )
            record(
                actor=actor,
                action="compliance.decommissioning.completed",
                obj=fresh,
                changes=diff(before, snapshot(fresh)),
            )
    if not allowed:
        _refuse(actor, instance, "complete")
    return fresh
