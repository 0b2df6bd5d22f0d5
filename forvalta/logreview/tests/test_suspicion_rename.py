"""Review on suspicion: changing the people named on a case before they act. Before the
person reviewed is entered, the one who requested it changes any of the three; after,
only the manager's manager who entered them changes the attestant (until attested) and
the recipient (until the log is taken out), never to the person reviewed. Everyone else
is refused, recorded, nothing changed. Through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


def _enter(p: dict[str, Any], case: SuspicionCase) -> SuspicionCase:
    """The manager's manager boss2 enters xena (mgr_x's employee) for November."""
    return suspicion.subject_enter(
        actor=p["boss2"],
        case=case,
        subject=p["xena"],
        account="u-xena",
        period_from=dt.date(2026, 11, 1),
        period_to=dt.date(2026, 11, 30),
    )


def _entered(aw: Any) -> SuspicionCase:
    return _enter(aw.people, request_case(aw, senior_manager=aw.people["boss2"]))


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
    case = _enter(p, case)
    # The requester can no longer: refusing them the subject would tell them who it is.
    before, refused = case_state(), denied()
    assert login(p["mgr_north"]).post(url(case), {"recipient": p["xena"].pk}).status_code == 403
    assert case_state() == before and denied() == refused + 1
    boss2 = login(p["boss2"])
    form = boss2.get(url(case)).context["form"]
    assert list(form.fields) == ["attestant", "recipient", "administrator"]
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
    assert list(boss2.get(url(case)).context["form"].fields) == ["recipient", "administrator"]
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


def test_someone_replaced_meanwhile_cannot_act_on_the_page_they_read() -> None:
    """A step taken on a case read before its people were changed is refused on the
    fresh case (recorded, nothing changed): the manager's manager replaced, the
    attestant replaced."""
    from django.core.exceptions import PermissionDenied

    aw = world()
    p = aw.people
    case = request_case(aw, senior_manager=p["boss2"])
    stale = SuspicionCase.objects.get(pk=case.pk)
    suspicion.case_rename(actor=p["mgr_north"], case=case, senior_manager=p["boss"])
    before, refused = case_state(), denied()
    with pytest.raises(PermissionDenied):
        _enter(p, stale)
    assert case_state() == before and denied() == refused + 1
    # Put back, the person entered; then the attestant is replaced.
    case = SuspicionCase.objects.get(pk=stale.pk)
    suspicion.case_rename(actor=p["mgr_north"], case=case, senior_manager=p["boss2"])
    case = _enter(p, SuspicionCase.objects.get(pk=case.pk))
    stale = SuspicionCase.objects.get(pk=case.pk)
    suspicion.case_rename(actor=p["boss2"], case=case, attestant=p["orgadmin"])
    before, refused = case_state(), denied()
    with pytest.raises(PermissionDenied):
        suspicion.case_attest(actor=p["mgr_north"], case=stale)
    assert case_state() == before and denied() == refused + 1


def test_the_managers_manager_names_neither_themselves_nor_outsiders() -> None:
    aw = world()
    p = aw.people
    case = _entered(aw)
    boss2 = login(p["boss2"])
    before = case_state()
    response = boss2.post(url(case), {"attestant": p["boss2"].pk})
    assert response.status_code == 200
    assert "Du kan inte namnge dig själv i ärendet." in response.content.decode()
    assert case_state() == before
    from forvalta.core.models import User

    gone = User.objects.create(username="gone", is_active=False)
    for outsider in (p["other_controller"], gone):
        with pytest.raises(ValidationError) as refused:
            suspicion.case_rename(actor=p["boss2"], case=case, recipient=outsider)
        assert refused.value.messages == ["De som namnges måste vara medlemmar i organisationen."]
    assert case_state() == before
    assert not AuditEvent.objects.filter(action="logreview.suspicioncase.renamed").exists()


def test_the_managers_manager_replaces_the_case_administrator() -> None:
    """The case's log administrator (who alone takes out the log) can be replaced by
    another log administrator of the system, never by anyone else; they are told."""
    from forvalta.access.tests.helpers import _member, _role

    aw = world()
    p = aw.people
    p["logadm2"] = _member(aw.org, "logadm2", first="Lo", last="Admin")
    _role(p["logadm2"], "system_administrator", aw.org, aw.system)
    case = _entered(aw)
    case = suspicion.case_attest(actor=p["mgr_north"], case=case)
    boss2 = login(p["boss2"])
    form = boss2.get(url(case)).context["form"]
    assert list(form.fields) == ["recipient", "administrator"]
    assert sorted(u.username for u in form.fields["administrator"].queryset) == [
        "logadm2",
        "sysadmin",
    ]
    before = case_state()
    with pytest.raises(ValidationError) as refused:
        suspicion.case_rename(actor=p["boss2"], case=case, administrator=p["rita"])
    assert refused.value.messages == [
        "Ärendets administratör måste vara loggadministratör för systemet."
    ]
    assert case_state() == before
    Notification.objects.all().delete()
    assert boss2.post(url(case), {"administrator": p["logadm2"].pk}).status_code == 302
    case.refresh_from_db()
    assert case.administrator == p["logadm2"]
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("logadm2", "step_assigned")
    ]
    assert login(p["logadm2"]).get(case.get_absolute_url()).status_code == 200
    assert login(p["sysadmin"]).get(case.get_absolute_url()).status_code == 404


def test_removal_requests_made_before_are_named_by_number() -> None:
    """The data migration marks the removal requests follow-ups made before the field."""
    import importlib

    from django.apps import apps

    from forvalta.access.models import AccessRequest
    from forvalta.logreview.tests.test_followup import Setup, decide, opened

    s = Setup()
    followup = opened(s)
    decide(login(s.aw.people["mgr_north"]), followup, "remove_access", "1", "Tas bort")
    request = AccessRequest.objects.get()
    AccessRequest.objects.update(named_by_number=False)
    other = AccessRequest.objects.create(
        organisation=s.aw.org,
        system=s.aw.system,
        kind="remove",
        person_name="Bert Berg",
        requested_by=s.aw.people["owner"],
    )
    migration = importlib.import_module(
        "forvalta.logreview.migrations.0011_removal_requests_named_by_number"
    )
    migration.name_by_number(apps, None)
    assert dict(AccessRequest.objects.values_list("pk", "named_by_number")) == {
        request.pk: True,
        other.pk: False,
    }


def test_a_rename_on_a_case_that_moved_on_is_refused() -> None:
    """The requester's page was read before the person was entered: their change is
    refused on the fresh case (recorded, nothing changed), as they may no longer rename."""
    from django.core.exceptions import PermissionDenied

    aw = world()
    p = aw.people
    case = request_case(aw, senior_manager=p["boss2"])
    stale = SuspicionCase.objects.get(pk=case.pk)
    _enter(p, case)
    before, refused = case_state(), denied()
    with pytest.raises(PermissionDenied):
        suspicion.case_rename(actor=p["mgr_north"], case=stale, recipient=p["mgr_south"])
    assert case_state() == before and denied() == refused + 1
