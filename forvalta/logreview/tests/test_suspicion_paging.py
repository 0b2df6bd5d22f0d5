"""Review on suspicion: the period at most 92 days (form and service) and the review
page paged, judged across pages, at a fixed number of queries. Through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forvalta.audit.models import AuditEvent
from forvalta.logreview import services, suspicion
from forvalta.logreview.models import LogEntry, SuspicionCase, SuspicionJudgment, SuspicionOutcome
from forvalta.logreview.tests.helpers import log_csv
from forvalta.logreview.tests.test_review_findings import _fulfilled_case
from forvalta.logreview.tests.test_suspicion import EXTRACT, case_state, login, request_case, world

pytestmark = pytest.mark.django_db


def _events() -> int:
    return AuditEvent.objects.count()


def test_a_period_of_93_days_is_refused_and_92_accepted() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    url = f"/logreview/suspicion/{case.pk}/subject/"
    boss = login(p["boss"])
    form = {
        "subject": p["anna"].pk,
        "account": "u-anna",
        "period_from": "2026-08-30",  # 2 + 30 + 31 + 30 = 93 days, both inclusive
        "period_to": "2026-11-30",
        "administrator": p["sysadmin"].pk,
    }
    before, events = case_state(), _events()
    response = boss.post(url, form)
    assert response.status_code == 200
    assert "Perioden får vara högst 92 dagar lång." in response.content.decode()
    assert response.context["form"].errors == {
        "period_to": ["Perioden får vara högst 92 dagar lång."]
    }
    assert case_state() == before and _events() == events
    # The service refuses it too (not only the form), nothing changed.
    with pytest.raises(ValidationError) as refused:
        suspicion.subject_enter(
            actor=p["boss"],
            case=case,
            subject=p["anna"],
            account="u-anna",
            period_from=dt.date(2026, 8, 30),
            period_to=dt.date(2026, 11, 30),
        )
    assert refused.value.messages == ["Perioden får vara högst 92 dagar lång."]
    assert case_state() == before and _events() == events
    # 92 days are accepted.
    response = boss.post(url, {**form, "period_from": "2026-08-31"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.period_from, case.period_to) == (
        "subject_entered",
        dt.date(2026, 8, 31),
        dt.date(2026, 11, 30),
    )


def _fulfilled(aw: Any, django_capture_on_commit_callbacks: Any) -> SuspicionCase:
    with django_capture_on_commit_callbacks(execute=True):
        services.log_upload(
            actor=aw.people["sysadmin"],
            source=aw.source,
            filename="hela.csv",
            data=log_csv(EXTRACT),
        )
    return _fulfilled_case(aw)


def _add(count: int, start: int = 0) -> None:
    """`count` more accesses of u-anna on 2026-11-10, a minute apart (none explained)."""
    template = LogEntry.objects.filter(account="u-anna").order_by("pk").first()
    assert template is not None
    base = template.time.replace(month=11, day=10, hour=9, minute=0)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                organisation_id=template.organisation_id,
                source_id=template.source_id,
                load_id=template.load_id,
                time=base + dt.timedelta(minutes=start + i),
                account="u-anna",
                unit=template.unit,
                client_hash=f"{start + i:064d}",
                client_masked="19500101-****",
            )
            for i in range(count)
        ]
    )


def _ordered() -> list[int]:
    return list(
        LogEntry.objects.filter(account="u-anna", time__lt=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        .order_by("time", "pk")
        .values_list("pk", flat=True)
    )


def _shown(html: str, pks: list[int]) -> list[int]:
    return [pk for pk in pks if f'id="access-{pk}"' in html]


def test_the_review_is_paged_and_judged_across_pages(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = world()
    case = _fulfilled(aw, django_capture_on_commit_callbacks)
    _add(52)  # 3 + 52 = 55 accesses: 50 on page 1, 5 on page 2
    pks = _ordered()
    assert len(pks) == 55 and suspicion.REVIEW_PAGE_SIZE == 50
    rita = login(aw.people["rita"])
    url = f"/logreview/suspicion/{case.pk}/review/"
    first = rita.get(url)
    html = first.content.decode()
    assert [a.entry.pk for a in first.context["page"].object_list] == pks[:50]
    assert _shown(html, pks) == pks[:50]
    assert 'href="?page=2"' in html and "Sida 1 av 2" in html
    # The counts are the whole review's, not the page's.
    assert "0 av 55 åtkomster förklarades automatiskt (0 %)." in html
    second = rita.get(url + "?page=2")
    html = second.content.decode()
    assert [a.entry.pk for a in second.context["page"].object_list] == pks[50:]
    assert _shown(html, pks) == pks[50:]
    assert 'href="?page=1"' in html and "Sida 2 av 2" in html
    assert '<input type="hidden" name="page" value="2">' in html
    # The day split over the pages is counted whole on both (52 accesses on 2026-11-10).
    assert html.count("52 åtkomster, 52 olika klienter.") == 1
    # A judgment posted from page 2 lands on its access and returns to page 2.
    target = pks[53]
    events = AuditEvent.objects.filter(action="logreview.suspicionjudgment.made").count()
    response = rita.post(
        url + "judge/",
        {"entry": target, "verdict": "follow_up", "comment": "Utred", "page": "2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?page=2#access-{target}"
    assert list(SuspicionJudgment.objects.values_list("case_id", "entry_id", "verdict")) == [
        (case.pk, target, "follow_up")
    ]
    assert (
        AuditEvent.objects.filter(action="logreview.suspicionjudgment.made").count() == events + 1
    )
    html = rita.get(url + "?page=2").content.decode()
    assert html.count('<p class="judgment">') == 1 and "Utred" in html
    # A page number that is no number returns to the first page (never a 500).
    for bad in ("x", "²", "9" * 5000, "-2", "1"):
        response = rita.post(
            url + "judge/",
            {"entry": target, "verdict": "follow_up", "comment": "Utred", "page": bad},
        )
        assert response.status_code == 302, bad
        assert response["Location"] == f"{url}#access-{target}", bad
    assert SuspicionJudgment.objects.count() == 1
    # Completion considers every access, not only the page: 54 still unjudged; refused,
    # nothing documented.
    outcome = {
        "completed_on": "2026-12-02",
        "persons_reviewed": "1",
        "logs_reviewed": "55",
    }
    response = rita.post(url + "document/", outcome)
    assert "54 oförklarade åtkomster saknar fortfarande bedömning." in response.content.decode()
    assert not SuspicionOutcome.objects.exists()
    case.refresh_from_db()
    assert case.status == "fulfilled"


def test_the_paged_review_costs_the_same_queries_for_more_accesses(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = world()
    case = _fulfilled(aw, django_capture_on_commit_callbacks)
    rita = login(aw.people["rita"])
    url = f"/logreview/suspicion/{case.pk}/review/"
    counts = []
    for more, page in ((0, ""), (60, ""), (60, "?page=2"), (140, "?page=4")):
        if more:
            _add(more, start=LogEntry.objects.filter(account="u-anna").count())
        with CaptureQueriesContext(connection) as queries:
            response = rita.get(url + page)
        assert response.status_code == 200
        counts.append(len(queries))
    assert response.context["review"].total == 3 + 60 + 60 + 140
    assert response.context["page"].number == 4
    assert len(counts) == 4 and len(set(counts)) == 1, counts


def test_the_case_list_is_paged_newest_first() -> None:
    """The list of reviews on suspicion shows 50 a page, newest first, with previous/next
    links; a bad page number shows the first page, one past the end the last; those not
    named see none of them on any page."""
    aw = world()
    p = aw.people
    cases = [request_case(aw) for _ in range(51)]
    rita = login(p["rita"])
    first = rita.get("/logreview/suspicion/")
    assert first.status_code == 200
    assert list(first.context["cases"]) == cases[::-1][:50]
    html = first.content.decode()
    assert "Sida 1 av 2" in html
    assert 'href="?page=2" rel="next"' in html
    assert f'href="{cases[0].get_absolute_url()}"' not in html
    second = rita.get("/logreview/suspicion/?page=2")
    assert list(second.context["cases"]) == [cases[0]]
    assert 'href="?page=1" rel="prev"' in second.content.decode()
    assert list(rita.get("/logreview/suspicion/?page=x").context["cases"]) == cases[::-1][:50]
    assert list(rita.get("/logreview/suspicion/?page=999").context["cases"]) == [cases[0]]
    for name in ("orgadmin", "controller", "mgr_south"):
        for page in ("1", "2"):
            response = login(p[name]).get(f"/logreview/suspicion/?page={page}")
            assert list(response.context["cases"]) == [], name
            assert "Sida" not in response.content.decode(), name
