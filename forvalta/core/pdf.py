"""Tagged PDF documents (PDF/UA-1) rendered from Django templates with WeasyPrint.

Minutes, protocols, plans, reports: every part that hands a document to people outside
Forvalta renders it here, so every PDF has a title, the language of the interface, a
structure tree (headings, tables, lists in reading order) and the same print styles.

    return pdf_response(
        request, "governance/minutes_pdf.html", {"meeting": meeting},
        title=str(meeting), filename=f"protokoll-{meeting.pk}.pdf",
    )

The template extends ``core/pdf/base.html`` and fills ``{% block content %}``. Nothing is
fetched over the network while rendering: a document only holds what its template puts in
it (the fetcher refuses every URL), so text a user typed cannot make the server load a
remote resource. Render inside the request (a document is a few pages); a part with a
report of hundreds of pages renders it in a task.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import get_valid_filename

PDF_VARIANT = "pdf/ua-1"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"A PDF does not load resources ({url[:40]}).")


class _NoFetcher:
    """WeasyPrint's fetcher protocol (a callable with ``_fail_on_errors``): every URL is
    refused, and the refusal is a warning that leaves the resource out, not an error."""

    _fail_on_errors = False

    def __call__(self, url: str) -> dict[str, Any]:
        return _refuse_fetch(url)


def render_html(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    request: HttpRequest | None = None,
) -> str:
    """The document as HTML (the same page the PDF is made from)."""
    language = translation.get_language() or "sv"
    return render_to_string(
        template_name,
        {**context, "document_title": title, "document_language": language.split("-")[0]},
        request=request,
    )


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    request: HttpRequest | None = None,
) -> bytes:
    """The document as a tagged PDF (PDF/UA-1: title, language, structure tree)."""
    import weasyprint  # imported here: it loads Pango, which pages without PDFs never need

    html = render_html(template_name, context, title=title, request=request)
    document = weasyprint.HTML(string=html, url_fetcher=_NoFetcher(), base_url=None)
    return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


def pdf_response(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    filename: str,
    inline: bool = False,
) -> HttpResponse:
    """A download of the tagged PDF; the filename is cleaned of anything unsafe."""
    data = render_pdf(template_name, context, title=title, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    name = get_valid_filename(filename).lstrip(".") or "dokument.pdf"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
