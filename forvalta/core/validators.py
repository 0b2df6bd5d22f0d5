"""Validators for Swedish identifiers and for text."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.se import orgnr


def normalise_org_number(value: str) -> str:
    """Return an organisation number as NNNNNN-NNNN, or raise ValidationError."""
    raw = (value or "").strip()
    digits = orgnr.compact(raw) if raw else ""
    if not orgnr.is_valid(digits):
        raise ValidationError(
            _("“%(value)s” is not a valid Swedish organisation number (NNNNNN-NNNN)."),
            code="invalid_org_number",
            params={"value": raw},
        )
    return orgnr.format(digits)


def validate_org_number(value: str) -> None:
    normalise_org_number(value)


# C0 controls (except tab, line feed and carriage return, allowed in multi-line text),
# DEL and the C1 controls. Exports strip them, so a name holding one would come back from
# a re-import as a different name.
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_no_control_characters(value: Any, *, multiline: bool = False) -> None:
    """Refuse control characters in text (tab and line breaks only where multi-line)."""
    if not isinstance(value, str):
        return
    pattern = _CONTROL_MULTI_LINE if multiline else _CONTROL_SINGLE_LINE
    match = pattern.search(value)
    if match is not None:
        raise ValidationError(
            _(
                "The text contains a control character (U+%(code)s) that is not allowed. "
                "Remove it and try again."
            ),
            code="control_character",
            params={"code": f"{ord(match.group()):04X}"},
        )


def validate_no_control_characters_multiline(value: Any) -> None:
    validate_no_control_characters(value, multiline=True)
