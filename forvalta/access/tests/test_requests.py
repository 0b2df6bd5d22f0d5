"""Access requests through HTTP: the removal requests a review makes are decided by the
object or system owner (not by the manager's verdict), and the ordinary flow outside
reviews (seed 000 4.5.2-4.5.3): ask, approve or reject, execute, the person told.
Every refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    Campaign,
    CampaignStatus,
    ListKind,
    RequestKind,
    RequestStatus,
    ReviewItem,
    ReviewList,
    Snapshot,
)
from forvalta.access.tests.helpers import FIRST, _member, _role, build_access_world, upload
from forvalta.audit.models import AuditEvent
from forvalta.notifications.models import Notification
from forvalta.workflow.models import TransitionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def aw():
    return build_access_world()


def _login(client: Any, user: Any) -> Any:
    client.logout()
    client.force_login(user)
    return client


def _take(client: Any, obj: Any, name: str, comment: str = "") -> Any:
    url = reverse("workflow:transition", args=[obj._meta.label_lower, obj.pk, name])
    return client.post(url, {"comment": comment})


def _state(request: AccessRequest) -> tuple[Any, ...]:
    fresh = AccessRequest.objects.get(pk=request.pk)
    return (
        fresh.status,
        fresh.decided_by_id,
        fresh.decided_at,
        fresh.done_by_id,
        fresh.done_at,
        TransitionRecord.objects.count(),
    )


def _reviewed_campaign(client: Any, aw: Any) -> Campaign:
    """A campaign whose lists are all reported back: the north's manager removes Bert."""
    p = aw.people
    _login(client, p["controller"])
    assert upload(client, aw, FIRST).status_code == 302
    data = {
        "snapshot": Snapshot.objects.get().pk,
        "season": "autumn",
        "year": 2026,
        "due_on": "2026-12-31",
        "send": "on",
    }
    assert client.post(reverse("access:campaign_add"), data).status_code == 302
    campaign = Campaign.objects.get()
    protected = ReviewList.objects.get(campaign=campaign, kind=ListKind.PROTECTED)
    assert _take(client, protected, "send").status_code == 302
    north = ReviewList.objects.get(campaign=campaign, unit=aw.units["north"], kind=ListKind.UNIT)
    items = {i.account.account_id: i for i in ReviewItem.objects.filter(review_list=north)}
    _login(client, p["mgr_north"])
    response = client.post(
        north.get_absolute_url(),
        {
            "item": [items["u-anna"].pk, items["u-bert"].pk],
            f"verdict-{items['u-anna'].pk}": "keep",
            f"verdict-{items['u-bert'].pk}": "remove",
            f"comment-{items['u-bert'].pk}": "Har slutat",
        },
    )
    assert response.status_code == 302
    assert _take(client, north, "submit").status_code == 302
    client.post(reverse("access:reviewlist_without_remark", args=[protected.pk]))
    for key in ("south", "home"):
        review_list = ReviewList.objects.get(campaign=campaign, unit=aw.units[key], kind="unit")
        _login(client, review_list.reviewer)
        client.post(reverse("access:reviewlist_without_remark", args=[review_list.pk]))
    assert set(ReviewList.objects.values_list("status", flat=True)) == {"submitted"}
    _login(client, p["controller"])
    url = reverse("access:campaign_removal_requests", args=[campaign.pk])
    assert client.post(url).status_code == 302
    return campaign


# --- removal requests of a review ---------------------------------------------------------------
def test_a_reviews_removal_request_goes_to_the_owner_and_waits_for_their_decision(client, aw):
    campaign = _reviewed_campaign(client, aw)
    p = aw.people
    request = AccessRequest.objects.get()
    assert (
        request.kind,
        request.account_id,
        request.status,
        request.requested_by,
        request.decided_by,
        request.decided_at,
        request.reason,
    ) == (
        RequestKind.REMOVE,
        "u-bert",
        RequestStatus.REQUESTED,
        p["controller"],
        None,
        None,
        "Har slutat",
    )
    # The owner is told, nobody else.
    assert list(
        Notification.objects.filter(kind="decision_waiting").values_list("recipient_id", flat=True)
    ) == [p["owner"].pk]
    # Making them again makes none.
    assert (
        client.post(reverse("access:campaign_removal_requests", args=[campaign.pk])).status_code
        == 302
    )
    assert AccessRequest.objects.count() == 1
    # Not decided yet: the review cannot be signed, and a snapshot without the account
    # does not carry out an undecided request.
    assert _take(client, campaign, "sign").status_code == 400
    upload(client, aw, [r for r in FIRST if r[0] != "u-bert"], taken_on="2026-12-10")
    request.refresh_from_db()
    assert (request.status, request.confirmed_by_snapshot) == (RequestStatus.REQUESTED, None)
    # The owner sees it waiting, with the approve and reject buttons.
    _login(client, p["owner"])
    page = client.get(request.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bevilja" in html and "Avslå" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("mgr_north", 404),  # gave the verdict, but does not decide (nor see) the request
        ("controller", 403),
        ("sysadmin", 403),
        ("procowner", 403),
        ("bert", 403),  # the person it is about
        ("other_owner", 404),  # the system owner of another municipality
    ],
)
def test_only_the_owner_decides_a_reviews_removal_request(client, aw, persona, status):
    _reviewed_campaign(client, aw)
    if persona == "other_owner":
        aw.people[persona] = _member(aw.other, "other_owner", first="Ove", last="Annan")
        _role(aw.people[persona], "system_owner", aw.other, aw.system)
    request = AccessRequest.objects.get()
    before = _state(request)
    _login(client, aw.people[persona])
    assert _take(client, request, "approve").status_code == status
    assert _take(client, request, "reject", comment="Nej").status_code == status
    assert _state(request) == before
    # A refusal of what the user sees is recorded; what they do not see is not found.
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=aw.people[persona].pk)
    assert denied.count() == (2 if status == 403 else 0)


def test_the_owner_approves_and_the_next_snapshot_carries_it_out(client, aw):
    campaign = _reviewed_campaign(client, aw)
    p = aw.people
    request = AccessRequest.objects.get()
    _login(client, p["owner"])
    assert _take(client, request, "approve").status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, p["owner"])
    _login(client, p["controller"])
    assert _take(client, campaign, "sign").status_code == 400  # approved, not done
    upload(client, aw, [r for r in FIRST if r[0] != "u-bert"], taken_on="2026-12-10")
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.confirmed_by_snapshot == Snapshot.objects.order_by("-taken_on").first()
    assert _take(client, campaign, "sign").status_code == 302
    assert Campaign.objects.get().status == CampaignStatus.SIGNED


def test_a_rejected_removal_request_settles_the_verdict_and_the_protocol_says_so(client, aw):
    from forvalta.access.protocol import protocol_data

    campaign = _reviewed_campaign(client, aw)
    p = aw.people
    request = AccessRequest.objects.get()
    _login(client, p["owner"])
    assert _take(client, request, "reject").status_code == 400  # a reason is required
    assert AccessRequest.objects.get().status == RequestStatus.REQUESTED
    assert _take(client, request, "reject", comment="Behövs för jouren").status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.REJECTED, p["owner"])
    # Rejected is not carried out by a snapshot.
    _login(client, p["controller"])
    upload(client, aw, [r for r in FIRST if r[0] != "u-bert"], taken_on="2026-12-10")
    request.refresh_from_db()
    assert (request.status, request.confirmed_by_snapshot) == (RequestStatus.REJECTED, None)
    from django.utils import translation

    with translation.override("en"):
        data = protocol_data(campaign, p["controller"])
    assert [(r["account"], r["state"]) for r in data["removals"]] == [
        ("u-bert", "Rejected by Olle Ägare: the access stays")
    ]
    assert _take(client, campaign, "sign").status_code == 302
    assert Campaign.objects.get().status == CampaignStatus.SIGNED


# --- requests outside reviews --------------------------------------------------------------------
def _ask(client: Any, aw: Any, person: Any, **extra: Any) -> Any:
    data = {
        "organisation": aw.org.pk,
        "system": aw.system.pk,
        "kind": "grant",
        "person": person.pk,
        "roles": "Handläggare",
        "reason": "Ny tjänst",
        **extra,
    }
    return client.post(reverse("access:accessrequest_add"), data)


def test_a_person_asks_the_owner_approves_the_administrator_executes(client, aw):
    p = aw.people
    _login(client, p["anna"])
    response = _ask(client, aw, p["anna"])
    assert response.status_code == 302
    request = AccessRequest.objects.get()
    assert (
        request.organisation,
        request.system,
        request.kind,
        request.person,
        request.person_name,
        request.roles,
        request.status,
        request.requested_by,
    ) == (
        aw.org,
        aw.system,
        RequestKind.GRANT,
        p["anna"],
        "Anna Andersson",
        "Handläggare",
        RequestStatus.REQUESTED,
        p["anna"],
    )
    assert response["Location"] == request.get_absolute_url()
    assert AuditEvent.objects.filter(action="access.accessrequest.created").count() == 1
    assert list(
        Notification.objects.filter(kind="decision_waiting").values_list("recipient_id", flat=True)
    ) == [p["owner"].pk]
    # The asker cannot decide their own request, nor execute it.
    before = _state(request)
    assert _take(client, request, "approve").status_code == 403
    assert _state(request) == before
    # Not executable before it is approved.
    _login(client, p["sysadmin"])
    assert _take(client, request, "done").status_code == 400
    assert _state(request) == before
    # The owner approves.
    _login(client, p["owner"])
    assert _take(client, request, "approve").status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, p["owner"])
    # The owner does not execute it.
    before = _state(request)
    assert _take(client, request, "done").status_code == 403
    assert _state(request) == before
    assert Notification.objects.filter(kind="access_request_done").count() == 0
    # The system administrator marks it done; the person is told.
    _login(client, p["sysadmin"])
    assert _take(client, request, "done").status_code == 302
    request.refresh_from_db()
    assert (request.status, request.done_by) == (RequestStatus.DONE, p["sysadmin"])
    assert request.done_at is not None
    assert list(
        Notification.objects.filter(kind="access_request_done").values_list(
            "recipient_id", flat=True
        )
    ) == [p["anna"].pk]
    assert list(
        TransitionRecord.objects.filter(object_id=request.pk).values_list("transition", flat=True)
    ) == ["approve", "done"]
    # Done is done: neither decided again nor executed twice.
    before = _state(request)
    _login(client, p["owner"])
    assert _take(client, request, "reject", comment="Ändrat mig").status_code == 400
    assert _state(request) == before


def test_a_manager_asks_for_their_staff_but_not_for_others(client, aw):
    p = aw.people
    _login(client, p["mgr_north"])
    assert _ask(client, aw, p["bert"]).status_code == 302
    assert AccessRequest.objects.get().person == p["bert"]
    # Cia works in the south: not the north manager's to ask for.
    response = _ask(client, aw, p["cia"])
    assert response.status_code == 403
    assert AccessRequest.objects.count() == 1


def test_a_member_cannot_ask_for_a_colleague_and_the_other_municipality_not_at_all(client, aw):
    p = aw.people
    _login(client, p["anna"])
    assert _ask(client, aw, p["bert"]).status_code == 403
    assert AccessRequest.objects.count() == 0
    # Kommun Två's controller cannot ask in Kommun Ett: the organisation is no choice.
    _login(client, p["other_controller"])
    response = _ask(client, aw, p["anna"])
    assert response.status_code == 400
    assert AccessRequest.objects.count() == 0
    # Neither a person nor an account; neither a role nor roles.
    _login(client, p["anna"])
    response = _ask(client, aw, p["anna"], roles="")
    assert response.status_code == 400
    assert "Välj behörighetsrollen eller skriv rollerna." in response.content.decode()
    assert AccessRequest.objects.count() == 0


def test_a_colleague_with_the_same_access_asks_for_someone_else(client, aw):
    """Seed 000 4.5.2: the person, their manager, or an existing user with the same
    access asks. Anna's account in the latest snapshot holds "Handläggare"; Dan's holds
    only "Läsbehörighet"."""
    p = aw.people
    _login(client, p["controller"])
    assert upload(client, aw, FIRST).status_code == 302
    _login(client, p["anna"])
    assert _ask(client, aw, p["cia"]).status_code == 302
    request = AccessRequest.objects.get()
    assert (request.person, request.requested_by, request.roles) == (
        p["cia"],
        p["anna"],
        "Handläggare",
    )
    # More than she holds herself (written out, or beside a chosen role), or a removal
    # of someone else's access: refused, nothing made.
    assert _ask(client, aw, p["cia"], roles="Handläggare, Administratör").status_code == 403
    role = AccessRole.objects.create(system=aw.system, name="Handläggare")
    assert _ask(client, aw, p["cia"], access_role=role.pk, roles="Administratör").status_code == 403
    assert _ask(client, aw, p["cia"], kind="remove").status_code == 403
    _login(client, p["dan"])
    assert _ask(client, aw, p["cia"]).status_code == 403
    assert AccessRequest.objects.count() == 1


def test_requests_are_seen_by_the_staff_the_asker_and_the_person_only(client, aw):
    p = aw.people
    _login(client, p["mgr_north"])
    assert _ask(client, aw, p["bert"], reason="Vikariat ZZREQZZ").status_code == 302
    request = AccessRequest.objects.get()
    for persona, status in (
        ("mgr_north", 200),
        ("bert", 200),
        ("owner", 200),
        ("sysadmin", 200),
        ("anna", 404),
        ("mgr_south", 404),
        ("other_controller", 404),
    ):
        _login(client, p[persona])
        assert client.get(request.get_absolute_url()).status_code == status, persona
        listed = client.get(reverse("access:accessrequest_list")).content.decode()
        assert ("Bert Berg" in listed) == (status == 200), persona


def test_the_role_must_be_the_systems_and_the_person_a_member_of_the_organisation(client, aw):
    from forvalta.access.models import AccessRole
    from forvalta.core.tests.factories import MembershipFactory

    p = aw.people
    own_system = aw.world.items["SYS_M1"]
    wrong = AccessRole.objects.create(system=own_system, name="Omsorgsroll")
    shared = AccessRole.objects.create(service=aw.world.items["SVC_A"], name="Tjänstens roll")
    _login(client, p["controller"])
    response = _ask(client, aw, p["anna"], access_role=wrong.pk, roles="")
    assert response.status_code == 400
    assert "Behörighetsrollen hör inte till det här systemet." in response.content.decode()
    assert AccessRequest.objects.count() == 0
    # The controller is also a member of Kommun Två: its people are in the choice list,
    # but a request of Kommun Ett is not for them.
    MembershipFactory(user=p["controller"], organisation=aw.other)
    _login(client, p["controller"])
    response = _ask(client, aw, p["other_controller"])
    assert response.status_code == 400
    assert (
        "Personen måste vara medlem i den organisation som begäran gäller."
        in response.content.decode()
    )
    assert AccessRequest.objects.count() == 0
    # A role of a service the system belongs to is the system's.
    assert _ask(client, aw, p["anna"], access_role=shared.pk, roles="").status_code == 302
    assert AccessRequest.objects.get().access_role == shared
