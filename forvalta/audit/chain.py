"""The hash chain: canonical encoding, event hashes and the verifier core.

Pure Python with no database, so that the database verifier (`verify.py`), the
property tests and the benchmark all run the same code.

An event's hash is ``sha256(JCS(content))`` where JCS is the JSON Canonicalization
Scheme (RFC 8785) and ``content`` holds the event's recorded fields, its chain
position ``seq``, the previous event's hash ``prev_hash`` and the format version
``v``. Changing any field, the position or the link changes the hash; removing,
inserting or reordering events breaks a link or the run of positions. Cutting the
tail off leaves a shorter chain that is consistent in itself: that is caught by
comparing with checkpoints (the head recorded every day and exported).

Values are normalised when an event is recorded (`normalise`): strings, safe
integers, booleans, None, lists and objects with string keys. Floats, decimals and
integers beyond 2**53 are stored as strings, so the encoding never depends on
number formatting, and the JSON that PostgreSQL (jsonb) or SQLite give back hashes
the same as what was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

HASH_VERSION = 1
GENESIS_HASH = "0" * 64
MAX_SAFE_INT = 2**53 - 1

# The recorded fields that the hash covers, in addition to seq, prev_hash and v.
HASHED_FIELDS: tuple[str, ...] = (
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_organisation_id",
    "actor_organisation_name",
    "organisation_id",
    "organisation_name",
    "client_address",
    "user_agent",
    "api_token_id",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
)

# Hashed only when set (id not null or name not empty): events written before these
# fields existed keep their content, so existing chains still verify.
OPTIONAL_FIELDS: tuple[str, ...] = ("actor_organisation_id", "actor_organisation_name")

_SURROGATE = re.compile("[\ud800-\udfff]")


# --- RFC 8785 canonical JSON ---------------------------------------------------------------
def _es_number(value: float) -> str:
    """A finite double as ECMAScript's Number.prototype.toString writes it (RFC 8785 3.2.2.3)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError("NaN and Infinity have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    all_digits = "".join(map(str, digit_tuple))
    digits = all_digits.rstrip("0")
    # value = 0.<digits> * 10**n, with k significant digits
    n = exponent + len(all_digits)
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be")


def _jcs(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError("lone surrogates are not valid JSON text (RFC 8785 3.2.2.2)")
        out.append(json.encoder.encode_basestring(value))  # type: ignore[attr-defined]  # C escaper
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            # ECMAScript would round it to a double; RFC 8785 advises strings instead.
            out.append(_es_number(float(value)))
        else:
            out.append(str(value))
    elif isinstance(value, float):
        out.append(_es_number(value))
    elif isinstance(value, Mapping):
        out.append("{")
        keys = list(value)
        if not all(isinstance(k, str) for k in keys):
            raise TypeError("JSON object keys must be strings")
        # Sorted by UTF-16 code units (RFC 8785 3.2.3).
        keys.sort(key=None if all(k.isascii() for k in keys) else _utf16_key)
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            _jcs(key, out)
            out.append(":")
            _jcs(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    """RFC 8785 (JCS) text of a JSON value. The reference implementation: slow, exact."""
    out: list[str] = []
    _jcs(value, out)
    return "".join(out)


_fast_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


def canonical_json_fast(value: Any) -> str:
    """The same text as `canonical_json` for normalised values, produced by the C encoder.

    For values `normalise` produced (no floats, integers within 2**53, no lone
    surrogates) the stdlib encoder with sorted keys and no spaces writes RFC 8785
    text, except that it sorts keys by code point where RFC 8785 sorts by UTF-16
    code units; the two orders differ only for characters beyond U+FFFF, so text
    containing any falls back to the exact encoder. For values that were *not*
    normalised (a tampered row holding a float, say) the output may differ from
    RFC 8785, but it is still an injective encoding, so the hash still mismatches.
    """
    if _has_non_ascii_key(value):
        return canonical_json(value)
    return _fast_dumps(value)


def _has_non_ascii_key(value: Any) -> bool:
    """Whether any object key (at any depth) is non-ASCII: then key order might differ."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, str) and key.isascii()):
                return True
            if isinstance(item, dict | list) and _has_non_ascii_key(item):
                return True
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and _has_non_ascii_key(item):
                return True
    return False


# --- normalising recorded values ------------------------------------------------------------
def normalise(value: Any) -> Any:
    """A JSON value that encodes the same before and after a database round trip."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INT else str(value)
    if isinstance(value, float):
        return _es_number(value) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {normalise(str(k)): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((normalise(v) for v in value), key=canonical_json)
    return normalise(str(value))


@lru_cache(maxsize=4096)
def canonical_address(value: str | None) -> str | None:
    """An IP address in one spelling (IPv4-mapped IPv6 unpacked), or None if it is none."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.split("/")[0].strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def timestamp(value: dt.datetime | str) -> str:
    """The event time as the chain encodes it: UTC, microseconds, ``Z``."""
    if isinstance(value, str):
        # SQLite stores naive UTC text ("2026-01-02 03:04:05.678901").
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def content(seq: int, prev_hash: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the hash covers. `fields` holds HASHED_FIELDS with occurred_at already a string."""
    data = {name: fields.get(name) for name in HASHED_FIELDS}
    drop_unset_optional(data)
    data["seq"] = seq
    data["prev_hash"] = prev_hash
    data["v"] = HASH_VERSION
    return data


def drop_unset_optional(data: dict[str, Any]) -> dict[str, Any]:
    """Remove the optional fields from a content mapping when neither is set."""
    if data.get("actor_organisation_id") is None and not data.get("actor_organisation_name"):
        for name in OPTIONAL_FIELDS:
            data.pop(name, None)
    return data


def staged_hash(fields: Mapping[str, Any]) -> str:
    """The hash of a staged event's fields (occurred_at already a string): what the
    sequencer and verify compare a staged row with before it is chained."""
    data = {name: fields.get(name) for name in HASHED_FIELDS}
    drop_unset_optional(data)
    return content_hash(data)


def content_hash(data: Mapping[str, Any]) -> str:
    """The hash of a complete content mapping (as `content` builds it).

    Its keys are the fixed ASCII names above and only `changes` can hold objects, so
    only `changes` is looked at to choose the encoder (see `canonical_json_fast`).
    """
    changes = data.get("changes")
    if isinstance(changes, dict | list) and _has_non_ascii_key(changes):
        text = canonical_json(data)
    else:
        text = _fast_dumps(data)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(seq: int, prev_hash: str, fields: Mapping[str, Any]) -> str:
    return content_hash(content(seq, prev_hash, fields))


# --- verification --------------------------------------------------------------------------
@dataclass(frozen=True)
class Anchor:
    """A chain position and the hash of the event there (0 and zeros before the first)."""

    seq: int
    hash: str


GENESIS = Anchor(0, GENESIS_HASH)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    label: str = ""  # the day, for messages
    count: int | None = None  # events in the trail when it was recorded
    created_at: dt.datetime | None = None  # when it was recorded


@dataclass(frozen=True)
class Break:
    seq: int  # the chain position where the chain stops being intact
    code: str
    detail: str


# Reason codes, in the order a reader meets them.
REASONS = {
    "gap": "an event is missing (positions jump)",
    "order": "events are out of order or duplicated",
    "link": "the link to the previous event does not match",
    "hash": "the event's content does not match its hash",
    "checkpoint": "the event's hash differs from a recorded checkpoint",
    "tail": "the chain ends before a recorded checkpoint (the tail was cut off)",
    "anchor": "the chain does not start where the last disposal left it",
    "staged": "a staged event was changed, or waits too long to be chained",
}


@dataclass(frozen=True)
class VerifyResult:
    intact: bool
    count: int  # events checked
    head: Anchor
    start: Anchor = GENESIS
    broken: Break | None = None
    staged: int = 0  # events recorded but not yet chained

    def __str__(self) -> str:
        if self.broken is None:
            waiting = f" ({self.staged} staged, not yet chained)" if self.staged else ""
            return f"intact: {self.count} events{waiting}"
        return f"broken at seq {self.broken.seq}: {self.broken.detail}"


@dataclass
class ChainVerifier:
    """Feed events in chain order; stops at the first break.

    `feed` takes each event's stored seq, prev_hash and hash and its hashed fields;
    `finish` compares with the checkpoints that lie beyond the last event.
    """

    start: Anchor = GENESIS
    checkpoints: Iterable[Checkpoint] = ()
    count: int = 0
    broken: Break | None = None
    _head: Anchor = field(init=False)
    _pending: list[Checkpoint] = field(init=False)

    def __post_init__(self) -> None:
        self._head = self.start
        # Checkpoints at or before the start were disposed of with their events; one at
        # the start itself must agree with the disposal anchor.
        pending = sorted(self.checkpoints, key=lambda c: c.seq, reverse=True)
        self._pending = []
        for cp in pending:
            if cp.seq == self.start.seq and cp.seq > 0 and cp.hash != self.start.hash:
                self.broken = Break(
                    self.start.seq + 1,
                    "anchor",
                    f"the chain starts after seq {self.start.seq} with hash "
                    f"{self.start.hash[:12]}…, but the checkpoint {cp.label} records "
                    f"{cp.hash[:12]}… there",
                )
            elif cp.seq > self.start.seq:
                self._pending.append(cp)

    def _fail(self, seq: int, code: str, detail: str) -> bool:
        self.broken = Break(seq, code, detail)
        return False

    def _link(self, seq: int, prev_hash: str) -> bool:
        """The event sits at the next position and links to the previous hash."""
        expected = self._head.seq + 1
        if seq != expected:
            if seq > expected:
                return self._fail(
                    expected,
                    "gap",
                    f"event {expected} is missing (the next event found is seq {seq})",
                )
            if seq == self._head.seq:
                return self._fail(
                    seq, "order", f"two events have seq {seq} (one was inserted or duplicated)"
                )
            return self._fail(
                expected, "order", f"expected seq {expected}, found seq {seq} (out of order)"
            )
        if prev_hash != self._head.hash:
            return self._fail(
                seq,
                "link",
                f"prev_hash {prev_hash[:12]}… does not match the hash of event "
                f"{self._head.seq} ({self._head.hash[:12]}…)",
            )
        return True

    def feed(
        self,
        seq: int,
        prev_hash: str,
        stored_hash: str,
        fields: Mapping[str, Any] | None,
        *,
        prepared: bool = False,
    ) -> bool:
        """Check one event; False once the chain is broken.

        `fields` are the event's hashed fields, or with `prepared` its whole content
        (what `content` returns, built from the stored seq and prev_hash).
        """
        if self.broken is not None:
            return False
        if not self._link(seq, prev_hash):
            return False
        if fields is None:
            return self._fail(seq, "hash", "the stored changes are not valid JSON (altered)")
        computed = content_hash(fields) if prepared else event_hash(seq, prev_hash, fields)
        return self._accept(seq, stored_hash, computed)

    def feed_text(self, seq: int, prev_hash: str, stored_hash: str, text: str | None) -> bool:
        """Check one event whose canonical text was rendered elsewhere (the database)."""
        if self.broken is not None:
            return False
        if not self._link(seq, prev_hash):
            return False
        if text is None:
            return self._fail(seq, "hash", "the stored changes are not valid JSON (altered)")
        computed = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._accept(seq, stored_hash, computed)

    def _accept(self, seq: int, stored_hash: str, computed: str) -> bool:
        if computed != stored_hash:
            return self._fail(
                seq, "hash", "the content does not match the stored hash (altered after writing)"
            )
        while self._pending and self._pending[-1].seq == seq:
            cp = self._pending.pop()
            if cp.hash != stored_hash:
                return self._fail(
                    seq,
                    "checkpoint",
                    f"the hash differs from the checkpoint {cp.label} (the chain was rewritten)",
                )
        self._head = Anchor(seq, stored_hash)
        self.count += 1
        return True

    def finish(self) -> VerifyResult:
        if self.broken is None and self._pending:
            cp = max(self._pending, key=lambda c: c.seq)
            self.broken = Break(
                self._head.seq + 1,
                "tail",
                f"the chain ends at seq {self._head.seq} but the checkpoint {cp.label} "
                f"records seq {cp.seq}: events {self._head.seq + 1}–{cp.seq} are missing",
            )
        return VerifyResult(
            intact=self.broken is None,
            count=self.count,
            head=self._head,
            start=self.start,
            broken=self.broken,
        )


def verify_events(
    events: Iterable[tuple[int, str, str, Mapping[str, Any]]],
    *,
    start: Anchor = GENESIS,
    checkpoints: Iterable[Checkpoint] = (),
) -> VerifyResult:
    """Verify (seq, prev_hash, hash, fields) tuples in the order given."""
    verifier = ChainVerifier(start=start, checkpoints=checkpoints)
    for seq, prev_hash, stored_hash, fields in events:
        if not verifier.feed(seq, prev_hash, stored_hash, fields):
            break
    return verifier.finish()


# --- building chains (tests, benchmark, bulk loads) ----------------------------------------
@dataclass
class ChainBuilder:
    """Appends events to an in-memory head: the recorder's arithmetic without a database."""

    head: Anchor = GENESIS

    def append(self, fields: Mapping[str, Any]) -> tuple[int, str, str]:
        seq = self.head.seq + 1
        prev = self.head.hash
        digest = event_hash(seq, prev, fields)
        self.head = Anchor(seq, digest)
        return seq, prev, digest
