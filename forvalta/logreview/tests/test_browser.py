"""The Treserva quarter of log review in a real browser (headless Chromium), as the
issue's "Done when" tells it: the log administrator loads November's log and the
clients' placements; the controller draws the round over the three unit managers'
operations; each manager attests their extract order; the log administrator fulfils
each order with its extract (the days are drawn then); two managers find every access
explained and document without remark; the north's manager judges the two unexplained
accesses, one needs follow-up: the follow-up reports a personal-data incident (IMY
deadline 72 hours after awareness), "remove the access at once" makes one removal
request in the access part, and the review is documented with remark and the incident
for one person. The round is then done."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect

from forvalta.access.models import AccessRequest, RequestKind, RequestStatus
from forvalta.access.services import snapshot_from_rows
from forvalta.compliance.models import PersonalDataIncident
from forvalta.core.tests.factories import TEST_PASSWORD
from forvalta.core.tests.test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    browser,
    context,
    page,
)
from forvalta.logreview.models import (
    DrawnEmployee,
    ExtractOrder,
    Judgment,
    ReviewOutcome,
    RoundStatus,
    SamplingRound,
    UnauthorisedAccess,
)
from forvalta.logreview.tests.helpers import HEADER, build_access_world, make_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]

NORTH, SOUTH, HOME = "Hemtjänst Norr", "Hemtjänst Söder", "Boende Ekbacken"
ACCOUNTS = {
    NORTH: ["u-anna", "u-bert", "u-nils", "u-nea"],
    SOUTH: ["u-cia", "u-sara", "u-sven"],
    HOME: ["u-dan", "u-eva"],
}
NAMES = {
    "u-anna": "Anna Andersson",
    "u-bert": "Bert Berg",
    "u-nils": "Nils Nord",
    "u-nea": "Nea Nyberg",
    "u-cia": "Cia Carlsson",
    "u-sara": "Sara Sand",
    "u-sven": "Sven Sund",
    "u-dan": "Dan Dahl",
    "u-eva": "Eva Ek",
}
# Valid personal identity numbers (check digit verified with `personnummer`): the client
# each account reads, placed in its unit, and the north accounts' clients placed nowhere.
PLACED = dict(
    zip(
        NAMES,
        [
            "19450314-0370",
            "19510602-0745",
            "19381123-1111",
            "19600109-1484",
            "19420830-1855",
            "19550417-2221",
            "19491205-2596",
            "19330221-2968",
            "19470711-3330",
        ],
        strict=True,
    )
)
STRANGER = dict(
    zip(
        ACCOUNTS[NORTH],
        ["19521003-3709", "19360527-4079", "19580908-4444", "19410119-4811"],
        strict=True,
    )
)


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return translation.gettext(msgid)


def sv_plural(singular: str, plural: str, count: int) -> str:
    with translation.override("sv"):
        return translation.ngettext(singular, plural, count)


def log_in(page: Page, username: str) -> None:  # noqa: F811  (the fixture's name)
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


def month_log() -> list[tuple[str, ...]]:
    """November 2026: each account on four weekdays at 09:0x reads the client placed in
    its unit; each north account also reads, at 10:00 on those days, a client placed
    nowhere."""
    rows = []
    for unit, accounts in ACCOUNTS.items():
        for i, account in enumerate(accounts):
            for day in (2 + i, 9 + i, 16 + i, 23 + i):  # Monday to Thursday
                assert dt.date(2026, 11, day).weekday() < 5
                when = f"2026-11-{day:02d}"
                rows.append(
                    (
                        f"{when} 09:0{i}",
                        account,
                        NAMES[account],
                        unit,
                        PLACED[account],
                        unit,
                        "Läsa",
                        "Journal",
                    )
                )
                if unit == NORTH:
                    rows.append(
                        (
                            f"{when} 10:00",
                            account,
                            NAMES[account],
                            unit,
                            STRANGER[account],
                            "",
                            "Läsa",
                            "Journal",
                        )
                    )
    return rows


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def log_file(tmp_path: Path, name: str, rows: list[tuple[str, ...]]) -> str:
    return write(tmp_path, name, HEADER + "".join(";".join(r) + "\n" for r in rows))


def messages(page: Page) -> Any:  # noqa: F811
    return page.locator(".messages, [role=status]").first


def share(explained: int, total: int, percent: int) -> str:
    return sv("%(explained)s of %(total)s accesses explained automatically (%(percent)s %%).") % {
        "explained": explained,
        "total": total,
        "percent": percent,
    }


def document_without_remark(page: Page, username: str, unit: str) -> None:  # noqa: F811
    log_in(page, username)
    order = ExtractOrder.objects.get(drawn_unit__unit_name=unit)
    page.goto(order.get_absolute_url())
    page.locator("main").get_by_role("link", name=sv("The review"), exact=True).click()
    expect(page.locator("main h1")).to_have_text(f"{sv('The review')}: {unit} 2026-11")
    # Two drawn employees, one day each, one access each: every access explained.
    expect(page.locator(".review-share")).to_have_text(share(2, 2, 100))
    expect(page.locator("select[name=verdict]")).to_have_count(0)
    expect(page.locator(".review-day details summary")).to_have_text(
        [
            sv_plural(
                "%(counter)s access explained automatically",
                "%(counter)s accesses explained automatically",
                1,
            )
            % {"counter": 1}
        ]
        * 2
    )
    expect(page.locator("main")).to_contain_text(sv("The client was placed in the employee's unit"))
    expect(page.get_by_label(sv("Persons reviewed"))).to_have_value("2")
    expect(page.get_by_label(sv("Logs reviewed"))).to_have_value("2")
    page.get_by_role("button", name=sv("Document the review")).click()
    expect(messages(page)).to_contain_text(sv("The review's outcome was documented."))
    outcome = page.locator("dl.outcome")
    expect(outcome).to_contain_text(sv("Without remark"))
    expect(outcome).to_contain_text(f"{sv('Personal-data incident reported')}{sv('No')}")


def test_the_treserva_quarter(page: Page, live_server: Any, tmp_path: Path) -> None:  # noqa: F811
    aw = build_access_world()
    p = aw.people
    source = make_source(aw)
    # The system's list of accounts, so the removal request carries the roles.
    snapshot_from_rows(
        actor=p["controller"],
        organisation=aw.org,
        system=aw.system,
        rows=[
            (n, {"account_id": a, "name": NAMES[a], "unit": unit, "roles": "Handläggare"})
            for n, (unit, a) in enumerate(
                ((u, a) for u, accounts in ACCOUNTS.items() for a in accounts), start=2
            )
        ],
        taken_on=dt.date(2026, 11, 30),
    )

    # The log administrator loads November's log and the clients' placements.
    log_in(page, "sysadmin")
    page.goto(source.get_absolute_url())
    upload = page.locator("form[action$='/upload/']")
    upload.locator("input[type=file]").set_input_files(
        log_file(tmp_path, "treserva-2026-11.csv", month_log())
    )
    upload.get_by_role("button", name=sv("Upload log")).click()
    expect(messages(page)).to_contain_text(sv("The log file was uploaded and is being loaded."))
    expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Loaded')}")
    expect(page.locator("main dl")).to_contain_text(f"{sv('Rows')}52")  # 9 × 4 + 4 × 4
    page.goto(source.get_absolute_url())
    reference = page.locator("form[action$='/reference/']")
    reference.get_by_label(sv("Kind of reference data")).select_option("placements")
    placements = "Personnummer;Användar-id;Enhet;Från;Till\n" + "".join(
        f"{PLACED[a]};;{unit};2026-01-01;\n"
        for unit, accounts in ACCOUNTS.items()
        for a in accounts
    )
    reference.locator("input[type=file]").set_input_files(
        write(tmp_path, "placeringar.csv", placements)
    )
    reference.get_by_role("button", name=sv("Upload reference data")).click()
    expect(messages(page)).to_contain_text(
        sv("The reference file was uploaded and is being loaded.")
    )
    expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Loaded')}")
    expect(page.locator("main dl")).to_contain_text(f"{sv('Rows')}9")

    # The controller sets the schedule (three operations, two employees, one day) and
    # draws the round over November.
    log_in(page, "controller")
    page.goto(source.get_absolute_url())
    page.get_by_role("link", name=sv("New sampling schedule")).click()
    page.get_by_label(sv("Kind of operation")).select_option("provider")
    page.get_by_label(sv("Employees per unit")).fill("2")
    page.get_by_label(sv("Days per employee")).fill("1")
    page.get_by_role("button", name=sv("Save"), exact=True).click()
    expect(messages(page)).to_contain_text(sv("The sampling schedule was saved."))
    page.get_by_role("link", name=sv("Draw sample")).click()
    page.get_by_label(sv("Month sampled")).fill("2026-11-01")
    page.get_by_role("button", name=sv("Draw sample")).click()
    expect(messages(page)).to_contain_text(sv("The sample was drawn and the extracts ordered."))
    expect(page.locator("main h1")).to_have_text(f"{sv('Sampling round')} 2026 Q4")
    round_ = SamplingRound.objects.get()
    operations = page.locator("p.operation")
    expect(operations).to_have_count(3)
    for manager, unit in (("Nora Norr", NORTH), ("Sune Söder", SOUTH), ("Hedda Hem", HOME)):
        expect(operations.filter(has_text=manager)).to_have_text(
            sv("Unit manager's operation") + f": {manager} · {sv('Units')}: {unit}"
        )
    # Two employees of each operation, their days drawn only at fulfilment.
    expect(page.locator("main tbody tr")).to_have_count(6)
    expect(page.locator("main tbody tr td:nth-child(4)")).to_have_text(
        [sv("Drawn when the order is fulfilled")] * 6
    )
    drawn = {
        unit: sorted(
            DrawnEmployee.objects.filter(drawn_unit__unit_name=unit).values_list(
                "account", flat=True
            )
        )
        for unit in ACCOUNTS
    }
    for unit, accounts in drawn.items():
        assert len(accounts) == 2 and set(accounts) <= set(ACCOUNTS[unit]), (unit, accounts)
    assert ExtractOrder.objects.filter(round=round_, status="requested").count() == 3

    # Each unit manager attests the order of their operation.
    for username, unit in (("mgr_north", NORTH), ("mgr_south", SOUTH), ("mgr_home", HOME)):
        log_in(page, username)
        page.goto("/logreview/")
        waiting = page.locator("section[aria-labelledby=orders-head]")
        expect(waiting.get_by_role("link")).to_have_text([f"{unit} 2026-11"])
        waiting.get_by_role("link").click()
        expect(page.locator("main h1")).to_have_text(f"{sv('Extract order')}: {unit}")
        expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Requested')}")
        page.get_by_role("button", name=sv("Attest the order")).click()
        expect(messages(page)).to_contain_text(sv("The extract order was attested."))
        expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Attested')}")

    # The log administrator fulfils each order with its extract: the operation's
    # accounts' rows of the month. The days are drawn at the upload.
    log_in(page, "sysadmin")
    for unit, accounts in ACCOUNTS.items():
        order = ExtractOrder.objects.get(drawn_unit__unit_name=unit)
        page.goto(order.get_absolute_url())
        expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Attested')}")
        extract = [r for r in month_log() if r[1] in accounts]
        page.locator("form[action$='/fulfil/'] input[type=file]").set_input_files(
            log_file(tmp_path, f"uttag-{order.pk}.csv", extract)
        )
        page.get_by_role("button", name=sv("Upload the extract")).click()
        expect(messages(page)).to_contain_text(sv("The extract was uploaded and is being loaded."))
        expect(page.locator("main dl")).to_contain_text(f"{sv('Status')}{sv('Loaded')}")
        expect(page.locator("main dl")).to_contain_text(f"{sv('Rows')}{len(extract)}")
        expect(page.locator("main dl")).to_contain_text(f"{sv('Extract order')}{sv('Fulfilled')}")
        page.goto(order.get_absolute_url())
        days = page.locator("main tbody tr td:nth-child(5)")
        expect(days).to_have_count(2)
        for text in days.all_inner_texts():
            day = dt.date.fromisoformat(text.strip())
            assert (day.year, day.month) == (2026, 11) and day.weekday() < 4, text

    # South and home: everything explained, documented without remark.
    document_without_remark(page, "mgr_south", SOUTH)
    document_without_remark(page, "mgr_home", HOME)

    # North: each drawn day holds one explained access and one unexplained.
    log_in(page, "mgr_north")
    north = ExtractOrder.objects.get(drawn_unit__unit_name=NORTH)
    page.goto(north.get_absolute_url())
    page.locator("main").get_by_role("link", name=sv("The review"), exact=True).click()
    expect(page.locator(".review-share")).to_have_text(share(2, 4, 50))
    expect(page.locator("main")).to_contain_text(
        sv_plural(
            "%(counter)s unexplained access still lacks a judgment.",
            "%(counter)s unexplained accesses still lack a judgment.",
            2,
        )
        % {"counter": 2}
    )
    rows = page.locator("tr:has(select[name=verdict])")
    expect(rows).to_have_count(2)
    expect(rows.locator("td:nth-child(1)")).to_have_text(["10:00", "10:00"])
    expect(rows.locator("td:nth-child(4)")).to_have_text(["—", "—"])  # no explanation
    expect(rows.locator("td:nth-child(5)")).to_have_text(["—", "—"])  # no flag
    judged = []
    for n, (verdict, comment) in enumerate(
        (
            ("reasonable", "Vikarierade hos klienten den dagen"),
            ("follow_up", "Ingen koppling till klienten"),
        )
    ):
        row = page.locator("tr:has(select[name=verdict])").nth(n)
        judged.append(row.get_attribute("id"))
        row.locator("select[name=verdict]").select_option(verdict)
        row.locator("textarea[name=comment]").fill(comment)
        row.get_by_role("button", name=sv("Save the judgment")).click()
        expect(messages(page)).to_contain_text(sv("The judgment was saved."))
    expect(page.locator("p.judgment")).to_have_text(
        [
            f"{sv('Reasonable')}: Vikarierade hos klienten den dagen",
            f"{sv('Needs follow-up')}: Ingen koppling till klienten",
        ]
    )
    expect(page.get_by_role("link", name=sv("Open a follow-up"))).to_have_count(1)
    follow_row = page.locator(f"tr#{judged[1]}")
    follow_judgment = Judgment.objects.get(verdict="follow_up")
    account = follow_judgment.entry.account
    assert account in ACCOUNTS[NORTH] and account in drawn[NORTH]
    masked = STRANGER[account][:8] + "-****"
    expect(follow_row.locator("td:nth-child(2)")).to_contain_text(masked)
    expect(page.locator("main")).not_to_contain_text(STRANGER[account])  # masked only

    # The follow-up from the needs-follow-up judgment.
    follow_row.get_by_role("link", name=sv("Open a follow-up")).click()
    expect(page.locator("main h1")).to_have_text(sv("Open a follow-up of unauthorised access"))
    expect(page.locator("main dl")).to_contain_text(f"{account} ({NAMES[account]})")
    expect(page.locator("main tbody tr")).to_have_text(
        [re.compile(rf"{re.escape(masked)}\s*Läsa Journal\s*Ingen koppling till klienten")]
    )
    page.get_by_role("button", name=sv("Open the follow-up")).click()
    expect(messages(page)).to_contain_text(
        sv("The follow-up was opened and a personal-data incident was reported.")
    )
    followup = UnauthorisedAccess.objects.get()
    deadline = timezone.localtime(followup.aware_at + dt.timedelta(hours=72))
    expect(page.locator("main h1")).to_have_text(
        f"{sv('Follow-up of unauthorised access')}: {account}"
    )
    expect(page.locator("dl.followup .deadline")).to_have_text(
        sv("IMY deadline %(deadline)s") % {"deadline": f"{deadline:%Y-%m-%d %H:%M}"}
    )
    remove = page.locator("section#decision-remove_access")
    remove.get_by_label(sv("Yes"), exact=True).check()
    remove.get_by_label(sv("Comment")).fill("Behörigheten tas bort direkt")
    remove.get_by_role("button", name=sv("Document the decision")).click()
    expect(messages(page)).to_contain_text(sv("The decision was documented."))
    expect(page.locator("section#decision-remove_access p.decided")).to_contain_text(
        f"{sv('Yes')}: Behörigheten tas bort direkt (Nora Norr "
    )
    expect(page.locator("dl.followup")).to_contain_text(f"({sv('Requested')})")

    # Back to the review: documented with remark, the incident for one person.
    page.locator("dl.followup").get_by_role("link", name=f"{NORTH} 2026-11").click()
    expect(page.locator("main h1")).to_have_text(f"{sv('The review')}: {NORTH} 2026-11")
    expect(page.get_by_label(sv("Personal-data incident reported"))).to_have_value("1")
    expect(page.get_by_label(sv("For how many persons"))).to_have_value("1")
    expect(page.get_by_label(sv("Persons reviewed"))).to_have_value("2")
    expect(page.get_by_label(sv("Logs reviewed"))).to_have_value("4")
    page.get_by_label(sv("The review was")).select_option(label=sv("With remark"))
    page.get_by_role("button", name=sv("Document the review")).click()
    expect(messages(page)).to_contain_text(sv("The review's outcome was documented."))
    outcome = page.locator("dl.outcome")
    expect(outcome).to_contain_text(f"{sv('The review was')}{sv('With remark')}")
    expect(outcome).to_contain_text(
        f"{sv('Personal-data incident reported')}"
        + sv_plural("Yes, for %(counter)s person", "Yes, for %(counter)s persons", 1)
        % {"counter": 1}
    )
    expect(outcome).to_contain_text(f"{sv('Reviewed by')}Nora Norr")
    today = formats.date_format(timezone.localdate(), "Y-m-d")
    expect(outcome).to_contain_text(f"{sv('Date the review was completed')}{today}")

    # The controller sees the round done.
    log_in(page, "controller")
    page.goto(round_.get_absolute_url())
    expect(page.locator("main dl").first).to_contain_text(f"{sv('Status')}{sv('Done')}")

    # Exactly what happened.
    assert SamplingRound.objects.get().status == RoundStatus.DONE
    assert sorted(
        ReviewOutcome.objects.values_list(
            "order__drawn_unit__unit_name",
            "reviewer__username",
            "persons_reviewed",
            "logs_reviewed",
            "with_remark",
            "incident_reported",
            "incident_persons",
        )
    ) == [
        (HOME, "mgr_home", 2, 2, False, False, None),
        (NORTH, "mgr_north", 2, 4, True, True, 1),
        (SOUTH, "mgr_south", 2, 2, False, False, None),
    ]
    request = AccessRequest.objects.get()
    assert (request.kind, request.status, request.account_id, request.roles) == (
        RequestKind.REMOVE,
        RequestStatus.REQUESTED,
        account,
        "Handläggare",
    )
    assert (request.organisation, request.system, request.requested_by) == (
        aw.org,
        aw.system,
        p["mgr_north"],
    )
    assert followup.removal_request_id is None  # read before the decision
    followup.refresh_from_db()
    assert followup.removal_request == request
    incident = PersonalDataIncident.objects.get()
    assert followup.incident == incident
    assert incident.aware_at == followup.aware_at
    assert incident.imy_deadline == incident.aware_at + dt.timedelta(hours=72)
    assert (incident.organisation, incident.system, incident.reporter) == (
        aw.org,
        aw.system,
        p["mgr_north"],
    )
    assert list(followup.judgments.all()) == [follow_judgment]
