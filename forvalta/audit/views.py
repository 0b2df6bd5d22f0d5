"""Audit pages: the search (with extracts) and verification, for auditors.

The search is keyset-paginated on the chain position (newest first) and counts
no further than `COUNT_CAP`, so it costs the same on a million events as on ten.
Every search, extract and refusal is itself an event; a search's event is staged and
chained with the next batch, never as a synchronous chain write (`record(batch=True)`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from forvalta.audit import codes
from forvalta.audit.filters import PLATFORM, AuditEventFilterSet
from forvalta.audit.models import AuditCheckpoint, AuditDisposal, AuditEvent
from forvalta.audit.rules import readable_scope
from forvalta.audit.services import checkpoints_as_rows, record
from forvalta.audit.tables import EXPORT_FIELDS, event_rows, format_changes, headers
from forvalta.audit.verify import verify_trail
from forvalta.core.exports import XLSX_CONTENT_TYPE, export_filename, safe_cell
from forvalta.core.models import Organisation
from forvalta.core.tenancy import scope_for

# Why a chain is broken, in the reader's language (chain.REASONS has the codes).
REASON_LABELS = {
    "gap": gettext_lazy("An event is missing."),
    "order": gettext_lazy("Events are out of order or duplicated."),
    "link": gettext_lazy("The link to the previous event does not match."),
    "hash": gettext_lazy("The event was changed after it was written."),
    "checkpoint": gettext_lazy("The event differs from a recorded checkpoint."),
    "tail": gettext_lazy("Events recorded in a checkpoint are missing at the end."),
    "anchor": gettext_lazy("The start of the chain after disposal does not hold."),
    "staged": gettext_lazy("A staged event was changed, or has waited too long to be chained."),
}

PER_PAGE = 50
MIN_PER_PAGE = 10
MAX_PER_PAGE = 200
COUNT_CAP = 10_000
XLSX_MAX_ROWS = 200_000


def _organisations(ids: frozenset[int] | set[int]) -> list[Any]:
    # scoping: allowed the user's own organisations, to file a refusal under them
    return list(Organisation.objects.filter(pk__in=ids)) if ids else []


def refuse(request: HttpRequest, attempted: str) -> None:
    """Record the refusal (for each organisation the user acts for) and raise 403."""
    scope = scope_for(request.user)
    targets: list[Any] = _organisations(scope.org_ids) or [None]
    for org in targets:
        record(
            actor=request.user,
            action="access.denied",
            organisation=org,
            object_type="audit.auditevent",
            object_repr=request.path[:300],
            changes={"attempted": [None, attempted]},
        )
    raise PermissionDenied(_("You do not have permission to do this."))


def searched_organisations(request: HttpRequest) -> list[Any]:
    """The organisations whose events a search covered (None: the platform's)."""
    org_ids, platform = readable_scope(request.user)
    chosen = request.GET.get("organisation", "")
    if chosen == PLATFORM and platform:
        return [None]
    if chosen.isdigit() and int(chosen) in org_ids:
        return _organisations({int(chosen)})
    targets: list[Any] = _organisations(org_ids)
    if platform:
        targets.append(None)
    return targets


def record_search(request: HttpRequest, action: str, changes: dict[str, Any]) -> None:
    query = request.GET.copy()
    for key in ("export", "before"):
        query.pop(key, None)
    for org in searched_organisations(request):
        record(
            actor=request.user,
            action=action,
            organisation=org,
            object_type="audit.auditevent",
            object_repr=_("audit trail"),
            changes={"query": [None, query.urlencode()[:1000]], **changes},
            # Staged only: chained with the next batch, so a search never takes the
            # chain lock (PostgreSQL; docs/audit.md).
            batch=True,
        )


def filtered_events(request: HttpRequest) -> tuple[AuditEventFilterSet, QuerySet]:
    queryset = AuditEvent.objects.visible_to(request.user)
    filterset = AuditEventFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs.order_by("-seq")


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, whether there are more than `cap`): never a full COUNT(*)."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def page_size(request: HttpRequest) -> int:
    """Rows per page: `?per_page=` within MIN_PER_PAGE..MAX_PER_PAGE, else PER_PAGE."""
    value = request.GET.get("per_page", "")
    if not value.isdigit():
        return PER_PAGE
    return max(MIN_PER_PAGE, min(MAX_PER_PAGE, int(value)))


class AuditSearchView(LoginRequiredMixin, View):
    template_name = "audit/search.html"
    partial_template_name = "audit/partials/search_results.html"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not request.user.has_perm("audit.view_auditevent"):
            refuse(request, "search the audit trail")
        export = request.GET.get("export")
        filterset, queryset = filtered_events(request)
        # A filter that cannot be applied is shown with its errors beside the fields;
        # the page does not pretend that nothing matched, and nothing is extracted.
        filter_invalid = bool(filterset.is_bound and not filterset.is_valid())
        if export:
            if export not in {"csv", "xlsx"}:
                export = "csv"
            if not request.user.has_perm("audit.extract_auditevent"):
                refuse(request, "extract the audit trail")
            if not filter_invalid:
                return self.export(request, export)
        before = request.GET.get("before", "")
        page_qs = queryset.filter(seq__lt=int(before)) if before.isdigit() else queryset
        per_page = page_size(request)
        rows = list(page_qs[: per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        count, more = capped_count(queryset)
        record_search(
            request, "audit.searched", {"results": [None, f"{count}+" if more else count]}
        )
        next_query = request.GET.copy()
        if has_next:
            next_query["before"] = str(rows[-1].seq)
        context = {
            "title": _("Audit trail"),
            "filterset": filterset,
            "filter_invalid": filter_invalid,
            "headers": headers(),
            "rows": event_rows(rows, request.user),
            "count": count,
            "count_more": more,
            "count_cap": COUNT_CAP,
            "next_url": f"?{next_query.urlencode()}" if has_next else "",
            "first_url": "?" + _without(request, "before") if before else "",
            "can_extract": request.user.has_perm("audit.extract_auditevent"),
            "can_verify": request.user.has_perm("audit.verify_auditevent"),
            "action_codes_html": codes.action_codes_datalist(),
            "export_query": _without(request, "before", "export"),
            "is_filtered": bool(filterset.is_bound),
        }
        status = 400 if filter_invalid else 200
        if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]  # django-htmx
            context["partial"] = True
            return render(request, self.partial_template_name, context, status=status)
        return render(request, self.template_name, context, status=status)

    def export(self, request: HttpRequest, fmt: str) -> HttpResponseBase:
        _filterset, queryset = filtered_events(request)
        # What was there when asked: the extract's own event is not part of it.
        # scoping: allowed the chain's head position only, to bound the scoped extract
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        queryset = queryset.filter(seq__lte=last)
        # Counted up to the Excel limit only: never an exact COUNT over the whole trail.
        # `up_to_seq` with the query says exactly what the extract holds.
        total, more = capped_count(queryset, XLSX_MAX_ROWS)
        rows_text: int | str = f"{total}+" if more else total
        bounds = {"format": [None, fmt], "up_to_seq": [None, last]}
        if fmt == "xlsx" and more:
            record_search(request, "audit.extracted", {**bounds, "refused_rows": [None, rows_text]})
            return HttpResponse(
                _(
                    "More than %(max)s events match: too many for Excel. "
                    "Narrow the filter or extract as CSV."
                )
                % {"max": XLSX_MAX_ROWS},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        record_search(request, "audit.extracted", {**bounds, "rows": [None, rows_text]})
        stem = export_filename("audit-trail")
        header = [
            str(getattr(AuditEvent._meta.get_field(f), "verbose_name", f)) for f in EXPORT_FIELDS
        ]
        rows = (_export_row(e) for e in queryset.iterator(chunk_size=2000))
        if fmt == "csv":
            response = StreamingHttpResponse(_csv_lines(header, rows), content_type="text/csv")
            response["Content-Type"] = "text/csv; charset=utf-8"
            response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
            return response
        return _xlsx_response(stem, header, rows)


def _without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


def _export_row(event: AuditEvent) -> list[Any]:
    row: list[Any] = []
    for name in EXPORT_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = timezone.localtime(value).isoformat()
        elif name == "changes":
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        row.append(value)
    return row


def _csv_lines(header: list[str], rows: Iterator[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def _xlsx_response(stem: str, header: list[str], rows: Iterator[list[Any]]) -> HttpResponse:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Audit trail")[:31])
    ws.append(header)
    for row in rows:
        cells = [safe_cell(v) for v in row]
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in cells])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


class AuditVerifyView(LoginRequiredMixin, View):
    """For auditors: the last verification, a button to verify now, the checkpoints."""

    template_name = "audit/verify.html"

    def check(self, request: HttpRequest) -> None:
        if not request.user.has_perm("audit.verify_auditevent"):
            refuse(request, "verify the audit trail")

    def context(self, request: HttpRequest, result: Any = None) -> dict[str, Any]:
        # scoping: allowed the last verification of the whole chain, for verifiers
        last = AuditEvent.objects.filter(action="audit.verified").order_by("-seq").first()
        return {
            "title": _("Verify the audit trail"),
            "result": result,
            "reason": REASON_LABELS.get(result.broken.code, "")
            if result is not None and result.broken is not None
            else "",
            "last": last,
            "last_summary": format_changes(last.changes) if last else "",
            "checkpoints": AuditCheckpoint.objects.order_by("-day")[:31],
            "disposals": AuditDisposal.objects.order_by("-up_to_seq")[:10],
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check(request)
        return render(request, self.template_name, self.context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        from forvalta.audit.management.commands.audit_verify import result_changes

        self.check(request)
        result = verify_trail()
        record(
            actor=request.user,
            action="audit.verified",
            object_type="audit.auditevent",
            object_repr=str(result)[:300],
            changes=result_changes(result),
        )
        return render(request, self.template_name, self.context(request, result))


@login_required
def checkpoints_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if not request.user.has_perm("audit.verify_auditevent"):
        refuse(request, "export audit checkpoints")
    rows = checkpoints_as_rows()
    record(
        actor=request.user,
        action="audit.checkpoints_exported",
        object_type="audit.auditcheckpoint",
        object_repr=f"{len(rows)} checkpoints",
        changes={"format": [None, fmt]},
        batch=True,
    )
    stem = export_filename("audit-checkpoints")
    if fmt == "json":
        response = HttpResponse(
            json.dumps({"checkpoints": rows}, indent=1), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
        return response
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["day", "seq", "hash", "count", "created_at"])
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response
