"""Import pages: upload, preview, commit or cancel; templates and exports in the import layout.

The uploaded file is read once, at upload; its parsed rows are kept server-side under a
random token in the uploader's folder (`imports.storage`). Preview and commit load those
rows and run the same engine: the preview validates without writing (no transaction, no
lock), the commit validates again and writes in one transaction.

A file of more than `FORVALTA_IMPORT_TASK_THRESHOLD` rows is checked and imported by
background tasks instead (`imports.jobs`): its job page shows a progress bar that
reloads itself without JavaScript (a refresh while the job runs) and, with htmx, polls
a fragment; then the same preview, and after confirmation the import's progress.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forvalta.audit.services import object_type_of, record
from forvalta.core.exports import export_filename
from forvalta.core.generic_views import deny
from forvalta.register.imports import KINDS, FileRejected, jobs, kinds_for, read_table, run_import
from forvalta.register.imports.base import Kind
from forvalta.register.imports.files import (
    export_response,
    instructions,
    register_workbook,
    template_response,
    xlsx_file_response,
)
from forvalta.register.imports.reading import max_bytes, max_rows
from forvalta.register.imports.storage import (
    StoredUpload,
    delete_upload,
    load_upload,
    save_upload,
)
from forvalta.register.imports.whole import (
    WHOLE,
    WholeReport,
    read_workbook,
    run_whole,
    whole_kinds,
)
from forvalta.register.models import ImportJob, ImportJobStatus, System

FORMATS = ("xlsx", "csv")


def nothing_to_import() -> str:
    return _("Nothing to import: the register already holds what the file says.")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), widget=forms.RadioSelect)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args: Any, kinds: list[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        choices: list[tuple[str, Any]] = [(k.key, k.label) for k in kinds]
        if kinds:
            choices.append((WHOLE, whole_label()))
        kind_field.choices = choices
        self.fields["file"].help_text = _(
            "Excel (.xlsx) or CSV (semicolon or comma), at most %(mb)s MB and %(rows)d rows."
        ) % {"mb": f"{max_bytes() / (1024 * 1024):g}", "rows": max_rows()}
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"id_{name}_hint")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB can be imported at a time.")
                % {"mb": f"{max_bytes() / (1024 * 1024):g}"}
            )
        return upload


def whole_label() -> str:
    return _("The whole register (an Excel workbook with one sheet per kind)")


def _allowed_kinds(request: HttpRequest) -> list[Kind]:
    kinds = kinds_for(request.user)
    if not kinds:
        deny(request, System, "import")
    return kinds


def _kind(request: HttpRequest, key: str) -> Kind:
    """A kind the user may import now (rights are checked again at every step)."""
    kind = KINDS.get(key)
    if kind is None:
        raise Http404
    if not request.user.has_perm(kind.perm):
        deny(request, kind.model, "import")
    return kind


def _gone(request: HttpRequest, message: str = "") -> HttpResponse:
    context = {
        "title": _("The import is no longer available"),
        "message": message or _("This import has been completed or cancelled, or it has expired."),
    }
    return render(request, "register/import_gone.html", context, status=404)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    kinds = _allowed_kinds(request)
    initial = {"kind": request.GET.get("kind", "")}
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid() and form.cleaned_data["kind"] == WHOLE:
            upload = form.cleaned_data["file"]
            try:
                sheets = read_workbook(request.user, upload.name, upload.read())
            except FileRejected as exc:
                form.add_error("file", exc.message)
            else:
                token = save_upload(request.user, WHOLE, upload.name, sheets)
                return redirect("register:import_preview", token=token)
        elif form.is_valid():
            kind = _kind(request, form.cleaned_data["kind"])
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                table = read_table(kind, upload.name, data)
            except FileRejected as exc:
                form.add_error("file", exc.message)
            else:
                if jobs.runs_as_task(table):
                    job = jobs.start_job(
                        user=request.user,
                        kind=kind,
                        filename=upload.name,
                        table=table,
                        language=getattr(request, "LANGUAGE_CODE", "") or "",
                    )
                    return redirect(job)
                token = save_upload(request.user, kind.key, upload.name, table)
                return redirect("register:import_preview", token=token)
        status = 400
    else:
        form = UploadForm(initial=initial, kinds=kinds)
        status = 200
    context = {
        "title": _("Import to the register"),
        "form": form,
        "kinds": kinds,
        "whole_title": _("The whole register"),
        "instructions": instructions(),
        "recent_jobs": ImportJob.objects.visible_to(request.user).order_by("-created_at")[:10],
    }
    return render(request, "register/import_start.html", context, status=status)


# Rows listed on a preview page (a 20 000-row file would make a page of many megabytes);
# every count is exact, and the rows past these are summed up.
MAX_LISTED_ROWS = 1000


def _preview_page(
    request: HttpRequest,
    stored: StoredUpload,
    kind: Kind,
    report: Any,
    status: int = 200,
    *,
    commit_url: str = "",
    cancel_url: str = "",
) -> HttpResponse:
    counts = report.counts
    changed = [r for r in report.rows if r.action != "unchanged"]
    unchanged = [r for r in report.rows if r.action == "unchanged"]
    errors = report.error_rows
    context = {
        "title": _("Check the import"),
        "kind": kind,
        "stored": stored,
        "report": report,
        "counts": counts,
        "error_rows": errors[:MAX_LISTED_ROWS],
        "more_error_rows": max(0, len(errors) - MAX_LISTED_ROWS),
        "changed_rows": changed[:MAX_LISTED_ROWS],
        "more_changed_rows": max(0, len(changed) - MAX_LISTED_ROWS),
        "unchanged_rows": unchanged[:MAX_LISTED_ROWS],
        "unchanged_count": len(unchanged),
        "to_import": counts["create"] + counts["update"],
        "commit_url": commit_url or reverse("register:import_commit", args=[stored.token]),
        "cancel_url": cancel_url or reverse("register:import_cancel", args=[stored.token]),
    }
    return render(request, "register/import_preview.html", context, status=status)


@login_required
@require_GET
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_upload(request.user, token)
    if stored is None:
        return _gone(request)
    if stored.kind == WHOLE:
        _allowed_kinds(request)
        whole = run_whole(actor=request.user, sheets=stored.table, commit=False)
        return _whole_preview_page(request, stored, whole)
    kind = _kind(request, stored.kind)
    report = run_import(actor=request.user, kind=kind, table=stored.table, commit=False)
    return _preview_page(request, stored, kind, report)


def _whole_preview_page(
    request: HttpRequest, stored: StoredUpload, whole: WholeReport, status: int = 200
) -> HttpResponse:
    counts = whole.counts
    sheets = []
    for kind, report in whole.sheets:
        changed = [r for r in report.rows if r.action != "unchanged"]
        sheets.append(
            {
                "kind": kind,
                "report": report,
                "counts": report.counts,
                "changed_rows": changed[:MAX_LISTED_ROWS],
                "more_changed_rows": max(0, len(changed) - MAX_LISTED_ROWS),
                "unchanged_count": report.counts["unchanged"],
            }
        )
    context = {
        "title": _("Check the import"),
        "whole_title": _("The whole register"),
        "stored": stored,
        "whole": whole,
        "counts": counts,
        "sheets": sheets,
        "rows": sum(len(r.rows) for _k, r in whole.sheets),
        "to_import": counts["create"] + counts["update"],
        "commit_url": reverse("register:import_commit", args=[stored.token]),
        "cancel_url": reverse("register:import_cancel", args=[stored.token]),
    }
    return render(request, "register/import_preview_whole.html", context, status=status)


@login_required
@require_POST
def import_commit(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_upload(request.user, token)
    if stored is None:
        return _gone(request)
    if stored.kind == WHOLE:
        return _whole_commit(request, stored)
    kind = _kind(request, stored.kind)
    report = run_import(actor=request.user, kind=kind, table=stored.table, commit=True)
    if report.committed:
        delete_upload(request.user, token)
        messages.success(request, _done_message(report.counts))
        return redirect(kind.list_url)
    if not report.has_errors:
        delete_upload(request.user, token)
        messages.info(request, nothing_to_import())
        return redirect(kind.list_url)
    # The register changed since the preview and some rows no longer fit: nothing was written.
    return _preview_page(request, stored, kind, report, status=409)


def _whole_commit(request: HttpRequest, stored: StoredUpload) -> HttpResponse:
    _allowed_kinds(request)
    whole = run_whole(actor=request.user, sheets=stored.table, commit=True)
    if whole.committed:
        delete_upload(request.user, stored.token)
        messages.success(request, _done_message(whole.counts))
        return redirect("register:import")
    if not whole.has_errors:
        delete_upload(request.user, stored.token)
        messages.info(request, nothing_to_import())
        return redirect("register:import")
    return _whole_preview_page(request, stored, whole, status=409)


@login_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    delete_upload(request.user, token)
    messages.info(request, _("The import was cancelled; nothing was imported."))
    return redirect("register:import")


def _kind_and_format(key: str, fmt: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None or fmt not in FORMATS:
        raise Http404
    return kind


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """An empty file with the kind's column headings (and, in Excel, instructions)."""
    if kind == WHOLE and fmt == "xlsx":
        kinds = whole_kinds(request.user) if _allowed_kinds(request) else []
        return xlsx_file_response(
            "forvalta-mall-hela-registret", register_workbook([(k, []) for k in kinds])
        )
    found = _kind_and_format(kind, fmt)
    _kind(request, found.key)
    return template_response(found, fmt)


@login_required
@require_GET
def import_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The user's own register of a kind, in the import's column layout (for a round
    trip): the rows their organisations may import back. "register.xlsx": every kind
    they may import, a sheet each."""
    if kind == WHOLE and fmt == "xlsx":
        return _export_whole(request)
    found = _kind_and_format(kind, fmt)
    if not request.user.has_perm(found.view_perm):
        deny(request, found.model, "view")
    rows = found.export_rows(request.user)
    object_type = object_type_of(found.model())
    record(
        actor=request.user,
        action=f"{object_type}.exported",
        object_type=object_type,
        object_repr=f"{len(rows)} rows",
        changes={"format": [None, fmt], "layout": [None, "import"]},
    )
    return export_response(found, fmt, rows)


def _export_whole(request: HttpRequest) -> HttpResponse:
    _allowed_kinds(request)
    sheets = []
    for kind in whole_kinds(request.user):
        rows = kind.export_rows(request.user)
        object_type = object_type_of(kind.model())
        record(
            actor=request.user,
            action=f"{object_type}.exported",
            object_type=object_type,
            object_repr=f"{len(rows)} rows",
            changes={"format": [None, "xlsx"], "layout": [None, "import, whole register"]},
        )
        sheets.append((kind, rows))
    stem = export_filename("forvalta-hela-registret")
    return xlsx_file_response(stem, register_workbook(sheets))


# --- large imports: a job per run, checked and imported in the background ------------------
def _job(request: HttpRequest, key: str) -> ImportJob:
    """The user's own job (anyone else's, or a key that is not one, is not found)."""
    return get_object_or_404(ImportJob.objects.visible_to(request.user), key=key)


def _done_message(counts: dict[str, Any]) -> str:
    done = _(
        "The import is done: %(create)d created, %(update)d changed, %(unchanged)d unchanged."
    ) % {k: int(counts.get(k, 0)) for k in ("create", "update", "unchanged")}
    skipped = int(counts.get("skipped", 0))
    if skipped:
        done += " " + ngettext(
            "%(count)d row of another organisation's was skipped.",
            "%(count)d rows of other organisations' were skipped.",
            skipped,
        ) % {"count": skipped}
    return done


def _job_context(job: ImportJob) -> dict[str, Any]:
    kind = KINDS.get(job.kind)
    summary = job.summary or {}
    outcome = ""
    if job.status == ImportJobStatus.DONE:
        changed = summary.get("create") or summary.get("update")
        outcome = _done_message(summary) if changed else nothing_to_import()
    return {
        "job": job,
        "kind": kind,
        "progress": jobs.progress_of(job),
        "list_url": kind.list_url if kind is not None else "",
        "outcome": outcome,
    }


@login_required
@require_GET
def import_job(request: HttpRequest, key: str) -> HttpResponse:
    """A large import's page: its progress while a task runs (refreshing itself), its
    preview once checked, its outcome once imported."""
    job = _job(request, key)
    if job.status == ImportJobStatus.CANCELLED:
        return _gone(request)
    if job.status == ImportJobStatus.READY:
        kind = _kind(request, job.kind)
        stored = jobs.stored_upload(job)
        report = jobs.stored_report(job)
        if stored is None or report is None:
            return _gone(request)
        return _preview_page(
            request,
            stored,
            kind,
            report,
            commit_url=reverse("register:import_job_confirm", args=[job.key]),
            cancel_url=reverse("register:import_job_cancel", args=[job.key]),
        )
    context = {"title": _("Import to the register"), **_job_context(job)}
    return render(request, "register/import_job.html", context)


@login_required
@require_GET
def import_job_progress(request: HttpRequest, key: str) -> HttpResponse:
    """The progress fragment alone, for htmx to poll. Once the job no longer runs, the
    fragment has no trigger (polling stops) and htmx is told to reload the page, which
    then shows the preview or the outcome."""
    job = _job(request, key)
    response = render(request, "register/import_job_progress.html", _job_context(job))
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_job_confirm(request: HttpRequest, key: str) -> HttpResponse:
    job = _job(request, key)
    _kind(request, job.kind)
    if not jobs.confirm_job(job) and job.status == ImportJobStatus.READY:
        # A preview with errors, or with nothing to import, has nothing to confirm.
        messages.info(request, _("This import cannot be confirmed: see its preview."))
    return redirect(job)


@login_required
@require_POST
def import_job_cancel(request: HttpRequest, key: str) -> HttpResponse:
    job = _job(request, key)
    if jobs.cancel_job(job):
        messages.info(request, _("The import was cancelled; nothing was imported."))
        return redirect("register:import")
    return redirect(job)
