"""The units' own hours (forvalta.logreview.hours) through HTTP: set on the source's
page by those who manage the source, checked whole (nothing changes on a refusal),
recorded, shown on the source's page and in the API, and used by the review's flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.logreview.hours import Hours, SourceHours
from forvalta.logreview.models import LogSource
from forvalta.logreview.tests.helpers import build_access_world
from forvalta.logreview.tests.test_review import fulfilled_order, login

pytestmark = pytest.mark.django_db

PLACED = "Klienten var placerad på medarbetarens enhet"
EVERY_DAY = [str(d) for d in range(7)]


def form(*rows: dict[str, Any], extra: int = 1, version: str = "") -> dict[str, Any]:
    """The formset's POST: the given rows, then `extra` empty ones; `version` the one
    the page was opened on."""
    data: dict[str, Any] = {
        "version": version,
        "hours-TOTAL_FORMS": str(len(rows) + extra),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "500",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"hours-{i}-{key}"] = value
    return data


def review_flags(client: Any, order: Any) -> tuple[dict[Any, Any], str]:
    response = client.get(f"/logreview/orders/{order.pk}/review/")
    assert response.status_code == 200
    got = {
        (a.entry.account, f"{timezone.localtime(a.entry.time):%d %H:%M}"): (
            a.explanations,
            a.flags,
        )
        for a in response.context["review"].accesses
    }
    return got, response.content.decode()


def opened(client: Any, url: str) -> str:
    """The version of the units' hours page as it opens now."""
    return str(client.get(url).context["version"])


def hours_events() -> list[Any]:
    events = AuditEvent.objects.filter(action="logreview.logsource.updated").order_by("seq")
    return [e for e in events if "unit_hours" in e.changes]


def test_a_units_own_hours_are_set_checked_recorded_and_used_by_the_review(
    django_capture_on_commit_callbacks: Any,
) -> None:
    aw = build_access_world()
    order = fulfilled_order(aw, django_capture_on_commit_callbacks)
    source = order.round.schedule.source
    url = f"/logreview/sources/{source.pk}/hours/"
    controller = login(aw.people["controller"])
    manager = login(aw.people["mgr_north"])

    # Before: the default hours flag the evening access.
    got, page = review_flags(manager, order)
    assert got[("u-anna", "03 20:00")] == ([PLACED], ["Utanför enhetens öppettider"])
    assert "3 av 8 åtkomster förklarades automatiskt (38 %)." in page

    # The page: three empty rows, the default hours in words.
    response = controller.get(url)
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == 3
    assert (
        "Enheter som inte står här har källans tider: måndag till fredag 7–18, stängt på "
        "helgdagar (midsommarafton, julafton och nyårsafton medräknade)."
    ) in response.content.decode()

    norr = {
        "unit": "  hemtjänst   NORR ",
        "days": EVERY_DAY,
        "hours_from": "0",
        "hours_to": "24",
        "holidays": "on",
    }
    # Refused, nothing changed: a reader who does not manage the source (403, recorded),
    # another organisation's controller (404: the source is not theirs to see).
    denied_before = AuditEvent.objects.filter(action="access.denied").count()
    assert manager.get(url).status_code == 403
    assert manager.post(url, form(norr)).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied").count() == denied_before + 2
    assert login(aw.people["other_controller"]).post(url, form(norr)).status_code == 404

    # Bad input: 400 with the reason, nothing changed.
    bad_rows = {
        "no day": (
            {**norr, "days": []},
            "Välj minst en dag för ”hemtjänst NORR”.",
        ),
        "no name": (
            {**norr, "unit": ""},
            "Varje rad behöver enhetens namn.",
        ),
        "no end": (
            {**norr, "hours_to": ""},
            "Tiderna för ”hemtjänst NORR” måste ligga mellan 0 och 24 och sluta efter att "
            "de börjar.",
        ),
        "backwards": (
            {**norr, "hours_from": "20", "hours_to": "8"},
            "Tiderna för ”hemtjänst NORR” måste ligga mellan 0 och 24 och sluta efter att "
            "de börjar.",
        ),
        "control character": (
            {**norr, "unit": "Hemtjänst\x07Norr"},
            "Texten innehåller ett styrtecken (U+0007) som inte är tillåtet. Ta bort det "
            "och försök igen.",
        ),
    }
    for label, (row, message) in bad_rows.items():
        response = controller.post(url, form(row))
        assert response.status_code == 400, label
        assert response.context["errors"] == [message], label
    twice = controller.post(url, form(norr, {**norr, "unit": "Hemtjänst Norr"}))
    assert twice.status_code == 400
    assert twice.context["errors"] == ["”Hemtjänst Norr” anges mer än en gång."]
    past_midnight = controller.post(url, form({**norr, "hours_to": "25"}))
    assert past_midnight.status_code == 400
    assert past_midnight.context["formset"].forms[0].errors == {
        "hours_to": ["Kontrollera att detta värde är mindre än eller lika med 24."]
    }
    source.refresh_from_db()
    assert source.unit_hours == []
    assert hours_events() == []

    # Saved: the name as written (spaces tidied), matched ignoring case.
    response = controller.post(url, form(norr, version=opened(controller, url)))
    assert response.status_code == 302
    source.refresh_from_db()
    saved = [
        {"unit": "hemtjänst NORR", "days": list(range(7)), "from": 0, "to": 24, "holidays": True}
    ]
    assert source.unit_hours == saved
    (event,) = hours_events()
    assert event.changes == {"unit_hours": [[], saved]}
    assert event.actor_id == aw.people["controller"].pk
    assert event.organisation_id == aw.org.pk

    # The review: the evening access lies within the unit's hours now.
    got, page = review_flags(manager, order)
    assert got[("u-anna", "03 20:00")] == ([PLACED], [])
    assert "4 av 8 åtkomster förklarades automatiskt (50 %)." in page

    # Shown on the source's page and in the API.
    detail = controller.get(f"/logreview/sources/{source.pk}/").content.decode()
    assert "<dt>Tider för hemtjänst NORR</dt><dd>varje dag 00–24 (även helgdagar)</dd>" in detail
    assert "<dd>måndag, tisdag, onsdag, torsdag, fredag 07–18 · " in detail
    api = controller.get(f"/api/logreview-sources/{source.pk}/")
    assert api.status_code == 200
    assert api.json()["unit_hours"] == saved

    # The page posted back as rendered (the saved row, three empty ones) changes nothing
    # and records nothing; a unit added in an empty row is added beside the saved one.
    page_opened = controller.get(url).context
    rendered = page_opened["formset"]
    back = {
        **form(extra=0, version=page_opened["version"]),
        "hours-TOTAL_FORMS": "4",
        "hours-INITIAL_FORMS": "1",
    }
    for field in rendered.forms[0]:
        value = field.value()
        if isinstance(value, list):
            back[field.html_name] = [str(v) for v in value]
        elif value is True:
            back[field.html_name] = "on"
        elif value is not None and value is not False:
            back[field.html_name] = str(value)
    assert controller.post(url, back).status_code == 302
    source.refresh_from_db()
    assert source.unit_hours == saved
    assert len(hours_events()) == 1
    soder = {"unit": "Hemtjänst Söder", "days": ["5", "6"], "hours_from": "8", "hours_to": "16"}
    added = {**back, **{f"hours-1-{k}": v for k, v in soder.items()}}
    assert controller.post(url, added).status_code == 302
    source.refresh_from_db()
    with_soder = [
        {"unit": "hemtjänst NORR", "days": list(range(7)), "from": 0, "to": 24, "holidays": True},
        {"unit": "Hemtjänst Söder", "days": [5, 6], "from": 8, "to": 16, "holidays": False},
    ]
    assert source.unit_hours == with_soder
    assert hours_events()[-1].changes == {"unit_hours": [saved, with_soder]}
    # The same page sent again (a second click, or a page opened before someone else's
    # save): refused, nothing changed, the page shows the rows as saved now.
    again = controller.post(url, {**added, "hours-1-unit": "Hemtjänst Väster"})
    assert again.status_code == 400
    assert again.context["errors"] == [
        "Någon ändrade enheternas tider efter att du öppnade sidan. Sidan visar nu de sparade "
        "tiderna: gör din ändring igen."
    ]
    assert [f.initial.get("unit") for f in again.context["formset"].forms] == [
        "hemtjänst NORR",
        "Hemtjänst Söder",
        None,
        None,
        None,
    ]
    source.refresh_from_db()
    assert source.unit_hours == with_soder
    assert len(hours_events()) == 2
    saved = with_soder

    # Edited on the page as saved (initial rows), then removed.
    response = controller.get(url)
    assert response.context["formset"].total_form_count() == 5
    assert response.context["formset"].forms[0].initial == {
        "unit": "hemtjänst NORR",
        "days": list(range(7)),
        "hours_from": 0,
        "hours_to": 24,
        "holidays": True,
    }
    removal = {
        **added,
        "version": response.context["version"],
        "hours-INITIAL_FORMS": "2",
        "hours-0-DELETE": "on",
    }
    assert controller.post(url, removal).status_code == 302
    source.refresh_from_db()
    assert source.unit_hours == saved[1:]
    assert hours_events()[-1].changes == {"unit_hours": [saved, saved[1:]]}
    got, _page = review_flags(manager, order)
    assert got[("u-anna", "03 20:00")] == ([PLACED], ["Utanför enhetens öppettider"])


def test_which_hours_apply_and_when_an_access_is_outside_them() -> None:
    aw = build_access_world()
    source = LogSource(
        organisation=aw.org,
        system=aw.system,
        hours_from=7,
        hours_to=18,
        unit_hours=[
            {
                "unit": "Vårdboende Ekliden",
                "days": list(range(7)),
                "from": 0,
                "to": 24,
                "holidays": True,
            },
            {
                "unit": "Hemtjänst Kareby",
                "days": list(range(7)),
                "from": 7,
                "to": 22,
                "holidays": False,
            },
        ],
    )
    hours = SourceHours(source)

    def at(text: str) -> dt.datetime:
        return timezone.localtime(timezone.make_aware(dt.datetime.fromisoformat(text)))

    outside = "Utanför enhetens öppettider"
    # The default: Monday to Friday 7-18, closed on public and de facto holidays.
    assert hours.flag(at("2026-12-23 10:00"), ["Okänd enhet"]) is None  # a Wednesday
    assert hours.flag(at("2026-12-23 18:00"), ["Okänd enhet"]) == outside
    assert hours.flag(at("2026-12-23 06:59"), ["Okänd enhet"]) == outside
    assert hours.flag(at("2026-12-19 10:00"), [""]) == outside  # a Saturday
    assert hours.flag(at("2026-12-24 10:00"), []) == f"{outside} (helgdag: Julafton)"
    assert hours.flag(at("2026-06-19 10:00"), []) == f"{outside} (helgdag: Midsommarafton)"
    assert hours.flag(at("2026-05-14 10:00"), []) == (
        f"{outside} (helgdag: Kristi himmelsfärdsdag)"
    )
    # Around the clock, holidays included; names match ignoring case and spaces.
    for moment in ("2026-12-24 03:00", "2026-12-20 23:59", "2026-12-23 00:00"):
        assert hours.flag(at(moment), [" vårdboende  EKLIDEN"]) is None
    # Every day 7-22, but closed on public holidays.
    assert hours.flag(at("2026-12-20 21:00"), ["Hemtjänst Kareby"]) is None  # a Sunday
    assert hours.flag(at("2026-12-20 22:00"), ["Hemtjänst Kareby"]) == outside
    assert hours.flag(at("2026-12-25 12:00"), ["Hemtjänst Kareby"]) == (
        f"{outside} (helgdag: Juldagen)"
    )
    # The first unit named that has a row decides (the access's unit, then the drawn one).
    assert hours.flag(at("2026-12-23 23:00"), ["Vårdboende Ekliden", "Hemtjänst Kareby"]) is None
    assert hours.flag(at("2026-12-23 23:00"), ["Hemtjänst Kareby", "Vårdboende Ekliden"]) == (
        outside
    )
    assert hours.flag(at("2026-12-23 23:00"), ["Okänd", "Vårdboende Ekliden"]) is None
    assert hours.for_units(["Okänd"]) == Hours((0, 1, 2, 3, 4), 7, 18, False)


def test_the_hours_service_refuses_malformed_rows() -> None:
    """The service is the one guard for every caller, not only the page's formset."""
    from django.core.exceptions import ValidationError

    from forvalta.logreview import services

    aw = build_access_world()
    source = LogSource.objects.create(organisation=aw.org, system=aw.system, name="Logg")
    good = {"unit": "Boende", "days": [0], "from": 7, "to": 18, "holidays": False}
    cases: list[tuple[Any, str]] = [
        (None, "Enheternas tider måste vara en lista med rader."),
        ("Boende", "Enheternas tider måste vara en lista med rader."),
        ([good, ["Boende"]], "Enheternas tider måste vara en lista med rader."),
        ([{**good, "unit": 123}], "Varje rad behöver enhetens namn."),
        (
            [{**good, "holidays": "false"}],
            "Ange om ”Boende” har öppet på helgdagar (ja eller nej).",
        ),
        ([{**good, "days": [7]}], "Välj minst en dag för ”Boende”."),
        ([{**good, "days": [True]}], "Välj minst en dag för ”Boende”."),
        (
            [{**good, "from": 7.5}],
            "Tiderna för ”Boende” måste ligga mellan 0 och 24 och sluta efter att de börjar.",
        ),
        ([good] * 501, "Högst 500 enheter kan ha egna tider."),
    ]
    events = AuditEvent.objects.count()
    for rows, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.source_set_unit_hours(actor=aw.people["controller"], source=source, rows=rows)
        assert refused.value.messages == [message], rows
    source.refresh_from_db()
    assert source.unit_hours == []
    assert AuditEvent.objects.count() == events
