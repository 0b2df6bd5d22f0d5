"""Optimistic concurrency for every edit: the web form's version and the API's ETag.

Web: the edit page carries a signed snapshot of the form's fields as they were when
the page was opened (`VERSION_FIELD`). On save the generic edit view locks the row,
compares the snapshot with the row as stored now and, if anything changed in between,
refuses the save and lists what changed (old value -> current value).

API: a detail GET and every write answer with an `ETag` (a hash of the row as that
reader sees it); a PUT, PATCH or DELETE with an `If-Match` that no longer matches is
refused with 412 and nothing changed. Without `If-Match` the write goes through as
before.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any

from django import forms
from django.core import signing
from django.db import models
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status

VERSION_FIELD = "_version"
_SALT = "forvalta.edit-version"


# --- the web form's version -----------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | models.QuerySet):
        return sorted(str(_plain(v)) for v in value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def form_values(form: forms.BaseForm) -> dict[str, Any]:
    """The stored values of the form's model fields, as plain JSON values."""
    instance = getattr(form, "instance", None)
    if instance is None or instance.pk is None:
        return {}
    names = {f.name for f in instance._meta.get_fields()}
    return {
        name: _plain(form.get_initial_for_field(field, name))
        for name, field in form.fields.items()
        if name in names
    }


def _digest(values: dict[str, Any]) -> str:
    body = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return salted_hmac(_SALT, body, algorithm="sha256").hexdigest()


_HIDDEN = "\u2063hidden"  # stands for a related row the user cannot see


def _shown_values(form: forms.BaseForm, values: dict[str, Any]) -> dict[str, Any]:
    """The values with related rows the user cannot see masked.

    The token is signed, not encrypted: it must not carry even the id of a row outside
    the user's scope (an integration's hidden counterpart, say). A change among hidden
    rows is still noticed through the keyed digest of the full values.
    """
    shown = dict(values)
    for name, value in values.items():
        field = form.fields[name]
        queryset = getattr(field, "queryset", None)
        if queryset is None or value in ("", []):
            continue
        ids = value if isinstance(value, list) else [value]
        seen = {str(pk) for pk in queryset.filter(pk__in=ids).values_list("pk", flat=True)}
        if isinstance(value, list):
            shown[name] = [pk for pk in value if str(pk) in seen]
        elif str(value) not in seen:
            shown[name] = _HIDDEN
    return shown


def version_token(form: forms.BaseForm) -> str:
    instance = form.instance  # type: ignore[attr-defined]  # a ModelForm
    values = form_values(form)
    return signing.dumps(
        {"pk": str(instance.pk), "h": _digest(values), "v": _shown_values(form, values)},
        salt=_SALT,
        compress=True,
    )


class BadVersion(Exception):
    """The version token is damaged, forged or belongs to another row."""


def opened_version(token: str, instance: models.Model) -> dict[str, Any]:
    """The signed version: {"h": digest of the values, "v": the values as shown}."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature as exc:
        raise BadVersion from exc
    if not isinstance(data, dict) or data.get("pk") != str(instance.pk):
        raise BadVersion
    if not isinstance(data.get("v"), dict) or not isinstance(data.get("h"), str):
        raise BadVersion
    return data


def is_current(opened: dict[str, Any], current_form: forms.BaseForm) -> bool:
    return constant_time_compare(opened["h"], _digest(form_values(current_form)))


def _shown(field: forms.Field, value: Any) -> str:
    """A stored value as the user would read it in the form (rows they cannot see hidden)."""
    empty = _("(empty)")
    if value in ("", None, []):
        return empty
    if value == _HIDDEN:
        return _("(not visible to you)")
    if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        ids = value if isinstance(value, list) else [value]
        queryset = field.queryset
        names = []
        for pk in ids:
            found = queryset is not None and str(pk).isdigit()
            row = queryset.filter(pk=pk).first() if found else None  # type: ignore[union-attr]  # checked
            names.append(field.label_from_instance(row) if row else _("(not visible to you)"))
        return ", ".join(str(n) for n in names)
    if isinstance(field, forms.BooleanField) or isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = getattr(field, "choices", None)
    if choices:
        flat = {str(k): v for k, v in _flat_choices(choices)}
        if str(value) in flat:
            return str(flat[str(value)])
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def _flat_choices(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


def changes_since(version: dict[str, Any], current_form: forms.BaseForm) -> list[str]:
    """'Label: old -> current' for every field whose value, as the user may see it,
    changed since the form was opened."""
    opened = version["v"]
    current = _shown_values(current_form, form_values(current_form))
    lines = []
    for name, field in current_form.fields.items():
        if name not in current or name not in opened or opened[name] == current[name]:
            continue
        label = str(field.label or name)
        lines.append(
            f"{label[:1].upper()}{label[1:]}: "
            f"{_shown(field, opened[name])} → {_shown(field, current[name])}"
        )
    return lines


# --- the API's ETag ------------------------------------------------------------------------
class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = gettext_lazy(
        "The row has changed since you read it (If-Match does not match its ETag). "
        "Nothing was changed: read it again and retry."
    )


def etag_of(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40] + '"'


def check_if_match(header: str | None, current_etag: str) -> None:
    """Raise PreconditionFailed unless If-Match is absent, `*` or names the current ETag."""
    if header is None:
        return
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags or current_etag in tags:
        return
    raise PreconditionFailed
