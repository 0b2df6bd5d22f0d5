"""The shared tagged-PDF renderer (forvalta.core.pdf)."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from forvalta.core import pdf
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text

TEMPLATE = """{% extends "core/pdf/base.html" %}
{% block content %}<h2>§ 1 Val av justerare</h2><p>{{ text }}</p>
<table><thead><tr><th>Kommun</th><th class="num">Belopp</th></tr></thead>
<tbody><tr><td>Ale</td><td class="num">12 500,00</td></tr></tbody></table>
<p><img src="{{ url }}" alt="x"></p>{% endblock %}"""


@pytest.fixture
def template(monkeypatch: pytest.MonkeyPatch) -> str:
    compiled = engines["django"].from_string(TEMPLATE)
    monkeypatch.setattr(
        pdf,
        "render_to_string",
        lambda name, context, request=None: compiled.render(context, request),
    )
    return "inline"


def test_document_is_tagged_with_title_language_and_headings(template: str) -> None:
    with translation.override("sv"):  # the document takes the interface's language
        data = pdf.render_pdf(
            template,
            {"text": "Mötet valde Åsa Öberg.", "url": "https://example.org/x.png"},
            title="Protokoll 2027-03-01",
        )
    document = assert_tagged_pdf(data, title="Protokoll 2027-03-01")
    text = pdf_text(data)
    assert "§ 1 Val av justerare" in text
    assert "Mötet valde Åsa Öberg." in text
    assert "12 500,00" in text
    assert len(document.pages) == 1


def test_a_remote_resource_is_never_fetched(template: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched: list[str] = []

    def fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        fetched.append(url)
        raise ValueError("refused")

    monkeypatch.setattr(pdf, "_refuse_fetch", fetch)
    pdf.render_pdf(template, {"text": "", "url": "https://example.org/x.png"}, title="T")
    assert fetched == ["https://example.org/x.png"]


def test_response_is_a_private_download_with_a_clean_filename(template: str) -> None:
    request = RequestFactory().get("/")
    with translation.override("sv"):
        response = pdf.pdf_response(
            request, template, {"text": "", "url": ""}, title="T", filename='../a "b".pdf'
        )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="a_b.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert_tagged_pdf(response.content, title="T")


def test_the_footer_repeats_the_title_as_text(template: str) -> None:
    """The title reaches the footer through the heading (CSS `string-set`), never as
    text inside the style sheet, so a title with quotes or dashes prints as typed."""
    with translation.override("sv"):
        data = pdf.render_pdf(template, {"text": "", "url": ""}, title='Protokoll "§ 1-3"')
    text = pdf_text(data)
    assert text.count('Protokoll "§ 1-3"') == 2  # the heading and the footer
    assert "u002D" not in text and "\\u0022" not in text
    assert "Sida 1 / 1" in text
