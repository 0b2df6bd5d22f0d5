"""Property tests of the chain core: any single change is caught, at the right event.

Pure Python (no database): builds chains with `ChainBuilder`, changes one thing the
way someone with write access to the table could, and checks `verify_events`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from forvalta.audit import chain

TEXT = st.text(max_size=20)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-chain.MAX_SAFE_INT, max_value=chain.MAX_SAFE_INT),
    TEXT,
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def event_fields(draw: Any) -> dict[str, Any]:
    when = draw(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 1, 1)))
    return {
        "occurred_at": chain.timestamp(when.replace(tzinfo=dt.UTC)),
        "actor_id": draw(st.none() | st.integers(1, 10**9)),
        "actor_name": draw(TEXT),
        "organisation_id": draw(st.none() | st.integers(1, 10**6)),
        "organisation_name": draw(TEXT),
        "client_address": draw(st.none() | st.sampled_from(["10.0.0.1", "2001:db8::1"])),
        "user_agent": draw(TEXT),
        "api_token_id": draw(st.sampled_from(["", "7"])),
        "request_id": draw(TEXT),
        "action": draw(st.sampled_from(["register.system.updated", "auth.login"])),
        "object_type": draw(TEXT),
        "object_id": draw(TEXT),
        "object_repr": draw(TEXT),
        "changes": chain.normalise(draw(st.dictionaries(TEXT, JSON_VALUE, max_size=4))),
        "reason": draw(TEXT),
    }


Row = list[Any]  # [seq, prev_hash, hash, fields]


def build(fields: list[dict[str, Any]]) -> list[Row]:
    builder = chain.ChainBuilder()
    rows = []
    for f in fields:
        seq, prev, digest = builder.append(f)
        rows.append([seq, prev, digest, f])
    return rows


def verify(rows: list[Row], checkpoints: list[chain.Checkpoint] = ()) -> chain.VerifyResult:  # type: ignore[assignment]
    return chain.verify_events([(r[0], r[1], r[2], r[3]) for r in rows], checkpoints=checkpoints)


def head_checkpoint(rows: list[Row]) -> chain.Checkpoint:
    return chain.Checkpoint(rows[-1][0], rows[-1][2], "today")


CHAINS = st.lists(event_fields(), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(CHAINS)
def test_an_untouched_chain_is_intact(fields: list[dict[str, Any]]) -> None:
    rows = build(fields)
    result = verify(rows, [head_checkpoint(rows)])
    assert result.intact, result
    assert result.count == len(rows)
    assert str(result) == f"intact: {len(rows)} events"


@settings(max_examples=60, deadline=None)
@given(CHAINS, st.data())
def test_editing_a_field_is_caught_at_that_event(fields: list[dict[str, Any]], data: Any) -> None:
    rows = build(fields)
    i = data.draw(st.integers(0, len(rows) - 1))
    name = data.draw(st.sampled_from([*chain.HASHED_FIELDS, "seq", "prev_hash", "hash"]))
    tampered = copy.deepcopy(rows)
    if name in ("seq", "prev_hash", "hash"):
        col = {"seq": 0, "prev_hash": 1, "hash": 2}[name]
        new = (
            tampered[i][0] + data.draw(st.integers(1, 5))
            if name == "seq"
            else data.draw(st.text("0123456789abcdef", min_size=64, max_size=64))
        )
        assume(new != tampered[i][col])
        tampered[i][col] = new
    else:
        new = data.draw(JSON_VALUE if name == "changes" else st.none() | TEXT | st.integers())
        new = chain.normalise(new)
        assume(json.dumps(new) != json.dumps(tampered[i][3].get(name)))
        before = json.dumps(chain.drop_unset_optional(dict(tampered[i][3])), sort_keys=True)
        tampered[i][3][name] = new
        # Setting an unset optional field to its unset value ('' or None) changes no content.
        after = json.dumps(chain.drop_unset_optional(dict(tampered[i][3])), sort_keys=True)
        assume(after != before)
    result = verify(tampered, [head_checkpoint(rows)])
    assert not result.intact
    assert result.broken is not None
    assert result.broken.seq == i + 1, (name, result)


@settings(max_examples=50, deadline=None)
@given(st.lists(event_fields(), min_size=2, max_size=25), st.data())
def test_deleting_an_event_is_caught_where_it_was(fields: list[dict[str, Any]], data: Any) -> None:
    rows = build(fields)
    i = data.draw(st.integers(0, len(rows) - 1))
    tampered = rows[:i] + rows[i + 1 :]
    result = verify(tampered, [head_checkpoint(rows)])
    assert not result.intact
    assert result.broken is not None
    assert result.broken.seq == i + 1
    # The last event removed: only the checkpoint shows it.
    assert result.broken.code == ("tail" if i == len(rows) - 1 else "gap")


@settings(max_examples=50, deadline=None)
@given(CHAINS, event_fields(), st.data())
def test_inserting_a_forged_event_is_caught_at_the_next(
    fields: list[dict[str, Any]], forged: dict[str, Any], data: Any
) -> None:
    """The forger links the new event properly and hashes it; the chain still breaks."""
    rows = build(fields)
    i = data.draw(st.integers(0, len(rows) - 1))  # insert before rows[i]
    prev = rows[i - 1] if i else None
    builder = chain.ChainBuilder(chain.Anchor(prev[0], prev[2]) if prev else chain.GENESIS)
    seq, prev_hash, digest = builder.append(forged)
    tampered = [*rows[:i], [seq, prev_hash, digest, forged], *rows[i:]]
    result = verify(tampered, [head_checkpoint(rows)])
    assert not result.intact
    assert result.broken is not None
    # The forged event takes the position of the event it was put before.
    assert result.broken.seq == i + 1
    assert result.broken.code in {"order", "checkpoint"}


def test_an_event_appended_with_a_valid_hash_needs_a_later_checkpoint() -> None:
    """Whoever can write the table can append a well-formed event: the chain proves order
    and integrity of what was there at each checkpoint, not authorship."""
    rows = build([{"action": "a", "occurred_at": "2026-01-01T00:00:00.000000Z"}])
    checkpoint = head_checkpoint(rows)
    builder = chain.ChainBuilder(chain.Anchor(rows[-1][0], rows[-1][2]))
    forged = {"action": "b", "occurred_at": "2026-01-01T00:00:01.000000Z"}
    seq, prev, digest = builder.append(forged)
    assert verify([*rows, [seq, prev, digest, forged]], [checkpoint]).intact


@settings(max_examples=50, deadline=None)
@given(st.lists(event_fields(), min_size=2, max_size=25), st.data())
def test_swapping_two_events_is_caught_at_the_first(
    fields: list[dict[str, Any]], data: Any
) -> None:
    rows = build(fields)
    i = data.draw(st.integers(0, len(rows) - 2))
    j = data.draw(st.integers(i + 1, len(rows) - 1))
    swap_positions = data.draw(st.booleans())
    tampered = copy.deepcopy(rows)
    if swap_positions:
        # Rows trade places in the order (their stored seq moves with them).
        tampered[i], tampered[j] = tampered[j], tampered[i]
    else:
        # Rows keep their positions and trade contents.
        tampered[i][3], tampered[j][3] = tampered[j][3], tampered[i][3]
        assume(json.dumps(rows[i][3], sort_keys=True) != json.dumps(rows[j][3], sort_keys=True))
    result = verify(tampered, [head_checkpoint(rows)])
    assert not result.intact
    assert result.broken is not None
    assert result.broken.seq == i + 1


@settings(max_examples=50, deadline=None)
@given(st.lists(event_fields(), min_size=2, max_size=25), st.data())
def test_cutting_the_tail_is_caught_by_the_checkpoint(
    fields: list[dict[str, Any]], data: Any
) -> None:
    rows = build(fields)
    keep = data.draw(st.integers(0, len(rows) - 1))
    tampered = rows[:keep]
    assert verify(tampered).intact  # consistent in itself …
    result = verify(tampered, [head_checkpoint(rows)])  # … but not with the checkpoint
    assert not result.intact
    assert result.broken is not None
    assert result.broken.code == "tail"
    assert result.broken.seq == keep + 1


@settings(max_examples=60, deadline=None)
@given(CHAINS, st.data())
def test_a_rewritten_chain_is_caught_by_an_earlier_checkpoint(
    fields: list[dict[str, Any]], data: Any
) -> None:
    """Someone edits an event and recomputes every hash after it: the checkpoint taken
    at or after that event no longer matches."""
    rows = build(fields)
    i = data.draw(st.integers(0, len(rows) - 1))
    checkpoint = head_checkpoint(rows)
    edited = [copy.deepcopy(r[3]) for r in rows]
    edited[i]["reason"] = edited[i]["reason"] + "x"
    result = verify(build(edited), [checkpoint])
    assert not result.intact
    assert result.broken is not None
    assert result.broken.code == "checkpoint"
    assert result.broken.seq == len(rows)


@settings(max_examples=100, deadline=None)
@given(JSON_VALUE)
def test_the_fast_encoder_writes_rfc8785_for_normalised_values(value: Any) -> None:
    value = chain.normalise(value)
    assert chain.canonical_json_fast(value) == chain.canonical_json(value)
    # and the database round trip (JSON text) gives the same text
    assert chain.canonical_json_fast(json.loads(json.dumps(value))) == chain.canonical_json(value)


def test_rfc8785_key_order_and_escapes() -> None:
    # RFC 8785, 3.2.3: sorting by UTF-16 code units.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(chain.canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert chain.canonical_json({"a": '\u0001\n"\\/'}) == '{"a":"\\u0001\\n\\"\\\\/"}'
    assert chain.canonical_json_fast(value) == chain.canonical_json(value)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (333333333.33333329, "333333333.3333333"),
        (5e-324, "5e-324"),
        (-1.7976931348623157e308, "-1.7976931348623157e+308"),
        (9007199254740992.0, "9007199254740992"),
    ],
)
def test_rfc8785_numbers(number: float, text: str) -> None:
    assert chain.canonical_json(number) == text


def test_normalise_makes_values_round_trip_safe() -> None:
    from decimal import Decimal

    assert chain.normalise({"a": 1.5, 2: Decimal("3.10"), "b": 2**60, "c": (1, 2)}) == {
        "a": "1.5",
        "2": "3.10",
        "b": str(2**60),
        "c": [1, 2],
    }
    assert chain.normalise("a\ud800b") == "a\ufffdb"
    with pytest.raises(ValueError):
        chain.canonical_json("a\ud800b")


def test_canonical_address() -> None:
    assert chain.canonical_address("::ffff:10.1.2.3") == "10.1.2.3"
    assert chain.canonical_address("2001:0db8:0:0:0:0:0:1") == "2001:db8::1"
    assert chain.canonical_address("10.0.0.1/32") == "10.0.0.1"
    assert chain.canonical_address("not an address") is None
    assert chain.canonical_address("") is None
