"""Access management through HTTP: snapshot import and diff, campaigns split into
per-unit lists, verdicts, removal requests confirmed by the next snapshot, signing,
and the issue's exact rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from forvalta.access.models import (
    AccessRequest,
    Account,
    Campaign,
    CampaignStatus,
    ListKind,
    ListStatus,
    RequestStatus,
    ReviewItem,
    ReviewList,
    Snapshot,
    Verdict,
)
from forvalta.access.tests.helpers import FIRST, build_access_world, upload
from forvalta.audit.models import AuditEvent
from forvalta.core.controls import control_fulfilled
from forvalta.workflow.models import TransitionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def aw():
    return build_access_world()


def _login(client, user):
    client.force_login(user)
    return client


def _campaign(client, aw, send=True) -> Campaign:
    _login(client, aw.people["controller"])
    assert upload(client, aw, FIRST).status_code == 302
    snapshot = Snapshot.objects.get()
    data = {"snapshot": snapshot.pk, "season": "autumn", "year": 2026, "due_on": "2026-12-31"}
    if send:
        data["send"] = "on"
    response = client.post(reverse("access:campaign_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Campaign.objects.get()


def _list(campaign, unit, kind=ListKind.UNIT) -> ReviewList:
    return ReviewList.objects.get(campaign=campaign, unit=unit, kind=kind)


def _verdict(client, review_list, account_id, verdict, roles="", comment=""):
    item = ReviewItem.objects.get(review_list=review_list, account__account_id=account_id)
    return client.post(
        review_list.get_absolute_url(),
        {
            "item": [item.pk],
            f"verdict-{item.pk}": verdict,
            f"roles-{item.pk}": roles,
            f"comment-{item.pk}": comment,
        },
    )


def _take(client, obj, name, comment=""):
    url = reverse("workflow:transition", args=[obj._meta.label_lower, obj.pk, name])
    return client.post(url, {"comment": comment})


# --- snapshots ----------------------------------------------------------------------------------
def test_import_matches_people_and_units_and_masks_personal_numbers(client, aw):
    _login(client, aw.people["controller"])
    response = upload(client, aw, FIRST)
    assert response.status_code == 302
    snapshot = Snapshot.objects.get()
    assert (snapshot.account_count, snapshot.added_count, snapshot.unmatched_count) == (5, 5, 1)
    anna = Account.objects.get(account_id="u-anna")
    assert anna.person == aw.people["anna"]
    assert anna.unit == aw.units["north"]
    assert anna.personal_number == "191212121212"
    assert Account.objects.get(account_id="u-bert").roles == "Administratör|Handläggare"
    assert Account.objects.get(account_id="u-bert").protected_access is True
    page = client.get(snapshot.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "19121212-XXXX" in html
    assert "191212121212" not in html and "1212-1212" not in html
    assert AuditEvent.objects.filter(action="access.snapshot.viewed").count() == 1
    assert AuditEvent.objects.filter(action="access.snapshot.imported").count() == 1


def test_next_snapshot_shows_added_removed_and_changed(client, aw):
    _login(client, aw.people["controller"])
    upload(client, aw, FIRST, taken_on="2026-11-30")
    second = [r for r in FIRST if r[0] != "u-cia"]
    second[0] = (*second[0][:5], "Handläggare,Chef", *second[0][6:])
    second.append(("u-new", "Ny Person", "", "", "Hemtjänst Söder", "Handläggare", "nej", ""))
    assert upload(client, aw, second, taken_on="2026-12-01").status_code == 302
    latest = Snapshot.objects.order_by("-taken_on").first()
    assert (latest.added_count, latest.removed_count, latest.changed_count) == (1, 1, 1)
    assert Account.objects.get(snapshot=latest, account_id="u-anna").changed_fields == "roles"
    html = client.get(latest.get_absolute_url()).content.decode()
    assert "u-cia" in html  # listed as removed


def test_bad_file_is_refused_and_changes_nothing(client, aw):
    _login(client, aw.people["controller"])
    rows = [*FIRST, ("u-anna", "Dubblett", "", "19121212-1213", "", "", "kanske", "igår")]
    response = upload(client, aw, rows)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Rad 7" in text or "Row 7" in text
    assert Snapshot.objects.count() == 0
    assert Account.objects.count() == 0


def test_import_refused_without_the_role(client, aw):
    _login(client, aw.people["mgr_north"])
    response = upload(client, aw, FIRST)
    assert response.status_code == 403
    assert Snapshot.objects.count() == 0


# --- campaigns ----------------------------------------------------------------------------------
def test_campaign_sends_each_unit_list_to_its_manager(client, aw):
    campaign = _campaign(client, aw)
    unit_lists = ReviewList.objects.filter(campaign=campaign, kind=ListKind.UNIT)
    assert {(rl.unit_id, rl.reviewer_id, rl.status) for rl in unit_lists} == {
        (aw.units["north"].pk, aw.people["mgr_north"].pk, ListStatus.SENT),
        (aw.units["south"].pk, aw.people["mgr_south"].pk, ListStatus.SENT),
        (aw.units["home"].pk, aw.people["mgr_home"].pk, ListStatus.SENT),
    }
    protected = ReviewList.objects.get(campaign=campaign, kind=ListKind.PROTECTED)
    assert (protected.unit_id, protected.status, protected.account_count) == (
        aw.units["north"].pk,
        ListStatus.DRAFT,
        1,
    )
    bert = ReviewItem.objects.get(
        review_list__unit=aw.units["north"], review_list__kind="unit", account__account_id="u-bert"
    )
    assert set(bert.hint_codes) == {"no_login", "protected"}
    unknown = ReviewItem.objects.get(account__account_id="u-okand")
    assert set(unknown.hint_codes) == {"no_login", "unmatched"}
    # The managers are told (neutral inbox items).
    from forvalta.notifications.models import Notification

    assert Notification.objects.filter(kind="access_review_waiting").count() == 3


def test_every_hint_is_given_by_the_rules_exactly(client, aw):
    """Runs on SQLite (Python) and PostgreSQL (one INSERT ... SELECT): the same items."""
    import datetime as dt

    from forvalta.core.models import Membership, today

    recent = today().isoformat()
    Membership.objects.filter(user=aw.people["dan"]).update(valid_to=today() - dt.timedelta(days=1))
    north = "Hemtjänst Norr"
    rows = [
        ("u-anna", "Anna Andersson", "", "", north, "Handläggare", "nej", recent),
        ("u-anna2", "Anna Andersson", "", "", north, "Handläggare", "nej", recent),
        ("u-x", "Xavier Okänd", "", "", north, "Handläggare,Ekonomi", "nej", recent),
        ("u-bert", "Bert Berg", "", "", north, "Handläggare", "ja", ""),
        ("u-cia", "Cia Carlsson", "", "", north, "Handläggare", "nej", recent),
        ("u-dan", "Dan Dahl", "", "", "Boende Ekbacken", "Läsbehörighet", "nej", recent),
        ("u-z", "Zelda Okänd", "", "", "Okänd enhet", "Läsbehörighet", "nej", recent),
    ]
    _login(client, aw.people["controller"])
    assert upload(client, aw, rows).status_code == 302
    snapshot = Snapshot.objects.get()
    response = client.post(
        reverse("access:campaign_add"),
        {"snapshot": snapshot.pk, "season": "autumn", "year": 2026, "due_on": "2026-12-31"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    items = ReviewItem.objects.filter(review_list__campaign=campaign).select_related(
        "account", "review_list"
    )
    assert {
        (
            i.account.account_id,
            i.review_list.kind,
            i.review_list.unit_name,
            i.hints,
            i.unusual_roles,
        )
        for i in items
    } == {
        ("u-anna", "unit", north, "duplicate", ""),
        ("u-anna2", "unit", north, "duplicate", ""),
        ("u-x", "unit", north, "unmatched,unusual_roles", "Ekonomi"),
        ("u-bert", "unit", north, "no_login,protected", ""),
        ("u-bert", "protected", north, "no_login,protected", ""),
        ("u-cia", "unit", north, "moved", ""),
        ("u-dan", "unit", "Boende Ekbacken", "left", ""),
        ("u-z", "unit", "Okänd enhet", "unmatched", ""),
    }
    lists = ReviewList.objects.filter(campaign=campaign)
    assert {(rl.kind, rl.unit_id, rl.unit_name, rl.account_count) for rl in lists} == {
        ("unit", aw.units["north"].pk, north, 5),
        ("protected", aw.units["north"].pk, north, 1),
        ("unit", aw.units["home"].pk, "Boende Ekbacken", 1),
        ("unit", None, "Okänd enhet", 1),
    }
    # Within a list the items come in the order of the accounts' names.
    north_list = lists.get(kind="unit", unit=aw.units["north"])
    assert [i.account.account_id for i in items.filter(review_list=north_list).order_by("pk")] == [
        "u-anna",
        "u-anna2",
        "u-bert",
        "u-cia",
        "u-x",
    ]


def test_an_account_on_a_list_cannot_be_deleted(client, aw):
    """The items' references are not checked by the database (models.ReviewItem): the
    ORM still protects the accounts and cascades from a list."""
    from django.db.models import ProtectedError

    campaign = _campaign(client, aw)
    anna = Account.objects.get(account_id="u-anna")
    with pytest.raises(ProtectedError):
        anna.delete()
    assert Account.objects.filter(pk=anna.pk).exists()
    north = _list(campaign, aw.units["north"])
    items = list(north.items.values_list("pk", flat=True))
    assert len(items) == 2
    north.delete()
    assert not ReviewItem.objects.filter(pk__in=items).exists()
    assert ReviewItem.objects.filter(review_list__campaign=campaign).count() == 4


def test_unit_manager_cannot_see_or_decide_another_units_list(client, aw):
    campaign = _campaign(client, aw)
    north, south = _list(campaign, aw.units["north"]), _list(campaign, aw.units["south"])
    _login(client, aw.people["mgr_north"])
    assert client.get(north.get_absolute_url()).status_code == 200
    assert client.get(south.get_absolute_url()).status_code == 404
    item = ReviewItem.objects.get(review_list=south)
    before = list(ReviewItem.objects.values_list("pk", "verdict", "comment").order_by("pk"))
    # Deciding the other unit's list: not found, through its page or smuggled into one's own.
    response = client.post(
        south.get_absolute_url(), {"item": [item.pk], f"verdict-{item.pk}": "remove"}
    )
    assert response.status_code == 404
    response = client.post(
        north.get_absolute_url(), {"item": [item.pk], f"verdict-{item.pk}": "remove"}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("access:reviewlist_without_remark", args=[south.pk])).status_code == 404
    )
    assert _take(client, south, "submit").status_code == 404
    assert list(ReviewItem.objects.values_list("pk", "verdict", "comment").order_by("pk")) == before
    assert ReviewList.objects.get(pk=south.pk).status == ListStatus.SENT
    # Nor see its accounts or the snapshot.
    cia = Account.objects.get(account_id="u-cia")
    assert client.get(cia.get_absolute_url()).status_code == 404
    assert client.get(campaign.snapshot.get_absolute_url()).status_code == 404
    page = client.get(campaign.get_absolute_url())
    assert page.status_code == 200
    assert "Hemtjänst Söder" not in page.content.decode()
    assert "u-cia" not in client.get(north.get_absolute_url()).content.decode()


def test_member_of_another_municipality_in_the_same_service_sees_nothing(client, aw):
    campaign = _campaign(client, aw)
    snapshot = campaign.snapshot
    north = _list(campaign, aw.units["north"])
    account = Account.objects.get(account_id="u-okand")
    # Kommun Två takes part in the same service and has its own controller of the system.
    for persona in ("other_controller",):
        _login(client, aw.people[persona])
        for url in (
            campaign.get_absolute_url(),
            north.get_absolute_url(),
            snapshot.get_absolute_url(),
            account.get_absolute_url(),
            reverse("access:campaign_protocol", args=[campaign.pk, "pdf"]),
        ):
            assert client.get(url).status_code == 404, url
        for url in (
            reverse("access:campaign_list"),
            reverse("access:snapshot_list"),
            reverse("access:accessrequest_list"),
            reverse("access:campaign_list") + "?export=csv",
        ):
            response = client.get(url)
            assert response.status_code == 200
            assert "ZZACC_XZZ" not in response.content.decode()
            assert campaign.name not in response.content.decode()
        before = (
            Campaign.objects.get().status,
            list(ReviewItem.objects.values_list("verdict", flat=True)),
        )
        assert _take(client, campaign, "sign").status_code == 404
        assert (
            Campaign.objects.get().status,
            list(ReviewItem.objects.values_list("verdict", flat=True)),
        ) == before
    for user in (aw.world.users["staff2"], aw.world.users["lead"], aw.world.users["sup"]):
        _login(client, user)
        assert client.get(campaign.get_absolute_url()).status_code == 404
        assert client.get(snapshot.get_absolute_url()).status_code == 404


def test_supplier_sees_accounts_only_with_the_system_administrator_role(client, aw):
    from forvalta.access.tests.helpers import _role
    from forvalta.core.tests.factories import MembershipFactory

    campaign = _campaign(client, aw)
    consultant = aw.world.users["sup"]
    MembershipFactory(user=consultant, organisation=aw.org, title="Konsult")
    _login(client, consultant)
    assert client.get(campaign.snapshot.get_absolute_url()).status_code == 404
    _role(consultant, "system_administrator", aw.org, aw.system)
    client.logout()
    _login(client, consultant)
    assert client.get(campaign.snapshot.get_absolute_url()).status_code == 200


def test_signing_an_incomplete_campaign_is_refused_and_changes_nothing(client, aw):
    campaign = _campaign(client, aw)
    received: list[dict[str, Any]] = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    control_fulfilled.connect(receiver)
    try:
        records = TransitionRecord.objects.count()
        response = _take(client, campaign, "sign")
        assert response.status_code == 400
        assert (
            "inte rapporterats tillbaka" in response.content.decode()
            or "not been reported back" in response.content.decode()
        )
    finally:
        control_fulfilled.disconnect(receiver)
    fresh = Campaign.objects.get()
    assert (fresh.status, fresh.signed_by, fresh.signed_at) == (CampaignStatus.OPEN, None, None)
    assert TransitionRecord.objects.count() == records
    assert received == []


def test_the_half_year_from_verdicts_to_signature(client, aw):
    campaign = _campaign(client, aw)
    p = aw.people
    north, south, home = (_list(campaign, aw.units[k]) for k in ("north", "south", "home"))
    protected = _list(campaign, aw.units["north"], ListKind.PROTECTED)
    # The manager of the north reports one removal.
    _login(client, p["mgr_north"])
    assert _verdict(client, north, "u-bert", "remove", comment="Slutat").status_code == 302
    assert _take(client, north, "submit").status_code == 400  # anna has no verdict yet
    assert _verdict(client, north, "u-anna", "keep").status_code == 302
    assert _take(client, north, "submit").status_code == 302
    # The south: without remark.
    _login(client, p["mgr_south"])
    assert (
        client.post(reverse("access:reviewlist_without_remark", args=[south.pk])).status_code == 302
    )
    _login(client, p["mgr_home"])
    client.post(reverse("access:reviewlist_without_remark", args=[home.pk]))
    # The controller sends the protected-identity list; its manager keeps it.
    _login(client, p["controller"])
    assert _take(client, protected, "send").status_code == 302
    _login(client, p["mgr_north"])
    client.post(reverse("access:reviewlist_without_remark", args=[protected.pk]))
    assert set(ReviewList.objects.values_list("status", flat=True)) == {ListStatus.SUBMITTED}
    # Not signable yet: the removal is not done.
    _login(client, p["controller"])
    assert _take(client, campaign, "sign").status_code == 400
    assert (
        client.post(reverse("access:campaign_removal_requests", args=[campaign.pk])).status_code
        == 302
    )
    request = AccessRequest.objects.get()
    assert (request.account_id, request.status, request.decided_by, request.requested_by) == (
        "u-bert",
        RequestStatus.REQUESTED,
        None,
        p["controller"],
    )
    assert request.review_item.decided_by == p["mgr_north"]
    # The system owner decides it (and is told); the next snapshot confirms it.
    from forvalta.notifications.models import Notification

    assert list(
        Notification.objects.filter(kind="decision_waiting").values_list("recipient_id", flat=True)
    ) == [p["owner"].pk]
    _login(client, p["owner"])
    assert _take(client, request, "approve").status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, p["owner"])
    _login(client, p["controller"])
    # The next snapshot no longer lists the account: the request is done and confirmed.
    upload(client, aw, [r for r in FIRST if r[0] != "u-bert"], taken_on="2026-12-10")
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert request.confirmed_by_snapshot == Snapshot.objects.order_by("-taken_on").first()
    received: list[dict[str, Any]] = []

    def receiver(sender, **kwargs):
        received.append({"sender": sender, **kwargs})

    control_fulfilled.connect(receiver)
    try:
        assert _take(client, campaign, "sign").status_code == 302
    finally:
        control_fulfilled.disconnect(receiver)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.signed_by) == (CampaignStatus.SIGNED, p["controller"])
    assert len(received) == 1
    assert received[0]["kind"] == "access_review"
    assert received[0]["organisation"] == aw.org
    assert received[0]["target"] == aw.system
    assert received[0]["evidence"] == campaign
    # Signed is immutable: no more verdicts, no reopening.
    _login(client, p["mgr_north"])
    assert _verdict(client, north, "u-anna", "remove").status_code == 403
    assert (
        ReviewItem.objects.get(review_list=north, account__account_id="u-anna").verdict
        == Verdict.KEEP
    )
    # The protocol lists exactly what happened.
    from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text

    _login(client, p["controller"])
    response = client.get(reverse("access:campaign_protocol", args=[campaign.pk, "pdf"]))
    assert response.status_code == 200
    assert_tagged_pdf(response.content, title=f"Protokoll för behörighetskontroll: {campaign.name}")
    text = " ".join(pdf_text(response.content).split())
    assert "u-bert" in text and "Slutat" in text
    assert "u-anna" not in text
    assert "Utan anmärkning" in text
    assert "Vera Kontroll" in text
    xlsx = client.get(reverse("access:campaign_protocol", args=[campaign.pk, "xlsx"]))
    assert xlsx.status_code == 200
    assert AuditEvent.objects.filter(action="access.protocol.viewed").count() == 2


def test_year_is_signed_by_the_process_owner_once_both_reviews_are_signed(client, aw):
    _login(client, aw.people["procowner"])
    data = {"organisation": aw.org.pk, "system": aw.system.pk, "year": 2026}
    response = client.post(reverse("access:yearsignoff_add"), data)
    assert response.status_code == 400
    from forvalta.access.models import YearSignOff

    assert YearSignOff.objects.count() == 0
    _login(client, aw.people["controller"])
    assert client.post(reverse("access:yearsignoff_add"), data).status_code == 403
    assert YearSignOff.objects.count() == 0


def test_overdue_lists_escalate_once_to_the_managers_manager(client, aw):
    import datetime as dt

    from forvalta.access.reminders import review_lists
    from forvalta.access.services import escalate_overdue

    campaign = _campaign(client, aw)
    north = _list(campaign, aw.units["north"])
    deadlines = list(review_lists(dt.date(2026, 12, 1), dt.date(2027, 1, 31)))
    assert {(d.person, d.obj.pk) for d in deadlines} == {
        (rl.reviewer, rl.pk) for rl in ReviewList.objects.filter(status=ListStatus.SENT)
    }
    _login(client, aw.people["boss"])
    assert client.get(north.get_absolute_url()).status_code == 404
    assert escalate_overdue(on=dt.date(2026, 12, 30)) == 0  # not yet overdue
    assert escalate_overdue(on=dt.date(2027, 1, 2)) == 3
    assert escalate_overdue(on=dt.date(2027, 1, 3)) == 0
    north.refresh_from_db()
    assert north.escalated_to == aw.people["boss"]
    client.logout()
    _login(client, aw.people["boss"])
    assert client.get(north.get_absolute_url()).status_code == 200
    from forvalta.notifications.models import Notification

    assert Notification.objects.filter(kind="access_review_escalated").count() == 3
