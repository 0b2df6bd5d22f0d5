"""Validators for Swedish identifiers."""

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
