"""Clients' personal identity numbers are never stored: only a keyed hash per
organisation (HMAC-SHA256 with a key derived from SECRET_KEY and the organisation's id)
and a masked form for display (19121212-****)."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from personnummer import personnummer


class InvalidIdentity(ValueError):
    pass


@lru_cache(maxsize=256)
def organisation_key(organisation_id: int) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"forvalta.logreview.client:{organisation_id}".encode(),
        hashlib.sha256,
    ).digest()


def normalise(raw: str) -> str:
    """The twelve-digit form with a hyphen (19121212-1212); raises `InvalidIdentity`."""
    text = str(raw).strip()
    try:
        digits = str(personnummer.Personnummer(text).format(True)).replace("-", "")
    except Exception as exc:  # the library raises its own exception kinds
        raise InvalidIdentity(text) from exc
    return f"{digits[:8]}-{digits[8:]}"


def client_hash(organisation_id: int, number: str) -> str:
    """The keyed hash of a normalised number (hex, 64 characters)."""
    return hmac.new(organisation_key(organisation_id), number.encode(), hashlib.sha256).hexdigest()


def surname_hash(organisation_id: int, full_name: str) -> str:
    """The keyed hash of a name's last word (case-folded); "" for no name."""
    words = str(full_name).split()
    if not words:
        return ""
    key = organisation_key(organisation_id)
    return hmac.new(key, f"surname:{words[-1].casefold()}".encode(), hashlib.sha256).hexdigest()


def masked(number: str) -> str:
    """19121212-1212 -> 19121212-****."""
    return number[:9] + "****"


def hash_and_mask(organisation_id: int, raw: str) -> tuple[str, str]:
    number = normalise(raw)
    return client_hash(organisation_id, number), masked(number)
