"""Compliance demo: Kungälv's year (classifications of its systems, a risk analysis
whose actions went into the management plan, a personal-data incident that crosses the
October change of clock, and the annual cycle with green, yellow and red), and Sambruk's
e-service analysis shared with its members."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from forvalta.compliance.models import (
    AnalysisStatus,
    Classification,
    ClassificationAction,
    ControlDefinition,
    ControlOccurrence,
    IncidentReport,
    NotifyDecision,
    OccurrenceStatus,
    PersonalDataIncident,
    ReportKind,
    Risk,
    RiskAction,
    RiskAnalysis,
    SubjectsInformed,
)
from forvalta.compliance.roles import CRISIS_COORDINATOR, ensure_role_types
from forvalta.plans.models import ManagementPlan, PlanActivity, PlanStatus
from forvalta.register.models import RoleAssignment, RoleType

STHLM = ZoneInfo("Europe/Stockholm")

CLASSIFICATIONS = (
    # system, owner-user, C, I, A, T, reasoning
    (
        "treserva",
        "systemagare",
        4,
        3,
        3,
        4,
        "Personakter inom socialtjänsten, skyddade personuppgifter förekommer.",
    ),
    ("ekonomi", "anders.bengtsson", 2, 3, 2, 3, "Leverantörsfakturor och attester."),
    ("arende", "henrik.falk", 3, 3, 2, 3, "Diarieförda ärenden, sekretess kan förekomma."),
)

CONTROLS = (
    # name, kind, due dates, target, responsible role
    (
        "Behörighetskontroll Treserva",
        "access_review",
        "04-30,10-31",
        "treserva",
        "access_controller",
    ),
    (
        "Loggkontroll Treserva",
        "log_review",
        "03-31,06-30,09-30,12-31",
        "treserva",
        "access_controller",
    ),
    ("Risk- och sårbarhetsanalys Treserva", "risk_analysis", "11-30", "treserva", "system_owner"),
    ("Klassning av information", "classification_review", "06-30", "arende", "system_owner"),
    ("Återläsningstest ekonomisystem", "restore_test", "09-30", "ekonomi", "system_manager"),
    ("Förvaltningsråd Omsorg", "council_meeting", "05-15,11-15", None, "process_owner"),
)
# (control name, due month-day) -> (status, done month-day, remark): the rest stay open.
DONE = {
    ("Behörighetskontroll Treserva", "04-30"): ("done", "04-24", ""),
    ("Loggkontroll Treserva", "03-31"): ("done", "03-28", ""),
    ("Loggkontroll Treserva", "06-30"): ("done", "06-19", ""),
    ("Loggkontroll Treserva", "09-30"): ("remark", "10-06", "Genomförd en vecka sent."),
    ("Förvaltningsråd Omsorg", "05-15"): ("done", "05-15", ""),
    ("Förvaltningsråd Omsorg", "11-15"): ("done", "11-14", ""),
    ("Klassning av information", "06-30"): ("done", "06-12", ""),
}


def _date(year: int, month_day: str) -> dt.date:
    month, day = month_day.split("-")
    return dt.date(year, int(month), int(day))


def load(builder: Any) -> None:
    ensure_role_types()
    orgs, users, systems = builder.orgs, builder.users, builder.systems
    kungalv, sambruk = orgs["kungalv"], orgs["sambruk"]
    year = builder.today.year

    for key, username, c, i, a, t, reason in CLASSIFICATIONS:
        classification = builder.save(
            Classification(
                organisation=kungalv,
                system=systems[key],
                confidentiality=c,
                integrity=i,
                availability=a,
                traceability=t,
                confidentiality_reason=reason,
                integrity_reason="Felaktiga uppgifter kan leda till felaktiga beslut.",
                availability_reason="Verksamheten klarar ett kortare avbrott med reservrutiner.",
                traceability_reason="Åtkomst till uppgifterna ska kunna följas upp i loggar.",
                classified_by=users[username],
                classified_on=dt.date(year, 2, 15),
                review_on=dt.date(year + 2, 2, 15),
            )
        )
        if key == "treserva":
            builder.save(
                ClassificationAction(
                    classification=classification,
                    description="Tvåfaktorsinloggning för alla användare",
                    owner=users["kristoffer.lindgren"],
                    due_on=dt.date(year + 1, 3, 31),
                )
            )

    # The crisis coordinator receives the analyses.
    coordinator = RoleType.objects.get(code=CRISIS_COORDINATOR)
    builder.save(
        RoleAssignment(
            person=users["cecilia.aberg"],
            role_type=coordinator,
            organisation=kungalv,
            management_object=builder.objects["gemensamma"],
            valid_from=dt.date(year - 1, 1, 1),
        )
    )
    analysis = builder.save(
        RiskAnalysis(
            organisation=kungalv,
            title=f"Risk- och sårbarhetsanalys Treserva {year}",
            system=systems["treserva"],
            performed_on=dt.date(year, 11, 10),
            method="Workshop enligt MSB:s vägledning",
            participants="Systemägare, förvaltningsledare, systemförvaltare, dataskyddssamordnare",
            summary="Största riskerna gäller obehörig åtkomst och driftavbrott.",
            status=AnalysisStatus.FINISHED,
            finished_on=dt.date(year, 11, 24),
            forwarded_to=users["cecilia.aberg"],
            forwarded_on=dt.date(year, 11, 25),
        )
    )
    for description, likelihood, consequence in (
        ("Obehörig åtkomst till personakter", 3, 4),
        ("Driftavbrott hos driftpartnern", 2, 3),
        ("Felaktig behörighet efter organisationsförändring", 3, 3),
        ("Förlorad logg", 1, 2),
    ):
        builder.save(
            Risk(
                analysis=analysis,
                description=description,
                likelihood=likelihood,
                consequence=consequence,
                existing_measures="Behörighetskontroll två gånger per år.",
            )
        )
    # The action went into next year's management plan as one of its activities.
    plan = builder.save(
        ManagementPlan(
            organisation=kungalv,
            management_object=systems["treserva"].management_object,
            name=f"Förvaltningsplan Omsorg {year + 1}",
            period_start=dt.date(year + 1, 1, 1),
            period_end=dt.date(year + 1, 12, 31),
            status=PlanStatus.DRAFT,
            purpose="Förvaltning av verksamhetssystemet för vård och omsorg.",
        )
    )
    activity = builder.save(
        PlanActivity(
            plan=plan,
            order=1,
            name="Behörighetsstyrning",
            overall_goal="Automatisk avslutning av konton vid byte av enhet",
        )
    )
    builder.save(
        RiskAction(
            analysis=analysis,
            description="Automatisk avslutning av konton vid byte av enhet",
            owner=users["kristoffer.lindgren"],
            due_on=dt.date(year + 1, 4, 30),
            plan_activity=activity,
        )
    )

    aware = dt.datetime(year, 10, 23, 10, 0, tzinfo=STHLM)  # the Friday before the change
    if aware.weekday() != 4:
        # The Friday before the last Sunday of October.
        last_sunday = max(
            dt.date(year, 10, d) for d in range(25, 32) if dt.date(year, 10, d).weekday() == 6
        )
        friday = last_sunday - dt.timedelta(days=2)
        aware = dt.datetime(friday.year, friday.month, friday.day, 10, 0, tzinfo=STHLM)
    incident = builder.save(
        PersonalDataIncident(
            organisation=kungalv,
            title="Utdrag ur personakt skickat till fel mottagare",
            reporter=users["emelie.carlsson"],
            aware_at=aware,
            system=systems["treserva"],
            what_happened="Ett utdrag ur en personakt skickades med e-post till fel kommun.",
            started_at=aware - dt.timedelta(hours=3),
            ended_at=aware - dt.timedelta(hours=2),
            subject_categories="Brukare inom hemtjänsten",
            subjects_count=1,
            data_categories="Hälsouppgifter, personnummer",
            records_count=1,
            sensitive_data=True,
            likely_consequences="Risk för integritetsintrång för den enskilde.",
            measures_taken="Mottagaren har raderat e-postmeddelandet och bekräftat det.",
            subjects_informed=SubjectsInformed.YES,
            subjects_informed_on=aware.date() + dt.timedelta(days=3),
            decision=NotifyDecision.NOTIFY,
            decision_reason="Känsliga personuppgifter.",
            decided_by=users["ola.nystrom"],
            decided_at=aware + dt.timedelta(hours=20),
        )
    )
    builder.save(
        IncidentReport(
            incident=incident,
            kind=ReportKind.FIRST,
            submitted_at=incident.imy_deadline - dt.timedelta(hours=1),
            content="Första anmälan via IMY:s e-tjänst.",
            submitted_by=users["ola.nystrom"],
        )
    )

    for name, kind, due_dates, target, role in CONTROLS:
        definition = builder.save(
            ControlDefinition(
                organisation=kungalv,
                name=name,
                kind=kind,
                due_dates=due_dates,
                first_year=year,
                system=systems[target] if target else None,
                management_object=None if target else builder.objects["omsorg"],
                responsible_role=RoleType.objects.get(code=role),
                evidence_kind="Protokoll",
            )
        )
        for due in definition.due_dates_in(year):
            state = DONE.get((name, due.strftime("%m-%d")))
            occurrence = ControlOccurrence(definition=definition, due_on=due)
            if state is not None:
                status, done_on, remark = state
                occurrence.status = (
                    OccurrenceStatus.DONE_WITH_REMARK
                    if status == "remark"
                    else OccurrenceStatus.DONE
                )
                occurrence.completed_on = min(_date(year, done_on), builder.today)
                occurrence.remark = remark
                occurrence.evidence_label = "Protokoll"
            builder.save(occurrence)
    # The analysis above fulfils its yearly control.
    ControlOccurrence.objects.filter(
        definition__organisation=kungalv, definition__kind="risk_analysis", due_on__year=year
    ).update(
        status=OccurrenceStatus.DONE,
        completed_on=analysis.finished_on,
        automatic=True,
        evidence_label=str(analysis),
        evidence_url=analysis.get_absolute_url(),
    )

    shared = builder.save(
        RiskAnalysis(
            organisation=sambruk,
            title=f"Risk- och sårbarhetsanalys E-tjänsteplattformen {year}",
            service=builder.services["etjanst"],
            performed_on=dt.date(year, 9, 18),
            method="Gemensam workshop med medlemmarnas kontaktpersoner",
            participants="Tjänsteägare, förvaltningsledare, förvaltningspartner",
            status=AnalysisStatus.FINISHED,
            finished_on=dt.date(year, 9, 30),
            shared_with_participants=True,
        )
    )
    builder.save(
        Risk(
            analysis=shared,
            description="Otillgänglig e-legitimation",
            likelihood=2,
            consequence=3,
            planned_measures="Reservflöde med manuell handläggning.",
        )
    )
