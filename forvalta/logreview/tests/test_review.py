"""The review of a fulfilled order through HTTP: explanations from the reference data,
flags, folding, judgments by the recipient only, the section 6.5 documentation
(immutable), every view recorded; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services
from forvalta.logreview.models import (
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    Judgment,
    LogEntry,
    ReviewOutcome,
    SamplingRound,
    SamplingSchedule,
)
from forvalta.logreview.tests.helpers import HEADER, build_access_world, log_csv, make_source

pytestmark = pytest.mark.django_db

A, B, C, D = "19121212-1212", "19700101-1233", "19800101-1231", "19900101-1239"
REF_HEADER = "Personnummer;Användar-id;Enhet;Från;Till\n"


def valid_number(serial: int) -> str:
    """A valid personal identity number born 1950-01-01 (Luhn check digit)."""
    body = f"500101{serial:03d}"
    total = 0
    for i, ch in enumerate(body):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return f"19500101-{serial:03d}{(10 - total % 10) % 10}"


E = valid_number(1)  # Bert's own number


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ref_csv(rows: list[tuple[str, ...]]) -> bytes:
    return (REF_HEADER + "".join(";".join(r) + "\n" for r in rows)).encode("utf-8")


def row(time: str, account: str, client: str, unit: str = "Hemtjänst Norr") -> tuple[str, ...]:
    return (time, account, account[2:].title(), unit, client, "", "Läsa", "Journal")


def fulfilled_order(aw: Any, capture: Any, extra: int = 0, names: bool = False) -> ExtractOrder:
    source = make_source(aw)
    if names:  # the log names the clients
        source.mapping = {**source.mapping, "client_name": "Klientens namn"}
        source.save()
    schedule = SamplingSchedule.objects.create(organisation=aw.org, source=source, kind="provider")
    round_ = SamplingRound.objects.create(
        organisation=aw.org,
        schedule=schedule,
        year=2026,
        quarter=4,
        month=dt.date(2026, 11, 1),
        seed=1,
        drawn_by=aw.people["controller"],
    )
    unit = DrawnUnit.objects.create(
        round=round_, position=0, unit_name="Hemtjänst Norr", unit=aw.units["north"]
    )
    anna = DrawnEmployee.objects.create(
        drawn_unit=unit, position=0, account="u-anna", employee_name="Anna Andersson"
    )
    bert = DrawnEmployee.objects.create(
        drawn_unit=unit, position=1, account="u-bert", employee_name="Bert Berg"
    )
    DrawnDay.objects.create(employee=anna, day=dt.date(2026, 11, 3))
    DrawnDay.objects.create(employee=bert, day=dt.date(2026, 11, 3))
    DrawnDay.objects.create(employee=bert, day=dt.date(2026, 11, 4))
    order = ExtractOrder.objects.create(
        organisation=aw.org,
        round=round_,
        drawn_unit=unit,
        month=dt.date(2026, 11, 1),
        recipient=aw.people["mgr_north"],
        attestant=aw.people["mgr_north"],
        status="attested",
        requested_by=aw.people["controller"],
    )
    admin = aw.people["sysadmin"]
    references = {
        "placements": [
            (A, "", "Hemtjänst Norr", "2026-01-01", ""),
            (D, "", "Hemtjänst Norr", "2026-01-01", ""),
            (C, "", "Hemtjänst Norr", "2026-12-01", ""),  # placed only after the month
        ],
        "assignments": [(B, "u-anna", "", "2026-11-01", "2026-11-30")],
        "protected": [(D, "", "", "", "")],
        "employees": [(E, "u-bert", "", "", "")],
    }
    with capture(execute=True):
        for kind, rows in references.items():
            services.reference_upload(
                actor=admin, source=source, kind=kind, filename=f"{kind}.csv", data=ref_csv(rows)
            )
    rows = [
        row("2026-11-03 09:00", "u-anna", A),  # placed: explained
        row("2026-11-03 09:30", "u-anna", B),  # case officer: explained
        row("2026-11-03 10:00", "u-anna", C),  # nothing explains it
        row("2026-11-03 20:00", "u-anna", A),  # placed, but outside the hours
        row("2026-11-03 11:00", "u-anna", D),  # placed, but a protected identity
        row("2026-11-03 11:30", "u-anna", E),  # a co-worker
        row("2026-11-03 09:00", "u-bert", A),  # placed: explained
        row("2026-11-04 09:00", "u-bert", E),  # the employee's own record
        # Peers in the extract (not drawn) and a day not drawn.
        *(row("2026-11-03 13:00", p, c) for p in ("u-nils", "u-nea") for c in (A, B, C)),
        *(row("2026-11-04 13:00", p, A) for p in ("u-nils", "u-nea")),
        row("2026-11-05 09:00", "u-anna", C),
        *(row("2026-11-04 14:00", "u-bert", valid_number(100 + i)) for i in range(extra)),
    ]
    data = log_csv(rows)
    if names:
        lines = [
            ";".join(
                (*r[:2], "Anna Andersson" if r[1] == "u-anna" else r[2], *r[3:])
                + (("Cecilia andersson",) if (r[1], r[4]) == ("u-anna", C) else ("Kalle Karl",))
            )
            for r in rows
        ]
        header = HEADER.rstrip("\n") + ";Klientens namn\n"
        data = (header + "".join(line + "\n" for line in lines)).encode()
    with capture(execute=True):
        services.order_fulfil(actor=admin, order=order, filename="norr.csv", data=data)
    order.refresh_from_db()
    assert order.status == "fulfilled"
    return order


def entry(account: str, time: str) -> LogEntry:
    return LogEntry.objects.get(account=account, time=_aware(time))


def _aware(text: str) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.fromisoformat(text))


def state() -> tuple[Any, ...]:
    return (
        list(Judgment.objects.values_list("pk", "entry_id", "verdict", "comment")),
        list(ReviewOutcome.objects.values_list()),
    )


def test_the_review_explains_flags_and_folds(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    url = f"/logreview/orders/{order.pk}/review/"
    manager = login(aw.people["mgr_north"])
    assert f'href="{url}"' in manager.get(f"/logreview/orders/{order.pk}/").content.decode()
    response = manager.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 av 8 åtkomster förklarades automatiskt (38 %)." in page
    review = response.context["review"]
    got = {
        (a.entry.account, f"{a.entry.time.astimezone():%d %H:%M}"): (a.explanations, a.flags)
        for a in review.accesses
    }
    placed = "Klienten var placerad på medarbetarens enhet"
    assert got == {
        ("u-anna", "03 09:00"): ([placed], []),
        ("u-anna", "03 09:30"): (["Medarbetaren var klientens handläggare"], []),
        ("u-anna", "03 10:00"): ([], []),
        ("u-anna", "03 20:00"): ([placed], ["Utanför enhetens öppettider"]),
        ("u-anna", "03 11:00"): ([placed], ["Skyddad identitet"]),
        ("u-anna", "03 11:30"): ([], ["Klienten är en medarbetare"]),
        ("u-bert", "03 09:00"): ([placed], []),
        ("u-bert", "04 09:00"): ([], ["Medarbetarens egen journal"]),
    }
    # Explained accesses are folded, the others each have a judgment form.
    assert page.count("<details>") == 2
    assert "<summary>2 åtkomster förklarades automatiskt</summary>" in page
    assert "<summary>1 åtkomst förklarades automatiskt</summary>" in page
    assert page.count('name="verdict"') == 5
    assert "19800101-****" in page and "19800101-1231" not in page
    # The controller sees the review but does not judge.
    controller_page = login(aw.people["controller"]).get(url).content.decode()
    assert "3 av 8 åtkomster" in controller_page and 'name="verdict"' not in controller_page
    # Nobody else sees it.
    for person, status in (("sysadmin", 403), ("anna", 404), ("mgr_south", 404)):
        assert login(aw.people[person]).get(url).status_code == status, person
    assert login(aw.people["other_controller"]).get(url).status_code == 404
    viewed = AuditEvent.objects.filter(action="logreview.review.viewed")
    assert sorted(viewed.values_list("actor_id", "object_type", "object_id")) == sorted(
        [
            (aw.people["mgr_north"].pk, "logreview.extractorder", str(order.pk)),
            (aw.people["controller"].pk, "logreview.extractorder", str(order.pk)),
        ]
    )


def test_peer_outliers_and_a_constant_number_of_queries(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks, extra=3)
    manager = login(aw.people["mgr_north"])
    url = f"/logreview/orders/{order.pk}/review/"
    counts = []
    for extra in (3, 30):
        if extra == 30:  # 27 more accesses by Bert on the 4th, each to another client
            template = LogEntry.objects.filter(account="u-bert").order_by("-pk").first()
            assert template is not None
            LogEntry.objects.bulk_create(
                [
                    LogEntry(
                        organisation_id=template.organisation_id,
                        source_id=template.source_id,
                        load_id=template.load_id,
                        time=template.time,
                        account="u-bert",
                        unit=template.unit,
                        client_hash=f"{i:064d}",
                        client_masked="19500101-****",
                    )
                    for i in range(27)
                ]
            )
        with CaptureQueriesContext(connection) as queries:
            response = manager.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        review = response.context["review"]
        assert review.total == 8 + extra
        bert_4 = next(d for d in review.days if d.employee.account == "u-bert" and d.day.day == 4)
        assert (bert_4.clients, bert_4.peer_median) == (1 + extra, 1)
        flag = f"Många fler klienter än kollegerna den dagen ({1 + extra}, median 1)"
        assert all(flag in a.flags for a in bert_4.accesses)
    assert counts[0] == counts[1]


def test_the_recipient_judges_and_documents(django_capture_on_commit_callbacks: Any) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    url = f"/logreview/orders/{order.pk}/review/"
    manager = login(aw.people["mgr_north"])
    unexplained = [
        entry("u-anna", "2026-11-03 10:00"),
        entry("u-anna", "2026-11-03 20:00"),
        entry("u-anna", "2026-11-03 11:00"),
        entry("u-anna", "2026-11-03 11:30"),
        entry("u-bert", "2026-11-04 09:00"),
    ]
    explained = entry("u-anna", "2026-11-03 09:00")
    outside = entry("u-anna", "2026-11-05 09:00")  # a day not drawn
    post = {"entry": unexplained[0].pk, "verdict": "reasonable", "comment": "Ny klient"}
    # Refusals change nothing: others, an explained access, an access not reviewed,
    # no comment.
    before = state()
    assert login(aw.people["controller"]).post(url + "judge/", post).status_code == 403
    assert login(aw.people["anna"]).post(url + "judge/", post).status_code == 404
    assert login(aw.people["other_controller"]).post(url + "judge/", post).status_code == 404
    for bad in (
        {**post, "entry": explained.pk},
        {**post, "entry": outside.pk},
        {**post, "comment": "  "},
    ):
        response = manager.post(url + "judge/", bad, follow=True)
        assert response.status_code == 200
    assert state() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == 1
    # Documenting before every unexplained access is judged is refused.
    outcome_post = {
        "completed_on": "2026-12-02",
        "persons_reviewed": "2",
        "logs_reviewed": "8",
        "with_remark": "1",
        "incident_reported": "1",
        "incident_persons": "1",
    }
    response = manager.post(url + "document/", outcome_post)
    assert response.status_code == 200
    assert response.context["outcome_form"].non_field_errors() == [
        "5 oförklarade åtkomster saknar fortfarande bedömning."
    ]
    assert state() == before

    response = manager.post(url + "judge/", post)
    assert response.status_code == 302 and response["Location"] == url
    judgment = Judgment.objects.get()
    assert (judgment.entry, judgment.verdict, judgment.comment, judgment.judged_by) == (
        unexplained[0],
        "reasonable",
        "Ny klient",
        aw.people["mgr_north"],
    )
    # A changed judgment (before documentation) is recorded with its before and after.
    manager.post(url + "judge/", {**post, "verdict": "follow_up", "comment": "Kontrollera"})
    judgment.refresh_from_db()
    assert (judgment.verdict, judgment.comment) == ("follow_up", "Kontrollera")
    events = AuditEvent.objects.filter(action="logreview.judgment.made").order_by("pk")
    assert [e.changes["verdict"] for e in events] == [
        [None, "reasonable"],
        ["reasonable", "follow_up"],
    ]
    for access in unexplained[1:]:
        manager.post(
            url + "judge/", {"entry": access.pk, "verdict": "reasonable", "comment": "Planerat"}
        )
    assert Judgment.objects.count() == 5
    page = manager.get(url).content.decode()
    assert "Behöver följas upp: Kontrollera" in page
    # The incident needs its number of persons.
    response = manager.post(url + "document/", {**outcome_post, "incident_persons": ""})
    assert response.context["outcome_form"].non_field_errors() == [
        "Ange för hur många personer incidenten anmäldes."
    ]
    assert ReviewOutcome.objects.count() == 0
    response = manager.post(url + "document/", outcome_post)
    assert response.status_code == 302
    outcome = ReviewOutcome.objects.get()
    assert (
        outcome.order,
        outcome.completed_on,
        outcome.reviewer,
        outcome.persons_reviewed,
        outcome.logs_reviewed,
        outcome.with_remark,
        outcome.incident_reported,
        outcome.incident_persons,
    ) == (order, dt.date(2026, 12, 2), aw.people["mgr_north"], 2, 8, True, True, 1)
    documented = AuditEvent.objects.get(action="logreview.review.documented")
    assert documented.changes["incident_persons"] == [None, 1]
    # The round's only order is documented: the round is done.
    assert SamplingRound.objects.get().status == "done"
    assert AuditEvent.objects.filter(action="logreview.samplinground.done").count() == 1
    page = manager.get(url).content.decode()
    assert "<dt>Datum då granskningen slutfördes</dt><dd>2026-12-02</dd>" in page
    assert "<dt>Granskningen var</dt><dd>Med anmärkning</dd>" in page
    assert "<dt>Personuppgiftsincident anmäld</dt><dd>Ja, för 1 person</dd>" in page
    assert 'name="verdict"' not in page
    # Documented: immutable. Nothing changes, whoever tries.
    before = state()
    denied = AuditEvent.objects.filter(action="access.denied").count()
    assert (
        manager.post(url + "document/", {**outcome_post, "logs_reviewed": "9"}).status_code == 403
    )
    assert manager.post(url + "judge/", {**post, "comment": "Ändrad"}).status_code == 403
    assert state() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == denied + 2


def test_a_shared_surname_is_flagged_when_the_log_names_clients(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks, names=True)
    response = login(aw.people["mgr_north"]).get(f"/logreview/orders/{order.pk}/review/")
    review = response.context["review"]
    flagged = {
        (a.entry.account, f"{a.entry.time.astimezone():%d %H:%M}")
        for a in review.accesses
        if "Samma efternamn som medarbetaren" in a.flags
    }
    assert flagged == {("u-anna", "03 10:00")}
    assert "Samma efternamn som medarbetaren" in response.content.decode()
    # Only a keyed hash of the surname is stored, never the name.
    assert LogEntry.objects.exclude(client_surname="").count() == LogEntry.objects.count()
    stored = LogEntry.objects.filter(account="u-nils").values_list(
        "employee_name", "client_surname", "client_masked", "action", "unit"
    )
    assert not any("karl" in str(v).casefold() for row in stored for v in row)


def test_the_units_hours_are_configured_on_the_source(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    source = order.round.schedule.source
    edit = {
        "name": source.name,
        **{f"map_{k}": v for k, v in source.mapping.items()},
        **{f"ref_{k}": v for k, v in source.reference_mapping.items()},
        "hours_from": "10",
        "hours_to": "21",
    }
    url = f"/logreview/sources/{source.pk}/edit/"
    controller = login(aw.people["controller"])
    # Refused: hours ending before they start; another organisation.
    bad = controller.post(url, {**edit, "hours_to": "9"})
    assert bad.context["form"].non_field_errors() == [
        "Öppettiden måste sluta efter att den börjar."
    ]
    assert login(aw.people["other_controller"]).post(url, edit).status_code == 404
    source.refresh_from_db()
    assert (source.hours_from, source.hours_to) == (7, 18)
    assert controller.post(url, edit).status_code == 302
    source.refresh_from_db()
    assert (source.hours_from, source.hours_to) == (10, 21)
    event = AuditEvent.objects.get(action="logreview.logsource.updated")
    assert (event.changes["hours_from"], event.changes["hours_to"]) == ([7, 10], [18, 21])
    page = login(aw.people["mgr_north"]).get(f"/logreview/orders/{order.pk}/review/")
    # 09:00 and 09:30 are now outside the hours; 20:00 inside.
    assert "1 av 8 åtkomster förklarades automatiskt (12 %)." in page.content.decode()


def test_log_rows_are_seen_by_their_sources_staff_and_their_extracts_recipient(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The log's condition (`scoping.entry_condition`, uncorrelated subqueries): the
    access staff of the row's source in the row's organisation, the recipient of the
    order whose extract holds it; a row's organisation must be its source's."""
    from forvalta.access.tests.helpers import _member, _role
    from forvalta.core.tenancy import forget_scope
    from forvalta.core.tests.factories import MembershipFactory
    from forvalta.logreview.models import LogLoad, LogSource, SuspicionCase
    from forvalta.register.tests.factories import (
        RoleAssignmentFactory,
        ServiceFactory,
        SystemFactory,
        role_type,
    )

    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    p = aw.people
    extract = set(LogEntry.objects.filter(load__order=order).values_list("pk", flat=True))
    assert len(extract) == 17
    own_source = order.round.schedule.source
    other_source = make_source(aw, org=aw.other, name="Tvåans logg")

    def stored(org: Any, source: Any) -> int:
        load = LogLoad.objects.create(
            organisation=org, source=source, filename="x.csv", data=b"", uploaded_by=p["sysadmin"]
        )
        return LogEntry.objects.create(
            organisation=org,
            source=source,
            load=load,
            time=_aware("2026-11-03 09:00"),
            account="u-x",
            client_hash="0" * 64,
            client_masked="19121212-****",
        ).pk

    plain = stored(aw.org, own_source)  # a full log, no order
    theirs = stored(aw.other, other_source)
    # A row of Kommun Ett naming Kommun Två's source: the staff of that source in Kommun
    # Två are not the staff of Kommun Ett's rows.
    crossed = stored(aw.org, other_source)
    # Kommun Två's controller is also a member of Kommun Ett (no role there).
    MembershipFactory(user=p["other_controller"], organisation=aw.org)
    # Another system of Kommun Ett with its own log and its own controller; a
    # controller of a service SYS_A belongs to; one whose role on SYS_A has ended.
    second = SystemFactory(owner_organisation=aw.org)
    second_row = stored(aw.org, make_source(aw, name="Andra loggen"))
    LogSource.objects.filter(name="Andra loggen").update(system=second)
    _role(p["mgr_south"], "access_controller", aw.org, second)
    service = ServiceFactory(owner_organisation=aw.org)
    service.systems.add(aw.system)
    via_service = _member(aw.org, "via_service")
    RoleAssignmentFactory(
        person=via_service,
        role_type=role_type("access_controller"),
        organisation=aw.org,
        service=service,
        valid_from=dt.date(2020, 1, 1),
    )
    ended = _role(p["anna"], "access_controller", aw.org, aw.system)
    ended.valid_to = dt.date(2021, 1, 1)
    ended.save()
    # A review on suspicion's extract: never through the log's scope.
    case_row = stored(aw.org, own_source)
    LogLoad.objects.filter(pk=LogEntry.objects.get(pk=case_row).load_id).update(
        case=SuspicionCase.objects.create(
            organisation=aw.org,
            source=own_source,
            requested_by=p["controller"],
            attestant=p["controller"],
            recipient=p["controller"],
            senior_manager=p["controller"],
        )
    )
    for person in p.values():
        forget_scope(person)

    def seen(user: Any) -> set[int]:
        return set(LogEntry.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(p["controller"]) == extract | {plain}
    assert seen(p["sysadmin"]) == extract | {plain}
    assert seen(p["mgr_north"]) == extract  # the recipient: the extract only
    assert seen(via_service) == extract | {plain}  # a controller through a service
    assert seen(p["mgr_south"]) == {second_row}  # the other system's only
    assert seen(p["other_controller"]) == {theirs}
    assert seen(p["anna"]) == set()  # her role has ended
    assert crossed not in seen(p["controller"])


@pytest.mark.parametrize("bert_first", [True, False])
def test_an_employee_with_two_accounts_reads_their_own_record_whatever_the_row_order(
    django_capture_on_commit_callbacks: Any, bert_first: bool
) -> None:
    """The employees' file lists one number under two accounts (one person): an access
    by either account to that number is the employee's own record, never a co-worker's,
    whichever row the file (or the database) gives first."""
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    rows = [(E, "u-bert", "", "", ""), (E, "u-anna", "", "", "")]
    with django_capture_on_commit_callbacks(execute=True):
        services.reference_upload(
            actor=aw.people["sysadmin"],
            source=order.round.schedule.source,
            kind="employees",
            filename="employees.csv",
            data=ref_csv(rows if bert_first else rows[::-1]),
        )
    review = login(aw.people["mgr_north"]).get(f"/logreview/orders/{order.pk}/review/")
    flags = {
        (a.entry.account, f"{a.entry.time.astimezone():%d %H:%M}"): a.flags
        for a in review.context["review"].accesses
    }
    own = ["Medarbetarens egen journal"]
    assert (flags[("u-anna", "03 11:30")], flags[("u-bert", "04 09:00")]) == (own, own)
