"""Clients' personal identity numbers: a keyed hash per organisation (HMAC-SHA256 with a
key derived from SECRET_KEY and the organisation's id) and a masked form for display
(19121212-****) on every log row. The full number is kept once per organisation and
client (`ClientIdentity`), encrypted with Fernet under a key derived per organisation
from SECRET_KEY by HKDF, only so that an order's recipient can reveal it (an audit
event, `services.reveal_client`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
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


def sealed(organisation_id: int, text: str) -> str:
    """A keyed digest for the audit trail: proves what was written without showing it
    to the trail's readers (the organisation's administrators). Used by the review on
    suspicion and the unauthorised-access follow-up; the "suspicion:" domain is kept as
    it was first written so that the events already recorded still verify."""
    return hmac.new(
        organisation_key(organisation_id), f"suspicion:{text}".encode(), hashlib.sha256
    ).hexdigest()


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


# --- the full number, encrypted per organisation -------------------------------------
REMEMBER_BATCH = 1000


@lru_cache(maxsize=256)
def _fernet(secret_key: str, organisation_id: int) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"forvalta.logreview.identity:{organisation_id}".encode(),
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(organisation_id: int) -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s, organisation_id) for s in secrets])


def encrypt_number(organisation_id: int, number: str) -> str:
    return _keys(organisation_id).encrypt(number.encode()).decode()


def decrypt_number(organisation_id: int, token: str) -> str:
    """The number; "" when no key decrypts it (another organisation's key, SECRET_KEY
    changed without a fallback)."""
    try:
        return _keys(organisation_id).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


# An advisory lock per organisation between the loads (shared, from their
# `remember_clients` to their commit) and the disposal of identities (exclusive, tried
# only): a load whose clients are already known adds no identity, so without it the
# disposal could take an identity away from rows that a running load commits after it.
_IDENTITY_LOCK = 0x1DE7


def hold_identities(organisation_id: int) -> None:
    """Held by a load until its transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)", [_IDENTITY_LOCK, organisation_id]
            )


def may_dispose_identities(organisation_id: int) -> bool:
    """Inside the disposal's transaction: no load of the organisation is between storing
    its clients and its commit (the lock is then held to the transaction's end)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [_IDENTITY_LOCK, organisation_id]
        )
        return bool(cursor.fetchone()[0])


def remember_clients(organisation_id: int, numbers: Iterable[str]) -> int:
    """Keep the encrypted full number of each distinct client not yet known to the
    organisation: one query per batch of hashes to find the known ones and one bulk
    insert of the unknown (never one query per row). Invalid numbers are skipped (the
    parse refuses them). Returns how many were added. Runs inside the load's
    transaction: a file refused keeps nothing."""
    by_hash: dict[str, str] = {}
    for raw in set(numbers):
        try:
            number = normalise(raw)
        except InvalidIdentity:
            continue
        by_hash.setdefault(client_hash(organisation_id, number), number)
    return remember_hashed(organisation_id, by_hash)


def remember_hashed(organisation_id: int, by_hash: dict[str, str]) -> int:
    """`remember_clients` for numbers already normalised and hashed (hash -> number)."""
    from forvalta.logreview.models import ClientIdentity

    hold_identities(organisation_id)
    hashes = sorted(by_hash)
    added = 0
    for start in range(0, len(hashes), REMEMBER_BATCH):
        chunk = hashes[start : start + REMEMBER_BATCH]
        known = set(
            ClientIdentity.objects.filter(
                organisation_id=organisation_id, client_hash__in=chunk
            ).values_list("client_hash", flat=True)
        )
        new = [
            ClientIdentity(
                organisation_id=organisation_id,
                client_hash=digest,
                number=encrypt_number(organisation_id, by_hash[digest]),
            )
            for digest in chunk
            if digest not in known
        ]
        # A concurrent load may add the same client: the unique constraint keeps one.
        ClientIdentity.objects.bulk_create(new, ignore_conflicts=True)
        added += len(new)
    return added


def client_numbers(load: Any) -> list[str]:
    """The client column of a load's log file (after `ingest.parse` accepted it)."""
    from forvalta.logreview.ingest import read_rows

    header, rows = read_rows(bytes(load.data))
    heading = str(load.source.mapping.get("client_id") or "").strip()
    if heading not in header:
        return []
    i = header.index(heading)
    return [row[i].strip() for row in rows if i < len(row)]


def reveal(organisation_id: int, digest: str) -> str:
    """The full number of a client of the organisation; "" when not kept. Only
    `services.reveal_client` calls this, after its permission check and with its audit
    event."""
    from forvalta.logreview.models import ClientIdentity

    token = (
        ClientIdentity.objects.filter(organisation_id=organisation_id, client_hash=digest)
        .values_list("number", flat=True)
        .first()
    )
    return decrypt_number(organisation_id, token) if token else ""
