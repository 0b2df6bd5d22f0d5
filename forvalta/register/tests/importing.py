"""Helpers for the import tests: real-looking files and the upload → preview → commit steps."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

BOM = b"\xef\xbb\xbf"


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    delimiter: str = ";",
    encoding: str = "utf-8",
    bom: bool = True,
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return BOM + data if bom else data


def xlsx_bytes(rows: Sequence[Sequence[Any]], title: str = "Blad1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes, sheet: int = 0) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return list(wb.worksheets[sheet].iter_rows(values_only=True))


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def in_english(client: Any) -> None:
    """Messages in English, whatever the Swedish catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def upload(client: Any, kind: str, filename: str, data: bytes) -> Any:
    return client.post(
        reverse("register:import"),
        {"kind": kind, "file": SimpleUploadedFile(filename, data)},
    )


def token_of(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    parts = location.rstrip("/").split("/")
    assert parts[-1] == "preview", location
    return parts[-2]


def preview(client: Any, kind: str, filename: str, data: bytes) -> tuple[str, Any]:
    token = token_of(upload(client, kind, filename, data))
    return token, client.get(reverse("register:import_preview", args=[token]))


def commit(client: Any, token: str) -> Any:
    return client.post(reverse("register:import_commit", args=[token]))


def import_file(client: Any, kind: str, filename: str, data: bytes) -> Any:
    """Upload, preview and commit; returns the commit response."""
    token, page = preview(client, kind, filename, data)
    assert page.status_code == 200
    return commit(client, token)
