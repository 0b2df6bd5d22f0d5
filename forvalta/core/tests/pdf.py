"""Checks for the tagged PDFs of forvalta.core.pdf, shared by every part's tests."""

from __future__ import annotations

import io

import pikepdf
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of every page, for exact assertions and the tenancy marker scan."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def assert_tagged_pdf(data: bytes, *, title: str, language: str = "sv") -> pikepdf.Pdf:
    """Fail unless ``data`` is a PDF/UA document: marked, with a structure tree holding
    headings, the given title shown as the window title, and the document language."""
    assert data.startswith(b"%PDF-"), data[:20]
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == language
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert str(pdf.docinfo.Title) == title
    with pdf.open_metadata() as meta:
        assert meta.get("dc:title") == title
        assert meta.get("pdfuaid:part") == "1"
    tags = _structure_tags(root.StructTreeRoot)
    assert "/H1" in tags, sorted(tags)
    assert "/P" in tags, sorted(tags)
    return pdf


def _structure_tags(node: pikepdf.Object, seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if isinstance(node, pikepdf.Array):
        for child in node:
            _structure_tags(child, seen)
    elif isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            seen.add(str(node.S))
        if "/K" in node:
            _structure_tags(node.K, seen)
    return seen
