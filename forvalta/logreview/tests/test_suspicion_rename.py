"""Review on suspicion: changing the people named on a case before they act. Before the
person reviewed is entered, the one who requested it changes any of the three; after,
only the manager's manager who entered them changes the attestant (until attested) and
the recipient (until the log is taken out), never to the person reviewed. Everyone else
is refused, recorded, nothing changed. Through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from forvalta.audit.models import AuditEvent
from forvalta.logreview import suspicion
from forvalta.logreview.models import SuspicionCase
from forvalta.logreview.tests.test_suspicion import case_state, login, request_case, world
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db


def url(case: SuspicionCase) -> str:
    return f"/logreview/suspicion/{case.pk}/names/"


def denied() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def test_the_requester_renames_before_the_subject_is_entered() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)  # by mgr_north: attestant mgr_north, recipient rita, boss
    north = login(p["mgr_north"])
    page = north.get(f"/logreview/suspicion/{case.pk}/").content.decode()
    assert f'href="{url(case)}"' in page
    form = north.get(url(case)).context["form"]
    assert list(form.fields) == ["attestant", "recipient", "senior_manager"]
    Notification.objects.all().delete()
    response = north.post(
        url(case),
        {
            "attestant": p["mgr_south"].pk,
            "recipient": p["rita"].pk,
            "senior_manager": p["boss2"].pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    case.refresh_from_db()
    assert (case.attestant, case.recipient, case.senior_manager) == (
        p["mgr_south"],
        p["rita"],
        p["boss2"],
    )
    event = AuditEvent.objects.get(action="logreview.suspicioncase.renamed")
    assert event.changes == {
        "attestant": [p["mgr_north"].pk, p["mgr_south"].pk],
        "senior_manager": [p["boss"].pk, p["boss2"].pk],
    }
    assert event.actor_id == p["mgr_north"].pk
    # The new manager's manager is told the case waits on them; the one replaced no
    # longer sees it.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("boss2", "step_assigned")
    ]
    assert login(p["boss"]).get(case.get_absolute_url()).status_code == 404
    assert login(p["boss2"]).get(case.get_absolute_url()).status_code == 200
    assert login(p["mgr_south"]).get(case.get_absolute_url()).status_code == 200
    # Nothing to change: no event.
    north.post(
        url(case),
        {
            "attestant": p["mgr_south"].pk,
            "recipient": p["rita"].pk,
            "senior_manager": p["boss2"].pk,
        },
    )
    assert AuditEvent.objects.filter(action="logreview.suspicioncase.renamed").count() == 1


def test_others_are_refused_and_nothing_changes() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw)
    before, refused = case_state(), denied()
    # Named but not the requester: refused and recorded, on the page and the form.
    rita = login(p["rita"])
    assert f'href="{url(case)}"' not in rita.get(case.get_absolute_url()).content.decode()
    assert rita.get(url(case)).status_code == 403
    response = rita.post(url(case), {"attestant": p["rita"].pk})
    assert response.status_code == 403
    assert "Du har inte behörighet att göra detta" in response.content.decode()
    assert denied() == refused + 2
    # Not named: the case does not exist for them.
    for name in ("controller", "orgadmin", "other_controller"):
        assert login(p[name]).post(url(case), {"attestant": p[name].pk}).status_code == 404
    # Someone of another organisation is not a choice; nothing saved.
    north = login(p["mgr_north"])
    response = north.post(
        url(case),
        {
            "attestant": p["other_controller"].pk,
            "recipient": p["rita"].pk,
            "senior_manager": p["boss"].pk,
        },
    )
    assert response.status_code == 200
    assert "attestant" in response.context["form"].errors
    # A hostile id.
    response = north.post(url(case), {"attestant": "99999999999999999999"})
    assert response.status_code == 200 and "attestant" in response.context["form"].errors
    assert case_state() == before
    assert not AuditEvent.objects.filter(action="logreview.suspicioncase.renamed").exists()


def test_after_the_subject_only_the_managers_manager_renames_never_to_the_subject() -> None:
    aw = world()
    p = aw.people
    case = request_case(aw, senior_manager=p["boss2"])
    case = suspicion.subject_enter(
        actor=p["boss2"],
        case=case,
        subject=p["xena"],
        account="u-xena",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )
    # The requester can no longer: refusing them the subject would tell them who it is.
    before, refused = case_state(), denied()
    assert login(p["mgr_north"]).post(url(case), {"recipient": p["xena"].pk}).status_code == 403
    assert case_state() == before and denied() == refused + 1
    boss2 = login(p["boss2"])
    form = boss2.get(url(case)).context["form"]
    assert list(form.fields) == ["attestant", "recipient"]
    response = boss2.post(url(case), {"attestant": p["mgr_north"].pk, "recipient": p["xena"].pk})
    assert response.status_code == 200
    assert (
        "Den som granskas kan inte vara en av dem som namnges i ärendet."
        in response.content.decode()
    )
    assert case_state() == before
    Notification.objects.all().delete()
    response = boss2.post(url(case), {"attestant": p["orgadmin"].pk, "recipient": p["rita"].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.attestant == p["orgadmin"]
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("orgadmin", "step_assigned")
    ]
    # Attested: the recipient only; the attestant can no longer be changed.
    case = suspicion.case_attest(actor=p["orgadmin"], case=case)
    assert list(boss2.get(url(case)).context["form"].fields) == ["recipient"]
    before = case_state()
    with pytest.raises(ValidationError) as refused_change:
        suspicion.case_rename(actor=p["boss2"], case=case, attestant=p["mgr_north"])
    assert refused_change.value.messages == ["Den personen kan inte längre ändras i ärendet."]
    assert case_state() == before
    assert boss2.post(url(case), {"recipient": p["mgr_x"].pk}).status_code == 302
    case.refresh_from_db()
    assert case.recipient == p["mgr_x"]
    # Once the log is taken out nobody renames.
    SuspicionCase.objects.filter(pk=case.pk).update(status="fulfilled")
    assert boss2.get(url(case)).status_code == 403
