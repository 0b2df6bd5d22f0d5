"""Access review demo: Kungälv's Treserva with about 300 accounts in five of its care
units, a spring review that is done and signed (one removal reported by the manager of
Hemtjänst Ytterby, approved by Treserva's system owner, carried out and confirmed by
the next account list), and an autumn review in progress. Everything goes through the
services, so the audit trail and the workflow history show it as it happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forvalta.access import services
from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    AccessSettings,
    ListKind,
    ListStatus,
    ReviewItem,
    ReviewList,
    Verdict,
)
from forvalta.core.models import Membership, User, today
from forvalta.workflow import engine

UNITS = (
    ("Hemtjänst Ytterby", "emelie.carlsson"),
    ("Hemtjänst Kareby", "robert.hakansson"),
    ("Hemtjänst Centrum", "lina.persson"),
    ("Vårdboende Ekliden", "nadia.haddad"),
    ("Biståndsenheten", "ulrika.borg"),
)
FIRST = ("Anna", "Bo", "Cecilia", "David", "Eva", "Fatima", "Gustav", "Hanna", "Ibrahim", "Jonna")
LAST = (
    "Andersson",
    "Berg",
    "Claesson",
    "Dahlgren",
    "Ek",
    "Fors",
    "Gran",
    "Holm",
    "Ivarsson",
    "Jakobsson",
)
ROLES = {
    "Hemtjänst": ("Utförare hemtjänst", "Utförare hemtjänst", "Planerare"),
    "Vårdboende": ("Utförare boende", "Utförare boende", "Sjuksköterska"),
    "Biståndsenheten": ("Biståndshandläggare", "Biståndshandläggare", "Handläggare LSS"),
}
# Staff of each unit's manager in Forvalta (two per unit), whose accounts are matched by
# e-mail (placed under their manager only: the register's demo keeps one person per unit).
STAFF = 2


def _roles_for(unit: str, i: int) -> str:
    key = next(k for k in ROLES if unit.startswith(k))
    roles = [ROLES[key][i % 3]]
    if i % 23 == 5:
        roles.append("Systemadministratör")
    return ",".join(roles)


def _rows(builder: Any, year: int, *, without: set[str] = frozenset(), extra: int = 0) -> list:  # type: ignore[assignment]  # a frozenset default
    rows = []
    n = 0
    for u, (unit, _manager) in enumerate(UNITS):
        for i in range(60 + (extra if u == 1 else 0)):
            account = f"kv{u}{i:03d}"
            n += 1
            if account in without:
                continue
            name = f"{FIRST[(i + u) % 10]} {LAST[(i * 3 + u) % 10]}"
            email = f"{account}@demo.kungalv.se" if i < STAFF else ""
            rows.append(
                (
                    n + 1,
                    {
                        "account_id": account,
                        "name": name,
                        "email": email,
                        "unit": unit,
                        "roles": _roles_for(unit, i),
                        "protected_access": "ja" if i % 29 == 3 else "nej",
                        "last_login": dt.date(year, 3, 1) - dt.timedelta(days=(i * 7) % 200),
                    },
                )
            )
    return rows


def _staff(builder: Any) -> None:
    org = builder.orgs["kungalv"]
    for u, (unit, manager) in enumerate(UNITS):
        for i in range(STAFF):
            account = f"kv{u}{i:03d}"
            user = User(
                username=f"demo.{account}",
                first_name=FIRST[(i + u) % 10],
                last_name=LAST[(i * 3 + u) % 10],
                email=f"{account}@demo.kungalv.se",
            )
            user.set_unusable_password()
            builder.save(user)
            builder.save(
                Membership(
                    user=user,
                    organisation=org,
                    manager=builder.users[manager],
                    title="Undersköterska" if unit.startswith(("Hem", "Vård")) else "Handläggare",
                    valid_from=dt.date(2020, 1, 1),
                )
            )


def _without_remark(review_list: ReviewList) -> None:
    reviewer = review_list.reviewer
    assert reviewer is not None
    services.list_without_remark(actor=reviewer, review_list=review_list)


def load(builder: Any) -> None:
    org = builder.orgs["kungalv"]
    treserva = builder.systems["treserva"]
    controller = builder.users["kristoffer.lindgren"]
    year = today().year
    _staff(builder)
    builder.save(
        AccessSettings(organisation=org, system=treserva, inactive_days=90, scheduled=True)
    )
    for name, protected, gives in (
        ("Utförare hemtjänst", False, "Genomförandeplaner och journal för den egna enheten."),
        ("Biståndshandläggare", True, "Utredningar och beslut i myndighetsutövningen."),
        ("Systemadministratör", True, "Användar- och behörighetsadministration."),
    ):
        builder.save(
            AccessRole(
                system=treserva,
                name=name,
                gives_access_to=gives,
                protected_identities=protected,
                decision_reference="Styrgruppen för Treserva, beslut 2025:4",
                decided_on=dt.date(2025, 3, 12),
            )
        )

    # Spring: the list of 1 April, reviewed, one removal, signed.
    spring = services.snapshot_from_rows(
        actor=controller,
        organisation=org,
        system=treserva,
        rows=_rows(builder, year),
        taken_on=dt.date(year, 4, 1),
        filename="Treserva användare april.xlsx",
    )
    campaign = services.campaign_create(
        actor=controller, snapshot=spring, season="spring", year=year
    )
    lists = ReviewList.objects.filter(campaign=campaign).select_related("reviewer")
    for review_list in lists.filter(kind=ListKind.PROTECTED):
        engine.take(review_list, "send", actor=controller)
    ytterby = lists.get(kind=ListKind.UNIT, unit_name="Hemtjänst Ytterby")
    removed = ReviewItem.objects.get(review_list=ytterby, account__account_id="kv0017")
    services.verdicts_give(
        actor=ytterby.reviewer,
        review_list=ytterby,
        verdicts={
            item.pk: {
                "verdict": Verdict.REMOVE if item.pk == removed.pk else Verdict.KEEP,
                "comment": "Slutade i mars" if item.pk == removed.pk else "",
            }
            for item in ReviewItem.objects.filter(review_list=ytterby)
        },
    )
    engine.take(ytterby, "submit", actor=ytterby.reviewer)
    for review_list in lists.filter(status=ListStatus.SENT):
        _without_remark(review_list)
    services.removal_requests_create(actor=controller, campaign=campaign)
    # Treserva's system owner decides the request (the manager's verdict is its reason).
    for request in AccessRequest.objects.filter(review_item__review_list__campaign=campaign):
        engine.take(request, "approve", actor=builder.users["systemagare"])
    services.snapshot_from_rows(
        actor=builder.users["jenny.olofsson"],
        organisation=org,
        system=treserva,
        rows=_rows(builder, year, without={"kv0017"}),
        taken_on=dt.date(year, 4, 25),
        filename="Treserva användare efter åtgärd.xlsx",
    )
    services.campaign_sign(actor=controller, campaign=campaign, comment="Vårens kontroll klar.")

    # Autumn: the list of 1 October, in progress (two units have reported back).
    autumn = services.snapshot_from_rows(
        actor=controller,
        organisation=org,
        system=treserva,
        rows=_rows(builder, year, without={"kv0017"}, extra=4),
        taken_on=dt.date(year, 10, 1),
        filename="Treserva användare oktober.xlsx",
    )
    autumn_campaign = services.campaign_create(
        actor=controller, snapshot=autumn, season="autumn", year=year
    )
    for unit in ("Hemtjänst Kareby", "Biståndsenheten"):
        _without_remark(
            ReviewList.objects.select_related("reviewer").get(
                campaign=autumn_campaign, kind=ListKind.UNIT, unit_name=unit
            )
        )
    builder.counts["access.account"] += 3 * 300
    builder.counts["access.campaign"] += 2
