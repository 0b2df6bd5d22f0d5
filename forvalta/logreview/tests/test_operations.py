"""A provider round draws unit managers' operations (seed 004 section 6.2: "tre
enhetschefers verksamheter"): every logged unit whose core unit that person manages;
a logged unit without a matched unit or without a manager is an operation of its own.
One order per operation, to its manager. Drawn employees are linked to the system's
latest imported account list (forvalta.access)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from forvalta.access.models import Account, Snapshot, SnapshotStatus
from forvalta.audit.models import AuditEvent
from forvalta.core.tests.factories import MembershipFactory, UnitFactory, UserFactory
from forvalta.logreview import services
from forvalta.logreview.draw import (
    Candidate,
    Operation,
    Parameters,
    draw_operations,
    drawn_employee_account,
    manager_operations,
    schedule_operations,
    unit_operations,
)
from forvalta.logreview.draw import candidates as draw_candidates
from forvalta.logreview.models import (
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    OrderStatus,
    SamplingRound,
)
from forvalta.logreview.tests.helpers import build_access_world, log_csv, make_source, month_rows
from forvalta.logreview.tests.test_draw import CHI2_99, DRAWS, MONTH, chi2

PARAMS = Parameters(unit_count=3, employees_per_unit=4, day_count=3, day_mode="active")


def _people(unit: str, count: int) -> dict[str, Candidate]:
    return {f"{unit}-{e}": Candidate(f"{unit}-{e}") for e in range(count)}


def manager_pool() -> tuple[dict[str, dict[str, Candidate]], dict[str, int], dict[int, int]]:
    """Six managers (ids 101-106): 101 manages two logged units (five accounts each),
    103 two logged names of the same unit; the others one unit each. Plus a logged unit
    without a matched unit and one whose unit has no manager."""
    pool = {
        "a1": _people("a1", 5),
        "a2": _people("a2", 5),
        "b": _people("b", 6),
        "c": _people("c", 3),
        "C": _people("C", 1),
        "d": _people("d", 7),
        "e": _people("e", 2),
        "f": _people("f", 9),
        "unmatched": _people("unmatched", 2),
        "nomanager": _people("nomanager", 2),
        "quiet": {},  # no activity: not an operation
    }
    unit_ids = {"a1": 1, "a2": 2, "b": 3, "c": 4, "C": 4, "d": 5, "e": 6, "f": 7, "nomanager": 8}
    managers = {1: 101, 2: 101, 3: 102, 4: 103, 5: 104, 6: 105, 7: 106, 9: 107}
    return pool, unit_ids, managers


def test_the_operations_are_the_managers_then_the_single_units() -> None:
    pool, unit_ids, managers = manager_pool()
    assert manager_operations(pool, unit_ids, managers) == [
        Operation(("a1", "a2"), 101, None),
        Operation(("b",), 102, 3),
        Operation(("C", "c"), 103, 4),
        Operation(("d",), 104, 5),
        Operation(("e",), 105, 6),
        Operation(("f",), 106, 7),
        Operation(("nomanager",), None, 8),
        Operation(("unmatched",), None, None),
    ]
    assert [o.name for o in unit_operations(pool)] == [
        "C",
        "a1",
        "a2",
        "b",
        "c",
        "d",
        "e",
        "f",
        "nomanager",
        "unmatched",
    ]


def test_the_same_seed_gives_the_same_operations() -> None:
    pool, unit_ids, managers = manager_pool()
    operations = manager_operations(pool, unit_ids, managers)
    first = draw_operations(pool, operations, PARAMS, 4242)
    assert draw_operations(pool, operations, PARAMS, 4242) == first
    assert draw_operations(pool, operations, PARAMS, 4243) != first
    assert len(first) == 3


def test_an_operation_of_only_its_managers_accounts_is_never_drawn() -> None:
    pool = {"solo": _people("solo", 1), "big": _people("big", 6), "mid": _people("mid", 5)}
    operations = [
        Operation(("big",), 1),
        Operation(("mid",), 2),
        # The manager is the only account of the unit: nobody to review.
        Operation(("solo",), 3, excluded=frozenset({"solo-0"})),
    ]
    params = Parameters(unit_count=2, employees_per_unit=4, day_count=3, day_mode="active")
    for seed in range(200):
        drawn = draw_operations(pool, operations, params, seed)
        assert sorted(d.manager_id for d in drawn) == [1, 2]
        assert all(len(d.employees) == 4 for d in drawn)
    # Without the exclusion the solo operation takes a place in some draws.
    plain = [*operations[:2], Operation(("solo",), 3)]
    assert any(
        3 in {d.manager_id for d in draw_operations(pool, plain, params, seed)}
        for seed in range(50)
    )


def test_managers_and_the_employees_of_an_operation_are_drawn_fairly() -> None:
    pool, unit_ids, managers = manager_pool()
    # Only the six managers' operations: each drawn with probability 3/6.
    operations = manager_operations(pool, unit_ids, managers)[:6]
    drawn_managers: Counter[int | None] = Counter()
    employees: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for seed in range(DRAWS):
        for drawn in draw_operations(pool, operations, PARAMS, seed):
            drawn_managers[drawn.manager_id] += 1
            if drawn.manager_id == 101:
                employees.update(person.account for person in drawn.employees)
                units.update(drawn.employee_units.values())
                assert set(drawn.employee_units) == {p.account for p in drawn.employees}
    ids = [101, 102, 103, 104, 105, 106]
    assert set(drawn_managers) == set(ids)
    assert chi2(drawn_managers, ids, DRAWS * 3 / 6) < CHI2_99[len(ids) - 1]
    # Manager 101's operation: each of its 10 accounts (in both units) with probability 4/10.
    accounts = sorted(pool["a1"]) + sorted(pool["a2"])
    assert set(employees) == set(accounts)
    assert chi2(employees, accounts, drawn_managers[101] * 4 / 10) < CHI2_99[9]
    # Both units are drawn from, in proportion to their accounts (5 and 5).
    assert abs(units["a1"] - units["a2"]) < 0.1 * (units["a1"] + units["a2"])


def test_no_logged_unit_is_unreachable() -> None:
    pool, unit_ids, managers = manager_pool()
    operations = manager_operations(pool, unit_ids, managers)
    seen: set[str] = set()
    for seed in range(300):
        for drawn in draw_operations(pool, operations, PARAMS, seed):
            seen.update(drawn.employee_units.values())
    assert seen == {unit for unit, people in pool.items() if people}


# --- stored: the round, its orders and pages -------------------------------------------
PER_UNIT = {
    "Hemtjänst Norr": ["u-anna", "u-bert"],
    # Logged in capitals: matched to the core unit "Hemtjänst Väst" case-insensitively.
    "HEMTJÄNST VÄST": ["u-VERA", "u-vilma"],
    "Hemtjänst Söder": ["u-cia"],
    "Dagverksamhet": ["u-dag"],  # a core unit without a manager
    "Okänd enhet": ["u-okand"],  # no core unit of that name
}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def operations_world(capture: Any, per_unit: dict[str, list[str]] | None = None) -> tuple[Any, Any]:
    """The access world, with Hemtjänst Väst whose people report to Norr's manager (so
    mgr_north manages two units), Dagverksamhet without anyone, and November's log."""
    aw = build_access_world()
    aw.units["west"] = UnitFactory(organisation=aw.org, name="Hemtjänst Väst")
    aw.units["day"] = UnitFactory(organisation=aw.org, name="Dagverksamhet")
    for username, first in (("vera", "Vera"), ("vilma", "Vilma")):
        user = UserFactory(username=username, first_name=first, last_name="Väst")
        MembershipFactory(
            user=user, organisation=aw.org, unit=aw.units["west"], manager=aw.people["mgr_north"]
        )
        aw.people[username] = user
    source = make_source(aw)
    with capture(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"],
            source=source,
            filename="nov.csv",
            data=log_csv(month_rows(per_unit=per_unit or PER_UNIT)),
        )
    return aw, source


def snapshot(aw: Any, taken_on: str, rows: list[tuple[str, Any]], **kw: Any) -> Snapshot:
    snap = Snapshot.objects.create(
        organisation=kw.pop("org", aw.org),
        system=aw.system,
        taken_on=dt.date.fromisoformat(taken_on),
        status=kw.pop("status", SnapshotStatus.DONE),
        imported_by=aw.people["controller"],
    )
    for account_id, person in rows:
        Account.objects.create(snapshot=snap, account_id=account_id, name="x", person=person)
    return snap


def drawn_state(round_: SamplingRound) -> list[tuple[Any, ...]]:
    return [
        (u.unit_name, u.manager_id, u.unit_names, u.unit_id)
        for u in DrawnUnit.objects.filter(round=round_)
    ] + [
        (e.drawn_unit.unit_name, e.account, e.unit_name, e.person_id)
        for e in DrawnEmployee.objects.filter(drawn_unit__round=round_).select_related("drawn_unit")
    ]


@pytest.mark.django_db
def test_an_operation_spanning_two_units_one_order_to_its_manager(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw, source = operations_world(django_capture_on_commit_callbacks)
    p = aw.people
    # The account lists: the latest done one (2026-12-01) is used; an older done one, a
    # newer unfinished one and another organisation's are not.
    snapshot(aw, "2026-10-01", [("u-bert", p["bert"]), ("u-anna", p["bert"])])
    latest = snapshot(aw, "2026-12-01", [("u-anna", p["anna"]), ("u-vera", p["vera"])])
    snapshot(aw, "2026-12-02", [("u-bert", p["bert"])], status=SnapshotStatus.FAILED)
    snapshot(aw, "2026-12-03", [("u-vilma", p["vilma"])], org=aw.other)
    schedule = services.schedule_create(
        actor=p["controller"], source=source, kind="provider", unit_count=5
    )
    client = login(p["controller"])
    response = client.post(f"/logreview/schedules/{schedule.pk}/draw/", {"month": "2026-11-15"})
    round_ = SamplingRound.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logreview/rounds/{round_.pk}/"

    operation = DrawnUnit.objects.get(round=round_, manager=p["mgr_north"])
    assert (operation.unit_name, operation.unit_names, operation.unit_id) == (
        "HEMTJÄNST VÄST, Hemtjänst Norr",
        ["HEMTJÄNST VÄST", "Hemtjänst Norr"],
        None,
    )
    assert sorted(
        (u.unit_name, u.manager_id, u.unit_names, u.unit_id)
        for u in DrawnUnit.objects.filter(round=round_).exclude(pk=operation.pk)
    ) == [
        ("Dagverksamhet", None, ["Dagverksamhet"], aw.units["day"].pk),
        ("Hemtjänst Söder", p["mgr_south"].pk, ["Hemtjänst Söder"], aw.units["south"].pk),
        ("Okänd enhet", None, ["Okänd enhet"], None),
    ]
    # Four employees from both units of the manager's operation, linked to the people
    # of the latest account list (u-VERA there as u-vera); u-bert and u-vilma are not in it.
    assert {
        (e.account, e.unit_name, e.person_id)
        for e in DrawnEmployee.objects.filter(drawn_unit=operation)
    } == {
        ("u-anna", "Hemtjänst Norr", p["anna"].pk),
        ("u-bert", "Hemtjänst Norr", None),
        ("u-VERA", "HEMTJÄNST VÄST", p["vera"].pk),
        ("u-vilma", "HEMTJÄNST VÄST", None),
    }
    # One order per operation: the manager's to the manager, attestant and recipient.
    orders = ExtractOrder.objects.filter(round=round_).select_related("drawn_unit")
    assert sorted((o.drawn_unit.unit_name, o.attestant_id, o.recipient_id) for o in orders) == [
        ("Dagverksamhet", None, None),
        ("HEMTJÄNST VÄST, Hemtjänst Norr", p["mgr_north"].pk, p["mgr_north"].pk),
        ("Hemtjänst Söder", p["mgr_south"].pk, p["mgr_south"].pk),
        ("Okänd enhet", None, None),
    ]
    units = list(DrawnUnit.objects.filter(round=round_))
    event = AuditEvent.objects.get(action="logreview.samplinground.drawn")
    assert event.changes == {
        "month": [None, "2026-11-01"],
        "seed": [None, str(round_.seed)],
        "units": [None, [u.unit_name for u in units]],
        "managers": [None, [u.manager_id for u in units]],
    }
    # The helper gives the Account of the latest done list, or None.
    accounts = {
        e.account: drawn_employee_account(e)
        for e in DrawnEmployee.objects.filter(drawn_unit=operation)
    }
    assert {a: (x.snapshot_id, x.account_id) if x else None for a, x in accounts.items()} == {
        "u-anna": (latest.pk, "u-anna"),
        "u-bert": None,
        "u-VERA": (latest.pk, "u-vera"),
        "u-vilma": None,
    }

    # The round page says what each operation is.
    page = client.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert (
        '<p class="operation">Enhetschefens verksamhet: Nora Norr · Enheter: '
        "HEMTJÄNST VÄST, Hemtjänst Norr</p>"
    ) in page
    assert (
        '<p class="operation">Enhetschefens verksamhet: Sune Söder · Enheter: Hemtjänst Söder</p>'
    ) in page
    assert page.count('<p class="operation-single">') == 2
    assert (
        "<h2>Dagverksamhet</h2>\n  \n  "
        '<p class="operation-single">Enheten har ingen enhetschef: den dras som en egen '
        "verksamhet och beställningen saknar attestant tills kontrollanten utser en.</p>"
    ) in page
    assert (
        "<h2>Okänd enhet</h2>\n  \n  "
        '<p class="operation-single">Ingen enhet i organisationen har det här namnet: den '
        "dras som en egen verksamhet och beställningen saknar attestant tills "
        "kontrollanten utser en.</p>"
    ) in page
    assert "<td>u-VERA</td><td>Vera</td><td>HEMTJÄNST VÄST</td>" in page

    # The manager sees the operation's employees (both units), not the others'.
    manager_page = login(p["mgr_north"]).get(f"/logreview/rounds/{round_.pk}/").content.decode()
    shown = {
        e.account
        for e in DrawnEmployee.objects.filter(drawn_unit__round=round_)
        if f"<td>{e.account}</td>" in manager_page
    }
    assert shown == {"u-anna", "u-bert", "u-VERA", "u-vilma"}

    # The order page: the operation, its units, each employee's unit and person.
    order = ExtractOrder.objects.get(drawn_unit=operation)
    url = f"/logreview/orders/{order.pk}/"
    order_page = login(p["mgr_north"]).get(url).content.decode()
    assert "<dt>Enhetschefens verksamhet</dt><dd>Nora Norr</dd>" in order_page
    assert "<dt>Enheter</dt><dd>HEMTJÄNST VÄST, Hemtjänst Norr</dd>" in order_page
    assert (
        '<td>u-anna</td><td>Anna</td><td>Hemtjänst Norr</td><td class="person">Anna Andersson</td>'
    ) in order_page
    assert (
        '<td>u-VERA</td><td>Vera</td><td>HEMTJÄNST VÄST</td><td class="person">Vera Väst</td>'
    ) in order_page
    assert (
        '<td>u-bert</td><td>Bert</td><td>Hemtjänst Norr</td><td class="person">'
        "Ingen person matchad i systemets kontolista</td>"
    ) in order_page

    # Only the manager attests it: the other unit's manager 404, the controller 403,
    # nothing changed.
    before = list(ExtractOrder.objects.values_list("pk", "status", "attested_by"))
    assert login(p["mgr_south"]).post(url + "attest/").status_code == 404
    assert login(p["mgr_south"]).get(url).status_code == 404
    assert login(p["controller"]).post(url + "attest/").status_code == 403
    assert list(ExtractOrder.objects.values_list("pk", "status", "attested_by")) == before
    assert login(p["mgr_north"]).post(url + "attest/").status_code == 302
    order.refresh_from_db()
    assert (order.status, order.attested_by, order.recipient) == (
        OrderStatus.ATTESTED,
        p["mgr_north"],
        p["mgr_north"],
    )


@pytest.mark.django_db
def test_the_operations_draw_is_reproducible_and_authority_draws_units(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw, source = operations_world(django_capture_on_commit_callbacks)
    controller = aw.people["controller"]
    provider = services.schedule_create(actor=controller, source=source, kind="provider")
    first = services.round_draw(actor=controller, schedule=provider, month=MONTH, seed=99)
    second = services.round_draw(actor=controller, schedule=provider, month=MONTH, seed=99)
    assert drawn_state(first) == drawn_state(second)
    # Three of the four operations (mgr_north's, mgr_south's, the two single units).
    assert DrawnUnit.objects.filter(round=first).count() == 3
    # The authority schedule draws logged units: Norr and Väst apart, no manager, the
    # controller attests.
    authority = services.schedule_create(
        actor=controller, source=source, kind="authority", unit_count=5
    )
    round_ = services.round_draw(actor=controller, schedule=authority, month=MONTH, seed=99)
    assert sorted(
        (u.unit_name, u.manager_id, u.unit_names, u.unit_id)
        for u in DrawnUnit.objects.filter(round=round_)
    ) == sorted(
        [
            ("Dagverksamhet", None, ["Dagverksamhet"], aw.units["day"].pk),
            ("HEMTJÄNST VÄST", None, ["HEMTJÄNST VÄST"], aw.units["west"].pk),
            ("Hemtjänst Norr", None, ["Hemtjänst Norr"], aw.units["north"].pk),
            ("Hemtjänst Söder", None, ["Hemtjänst Söder"], aw.units["south"].pk),
            ("Okänd enhet", None, ["Okänd enhet"], None),
        ]
    )
    assert set(
        ExtractOrder.objects.filter(round=round_).values_list("attestant_id", "recipient_id")
    ) == {(None, None)}
    event = AuditEvent.objects.get(action="logreview.samplinground.drawn", object_id=str(round_.pk))
    assert event.changes == {
        "month": [None, "2026-11-01"],
        "seed": [None, "99"],
        "units": [None, [u.unit_name for u in DrawnUnit.objects.filter(round=round_)]],
    }
    page = login(controller).get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert "Enhetschefens verksamhet" not in page and "operation-single" not in page


@pytest.mark.django_db
def test_the_review_explains_by_the_unit_each_employee_was_drawn_under(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """In a manager's operation, a placement explains an access only in the unit the
    employee was drawn under, not in the manager's other unit."""
    from forvalta.logreview import review
    from forvalta.logreview.models import DrawnDay
    from forvalta.logreview.tests.helpers import CLIENTS

    aw, source = operations_world(django_capture_on_commit_callbacks)
    p = aw.people
    schedule = services.schedule_create(
        actor=p["controller"], source=source, kind="provider", unit_count=5
    )
    round_ = services.round_draw(actor=p["controller"], schedule=schedule, month=MONTH, seed=5)
    order = ExtractOrder.objects.get(round=round_, drawn_unit__manager=p["mgr_north"])
    order = services.order_attest(actor=p["mgr_north"], order=order)
    order = services.order_draw_days(actor=p["sysadmin"], order=order)
    first_day = {
        d.employee.account: d.day
        for d in DrawnDay.objects.filter(employee__drawn_unit=order.drawn_unit).order_by("-day")
    }
    client = CLIENTS[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.reference_upload(
            actor=p["sysadmin"],
            source=source,
            kind="placements",
            filename="placeringar.csv",
            data=(
                f"Personnummer;Användar-id;Enhet;Från;Till\n{client};;Hemtjänst Väst;2026-01-01;\n"
            ).encode(),
        )
    rows = [
        (f"{first_day[a]:%Y-%m-%d} 10:00", a, a[2:].title(), "", client, "", "Läsa", "Journal")
        for a in ("u-anna", "u-VERA")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfil(
            actor=p["sysadmin"], order=order, filename="x.csv", data=log_csv(rows)
        )
    order.refresh_from_db()
    built = review.build(order, p["mgr_north"])
    explained = {
        (slot.employee.account, str(e))
        for slot in built.days
        for access in slot.accesses
        for e in access.explanations
    }
    assert explained == {
        ("u-VERA", "Klienten var placerad på medarbetarens enhet"),
    }


@pytest.mark.django_db
def test_a_manager_is_never_drawn_in_their_own_operation(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Nora (mgr_north) logs in her own unit under the account U-NORA, listed as hers
    (as u-nora) in the system's latest account list: never drawn in her operation, over
    many seeds; the others still are, reproducibly."""
    per_unit = {**PER_UNIT, "Hemtjänst Norr": ["u-anna", "u-bert", "U-NORA"]}
    aw, source = operations_world(django_capture_on_commit_callbacks, per_unit)
    p = aw.people
    controller = p["controller"]
    provider = services.schedule_create(
        actor=controller, source=source, kind="provider", unit_count=5
    )
    # Without an account list the manager cannot be tied to an account: she can be drawn
    # (this is what the exclusion changes).
    pool = draw_candidates(source.pk, MONTH)
    operations = schedule_operations(provider, pool)
    norr = next(o for o in operations if o.manager_id == p["mgr_north"].pk)
    assert norr.excluded == frozenset()
    assert any(
        "U-NORA" in drawn.employee_units
        for seed in range(50)
        for drawn in draw_operations(pool, operations, PARAMS, seed)
    )
    snapshot(aw, "2026-12-01", [("u-nora", p["mgr_north"]), ("u-anna", p["anna"])])
    operations = schedule_operations(provider, pool)
    norr = next(o for o in operations if o.manager_id == p["mgr_north"].pk)
    assert norr.excluded == frozenset({"U-NORA"})
    # Only her own operation: no other operation excludes anything.
    assert [o.excluded for o in operations if o != norr] == [frozenset()] * (len(operations) - 1)
    seen: Counter[str] = Counter()
    for seed in range(2000):
        for drawn in draw_operations(pool, operations, PARAMS, seed):
            assert "U-NORA" not in drawn.employee_units, seed
            if drawn.manager_id == p["mgr_north"].pk:
                seen.update(list(drawn.employee_units))
    # Her operation's four other accounts are all drawn, each every time it is drawn.
    assert set(seen) == {"u-anna", "u-bert", "u-VERA", "u-vilma"}
    assert len(set(seen.values())) == 1
    # Through HTTP: the round drawn by the controller, the manager's operation without her.
    client = login(controller)
    response = client.post(f"/logreview/schedules/{provider.pk}/draw/", {"month": "2026-11-15"})
    round_ = SamplingRound.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logreview/rounds/{round_.pk}/"
    operation = DrawnUnit.objects.get(round=round_, manager=p["mgr_north"])
    assert sorted(
        DrawnEmployee.objects.filter(drawn_unit=operation).values_list("account", flat=True)
    ) == [
        "u-VERA",
        "u-anna",
        "u-bert",
        "u-vilma",
    ]
    page = client.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert "U-NORA" not in page and "u-anna" in page
    # Reproducible: the same seed and data give the same draw, never her.
    rounds = [
        services.round_draw(actor=controller, schedule=provider, month=MONTH, seed=seed)
        for seed in (7, 7, 8, 9, 10)
    ]
    assert drawn_state(rounds[0]) == drawn_state(rounds[1])
    assert not DrawnEmployee.objects.filter(account="U-NORA").exists()
