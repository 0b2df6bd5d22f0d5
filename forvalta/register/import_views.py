"""Import pages: upload, preview, commit or cancel; templates and exports in the import layout.

The uploaded file is read once, at upload; its parsed rows are kept server-side under a
random token in the uploader's folder (`imports.storage`). Preview and commit load those
rows and run the same engine: the preview validates without writing (no transaction, no
lock), the commit validates again and writes in one transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forvalta.audit.services import object_type_of, record
from forvalta.core.generic_views import deny
from forvalta.register.imports import KINDS, FileRejected, kinds_for, read_table, run_import
from forvalta.register.imports.base import Kind
from forvalta.register.imports.files import export_response, instructions, template_response
from forvalta.register.imports.reading import max_bytes, max_rows
from forvalta.register.imports.storage import (
    StoredUpload,
    delete_upload,
    load_upload,
    save_upload,
)
from forvalta.register.models import System

FORMATS = ("xlsx", "csv")


def nothing_to_import() -> str:
    return _("Nothing to import: the register already holds what the file says.")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), widget=forms.RadioSelect)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args: Any, kinds: list[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [(k.key, k.label) for k in kinds]
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
        if form.is_valid():
            kind = _kind(request, form.cleaned_data["kind"])
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                table = read_table(kind, upload.name, data)
            except FileRejected as exc:
                form.add_error("file", exc.message)
            else:
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
        "instructions": instructions(),
    }
    return render(request, "register/import_start.html", context, status=status)


def _preview_page(
    request: HttpRequest, stored: StoredUpload, kind: Kind, report: Any, status: int = 200
) -> HttpResponse:
    counts = report.counts
    context = {
        "title": _("Check the import"),
        "kind": kind,
        "stored": stored,
        "report": report,
        "counts": counts,
        "changed_rows": [r for r in report.rows if r.action != "unchanged"],
        "unchanged_rows": [r for r in report.rows if r.action == "unchanged"],
        "to_import": counts["create"] + counts["update"],
    }
    return render(request, "register/import_preview.html", context, status=status)


@login_required
@require_GET
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_upload(request.user, token)
    if stored is None:
        return _gone(request)
    kind = _kind(request, stored.kind)
    report = run_import(actor=request.user, kind=kind, table=stored.table, commit=False)
    return _preview_page(request, stored, kind, report)


@login_required
@require_POST
def import_commit(request: HttpRequest, token: str) -> HttpResponse:
    stored = load_upload(request.user, token)
    if stored is None:
        return _gone(request)
    kind = _kind(request, stored.kind)
    report = run_import(actor=request.user, kind=kind, table=stored.table, commit=True)
    if report.committed:
        delete_upload(request.user, token)
        counts = report.counts
        messages.success(
            request,
            _(
                "The import is done: %(create)d created, %(update)d changed, "
                "%(unchanged)d unchanged."
            )
            % counts,
        )
        return redirect(kind.list_url)
    if not report.has_errors:
        delete_upload(request.user, token)
        messages.info(request, nothing_to_import())
        return redirect(kind.list_url)
    # The register changed since the preview and some rows no longer fit: nothing was written.
    return _preview_page(request, stored, kind, report, status=409)


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
    found = _kind_and_format(kind, fmt)
    _kind(request, found.key)
    return template_response(found, fmt)


@login_required
@require_GET
def import_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """What the user sees of a kind, in the import's column layout (for a round trip)."""
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
