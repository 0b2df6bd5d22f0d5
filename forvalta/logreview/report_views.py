"""The report page of log review (build 8): `/logreview/reports/?year=YYYY`, per
organisation and log source the quarters and the year; `&export=csv|xlsx|pdf` exports it
(the PDF a tagged document for the internal control's file)
(recorded `logreview.report.exported`). Read through `reports.year_report`, which
scopes the schedules with `visible_to` and the access staff's roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from forvalta.audit.services import record
from forvalta.core.exports import csv_response, export_filename, xlsx_response
from forvalta.core.models import today
from forvalta.core.pdf import pdf_response
from forvalta.logreview import reports as figures
from forvalta.logreview import services
from forvalta.logreview.models import SamplingSchedule


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("logreview.view_report"):
        services.deny(request.user, SamplingSchedule(), "view log review report")
    raw = request.GET.get("year", "")
    year = today().year
    error = ""
    if raw:
        try:
            year = int(raw)
        except ValueError:
            year = 0
        if not 1900 <= year <= 2100:
            error = _("Give a year from 1900 to 2100.")
            year = today().year
    if error:
        return render(
            request,
            "logreview/reports.html",
            {"year": raw, "error": error, "report": [], "quarters": figures.QUARTERS},
            status=400,
        )
    report = figures.year_report(request.user, year)
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx", "pdf"}:
        record(
            actor=request.user,
            action="logreview.report.exported",
            object_type="logreview.report",
            object_repr=f"{year}",
            changes={"format": [None, fmt], "year": [None, year]},
        )
        stem = export_filename(f"loggranskning-{year}")
        if fmt == "pdf":
            return pdf_response(
                request,
                "logreview/reports_pdf.html",
                {"year": year, "report": report, "printed": date_format(today())},
                title=_("Log review %(year)s") % {"year": year},
                filename=f"{stem}.pdf",
            )
        header = figures.export_header()
        body = figures.export_rows(report, year)
        if fmt == "csv":
            return csv_response(stem, header, body)
        return xlsx_response(stem, header, body, title=_("Log review %(year)s") % {"year": year})
    return render(
        request,
        "logreview/reports.html",
        {"year": year, "report": report, "quarters": figures.QUARTERS, "error": ""},
    )
