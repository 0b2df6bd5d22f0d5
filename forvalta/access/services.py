"""Every write of access management: checks the rule, saves, records the audit event.

States of campaigns, lists and requests change through the workflow engine
(forvalta/access/workflows.py); the functions here do the rest: import a snapshot,
create a campaign and split it into lists, give verdicts, report a list without
remark, turn verdicts into removal requests, confirm requests against a snapshot,
raise deviations, sign the year, remind and escalate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.access import snapshots
from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    AccessSettings,
    Account,
    Campaign,
    CampaignStatus,
    Deviation,
    ListKind,
    ListStatus,
    RequestKind,
    RequestStatus,
    ReviewItem,
    ReviewList,
    Season,
    Snapshot,
    SnapshotSource,
    SnapshotStatus,
    Verdict,
    YearSignOff,
)
from forvalta.audit.services import diff, object_type_of, record
from forvalta.audit.services import snapshot as audit_snapshot
from forvalta.core.bulk import gc_paused
from forvalta.core.models import Membership, Unit, today
from forvalta.core.services import crud_services
from forvalta.core.tenancy import forget_scope
from forvalta.notifications.services import notify
from forvalta.workflow import engine

access_role_create, access_role_update, access_role_delete = crud_services(AccessRole)

# Share of a unit's accounts below which a role is unusual there (peer comparison).
UNUSUAL_SHARE = 0.30


def _refuse(actor: Any, obj: Any, verb: str) -> None:
    forget_scope(actor)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and getattr(obj, "pk", None) else None,
        object_type=object_type_of(obj),
        object_repr=str(obj)[:300] if obj is not None and getattr(obj, "pk", None) else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def _require(actor: Any, perm: str, obj: Any, verb: str) -> None:
    if not actor.has_perm(perm, obj):
        _refuse(actor, obj, verb)


# --- settings ------------------------------------------------------------------------------
def settings_for(organisation: Any, system: Any) -> AccessSettings:
    """The stored settings, or unsaved defaults."""
    found = AccessSettings.objects.filter(organisation=organisation, system=system).first()
    return found or AccessSettings(organisation=organisation, system=system)


def settings_save(*, actor: Any, data: dict[str, Any], instance: Any = None) -> AccessSettings:
    obj = instance or AccessSettings(organisation=data["organisation"], system=data["system"])
    before = audit_snapshot(obj) if obj.pk else {}
    for name, value in data.items():
        if name not in {"organisation", "system"} or obj.pk is None:
            setattr(obj, name, value)
    obj.full_clean()
    _require(actor, "access.change_accesssettings", obj, "change")
    with transaction.atomic():
        obj.save()
        record(
            actor=actor,
            action="access.accesssettings." + ("updated" if before else "created"),
            obj=obj,
            changes=diff(before, audit_snapshot(obj)),
        )
    return obj


# --- snapshots -----------------------------------------------------------------------------
def _check_import(actor: Any, organisation: Any, system: Any) -> Snapshot:
    snapshot = Snapshot(
        organisation=organisation, system=system, imported_by=actor, taken_on=today()
    )
    _require(actor, "access.add_snapshot", snapshot, "import")
    return snapshot


def snapshot_from_rows(
    *,
    actor: Any,
    organisation: Any,
    system: Any,
    rows: list[tuple[int, dict[str, Any]]],
    taken_on: dt.date | None = None,
    filename: str = "",
    source: str = SnapshotSource.FILE,
) -> Snapshot:
    """Import the rows now, in one transaction (small files and the API)."""
    snapshot = _check_import(actor, organisation, system)
    settings = settings_for(organisation, system)
    parsed = snapshots.parse_rows(rows, settings.role_separator)
    with transaction.atomic():
        snapshot.taken_on = taken_on or today()
        snapshot.filename = filename[:200]
        snapshot.source = source
        snapshot.save()
        _store(actor, snapshot, parsed)
    return snapshot


def _store(
    actor: Any, snapshot: Snapshot, parsed: list[dict[str, Any]], progress: Any = None
) -> None:
    counts = snapshots.store_accounts(snapshot, parsed, progress)
    snapshot.status = SnapshotStatus.DONE
    snapshot.save()
    confirmed = confirm_requests(snapshot)
    record(
        actor=actor,
        action="access.snapshot.imported",
        obj=snapshot,
        changes={
            "accounts": [None, snapshot.account_count],
            "added": [None, counts["added"]],
            "changed": [None, counts["changed"]],
            "removed": [None, snapshot.removed_count],
            "unmatched": [None, counts["unmatched"]],
            "requests_confirmed": [None, confirmed],
        },
    )


def snapshot_upload(
    *, actor: Any, organisation: Any, system: Any, table: Any, taken_on: dt.date, language: str
) -> Snapshot:
    """A file read by the register's reader: small files now, large ones by a task with
    an `ImportJob` for its progress."""
    from forvalta.register.imports.jobs import runs_as_task

    if not runs_as_task(table):
        return snapshot_from_rows(
            actor=actor,
            organisation=organisation,
            system=system,
            rows=table.rows,
            taken_on=taken_on,
            filename=table.filename,
        )
    from forvalta.access.tasks import import_snapshot
    from forvalta.register.imports.storage import clean_filename, save_upload
    from forvalta.register.models import ImportJob, ImportJobStatus

    snapshot = _check_import(actor, organisation, system)
    token = save_upload(actor, "access_snapshot", table.filename, table)
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=actor,
            organisation=organisation,
            kind="access_snapshot",
            filename=clean_filename(table.filename),
            upload_token=token,
            language=language[:10],
            rows_total=len(table.rows),
            status=ImportJobStatus.APPLYING,
        )
        snapshot.taken_on = taken_on
        snapshot.filename = job.filename
        snapshot.job = job
        snapshot.save()
        record(actor=actor, action="access.snapshot.queued", obj=snapshot)
        transaction.on_commit(partial(import_snapshot.enqueue, snapshot.pk))
    return snapshot


def run_snapshot_import(snapshot_id: int) -> str:
    """The task's work: idempotent (a snapshot already imported or failed is left)."""
    from forvalta.register.imports.jobs import ProgressWriter
    from forvalta.register.imports.storage import delete_upload, load_upload
    from forvalta.register.models import ImportJob, ImportJobStatus

    snapshot = Snapshot.objects.filter(pk=snapshot_id).select_related("job", "imported_by").first()
    if snapshot is None or snapshot.status != SnapshotStatus.IMPORTING or snapshot.job is None:
        return "skipped"
    job = snapshot.job
    actor = snapshot.imported_by

    def fail(message: str) -> str:
        Snapshot.objects.filter(pk=snapshot.pk).update(status=SnapshotStatus.FAILED, error=message)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return "failed"

    if not actor.is_active or not actor.has_perm("access.add_snapshot", snapshot):
        return fail(_("You no longer have the right to import accounts of this system."))
    stored = load_upload(actor, job.upload_token)
    if stored is None:
        return fail(_("The uploaded file is no longer stored. Upload it again."))
    settings = settings_for(snapshot.organisation, snapshot.system)
    try:
        parsed = snapshots.parse_rows(stored.table.rows, settings.role_separator)
    except snapshots.SnapshotRejected as exc:
        return fail("\n".join(exc.messages))
    writer = ProgressWriter(job)
    try:
        with transaction.atomic():
            fresh = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
            if fresh.status != SnapshotStatus.IMPORTING:
                return "skipped"
            _store(actor, fresh, parsed, lambda done: writer("writing", done, len(parsed)))
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJobStatus.DONE,
                phase="writing",
                rows_done=len(parsed),
                summary={
                    "create": fresh.added_count,
                    "update": fresh.changed_count,
                    "unchanged": fresh.account_count - fresh.added_count - fresh.changed_count,
                },
                finished_at=timezone.now(),
            )
    finally:
        writer.close()
    delete_upload(actor, job.upload_token)
    return "done"


# --- requests confirmed by a snapshot --------------------------------------------------------
def confirm_requests(snapshot: Snapshot) -> int:
    """Open removal requests of the organisation and system whose account the snapshot
    no longer lists are confirmed by it (and done, if they were only approved)."""
    open_requests = AccessRequest.objects.filter(
        organisation_id=snapshot.organisation_id,
        system_id=snapshot.system_id,
        kind=RequestKind.REMOVE,
        status__in=(RequestStatus.APPROVED, RequestStatus.DONE),
        confirmed_by_snapshot__isnull=True,
    ).exclude(account_id="")
    listed = Account.objects.filter(snapshot=snapshot).values("account_id")
    gone = open_requests.exclude(account_id__in=listed)
    now = timezone.now()
    count = 0
    for request in gone.select_for_update():
        before = request.status
        request.confirmed_by_snapshot = snapshot
        if request.status == RequestStatus.APPROVED:
            request.status = RequestStatus.DONE
            request.done_at = now
        request.save()
        count += 1
        record(
            actor=snapshot.imported_by,
            action="access.accessrequest.confirmed",
            obj=request,
            changes={
                "confirmed_by_snapshot": [None, snapshot.pk],
                "status": [before, request.status],
            },
        )
    return count


# --- campaigns -----------------------------------------------------------------------------
def unit_managers(organisation_id: int) -> dict[int, int]:
    """Each unit's manager, from the memberships: the member of the unit who manages the
    most people; else the manager most of the unit's people have; else the parent
    unit's."""
    rows = list(
        Membership.objects.active()
        .filter(organisation_id=organisation_id)
        .values_list("user_id", "unit_id", "manager_id")
    )
    reports = Counter(manager_id for _user, _unit, manager_id in rows if manager_id is not None)
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for user_id, unit_id, _manager in rows:
        if unit_id is not None and reports.get(user_id):
            # A member of the unit who manages people weighs more than any number of others.
            counts[unit_id][user_id] += 10_000 * reports[user_id]
    for _user, unit_id, manager_id in rows:
        if unit_id is not None and manager_id is not None:
            counts[unit_id][manager_id] += 1
    parents = dict(
        Unit.objects.filter(organisation_id=organisation_id).values_list("pk", "parent_id")
    )
    result: dict[int, int] = {}
    for unit_id in parents:
        node: int | None = unit_id
        depth = 0
        while node is not None and depth < 30:
            if counts.get(node):
                result[unit_id] = counts[node].most_common(1)[0][0]
                break
            node = parents.get(node)
            depth += 1
    return result


def campaign_create(
    *,
    actor: Any,
    snapshot: Snapshot,
    season: str,
    year: int,
    due_on: dt.date | None = None,
    name: str = "",
    send: bool = True,
) -> Campaign:
    """A campaign of the snapshot, split into one list per unit (to the unit's manager)
    and one list per unit of the accounts with access to protected identities (to be
    prepared and sent by the controller)."""
    if snapshot.status != SnapshotStatus.DONE:
        raise ValidationError(_("Only an imported snapshot can be reviewed."))
    settings = settings_for(snapshot.organisation, snapshot.system)
    if due_on is None:
        due_on = settings.due_on(season, year) if season != Season.OTHER else today()
    season_label = dict(Season.choices)[season]
    campaign = Campaign(
        organisation=snapshot.organisation,
        system=snapshot.system,
        snapshot=snapshot,
        season=season,
        year=year,
        due_on=due_on,
        controller=actor,
        name=(name or f"{snapshot.system.name} {season_label} {year}")[:200],
    )
    _require(actor, "access.add_campaign", campaign, "add")
    with transaction.atomic():
        campaign.save()
        lists = split(campaign, settings.inactive_days)
        record(
            actor=actor,
            action="access.campaign.created",
            obj=campaign,
            changes={
                **diff({}, audit_snapshot(campaign)),
                "lists": [None, len(lists)],
                "accounts": [None, snapshot.account_count],
            },
        )
        if send:
            for review_list in lists:
                if review_list.kind == ListKind.UNIT and review_list.reviewer_id:
                    engine.take(review_list, "send", actor=actor)
    return campaign


@gc_paused()
def split(
    campaign: Campaign, inactive_days: int = 90, on: dt.date | None = None
) -> list[ReviewList]:
    """The campaign's lists and their items with hints, written in bulk: one list per
    unit (accounts without a known unit grouped by the unit name of the export) and one
    per unit of its accounts with access to protected identities.

    Hints: no login since `inactive_days` (or never); no matched person; the person has
    no active membership of the organisation ("left") or none in the account's unit
    ("moved"); the person has more than one
    account; access to protected identities; on a unit's list, roles that fewer than
    `UNUSUAL_SHARE` of the list's accounts have."""
    day = on or today()
    organisation_id = campaign.organisation_id
    accounts = list(
        Account.objects.filter(snapshot_id=campaign.snapshot_id)
        .order_by("unit_name", "name", "pk")
        .values_list(
            "pk", "unit_id", "unit_name", "roles", "protected_access", "last_login", "person_id"
        )
    )
    # The unit of each person's active membership (None: a membership without unit).
    active_units: dict[int, set[int | None]] = defaultdict(set)
    for user_id, unit_id in (
        Membership.objects.filter(organisation_id=organisation_id)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("user_id", "unit_id")
    ):
        active_units[user_id].add(unit_id)
    per_person = Counter(a[6] for a in accounts if a[6] is not None)
    groups: dict[tuple[Any, str], list[tuple[Any, ...]]] = defaultdict(list)
    for account in accounts:
        groups[(account[1], account[2] if account[1] is None else "")].append(account)
    managers = unit_managers(organisation_id)
    unit_names = dict(
        Unit.objects.filter(organisation_id=organisation_id).values_list("pk", "name")
    )
    cutoff = day - dt.timedelta(days=inactive_days)

    lists: list[ReviewList] = []
    members: list[list[tuple[Any, ...]]] = []
    for (unit_id, unit_name), group in sorted(
        groups.items(), key=lambda g: unit_names.get(g[0][0], g[0][1]) if g[0][0] else g[0][1]
    ):
        name = unit_names.get(unit_id, "") if unit_id else unit_name
        reviewer = managers.get(unit_id) if unit_id else None
        lists.append(
            ReviewList(
                campaign=campaign,
                kind=ListKind.UNIT,
                unit_id=unit_id,
                unit_name=name[:200],
                reviewer_id=reviewer,
                account_count=len(group),
            )
        )
        members.append(group)
        protected = [a for a in group if a[4]]
        if protected:
            lists.append(
                ReviewList(
                    campaign=campaign,
                    kind=ListKind.PROTECTED,
                    unit_id=unit_id,
                    unit_name=name[:200],
                    reviewer_id=reviewer,
                    account_count=len(protected),
                )
            )
            members.append(protected)
    ReviewList.objects.bulk_create(lists, batch_size=1000)
    rows: list[tuple[Any, ...]] = []
    for review_list, group in zip(lists, members, strict=True):
        is_unit_list = review_list.kind == ListKind.UNIT
        role_counts: Counter[str] = Counter()
        if is_unit_list:
            role_counts.update(r for account in group for r in account[3].split("|") if r)
        limit = UNUSUAL_SHARE * len(group)
        for pk, unit_id, _name, roles, protected, last_login, person_id in group:
            hints = []
            if last_login is None or last_login < cutoff:
                hints.append("no_login")
            if person_id is None:
                hints.append("unmatched")
            else:
                units = active_units.get(person_id)
                if not units:
                    hints.append("left")
                elif unit_id is not None and None not in units and unit_id not in units:
                    hints.append("moved")
                if per_person[person_id] > 1:
                    hints.append("duplicate")
            if protected:
                hints.append("protected")
            # Peer comparison on the unit's list only (a protected list is a subset).
            unusual = (
                [r for r in roles.split("|") if r and role_counts[r] < limit]
                if is_unit_list
                else []
            )
            if unusual:
                hints.append("unusual_roles")
            rows.append((review_list.pk, pk, ",".join(hints), "|".join(unusual)[:300], "", "", ""))
    snapshots.bulk_insert(
        ReviewItem,
        (
            "review_list_id",
            "account_id",
            "hints",
            "unusual_roles",
            "verdict",
            "new_roles",
            "comment",
        ),
        rows,
    )
    return lists


def reviewer_set(*, actor: Any, review_list: ReviewList, reviewer: Any) -> ReviewList:
    """The controller chooses who reviews a list (before it is sent)."""
    _require(actor, "access.change_reviewlist", review_list, "assign")
    if review_list.status != ListStatus.DRAFT:
        raise ValidationError(_("Only a list that has not been sent can get another reviewer."))
    if (
        reviewer is None
        or not Membership.objects.active()
        .filter(user=reviewer, organisation_id=review_list.campaign.organisation_id)
        .exists()
    ):
        raise ValidationError({"reviewer": _("The reviewer must be a member of the organisation.")})
    with transaction.atomic():
        before = review_list.reviewer_id
        review_list.reviewer = reviewer
        review_list.save(update_fields=["reviewer"])
        record(
            actor=actor,
            action="access.reviewlist.updated",
            obj=review_list,
            changes={"reviewer": [before, reviewer.pk]},
        )
    return review_list


def _lock_list(actor: Any, review_list: ReviewList, verb: str) -> ReviewList:
    Campaign.objects.select_for_update().filter(pk=review_list.campaign_id).exists()
    fresh = ReviewList.objects.select_for_update().select_related("campaign").get(pk=review_list.pk)
    _require(actor, "access.review_reviewlist", fresh, verb)
    return fresh


def verdicts_give(
    *, actor: Any, review_list: ReviewList, verdicts: dict[int, dict[str, str]]
) -> int:
    """Verdicts on accounts of one list: {item id: {verdict, new_roles, comment}}.
    All or nothing; an item of another list is refused."""
    errors: list[str] = []
    for values in verdicts.values():
        verdict = values.get("verdict", "")
        if verdict not in Verdict.values and verdict != "":
            errors.append(_("Choose keep, remove or change."))
        if verdict == Verdict.CHANGE and not values.get("new_roles", "").strip():
            errors.append(_("Say which roles the account should have instead."))
    if errors:
        raise ValidationError(sorted(set(errors)))
    with transaction.atomic():
        fresh = _lock_list(actor, review_list, "decide")
        items = {
            item.pk: item
            for item in ReviewItem.objects.select_for_update().filter(
                review_list=fresh, pk__in=list(verdicts)
            )
        }
        if set(items) != set(verdicts):
            _refuse(actor, fresh, "decide")
        now = timezone.now()
        changed = 0
        for item_id, values in verdicts.items():
            item = items[item_id]
            new = (
                values.get("verdict", ""),
                values.get("new_roles", "").strip()[:300],
                values.get("comment", "").strip()[:500],
            )
            old = (item.verdict, item.new_roles, item.comment)
            if new == old:
                continue
            item.verdict, item.new_roles, item.comment = new
            item.decided_by = actor if new[0] else None
            item.decided_at = now if new[0] else None
            changed += 1
            record(
                actor=actor,
                action="access.reviewitem.decided",
                obj=item,
                changes={
                    k: [o, n]
                    for k, o, n in zip(("verdict", "new_roles", "comment"), old, new, strict=True)
                    if o != n
                },
            )
        ReviewItem.objects.bulk_update(
            [items[i] for i in verdicts],
            ["verdict", "new_roles", "comment", "decided_by", "decided_at"],
        )
    return changed


def list_without_remark(*, actor: Any, review_list: ReviewList, comment: str = "") -> ReviewList:
    """The whole list is correct ("utan anmärkning"): every account kept, reported back."""
    with transaction.atomic():
        fresh = _lock_list(actor, review_list, "without_remark")
        if fresh.items.exclude(verdict__in=("", Verdict.KEEP)).exists():  # type: ignore[attr-defined]  # reverse relation
            raise ValidationError(
                _("The list has verdicts to remove or change accounts: report it back instead.")
            )
        now = timezone.now()
        kept = fresh.items.filter(verdict="").update(  # type: ignore[attr-defined]  # reverse relation
            verdict=Verdict.KEEP, decided_by=actor, decided_at=now
        )
        fresh.without_remark = True
        fresh.comment = comment.strip()
        fresh.save(update_fields=["without_remark", "comment"])
        record(
            actor=actor,
            action="access.reviewlist.without_remark",
            obj=fresh,
            changes={"without_remark": [False, True], "kept": [None, kept]},
        )
        engine.take(fresh, "submit", actor=actor, comment=comment)
    return fresh


def removal_requests_create(*, actor: Any, campaign: Campaign) -> int:
    """The controller turns the reported remove and change verdicts into requests. The
    manager's verdict is the reason, not the decision: like any request, each one is
    decided by the object owner (or system owner) of the organisation, who is told, and
    executed by the system administrator (seed 000 4.5.2-4.5.3)."""
    _require(actor, "access.change_campaign", campaign, "removal_requests")
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).exists()
        items = (
            ReviewItem.objects.filter(
                review_list__campaign=campaign,
                review_list__status=ListStatus.SUBMITTED,
                verdict__in=(Verdict.REMOVE, Verdict.CHANGE),
            )
            .exclude(requests__isnull=False)
            .select_related("account", "decided_by")
        )
        made = 0
        for item in items:
            account = item.account
            request = AccessRequest.objects.create(
                organisation=campaign.organisation,
                system=campaign.system,
                kind=RequestKind.REMOVE if item.verdict == Verdict.REMOVE else RequestKind.GRANT,
                person_id=account.person_id,
                account_id=account.account_id,
                person_name=account.name,
                roles=item.new_roles
                if item.verdict == Verdict.CHANGE
                else account.roles.replace("|", ", "),
                reason=item.comment,
                review_item=item,
                status=RequestStatus.REQUESTED,
                requested_by=actor,
            )
            made += 1
            record(
                actor=actor,
                action="access.accessrequest.created",
                obj=request,
                changes={**diff({}, audit_snapshot(request)), "campaign": [None, campaign.pk]},
            )
            _tell_owners(request, actor)
    return made


def campaign_sign(*, actor: Any, campaign: Campaign, comment: str = "") -> Campaign:
    """Sign the campaign (refused, changing nothing, while it is incomplete)."""
    engine.take(campaign, "sign", actor=actor, comment=comment)
    campaign.refresh_from_db()
    return campaign


# --- access requests ------------------------------------------------------------------------
def access_request_create(*, actor: Any, data: dict[str, Any]) -> AccessRequest:
    request = AccessRequest(
        organisation=data["organisation"],
        system=data["system"],
        kind=data.get("kind") or RequestKind.GRANT,
        person=data.get("person"),
        account_id=data.get("account_id", "") or "",
        person_name=data.get("person_name", "") or "",
        access_role=data.get("access_role"),
        roles=data.get("roles", "") or "",
        reason=data.get("reason", "") or "",
        requested_by=actor,
    )
    if request.person is not None and not request.person_name:
        request.person_name = str(request.person)[:200]
    if request.person is None and not request.account_id:
        raise ValidationError({"person": _("Choose the person or give the account id.")})
    if request.access_role is None and not request.roles.strip():
        raise ValidationError({"access_role": _("Choose the access role or write the roles.")})
    errors: dict[str, Any] = {}
    if (
        request.person is not None
        and not Membership.objects.active()
        .filter(user=request.person, organisation=request.organisation)
        .exists()
    ):
        errors["person"] = _("The person must be a member of the organisation of the request.")
    from forvalta.register.models import Service

    role = request.access_role
    if role is not None and not (
        role.system_id == request.system.pk
        or (
            role.service_id is not None
            and Service.systems.through.objects.filter(
                service_id=role.service_id, system_id=request.system.pk
            ).exists()
        )
    ):
        errors["access_role"] = _("The access role is not one of this system's.")
    if errors:
        raise ValidationError(errors)
    _require(actor, "access.add_accessrequest", request, "add")
    with transaction.atomic():
        request.save()
        record(
            actor=actor,
            action="access.accessrequest.created",
            obj=request,
            changes=diff({}, audit_snapshot(request)),
        )
        _tell_owners(request, actor)
    return request


def _tell_owners(request: AccessRequest, actor: Any) -> None:
    """The object and system owners who decide the request are told of it."""
    for owner in role_holders(
        request.organisation, request.system, ("object_owner", "system_owner")
    ):
        if owner.pk != actor.pk:
            notify(
                owner,
                "decision_waiting",
                organisation=request.organisation,
                link=request.get_absolute_url(),
                obj=request,
            )


def role_holders(organisation: Any, system: Any, codes: tuple[str, ...]) -> list[Any]:
    """The people holding one of the roles for the organisation on the system (or on a
    service of it), today."""
    from forvalta.core.models import User
    from forvalta.register.models import RoleAssignment

    holders = (
        RoleAssignment.objects.active()
        .filter(role_type__code__in=codes, organisation=organisation)
        .filter(Q(system=system) | Q(service__systems=system))
        .values("person_id")
    )
    return list(User.objects.filter(pk__in=holders, is_active=True).order_by("pk"))


# --- deviations and sign-off ---------------------------------------------------------------
def deviation_create(*, actor: Any, data: dict[str, Any]) -> Deviation:
    deviation = Deviation(raised_by=actor, **data)
    if deviation.campaign is not None:
        deviation.organisation = deviation.campaign.organisation
        deviation.system = deviation.campaign.system
        if deviation.campaign.is_signed:
            raise ValidationError(_("The review is signed and can no longer change."))
    elif deviation.account is not None:
        deviation.organisation = deviation.account.snapshot.organisation
        deviation.system = deviation.account.snapshot.system
    deviation.full_clean()
    _require(actor, "access.add_deviation", deviation, "add")
    with transaction.atomic():
        deviation.save()
        record(
            actor=actor,
            action="access.deviation.created",
            obj=deviation,
            changes=diff({}, audit_snapshot(deviation)),
        )
    return deviation


# The fields of a deviation that change after it is raised (not what it is about).
DEVIATION_FIELDS = (
    "description",
    "is_personal_data_incident",
    "assessment",
    "incident_reference",
    "incident_url",
)


def deviation_update(*, actor: Any, instance: Deviation, data: dict[str, Any]) -> Deviation:
    """Edit a deviation (the controller, as for raising it); one of a signed review no
    longer changes. The review, account, organisation and system stay as raised."""
    with transaction.atomic():
        fresh = Deviation.objects.select_for_update().get(pk=instance.pk)
        refused = None
        if not actor.has_perm("access.change_deviation", fresh):
            refused = fresh
        else:
            before = audit_snapshot(fresh)
            for name in DEVIATION_FIELDS:
                if name in data:
                    setattr(fresh, name, data[name])
            fresh.full_clean()
            fresh.save()
            changes = diff(before, audit_snapshot(fresh))
            if changes:
                record(actor=actor, action="access.deviation.updated", obj=fresh, changes=changes)
    if refused is not None:
        _refuse(actor, refused, "change")
    return fresh


def deviation_history(deviation: Deviation) -> Any:
    """The deviation's own changes (raised, edited) from the audit trail, newest first.
    For those who see the deviation: its events carry nothing they do not see on it."""
    from forvalta.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=object_type_of(deviation),
        object_id=str(deviation.pk),
        action__in=("access.deviation.created", "access.deviation.updated"),
    ).order_by("-occurred_at", "-id")


# Parts that build on access add conditions to the year's sign-off: each a function
# (organisation, system, year) -> {label: done} merged into `year_status` (e.g. log
# review: every quarter with a sampling schedule has a round done), so access never
# imports them.
YEAR_STATUS_PARTS: list[Callable[[Any, Any, int], dict[str, bool]]] = []


def year_status(organisation: Any, system: Any, year: int) -> dict[str, bool]:
    signed = set(
        Campaign.objects.filter(
            organisation=organisation, system=system, year=year, status=CampaignStatus.SIGNED
        ).values_list("season", flat=True)
    )
    status: dict[str, bool] = {
        Season.SPRING: Season.SPRING in signed,
        Season.AUTUMN: Season.AUTUMN in signed,
    }
    for part in YEAR_STATUS_PARTS:
        status.update(part(organisation, system, year))
    return status


def year_sign(
    *, actor: Any, organisation: Any, system: Any, year: int, comment: str = ""
) -> YearSignOff:
    """The process owner signs the year once both campaigns are signed."""
    signoff = YearSignOff(
        organisation=organisation, system=system, year=year, signed_by=actor, comment=comment
    )
    _require(actor, "access.add_yearsignoff", signoff, "sign")
    status = year_status(organisation, system, year)
    if not (status[Season.SPRING] and status[Season.AUTUMN]):
        raise ValidationError(
            _("The year can be signed once both the spring and the autumn review are signed.")
        )
    missing = [str(label) for label, done in status.items() if not done]
    if missing:
        raise ValidationError(
            _("The year can be signed once these controls are done: %(missing)s.")
            % {"missing": "; ".join(missing)}
        )
    signoff.validate_constraints()
    with transaction.atomic():
        signoff.save()
        record(
            actor=actor,
            action="access.yearsignoff.created",
            obj=signoff,
            changes=diff({}, audit_snapshot(signoff)),
        )
    return signoff


# --- reminders and escalation -----------------------------------------------------------------
def escalate_overdue(on: dt.date | None = None) -> int:
    """Lists sent and not reported back after the campaign's due date go to the
    reviewer's own manager too (once)."""
    day = on or today()
    overdue = ReviewList.objects.filter(
        status=ListStatus.SENT,
        escalated_to__isnull=True,
        reviewer__isnull=False,
        campaign__status=CampaignStatus.OPEN,
        campaign__due_on__lt=day,
    ).select_related("campaign", "reviewer")
    count = 0
    for review_list in overdue:
        manager_id = (
            Membership.objects.active(day)
            .filter(
                user_id=review_list.reviewer_id,
                organisation_id=review_list.campaign.organisation_id,
                manager__isnull=False,
            )
            .values_list("manager_id", flat=True)
            .first()
        )
        if manager_id is None:
            continue
        with transaction.atomic():
            updated = ReviewList.objects.filter(
                pk=review_list.pk, escalated_to__isnull=True
            ).update(escalated_to_id=manager_id)
            if not updated:
                continue
            review_list.escalated_to_id = manager_id
            record(
                actor=None,
                action="access.reviewlist.escalated",
                obj=review_list,
                changes={"escalated_to": [None, manager_id]},
            )
            notify(
                review_list.escalated_to,
                "access_review_escalated",
                organisation=review_list.campaign.organisation,
                link=review_list.get_absolute_url(),
                obj=review_list,
                key=f"access-escalated-{review_list.pk}",
            )
            count += 1
    return count


def scheduled_campaigns(on: dt.date | None = None) -> int:
    """Create the campaigns due within each scheduled setting's lead days, from the
    latest imported snapshot, once per organisation, system, season and year (a campaign
    made by hand for that season counts). The campaign's year is its due date's (a
    spring review due next year is created in December when the lead days reach it).
    Idempotent: each setting is locked while its campaigns are checked and made. One
    setting that cannot be served (no snapshot, no controller who may still run
    reviews) does not stop the others."""
    day = on or today()
    made = 0
    for settings in (
        AccessSettings.objects.filter(scheduled=True)
        .select_related("organisation", "system")
        .order_by("pk")
    ):
        for year in (day.year, day.year + 1):
            for season in (Season.SPRING, Season.AUTUMN):
                try:
                    due = settings.due_on(season, year)
                except ValueError:
                    continue
                if not (day <= due <= day + dt.timedelta(days=settings.lead_days)):
                    continue
                if _scheduled_campaign(settings, season, due):
                    made += 1
    return made


def _scheduled_campaign(settings: AccessSettings, season: str, due: dt.date) -> bool:
    with transaction.atomic():
        AccessSettings.objects.select_for_update().filter(pk=settings.pk).exists()
        if Campaign.objects.filter(
            organisation=settings.organisation,
            system=settings.system,
            season=season,
            year=due.year,
        ).exists():
            return False
        snapshot = (
            Snapshot.objects.filter(
                organisation=settings.organisation,
                system=settings.system,
                status=SnapshotStatus.DONE,
            )
            .order_by("-taken_on", "-pk")
            .first()
        )
        controller = _controller_of(settings)
        if snapshot is None or controller is None:
            return False
        campaign_create(
            actor=controller, snapshot=snapshot, season=season, year=due.year, due_on=due
        )
    return True


def _controller_of(settings: AccessSettings) -> Any:
    """The first of the organisation's controllers of the system who may still create
    a campaign (active, a member, the role in force)."""
    from forvalta.register.models import RoleAssignment

    assignments = (
        RoleAssignment.objects.active()
        .filter(
            role_type__code="access_controller",
            organisation=settings.organisation,
            person__is_active=True,
        )
        .filter(Q(system=settings.system) | Q(service__systems=settings.system))
        .select_related("person")
        .order_by("pk")
    )
    probe = Campaign(organisation=settings.organisation, system=settings.system)
    for assignment in assignments:
        if assignment.person.has_perm("access.add_campaign", probe):
            return assignment.person
    return None
