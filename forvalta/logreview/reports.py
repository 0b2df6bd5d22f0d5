"""Reports of log review (issue 14 build 8): per organisation, system and log source,
per quarter and for the year, the rounds drawn and done, the persons and logs reviewed,
the reviews with and without remark and the personal-data incidents reported (seed 004
section 6.5). A constant number of queries whatever the number of rows: the schedules
the reader sees, one aggregate of the rounds, one of the documented outcomes.

The same figures feed the access part's year sign-off (`year_status_part`: every
quarter with a sampling schedule has a round that is done) and the compliance part's
annual report (`annual_report_rows`), both through hooks those parts declare: neither
imports this app.

Who reads a report: the organisation's access staff of the source's system (controller,
system administrator, object and system owner, process owner,
`forvalta.access.scoping.staff_exists`); another organisation's staff see only their
own; a member without such a role is refused (`logreview.view_report`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from forvalta.access.scoping import staff_exists
from forvalta.logreview.models import (
    ReviewOutcome,
    RoundStatus,
    SamplingRound,
    SamplingSchedule,
)

QUARTERS = (1, 2, 3, 4)


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of the quarter."""
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, quarter * 3 + 1, 1) - dt.timedelta(days=1)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def required_quarters(created_at: dt.datetime, year: int) -> list[int]:
    """The quarters of `year` a schedule created at `created_at` asks a round for: those
    ending on or after the day it was created (the quarterly job draws, at the start of
    the next quarter, the last month of every quarter a schedule existed in)."""
    created = local_date(created_at)
    return [q for q in QUARTERS if quarter_end(year, q) >= created]


@dataclass
class Figures:
    """One row of the report: a quarter or the year."""

    scheduled: int = 0  # schedules that ask a round of the period
    rounds: int = 0  # rounds drawn
    done: int = 0  # rounds done (every order's review documented)
    reviews: int = 0  # reviews documented (one per drawn unit's order)
    persons: int = 0
    logs: int = 0
    with_remark: int = 0
    without_remark: int = 0
    incidents: int = 0  # reviews after which a personal-data incident was reported
    incident_persons: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def missing(self) -> int:
        """Scheduled rounds not (yet) done."""
        return max(self.scheduled - self.done, 0)


@dataclass
class SourceReport:
    organisation: Any
    system: Any
    source: Any
    quarters: dict[int, Figures] = field(default_factory=lambda: {q: Figures() for q in QUARTERS})
    total: Figures = field(default_factory=Figures)


@dataclass
class OrganisationReport:
    organisation: Any
    sources: list[SourceReport] = field(default_factory=list)
    quarters: dict[int, Figures] = field(default_factory=lambda: {q: Figures() for q in QUARTERS})
    total: Figures = field(default_factory=Figures)


def reported_schedules(user: Any) -> QuerySet:
    """The schedules whose figures the user reads: of the user's organisations, on
    systems the user is access staff of."""
    return SamplingSchedule.objects.visible_to(user).filter(
        staff_exists(user, "organisation_id", "source__system_id")
    )


def _rounds(schedules: QuerySet, year: int) -> QuerySet:
    # scoping: allowed the rounds of the schedules given (a subquery), aggregated
    return (
        SamplingRound.objects.filter(schedule__in=schedules.values("pk"), year=year)
        .values("schedule_id", "quarter")
        .order_by()
        .annotate(n_rounds=Count("pk"), n_done=Count("pk", filter=Q(status=RoundStatus.DONE)))
    )


def _outcomes(schedules: QuerySet, year: int) -> QuerySet:
    # scoping: allowed the outcomes of the schedules given (a subquery), numbers only
    return (
        ReviewOutcome.objects.filter(
            order__round__schedule__in=schedules.values("pk"), order__round__year=year
        )
        .values("order__round__schedule_id", "order__round__quarter")
        .order_by()
        .annotate(
            n_reviews=Count("pk"),
            n_persons=Sum("persons_reviewed"),
            n_logs=Sum("logs_reviewed"),
            n_with_remark=Count("pk", filter=Q(with_remark=True)),
            n_without_remark=Count("pk", filter=Q(with_remark=False)),
            n_incidents=Count("pk", filter=Q(incident_reported=True)),
            n_incident_persons=Sum("incident_persons"),
        )
    )


def build(schedules: QuerySet, year: int) -> list[OrganisationReport]:
    """The report of the schedules given: three queries whatever the rows."""
    rows = list(
        schedules.select_related("organisation", "source", "source__system").order_by(
            "organisation__name", "source__system__name", "source__name", "pk"
        )
    )
    per_schedule: dict[int, dict[int, Figures]] = {
        s.pk: {q: Figures() for q in QUARTERS} for s in rows
    }
    if rows:
        for r in _rounds(schedules, year):
            figures = per_schedule[r["schedule_id"]][r["quarter"]]
            figures.rounds += r["n_rounds"]
            figures.done += r["n_done"]
        for o in _outcomes(schedules, year):
            figures = per_schedule[o["order__round__schedule_id"]][o["order__round__quarter"]]
            figures.reviews += o["n_reviews"]
            figures.persons += o["n_persons"] or 0
            figures.logs += o["n_logs"] or 0
            figures.with_remark += o["n_with_remark"]
            figures.without_remark += o["n_without_remark"]
            figures.incidents += o["n_incidents"]
            figures.incident_persons += o["n_incident_persons"] or 0
    organisations: dict[int, OrganisationReport] = {}
    sources: dict[int, SourceReport] = {}
    for schedule in rows:
        org = organisations.get(schedule.organisation_id)
        if org is None:
            org = organisations[schedule.organisation_id] = OrganisationReport(
                schedule.organisation
            )
        source = sources.get(schedule.source_id)
        if source is None:
            source = sources[schedule.source_id] = SourceReport(
                schedule.organisation, schedule.source.system, schedule.source
            )
            org.sources.append(source)
        for quarter in required_quarters(schedule.created_at, year):
            per_schedule[schedule.pk][quarter].scheduled += 1
        for quarter, figures in per_schedule[schedule.pk].items():
            source.quarters[quarter].add(figures)
            source.total.add(figures)
            org.quarters[quarter].add(figures)
            org.total.add(figures)
    return list(organisations.values())


def year_report(user: Any, year: int) -> list[OrganisationReport]:
    return build(reported_schedules(user), year)


# --- exports ---------------------------------------------------------------------------------
def export_header() -> list[str]:
    return [
        _("Organisation"),
        _("System"),
        _("Log source"),
        _("Period"),
        _("Rounds scheduled"),
        _("Rounds drawn"),
        _("Rounds done"),
        _("Reviews documented"),
        _("Persons reviewed"),
        _("Logs reviewed"),
        _("Without remark"),
        _("With remark"),
        _("Incidents reported"),
        _("Persons in reported incidents"),
    ]


def _cells(figures: Figures) -> list[int]:
    return [
        figures.scheduled,
        figures.rounds,
        figures.done,
        figures.reviews,
        figures.persons,
        figures.logs,
        figures.without_remark,
        figures.with_remark,
        figures.incidents,
        figures.incident_persons,
    ]


def export_rows(report: list[OrganisationReport], year: int) -> list[list[Any]]:
    """One row per source and quarter, the source's year, then the organisation's year."""
    body: list[list[Any]] = []
    for org in report:
        for source in org.sources:
            for quarter in QUARTERS:
                body.append(
                    [
                        str(org.organisation),
                        str(source.system),
                        str(source.source),
                        f"{year} Q{quarter}",
                        *_cells(source.quarters[quarter]),
                    ]
                )
            body.append(
                [
                    str(org.organisation),
                    str(source.system),
                    str(source.source),
                    str(year),
                    *_cells(source.total),
                ]
            )
        body.append([str(org.organisation), _("All"), _("All"), str(year), *_cells(org.total)])
    return body


# --- the hooks of other parts ----------------------------------------------------------------
def year_status_part(organisation: Any, system: Any, year: int) -> dict[str, bool]:
    """For the access part's year sign-off (`access.services.YEAR_STATUS_PARTS`): one
    entry per log source of the organisation on the system and quarter of `year` that
    has a sampling schedule, true when a round of it is done. Two queries."""
    schedules = list(
        # scoping: allowed the sign-off's own organisation and system (the service checks)
        SamplingSchedule.objects.filter(organisation=organisation, source__system=system)
        .select_related("source")
        .order_by("source__name", "pk")
    )
    if not schedules:
        return {}
    done = set(
        # scoping: allowed the rounds of the schedules above
        SamplingRound.objects.filter(
            schedule__in=[s.pk for s in schedules], year=year, status=RoundStatus.DONE
        ).values_list("schedule_id", "quarter")
    )
    status: dict[str, bool] = {}
    for schedule in schedules:
        for quarter in required_quarters(schedule.created_at, year):
            label = _("Log review %(year)s Q%(quarter)s: %(source)s") % {
                "year": year,
                "quarter": quarter,
                "source": schedule.source.name,
            }
            status[label] = status.get(label, False) or (schedule.pk, quarter) in done
    return status


def annual_report_rows(
    organisation: Any, year: int, management_object: Any = None, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """For the compliance part's annual report (`core.controls.REPORT_ROW_PARTS`): one
    row per log source of the organisation with a sampling schedule: the year's
    figures, green when every scheduled round is done without remark, red when a
    review had a remark or a quarter that has ended lacks its round done, planned
    otherwise. Numbers only (never who was reviewed)."""
    from django.urls import reverse

    from forvalta.core.models import today

    day = on or today()
    # scoping: allowed the annual report's own organisation (its caller checks)
    schedules = SamplingSchedule.objects.filter(organisation=organisation)
    if management_object is not None:
        schedules = schedules.filter(source__system__management_object=management_object)
    rows = []
    for org in build(schedules, year):
        for source in org.sources:
            total = source.total
            overdue = any(
                figures.done < figures.scheduled and quarter_end(year, quarter) < day
                for quarter, figures in source.quarters.items()
            )
            if total.with_remark or overdue:
                light, label = "red", _("Red: overdue or remark")
            elif total.done >= total.scheduled:
                light, label = "green", _("Green: done in time")
            else:
                light, label = "planned", _("Planned")
            status = _("%(done)s of %(scheduled)s rounds done") % {
                "done": total.done,
                "scheduled": total.scheduled,
            }
            rows.append(
                {
                    "control": _("Log review: %(source)s") % {"source": source.source.name},
                    "kind": str(_("Log review")),
                    "target": str(source.system),
                    "due_on": quarter_end(year, 4).isoformat(),
                    "status": status,
                    "completed_on": "",
                    "light": light,
                    "light_label": str(label),
                    "evidence": f"{status}; "
                    + _(
                        "%(persons)s persons and %(logs)s logs reviewed; %(without)s without "
                        "and %(with)s with remark; %(incidents)s incidents reported"
                    )
                    % {
                        "persons": total.persons,
                        "logs": total.logs,
                        "without": total.without_remark,
                        "with": total.with_remark,
                        "incidents": total.incidents,
                    },
                    "remark": "",
                    "url": f"{reverse('logreview:reports')}?year={year}",
                }
            )
    return rows
