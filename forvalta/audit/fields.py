"""A JSON field stored as its RFC 8785 text.

The hash covers the canonical JSON of an event's changes. Storing exactly that text
(a text column, on every database) lets PostgreSQL hand it back byte for byte, so
verification can hash what is stored without parsing and re-encoding it (jsonb would
reorder keys and respace the text). Python code sees a dict, as with JSONField.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import models

from forvalta.audit import chain


class CanonicalJSONField(models.TextField):
    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return chain.canonical_json_fast(chain.normalise(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            return value  # a damaged row: shown as it is, and verify says so

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or ""

    def formfield(self, **kwargs: Any) -> Any:
        return forms.JSONField(**kwargs)
