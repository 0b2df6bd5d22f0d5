"""Uploaded files between preview and commit.

A file is read once, at upload (`reading.read_table`, within its limits); what is kept
are its parsed rows, as JSON, in the default storage under imports/<user id>/<token>
(`<token>.rows`, with `<token>.json` for who, what and when), where the token is random
and the folder is the uploader's: another user, or a guessed token, finds nothing. The
preview and the commit load those rows; neither reads the workbook again, and neither
trusts row data sent back by the browser. A large import's preview report is kept
beside them (`<token>.report`). They are removed after commit or cancel, and after a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from forvalta.register.imports.reading import Table

TOKEN = re.compile(r"[A-Za-z0-9_-]{24,64}")
MAX_AGE = dt.timedelta(hours=24)


@dataclass
class StoredUpload:
    token: str
    kind: str
    filename: str
    table: Any  # a Table, or for a whole-register workbook its Sheets
    uploaded_at: dt.datetime


def _folder(user: Any) -> str:
    return f"imports/{int(user.pk)}"


def clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:200] or "import"


def save_upload(user: Any, kind: str, filename: str, table: Any) -> str:
    purge_expired(user)
    data = table.to_json().encode()
    token = secrets.token_urlsafe(24)
    folder = _folder(user)
    meta = {
        "kind": kind,
        "filename": clean_filename(filename),
        "uploaded_at": timezone.now().isoformat(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    default_storage.save(f"{folder}/{token}.rows", ContentFile(data))
    default_storage.save(f"{folder}/{token}.json", ContentFile(json.dumps(meta).encode()))
    return token


def load_upload(user: Any, token: str) -> StoredUpload | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    folder = _folder(user)
    meta_name, data_name = f"{folder}/{token}.json", f"{folder}/{token}.rows"
    if not (default_storage.exists(meta_name) and default_storage.exists(data_name)):
        return None
    with default_storage.open(meta_name, "rb") as fh:
        meta = json.loads(fh.read().decode())
    with default_storage.open(data_name, "rb") as fh:
        data = fh.read()
    uploaded_at = dt.datetime.fromisoformat(meta["uploaded_at"])
    if timezone.now() - uploaded_at > MAX_AGE or hashlib.sha256(data).hexdigest() != meta["sha256"]:
        delete_upload(user, token)
        return None
    try:
        if meta["kind"] == "register":
            from forvalta.register.imports.whole import Sheets

            table: Any = Sheets.from_json(data.decode())
        else:
            table = Table.from_json(data.decode())
    except (ValueError, KeyError, TypeError):
        delete_upload(user, token)
        return None
    table.filename = str(meta["filename"])
    return StoredUpload(
        token=token,
        kind=str(meta["kind"]),
        filename=str(meta["filename"]),
        table=table,
        uploaded_at=uploaded_at,
    )


def save_report(user: Any, token: str, data: dict[str, Any]) -> None:
    """A background preview's report beside its upload (`<token>.report`), for the page
    that shows it."""
    if not TOKEN.fullmatch(token or ""):
        raise ValueError("bad upload token")
    name = f"{_folder(user)}/{token}.report"
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(data).encode()))


def load_report(user: Any, token: str) -> dict[str, Any] | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    name = f"{_folder(user)}/{token}.report"
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as fh:
        try:
            data: dict[str, Any] = json.loads(fh.read().decode())
        except ValueError:
            return None
    return data


def delete_upload(user: Any, token: str) -> None:
    if not TOKEN.fullmatch(token or ""):
        return
    for suffix in (".rows", ".json", ".data", ".report"):
        name = f"{_folder(user)}/{token}{suffix}"
        if default_storage.exists(name):
            default_storage.delete(name)


def purge_expired(user: Any) -> None:
    """Remove the user's uploads that were neither committed nor cancelled within a day."""
    folder = _folder(user)
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    now = timezone.now()
    for name in files:
        if not name.endswith(".json"):
            continue
        token = name[: -len(".json")]
        try:
            with default_storage.open(f"{folder}/{name}", "rb") as fh:
                uploaded_at = dt.datetime.fromisoformat(
                    json.loads(fh.read().decode())["uploaded_at"]
                )
        except (ValueError, KeyError, OSError):
            uploaded_at = now - MAX_AGE - dt.timedelta(seconds=1)
        if now - uploaded_at > MAX_AGE:
            delete_upload(user, token)
