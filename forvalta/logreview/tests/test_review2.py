"""The review, continued (issue 14, builds 1, 4 and 5) through HTTP: the caseload
explanation; the full personal identity number kept encrypted once per client and
revealed only to the recipient as an audit event; the days drawn at fulfilment; another
recipient or attestant named (choices only from the organisation); refusals change
nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership
from forvalta.logreview import identity, services
from forvalta.logreview.draw import Parameters, draw_days, order_seed
from forvalta.logreview.models import (
    ClientIdentity,
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    LogEntry,
    LogLoad,
    OrderStatus,
    ReviewOutcome,
    SamplingRound,
    SamplingSchedule,
)
from forvalta.logreview.tests.helpers import (
    build_access_world,
    log_csv,
    make_source,
    month_rows,
)
from forvalta.logreview.tests.test_review import login, ref_csv, row, valid_number

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 11, 1)
CASELOAD = "Klienten fanns i enhetens klientgrupp under perioden"
PLACED = "Klienten var placerad på medarbetarens enhet"


def _order(aw: Any, status: str = "attested") -> ExtractOrder:
    source = make_source(aw)
    schedule = SamplingSchedule.objects.create(organisation=aw.org, source=source, kind="provider")
    round_ = SamplingRound.objects.create(
        organisation=aw.org,
        schedule=schedule,
        year=2026,
        quarter=4,
        month=MONTH,
        seed=5,
        drawn_by=aw.people["controller"],
    )
    unit = DrawnUnit.objects.create(
        round=round_, position=0, unit_name="Hemtjänst Norr", unit=aw.units["north"]
    )
    anna = DrawnEmployee.objects.create(
        drawn_unit=unit, position=0, account="u-anna", employee_name="Anna Andersson"
    )
    DrawnDay.objects.create(employee=anna, day=dt.date(2026, 11, 3))
    return ExtractOrder.objects.create(
        organisation=aw.org,
        round=round_,
        drawn_unit=unit,
        month=MONTH,
        recipient=aw.people["mgr_north"],
        attestant=aw.people["mgr_north"],
        status=status,
        requested_by=aw.people["controller"],
    )


def _fulfil(aw: Any, capture: Any, order: ExtractOrder, rows: list[tuple[str, ...]]) -> None:
    with capture(execute=True):
        services.order_fulfil(
            actor=aw.people["sysadmin"], order=order, filename="norr.csv", data=log_csv(rows)
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


# --- the caseload explanation -------------------------------------------------------------
CASES = {
    # client serial: (placement unit, from, to, expected explanations)
    1: ("Hemtjänst Norr", "2026-11-01", "2026-11-02", [CASELOAD]),  # ended before the day
    2: ("Hemtjänst Norr", "2026-11-20", "", [CASELOAD]),  # began after the day
    3: ("Hemtjänst Norr", "2026-10-01", "2026-10-31", []),  # only the month before
    4: ("Hemtjänst Norr", "2026-12-01", "", []),  # only after the month
    5: ("Boende Ekbacken", "2026-11-10", "", []),  # another unit
    6: ("Hemtjänst Norr", "2026-01-01", "", [PLACED]),  # placed that day: not both
    7: ("hemtjänst norr", "2026-11-25", "2026-12-31", [CASELOAD]),  # case-insensitive
    8: ("Hemtjänst Norr", "2026-10-15", "2026-11-01", [CASELOAD]),  # met the month's first day
    9: ("Hemtjänst Norr", "2026-11-30", "", [CASELOAD]),  # the month's last day
}


def test_the_caseload_explains_an_access_of_a_client_placed_during_the_month(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = _order(aw)
    source = order.round.schedule.source
    admin = aw.people["sysadmin"]
    placements = [(valid_number(s), "", u, f, t) for s, (u, f, t, _e) in CASES.items()]
    # In the caseload but a protected identity: explained, yet flagged.
    placements.append((valid_number(10), "", "Hemtjänst Norr", "2026-11-12", "2026-11-14"))
    # The employee logged the access in another unit, where the client was during the month.
    placements.append((valid_number(11), "", "Hemtjänst Söder", "2026-11-15", ""))
    with django_capture_on_commit_callbacks(execute=True):
        services.reference_upload(
            actor=admin,
            source=source,
            kind="placements",
            filename="p.csv",
            data=ref_csv(placements),
        )
        services.reference_upload(
            actor=admin,
            source=source,
            kind="protected",
            filename="s.csv",
            data=ref_csv([(valid_number(10), "", "", "", "")]),
        )
    rows = [row(f"2026-11-03 09:{s:02d}", "u-anna", valid_number(s)) for s in range(1, 11)]
    rows.append(row("2026-11-03 09:11", "u-anna", valid_number(11), unit="Hemtjänst Söder"))
    _fulfil(aw, django_capture_on_commit_callbacks, order, rows)
    response = login(aw.people["mgr_north"]).get(f"/logreview/orders/{order.pk}/review/")
    assert response.status_code == 200
    got = {
        a.entry.client_masked: (a.explanations, a.flags)
        for a in response.context["review"].accesses
    }
    expected = {valid_number(s)[:9] + "****": (e, []) for s, (_u, _f, _t, e) in CASES.items()}
    expected[valid_number(10)[:9] + "****"] = ([CASELOAD], ["Skyddad identitet"])
    expected[valid_number(11)[:9] + "****"] = ([CASELOAD], [])
    assert got == expected
    page = response.content.decode()
    # Explained: 1, 2, 6, 7, 8, 9 and 11; not 3, 4, 5 and the protected 10.
    assert "7 av 11 åtkomster förklarades automatiskt (64 %)." in page
    assert page.count(CASELOAD) == 7
    assert page.count('name="verdict"') == 4


# --- the full number, kept encrypted and revealed ---------------------------------------
A, B, C = "19121212-1212", "19700101-1233", "19800101-1231"


def _revealable(aw: Any, capture: Any) -> ExtractOrder:
    order = _order(aw)
    rows = [
        row("2026-11-03 09:00", "u-anna", A),
        row("2026-11-03 09:30", "u-anna", "197001011233"),  # B without a hyphen
        row("2026-11-03 10:00", "u-anna", A),  # the same client again
        row("2026-11-05 10:00", "u-anna", C),  # a day not drawn
    ]
    _fulfil(aw, capture, order, rows)
    return order


def _trail() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


def test_each_distinct_client_is_kept_once_encrypted_per_organisation(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = _revealable(aw, django_capture_on_commit_callbacks)
    org = aw.org.pk
    kept = {c.client_hash: c.number for c in ClientIdentity.objects.all()}
    assert set(kept) == {identity.client_hash(org, n) for n in (A, B, C)}
    assert set(ClientIdentity.objects.values_list("organisation_id", flat=True)) == {org}
    for number in (A, B, C):
        token = kept[identity.client_hash(org, number)]
        assert number not in token and number.replace("-", "") not in token
        assert identity.decrypt_number(org, token) == number
        # Another organisation's key does not open it.
        assert identity.decrypt_number(aw.other.pk, token) == ""
    # Only unknown clients are added, in one query for the known and one insert (and on
    # PostgreSQL the lock that keeps the disposal of numbers away, store.dispose_identities).
    lock = 1 if connection.vendor == "postgresql" else 0
    with CaptureQueriesContext(connection) as queries:
        added = identity.remember_clients(org, [A, "191212121212", "19900101-1239", "nonsense"])
    assert added == 1 and len(queries) == 2 + lock
    assert ClientIdentity.objects.count() == 4
    with CaptureQueriesContext(connection) as queries:
        assert identity.remember_clients(org, [A, B]) == 0
    assert len(queries) == 1 + lock
    # The same client in another organisation is kept under that organisation's own key.
    assert identity.remember_clients(aw.other.pk, [A]) == 1
    other = ClientIdentity.objects.get(organisation=aw.other)
    assert other.client_hash != identity.client_hash(org, A)
    assert identity.decrypt_number(aw.other.pk, other.number) == A
    # A refused file keeps nothing.
    before = ClientIdentity.objects.count()
    bad = log_csv([row("2026-11-03 09:00", "u-anna", valid_number(50)), ("x", "", "", "", "")])
    with django_capture_on_commit_callbacks(execute=True):
        load = services.log_upload(
            actor=aw.people["sysadmin"],
            source=order.round.schedule.source,
            filename="bad.csv",
            data=bad,
        )
    load.refresh_from_db()
    assert load.status == "failed" and ClientIdentity.objects.count() == before


def test_only_the_recipient_reveals_the_full_number_and_it_is_audited(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = _revealable(aw, django_capture_on_commit_callbacks)
    url = f"/logreview/orders/{order.pk}/review/"
    manager = login(aw.people["mgr_north"])
    page = manager.get(url).content.decode()
    # Before: masked numbers and one button per access, never the full number.
    assert page.count("Visa personnummer") == 3
    assert "19121212-****" in page and "19700101-****" in page
    for number in (A, B, C, "197001011233"):
        assert number not in page
    assert number not in _trail()
    first, second, third = (
        LogEntry.objects.filter(load__order=order, time__date=dt.date(2026, 11, 3))
        .order_by("time")
        .values_list("pk", flat=True)
    )
    before_events = AuditEvent.objects.count()
    response = manager.post(url + "reveal/", {"entry": second})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    revealed = response.content.decode()
    assert f'<strong class="revealed">{B}</strong>' in revealed
    assert revealed.count(B) == 1 and A not in revealed
    assert revealed.count("Visa personnummer") == 2
    events = AuditEvent.objects.filter(action="logreview.client.revealed")
    assert list(
        events.values_list("actor_id", "object_type", "object_id", "organisation_id", "changes")
    ) == [
        (
            aw.people["mgr_north"].pk,
            "logreview.extractorder",
            str(order.pk),
            aw.org.pk,
            {"client": [None, "19700101-****"], "entry": [None, second]},
        )
    ]
    assert AuditEvent.objects.count() == before_events + 1
    # The full number never reaches the audit trail; the next view shows it masked again.
    for number in (A, B, C, "197001011233", "7001011233"):
        assert number not in _trail()
    assert B not in manager.get(url).content.decode()

    # Refusals: nothing revealed, `access.denied` recorded for those who see the order.
    for person, status in (("controller", 403), ("sysadmin", 403)):
        denied = AuditEvent.objects.filter(action="access.denied").count()
        response = login(aw.people[person]).post(url + "reveal/", {"entry": first})
        assert response.status_code == status, person
        assert A not in response.content.decode()
        assert AuditEvent.objects.filter(action="access.denied").count() == denied + 1
        assert "Visa personnummer" not in login(aw.people[person]).get(url).content.decode()
    for person in ("anna", "mgr_south", "other_controller"):
        response = login(aw.people[person]).post(url + "reveal/", {"entry": first})
        assert response.status_code == 404, person
        assert A not in response.content.decode()
    assert events.count() == 1
    # An access outside the review (a day not drawn) or no access at all: refused.
    outside = LogEntry.objects.get(load__order=order, time__date=dt.date(2026, 11, 5))
    for entry in (outside.pk, "x", third + 1000):
        response = manager.post(url + "reveal/", {"entry": entry}, follow=True)
        page = response.content.decode()
        assert "Åtkomsten hör inte till granskningen." in page and C not in page
    assert events.count() == 1
    # A client whose number was not kept (loaded before): a message, nothing revealed.
    ClientIdentity.objects.filter(client_hash=identity.client_hash(aw.org.pk, A)).delete()
    page = manager.post(url + "reveal/", {"entry": first}, follow=True).content.decode()
    assert "Det fullständiga personnumret finns inte sparat för klienten." in page
    assert events.count() == 1 and "19121212-1212" not in _trail()


# --- the days drawn at fulfilment -------------------------------------------------------
def _round(aw: Any, capture: Any, per_unit: dict[str, list[str]] | None = None) -> SamplingRound:
    source = make_source(aw)
    with capture(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"],
            source=source,
            filename="nov.csv",
            data=log_csv(month_rows(per_unit=per_unit)),
        )
    schedule = services.schedule_create(
        actor=aw.people["controller"], source=source, kind="provider"
    )
    return services.round_draw(
        actor=aw.people["controller"], schedule=schedule, month=MONTH, seed=11
    )


def _state() -> tuple[Any, ...]:
    return (
        list(
            ExtractOrder.objects.order_by("pk").values_list(
                "pk", "status", "attestant_id", "recipient_id", "attested_by_id"
            )
        ),
        list(DrawnDay.objects.order_by("pk").values_list("pk", "employee_id", "day")),
        LogLoad.objects.count(),
    )


def test_the_days_are_drawn_by_the_log_administrator_at_fulfilment(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    round_ = _round(aw, django_capture_on_commit_callbacks)
    assert not DrawnDay.objects.exists()
    controller = login(aw.people["controller"])
    page = controller.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert page.count("Dras när beställningen levereras") == DrawnEmployee.objects.count() == 9
    order = ExtractOrder.objects.get(round=round_, drawn_unit__unit_name="Hemtjänst Norr")
    url = f"/logreview/orders/{order.pk}/"
    admin = login(aw.people["sysadmin"])
    # Not before attestation, and never by anyone but the log administrator.
    before = _state()
    assert admin.post(url + "days/").status_code == 403
    assert _state() == before
    order = services.order_attest(actor=aw.people["mgr_north"], order=order)
    before = _state()
    for person, status in (("controller", 403), ("mgr_north", 403), ("anna", 404)):
        assert login(aw.people[person]).post(url + "days/").status_code == status, person
    assert _state() == before
    assert f'action="{url}days/"' not in controller.get(url).content.decode()
    page = admin.get(url).content.decode()
    assert "Dra dagarna" in page and page.count("Dras när beställningen levereras") == 4
    assert admin.post(url + "days/").status_code == 302
    employees = list(DrawnEmployee.objects.filter(drawn_unit=order.drawn_unit))
    recorded = {e.account: [d.day for d in DrawnDay.objects.filter(employee=e)] for e in employees}
    active: dict[str, set[dt.date]] = {}
    for r in month_rows():
        active.setdefault(r[1], set()).add(dt.date.fromisoformat(r[0][:10]))
    assert recorded == draw_days(
        [(e.account, active[e.account]) for e in employees],
        Parameters(3, 4, 3, "active"),
        order_seed(11, order.pk),
        MONTH,
    )
    page = admin.get(url).content.decode()
    assert "Dra dagarna" not in page and "Dras när beställningen levereras" not in page
    for account, days in recorded.items():
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in days)
        assert f"<td>{account}</td>" in page and f"<td>{shown}</td>" in page
    round_page = controller.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert round_page.count("Dras när beställningen levereras") == 5  # the other two units
    # Drawing again, or fulfilling, keeps the recorded days: one event.
    assert admin.post(url + "days/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfil(
            actor=aw.people["sysadmin"],
            order=order,
            filename="x.csv",
            data=log_csv(month_rows()[:2]),
        )
    again = {e.account: [d.day for d in DrawnDay.objects.filter(employee=e)] for e in employees}
    assert again == recorded
    assert AuditEvent.objects.filter(action="logreview.extractorder.days_drawn").count() == 1
    # The round page links to the fulfilled order's review for the controller.
    round_page = controller.get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert f'href="/logreview/orders/{order.pk}/review/"' in round_page
    assert round_page.count("/review/") == 1  # the other orders are not fulfilled
    anna_page = login(aw.people["anna"]).get(f"/logreview/rounds/{round_.pk}/").content.decode()
    assert "/review/" not in anna_page


# --- another recipient, a named attestant ------------------------------------------------
def _options(page: str, form_class: str) -> set[int]:
    match = re.search(rf'<form[^>]*class="{form_class}".*?</form>', page, re.S)
    assert match, form_class
    return {int(v) for v in re.findall(r'<option value="(\d+)"', match.group(0))}


def _members(org: Any) -> set[int]:
    return set(
        Membership.objects.filter(organisation=org, user__is_active=True)
        .active()
        .values_list("user_id", flat=True)
    )


def test_the_attestant_and_the_controller_choose_the_recipient(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    round_ = _round(aw, django_capture_on_commit_callbacks)
    order = ExtractOrder.objects.get(round=round_, drawn_unit__unit_name="Hemtjänst Norr")
    url = f"/logreview/orders/{order.pk}/"
    p = aw.people
    manager = login(p["mgr_north"])
    page = manager.get(url).content.decode()
    # The choice list holds the organisation's members only: no other organisation's people.
    members = _members(aw.org)
    assert _options(page, "order-attest") == members
    assert p["other_controller"].pk not in members and p["boss"].pk in members
    # Another organisation's person is refused with a message; nothing changes.
    before = _state()
    response = manager.post(url + "attest/", {"person": p["other_controller"].pk}, follow=True)
    assert "Välj en medlem i beställningens organisation." in response.content.decode()
    assert _state() == before
    # Refusals of changing the recipient: a colleague, another organisation 404; the log
    # administrator 403 with access.denied; nothing changed.
    for person, status in (("anna", 404), ("other_controller", 404), ("sysadmin", 403)):
        response = login(p[person]).post(url + "recipient/", {"person": p["anna"].pk})
        assert response.status_code == status, person
    assert _state() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == 1
    # The manager attests and names the unit's head as recipient.
    assert manager.post(url + "attest/", {"person": p["boss"].pk}).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.attestant, order.recipient) == (
        OrderStatus.ATTESTED,
        p["mgr_north"],
        p["boss"],
    )
    attested = AuditEvent.objects.get(action="logreview.extractorder.attested")
    assert attested.changes == {
        "status": ["requested", "attested"],
        "recipient": [p["mgr_north"].pk, p["boss"].pk],
    }
    # Having attested, the manager no longer chooses; the controller does.
    before = _state()
    assert manager.post(url + "recipient/", {"person": p["anna"].pk}).status_code == 403
    assert _state() == before
    controller = login(p["controller"])
    page = controller.get(url).content.decode()
    assert _options(page, "order-recipient") == members
    assert controller.post(url + "recipient/", {"person": p["mgr_south"].pk}).status_code == 302
    order.refresh_from_db()
    assert order.recipient == p["mgr_south"]
    changed = AuditEvent.objects.get(action="logreview.extractorder.recipient_changed")
    assert (changed.actor_id, changed.object_id, changed.changes) == (
        p["controller"].pk,
        str(order.pk),
        {"recipient": [p["boss"].pk, p["mgr_south"].pk]},
    )
    response = controller.post(
        url + "recipient/", {"person": p["other_controller"].pk}, follow=True
    )
    assert "Välj en medlem i beställningens organisation." in response.content.decode()
    order.refresh_from_db()
    assert order.recipient == p["mgr_south"]
    # The new recipient reviews (and reveals); the earlier recipient does not.
    _days_and_extract(aw, django_capture_on_commit_callbacks, order)
    review = f"{url}review/"
    assert login(p["mgr_south"]).get(review).status_code == 200
    assert "Visa personnummer" in login(p["mgr_south"]).get(review).content.decode()
    assert login(p["boss"]).get(review).status_code == 404
    # Once documented the recipient is fixed.
    ReviewOutcome.objects.create(
        organisation=aw.org,
        order=order,
        completed_on=dt.date(2026, 12, 10),
        reviewer=p["mgr_south"],
        persons_reviewed=1,
        logs_reviewed=1,
        with_remark=False,
        incident_reported=False,
    )
    before = _state()
    assert controller.post(url + "recipient/", {"person": p["boss"].pk}).status_code == 403
    assert _state() == before
    assert "order-recipient" not in controller.get(url).content.decode()


def _days_and_extract(aw: Any, capture: Any, order: ExtractOrder) -> None:
    order.refresh_from_db()
    with capture(execute=True):
        services.order_fulfil(
            actor=aw.people["sysadmin"],
            order=order,
            filename="x.csv",
            data=log_csv(month_rows()),
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED


def test_the_controller_names_the_attestant_of_a_unit_without_a_manager(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    p = aw.people
    round_ = _round(
        aw, django_capture_on_commit_callbacks, per_unit={"Dagverksamhet Väst": ["u-vera", "u-ola"]}
    )
    order = ExtractOrder.objects.get(round=round_)
    assert (order.attestant_id, order.recipient_id, order.drawn_unit.unit_id) == (None, None, None)
    url = f"/logreview/orders/{order.pk}/"
    controller = login(p["controller"])
    page = controller.get(url).content.decode()
    assert "Utse attestant" in page and "Attestera beställningen" not in page
    assert _options(page, "order-attestant") == _members(aw.org)
    # Nobody else names the attestant; another organisation's person is refused.
    before = _state()
    for person, status in (("sysadmin", 403), ("mgr_home", 404), ("other_controller", 404)):
        response = login(p[person]).post(url + "attestant/", {"person": p["mgr_home"].pk})
        assert response.status_code == status, person
    response = controller.post(
        url + "attestant/", {"person": p["other_controller"].pk}, follow=True
    )
    assert "Välj en medlem i beställningens organisation." in response.content.decode()
    assert _state() == before
    assert controller.post(url + "attestant/", {"person": p["mgr_home"].pk}).status_code == 302
    order.refresh_from_db()
    assert (order.attestant, order.recipient) == (p["mgr_home"], p["mgr_home"])
    named = AuditEvent.objects.get(action="logreview.extractorder.attestant_named")
    assert named.changes == {
        "attestant": [None, p["mgr_home"].pk],
        "recipient": [None, p["mgr_home"].pk],
    }
    # The named attestant now sees the order (and the menu leads there) and attests it.
    attestant = login(p["mgr_home"])
    assert 'href="/logreview/">Logguppföljning</a>' in attestant.get("/").content.decode()
    assert "Attestera beställningen" in attestant.get(url).content.decode()
    assert attestant.post(url + "attest/").status_code == 302
    order.refresh_from_db()
    assert (order.status, order.attested_by, order.recipient) == (
        OrderStatus.ATTESTED,
        p["mgr_home"],
        p["mgr_home"],
    )
    # Once attested the attestant is fixed.
    before = _state()
    assert controller.post(url + "attestant/", {"person": p["boss"].pk}).status_code == 403
    assert _state() == before
    # An authority order has no attestant to name: the controller attests it.
    source = order.round.schedule.source
    schedule = services.schedule_create(actor=p["controller"], source=source, kind="authority")
    authority = services.round_draw(
        actor=p["controller"], schedule=schedule, month=MONTH
    ).orders.get()
    before = _state()
    response = controller.post(
        f"/logreview/orders/{authority.pk}/attestant/", {"person": p["boss"].pk}
    )
    assert response.status_code == 403 and _state() == before
    # The attesting controller names the responsible manager as recipient.
    assert (
        controller.post(
            f"/logreview/orders/{authority.pk}/attest/", {"person": p["mgr_home"].pk}
        ).status_code
        == 302
    )
    authority.refresh_from_db()
    assert (authority.status, authority.recipient) == (OrderStatus.ATTESTED, p["mgr_home"])
