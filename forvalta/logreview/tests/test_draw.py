"""The draw: reproducible from the recorded seed, fair, and only over activity. The
round draws units and employees; an order's days are drawn when it is fulfilled, from a
seed derived from the round's seed and the order's id."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services
from forvalta.logreview.draw import (
    Candidate,
    Parameters,
    draw_days,
    draw_from,
    draw_order_days,
    order_seed,
)
from forvalta.logreview.models import DrawnDay, DrawnEmployee, DrawnUnit, ExtractOrder
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source, month_rows

MONTH = dt.date(2026, 11, 1)
# Upper 99 % points of the chi-squared distribution (scipy.stats.chi2.ppf(0.99, df)).
CHI2_99 = {5: 15.086, 9: 21.666, 19: 36.191}


def chi2(counts: Counter[Any], keys: list[Any], expected: float) -> float:
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


def pool(units: int, per_unit: int, days: int = 20) -> dict[str, dict[str, Candidate]]:
    return {
        f"unit-{u}": {
            f"acc-{u}-{e}": Candidate(
                f"acc-{u}-{e}", days={MONTH.replace(day=d) for d in range(1, days + 1)}
            )
            for e in range(per_unit)
        }
        for u in range(units)
    }


PARAMS = Parameters(unit_count=3, employees_per_unit=4, day_count=3, day_mode="active")
DRAWS = 10_000


def test_the_same_seed_gives_the_same_draw() -> None:
    data = pool(6, 10)
    first = draw_from(data, PARAMS, 12345, MONTH)
    assert draw_from(data, PARAMS, 12345, MONTH) == first
    assert draw_from(data, PARAMS, 12346, MONTH) != first
    people = [(p.account, p.days) for p in data["unit-0"].values()]
    days = draw_days(people, PARAMS, order_seed(12345, 7), MONTH)
    assert draw_days(people, PARAMS, order_seed(12345, 7), MONTH) == days
    assert draw_days(people, PARAMS, order_seed(12345, 8), MONTH) != days
    assert order_seed(12345, 7) == order_seed(12345, 7) != order_seed(12346, 7)
    assert 0 <= order_seed(12345, 7) < 2**62


def test_units_employees_and_days_are_drawn_fairly() -> None:
    data = pool(6, 10)
    units: Counter[str] = Counter()
    employees: Counter[str] = Counter()
    days: Counter[dt.date] = Counter()
    people = [(p.account, p.days) for p in list(data["unit-0"].values())[:4]]
    for seed in range(DRAWS):
        for drawn in draw_from(data, PARAMS, seed, MONTH):
            units[drawn.unit] += 1
            if drawn.unit == "unit-0":
                employees.update(person.account for person in drawn.employees)
        # The days of an order's four employees, from the seed derived for order 1.
        for person_days in draw_days(people, PARAMS, order_seed(seed, 1), MONTH).values():
            days.update(person_days)
    # Each of 6 units is drawn with probability 3/6.
    assert chi2(units, list(data), DRAWS * 3 / 6) < CHI2_99[5]
    # Within unit-0 (drawn units[unit-0] times), each of 10 employees with probability 4/10.
    accounts = list(data["unit-0"])
    assert chi2(employees, accounts, units["unit-0"] * 4 / 10) < CHI2_99[9]
    # Each of the 20 active days equally often.
    all_days = [MONTH.replace(day=d) for d in range(1, 21)]
    assert chi2(days, all_days, sum(days.values()) / 20) < CHI2_99[19]
    assert set(days) == set(all_days)


def test_any_day_mode_draws_from_the_whole_month() -> None:
    data = pool(1, 1, days=2)
    params = Parameters(1, 1, 3, "any")
    seen: set[dt.date] = set()
    person = data["unit-0"]["acc-0-0"]
    for seed in range(500):
        seen.update(draw_days([(person.account, person.days)], params, seed, MONTH)["acc-0-0"])
    assert seen == {MONTH.replace(day=d) for d in range(1, 31)}
    only_active = draw_days(
        [(person.account, person.days)], Parameters(1, 1, 3, "active"), 1, MONTH
    )
    assert only_active == {"acc-0-0": [MONTH.replace(day=1), MONTH.replace(day=2)]}


def _drawn(round_: Any) -> list[tuple[str, str, list[dt.date]]]:
    return [
        (e.drawn_unit.unit_name, e.account, [d.day for d in DrawnDay.objects.filter(employee=e)])
        for e in DrawnEmployee.objects.filter(drawn_unit__round=round_).select_related("drawn_unit")
    ]


@pytest.mark.django_db
def test_draw_round_is_reproducible_and_only_over_activity(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    rows = month_rows()
    # Activity of another month and unit: never a candidate for November.
    rows.append(
        ("2026-10-30 10:00", "u-oktober", "Okt", "Oktoberenheten", "191212121212", "", "", "")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="nov.csv", data=log_csv(rows)
        )
    schedule = services.schedule_create(
        actor=aw.people["controller"], source=source, kind="provider"
    )
    first = services.round_draw(
        actor=aw.people["controller"], schedule=schedule, month=dt.date(2026, 11, 20), seed=42
    )
    second = services.round_draw(
        actor=aw.people["controller"], schedule=schedule, month=MONTH, seed=42
    )
    drawn = _drawn(first)
    assert drawn == _drawn(second)
    assert (first.year, first.quarter, first.month, first.seed) == (2026, 4, MONTH, 42)
    # All three units with activity, at most four employees each, three active days each.
    assert sorted({unit for unit, _a, _d in drawn}) == [
        "Boende Ekbacken",
        "Hemtjänst Norr",
        "Hemtjänst Söder",
    ]
    assert Counter(unit for unit, _a, _d in drawn) == {
        "Hemtjänst Norr": 4,
        "Hemtjänst Söder": 3,
        "Boende Ekbacken": 2,
    }
    assert "u-oktober" not in {account for _u, account, _d in drawn}
    # The round draws no days: they are drawn when an order is fulfilled.
    assert all(days == [] for _u, _a, days in drawn)
    assert not DrawnDay.objects.exists()
    # One order per drawn unit; a provider unit's attestant is its manager.
    orders = {
        o.drawn_unit.unit_name: o.attestant_id
        for o in ExtractOrder.objects.filter(round=first).select_related("drawn_unit")
    }
    assert orders == {
        "Hemtjänst Norr": aw.people["mgr_north"].pk,
        "Hemtjänst Söder": aw.people["mgr_south"].pk,
        "Boende Ekbacken": aw.people["mgr_home"].pk,
    }
    assert DrawnUnit.objects.filter(round=first).count() == 3


@pytest.mark.django_db
def test_days_are_drawn_at_fulfilment_reproducibly_among_active_days(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    source = make_source(aw)
    rows = month_rows()
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"], source=source, filename="nov.csv", data=log_csv(rows)
        )
    schedule = services.schedule_create(
        actor=aw.people["controller"], source=source, kind="provider"
    )
    round_ = services.round_draw(
        actor=aw.people["controller"], schedule=schedule, month=MONTH, seed=42
    )
    order = ExtractOrder.objects.get(round=round_, drawn_unit__unit_name="Hemtjänst Norr")
    order = services.order_attest(actor=aw.people["mgr_north"], order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfil(
            actor=aw.people["sysadmin"], order=order, filename="x.csv", data=log_csv(rows[:3])
        )
    employees = list(DrawnEmployee.objects.filter(drawn_unit=order.drawn_unit))
    recorded = {e.account: [d.day for d in DrawnDay.objects.filter(employee=e)] for e in employees}
    # Three of the employee's own days with activity in the month, from the derived seed.
    active = {(r[1], dt.date.fromisoformat(r[0][:10])) for r in rows}
    people = [(e.account, {d for a, d in active if a == e.account}) for e in employees]
    params = Parameters(3, 4, 3, "active")
    assert recorded == draw_days(people, params, order_seed(42, order.pk), MONTH)
    assert len(recorded) == 4 and all(len(days) == 3 for days in recorded.values())
    assert all((a, d) in active for a, days in recorded.items() for d in days)
    # The other units' orders are not fulfilled: no days drawn for them.
    assert not DrawnDay.objects.exclude(employee__drawn_unit=order.drawn_unit).exists()
    event = AuditEvent.objects.get(action="logreview.extractorder.days_drawn")
    assert (event.object_id, event.actor_id) == (str(order.pk), aw.people["sysadmin"].pk)
    assert event.changes == {
        "seed": [None, str(order_seed(42, order.pk))],
        "days": [None, {a: [d.isoformat() for d in days] for a, days in recorded.items()}],
    }
    # Drawn once: a second call keeps them; drawn again from scratch, the same days.
    order.refresh_from_db()
    assert draw_order_days(order) is None
    DrawnDay.objects.all().delete()
    assert draw_order_days(order) == recorded
