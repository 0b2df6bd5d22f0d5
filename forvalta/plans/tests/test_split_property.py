"""The cost split: for random budgets, keys and participation periods the shares sum
exactly to the budget and none is negative (largest-remainder method)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from forvalta.plans.calculations import (
    Member,
    days_between,
    largest_remainder,
    participation_days,
    split_budget,
)

START = dt.date(2026, 1, 1)
END = dt.date(2026, 12, 31)
KEYS = ["fixed", "equal", "inhabitants", "users", "weight", "base_variable"]


@st.composite
def period(draw: st.DrawFn) -> tuple[dt.date, dt.date | None]:
    begin = START + dt.timedelta(days=draw(st.integers(-400, 400)))
    if draw(st.booleans()):
        return begin, None
    return begin, begin + dt.timedelta(days=draw(st.integers(0, 500)))


@st.composite
def member(draw: st.DrawFn, index: int) -> tuple[Member, list]:
    periods = draw(st.lists(period(), min_size=1, max_size=3))
    value = draw(
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
        )
    )
    days = participation_days(periods, START, END)
    return Member(key=index, days=days, value=value), periods


@settings(max_examples=300, deadline=None)
@given(
    budget_ore=st.integers(min_value=0, max_value=10**11),
    key=st.sampled_from(KEYS),
    base=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    whole_kronor=st.booleans(),
    data=st.data(),
)
def test_shares_sum_exactly_to_the_budget_and_none_is_negative(
    budget_ore, key, base, whole_kronor, data
):
    unit = Decimal("1") if whole_kronor else Decimal("0.01")
    budget = Decimal(budget_ore) / 100
    if whole_kronor:
        budget = Decimal(budget_ore // 100)
    count = data.draw(st.integers(min_value=1, max_value=30))
    members = [data.draw(member(i))[0] for i in range(count)]
    try:
        shares = split_budget(
            budget,
            members,
            key=key,
            period_days=days_between(START, END),
            unit=unit,
            base_percent=base,
        )
    except ValidationError:
        # Refused only when nothing can carry the budget: no days, or (for a value key)
        # no value on a member who took part.
        assert budget > 0
        took_part = [m for m in members if m.days > 0]
        if key == "equal" or (key == "base_variable" and base == 100):
            assert took_part == []
        else:
            assert all(not m.value for m in took_part)
        return
    assert sum(shares.values(), Decimal(0)) == budget
    assert all(share >= 0 for share in shares.values())
    assert all(share % unit == 0 for share in shares.values())
    # A member without a day of participation pays nothing.
    assert all(shares[m.key] == 0 for m in members if m.days == 0)


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
        lambda w: sum(w) > 0
    ),
)
def test_largest_remainder_is_within_one_unit_of_the_quota(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        quota = total * weight / sum(weights)
        assert quota - 1 < part < quota + 1


def test_fixed_amounts_that_sum_to_the_budget_are_paid_exactly():
    amounts = [Decimal("60730"), Decimal("22806"), Decimal("1416464")]
    members = [Member(key=i, days=366, value=a) for i, a in enumerate(amounts)]
    shares = split_budget(
        Decimal("1500000"), members, key="fixed", period_days=366, unit=Decimal("0.01")
    )
    assert [shares[i] for i in range(3)] == amounts


def test_largest_remainder_gives_the_odd_ore_to_the_largest_remainders():
    # 100.00 kr in three equal parts: 33.34 + 33.33 + 33.33 (ties to the first).
    members = [Member(key=k, days=10) for k in "abc"]
    shares = split_budget(Decimal("100"), members, key="equal", period_days=10)
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}


def test_a_member_joining_in_july_pays_pro_rata_by_days():
    july = participation_days([(dt.date(2026, 7, 1), None)], START, END)
    whole = participation_days([(dt.date(2020, 1, 1), None)], START, END)
    assert (july, whole) == (184, 365)
    members = [
        Member(key="whole", days=whole, value=Decimal(1000)),
        Member(key="july", days=july, value=Decimal(1000)),
    ]
    shares = split_budget(
        Decimal("549"), members, key="inhabitants", period_days=365, unit=Decimal("1")
    )
    assert shares == {"whole": Decimal("365"), "july": Decimal("184")}


def test_overlapping_periods_count_once():
    periods = [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 10)),
    ]
    assert participation_days(periods, START, END) == 41


def test_no_member_refuses():
    with pytest.raises(ValidationError):
        split_budget(Decimal("10"), [Member(key=1, days=0)], key="equal", period_days=10)
