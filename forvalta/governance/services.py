"""Every write of governance: checks the rule, saves, records the audit event.

Meetings change state through the workflow engine (`workflows.py`); numbering of
paragraphs and decisions locks the body's row so two writers never take one number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, record, snapshot
from forvalta.core.controls import control_fulfilled
from forvalta.core.models import Membership
from forvalta.core.services import crud_services
from forvalta.core.tenancy import forget_scope
from forvalta.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    CirculationResult,
    CirculationRule,
    CirculationStatus,
    Decision,
    DecisionKind,
    DecisionMadeBy,
    Meeting,
    MeetingDocument,
    MeetingStatus,
    MinutesApproval,
    MinutesVersion,
    Paragraph,
    Vote,
    VoteChoice,
)
from forvalta.governance.selectors import counted_votes, current_members, people_of, voting_seat
from forvalta.notifications.services import notify
from forvalta.register.models import Participation, ParticipationStatus
from forvalta.workflow import engine

_body_create, body_update, body_delete = crud_services(Body)
_agenda_item_create, _agenda_item_update, agenda_item_delete = crud_services(AgendaItem)
document_create, document_update, document_delete = crud_services(MeetingDocument)
adjoined_create, _adjoined_update, adjoined_delete = crud_services(BodyAdjoined)


def _refuse(actor: Any, obj: Any, verb: str) -> None:
    forget_scope(actor)
    record(
        actor=actor,
        action="access.denied",
        obj=obj if obj is not None and obj.pk else None,
        object_type=object_type_of(obj),
        object_repr=str(obj)[:300] if obj is not None and obj.pk else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


# --- bodies ---------------------------------------------------------------------------------
def _owner_of(data: dict[str, Any]) -> Any:
    target = data.get("service") or data.get("management_object")
    return target.owner_organisation if target is not None else None


def body_create(*, actor: Any, data: dict[str, Any]) -> Body:
    """A body of an object or a service, owned by the target's owner organisation."""
    return _body_create(actor=actor, data={**data, "organisation": _owner_of(data)})


def body_change(*, actor: Any, instance: Body, data: dict[str, Any]) -> Body:
    owner = _owner_of(data)
    if owner is not None:
        data = {**data, "organisation": owner}
    return body_update(actor=actor, instance=instance, data=data)


def takes_part(body: Body, organisation_id: int) -> bool:
    """The organisation owns the body's target or takes part in its service (for an
    object's body: in one of the object's services)."""
    if organisation_id == body.organisation_id:
        return True
    participations = (
        Participation.objects.active()
        .filter(organisation_id=organisation_id)
        .exclude(status__in=[ParticipationStatus.APPLIED, ParticipationStatus.ENDED])
    )
    if body.service_id:
        return participations.filter(service_id=body.service_id).exists()
    return participations.filter(service__management_object_id=body.management_object_id).exists()


def _person_of(person: Any, organisation_id: int) -> bool:
    return (
        person is None
        or Membership.objects.active()
        .filter(user_id=person.pk, organisation_id=organisation_id)
        .exists()
    )


def _check_member(member: BodyMember) -> None:
    errors: dict[str, Any] = {}
    if member.organisation_id and not takes_part(member.body, member.organisation_id):
        errors["organisation"] = _(
            "A member organisation must take part in the body's service or object."
        )
    for field in ("representative", "substitute"):
        person = getattr(member, field)
        if member.organisation_id and not _person_of(person, member.organisation_id):
            errors[field] = _("The person must belong to the member organisation.")
    if (
        member.representative_id
        and member.representative_id == member.substitute_id
        and "substitute" not in errors
    ):
        errors["substitute"] = _("The substitute cannot be the representative.")
    if errors:
        raise ValidationError(errors)


def member_add(*, actor: Any, data: dict[str, Any]) -> BodyMember:
    member = BodyMember(
        body=data["body"],
        organisation=data["organisation"],
        representative=data.get("representative"),
        substitute=data.get("substitute"),
    )
    member.full_clean()
    _check_member(member)
    if not actor.has_perm("governance.add_bodymember", member):
        _refuse(actor, member.body, "add member")
    with transaction.atomic():
        member.save()
        record(
            actor=actor,
            action="governance.bodymember.created",
            obj=member,
            changes=diff({}, snapshot(member)),
        )
    return member


def member_update(*, actor: Any, instance: BodyMember, data: dict[str, Any]) -> BodyMember:
    """Representative, substitute and objection to circulation: by those who run the
    body, or by the member organisation's administrator (who nominates its own)."""
    allowed_fields = {"representative", "substitute", "objects_to_circulation"}
    with transaction.atomic():
        fresh = BodyMember.objects.select_for_update().select_related("body").get(pk=instance.pk)
        allowed = actor.has_perm("governance.change_bodymember", fresh)
        if allowed:
            before = snapshot(fresh)
            for name, value in data.items():
                if name in allowed_fields:
                    setattr(fresh, name, value)
            fresh.full_clean()
            _check_member(fresh)
            fresh.save()
            changes = diff(before, snapshot(fresh))
            if changes:
                record(
                    actor=actor, action="governance.bodymember.updated", obj=fresh, changes=changes
                )
    if not allowed:
        _refuse(actor, instance, "update")
    return fresh


def member_end(*, actor: Any, instance: BodyMember, on: dt.date | None = None) -> BodyMember:
    from forvalta.core.models import today

    if not actor.has_perm("governance.delete_bodymember", instance):
        _refuse(actor, instance, "end")
    with transaction.atomic():
        fresh = BodyMember.objects.select_for_update().get(pk=instance.pk)
        fresh.ended_on = on or today()
        fresh.save(update_fields=["ended_on", "updated_at"])
        record(
            actor=actor,
            action="governance.bodymember.ended",
            obj=fresh,
            changes={"ended_on": [None, fresh.ended_on.isoformat()]},
        )
    return fresh


# --- what an agenda item or paragraph concerns ------------------------------------------------
def _check_concern(actor: Any, data: dict[str, Any], current: Any = None) -> None:
    """A new reference must name a row of a declared kind that the actor sees (the
    form checks this too; the service holds the rule for every caller)."""
    from forvalta.governance import concerns

    kind = data.get("concerns_type")
    pk = data.get("concerns_id")
    if current is not None and (
        getattr(kind, "pk", kind) == current.concerns_type_id and pk == current.concerns_id
    ):
        return
    if kind is None and pk is None:
        return
    model = kind.model_class() if kind is not None else None
    key = f"{model._meta.app_label}.{model._meta.model_name}:{pk}" if model and pk else ""
    if concerns.resolve(actor, key) is None:
        raise ValidationError(
            {
                "concerns": _(
                    "The chosen item cannot be linked. Search and choose one from the list."
                )
            }
        )


def agenda_item_create(*, actor: Any, data: dict[str, Any]) -> AgendaItem:
    _check_concern(actor, data)
    return _agenda_item_create(actor=actor, data=data)


def agenda_item_update(*, actor: Any, instance: AgendaItem, data: dict[str, Any]) -> AgendaItem:
    # scoping: allowed compares with the stored reference of a row the view fetched
    stored = AgendaItem.objects.filter(pk=instance.pk).first()
    _check_concern(actor, data, stored)
    return _agenda_item_update(actor=actor, instance=instance, data=data)


# --- meetings -------------------------------------------------------------------------------
def meetings_plan(*, actor: Any, data: dict[str, Any]) -> list[Meeting]:
    """Plan several meetings at once (a year's dates): one per start time."""
    body: Body = data["body"]
    starts: list[dt.datetime] = data["starts"]
    duration: dt.timedelta | None = data.get("duration")
    meetings = [
        Meeting(
            body=body,
            title=data.get("title", ""),
            starts_at=start,
            ends_at=start + duration if duration else None,
            place=data.get("place", ""),
            video_link=data.get("video_link", ""),
        )
        for start in starts
    ]
    if not meetings:
        raise ValidationError({"starts": _("Give at least one date.")})
    for meeting in meetings:
        meeting.full_clean()
    if not actor.has_perm("governance.add_meeting", meetings[0]):
        _refuse(actor, body, "plan meetings")
    with transaction.atomic():
        for meeting in meetings:
            meeting.save()
            record(
                actor=actor,
                action="governance.meeting.created",
                obj=meeting,
                changes=diff({}, snapshot(meeting)),
            )
    return meetings


# --- the meeting rhythm -----------------------------------------------------------------------
RHYTHM_FIELDS = (
    "rhythm",
    "rhythm_interval",
    "rhythm_weekday",
    "rhythm_week_of_month",
    "rhythm_time",
    "rhythm_minutes",
    "rhythm_from",
    "rhythm_until",
    "rhythm_place",
    "rhythm_video_link",
    "rhythm_days_ahead",
)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The nth (1-4, or -1: the last) weekday of a month."""
    import calendar

    if nth > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def rhythm_dates(body: Body, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates of the body's rhythm from `start` to `end` (both included), counted from
    the rhythm's first date (every N weeks keeps its beat; a monthly or quarterly rhythm
    takes the first, second ... or last weekday of its months)."""
    from forvalta.governance.models import Rhythm

    if not body.rhythm or body.rhythm_weekday is None or body.rhythm_from is None:
        return []
    start = max(start, body.rhythm_from)
    if body.rhythm_until is not None:
        end = min(end, body.rhythm_until)
    if (
        start > end or end.year > 2100
    ):  # nothing to make (and no date arithmetic at the end of time)
        return []
    dates: list[dt.date] = []
    if body.rhythm == Rhythm.WEEKS:
        offset = (body.rhythm_weekday - body.rhythm_from.weekday()) % 7
        first = body.rhythm_from + dt.timedelta(days=offset)
        step = 7 * max(body.rhythm_interval, 1)
        skip = max(0, -(-(start - first).days // step))
        day = first + dt.timedelta(days=skip * step)
        while day <= end:
            dates.append(day)
            day += dt.timedelta(days=step)
        return dates
    step = 3 if body.rhythm == Rhythm.QUARTERLY else 1
    nth = body.rhythm_week_of_month or 1
    base = body.rhythm_from.year * 12 + body.rhythm_from.month - 1
    month = base + max(0, (start.year * 12 + start.month - 1 - base) // step) * step
    while dt.date(month // 12, month % 12 + 1, 1) <= end:
        day = _nth_weekday(month // 12, month % 12 + 1, body.rhythm_weekday, nth)
        if start <= day <= end:
            dates.append(day)
        month += step
    return dates


def _closed_on(calendar: Any, day: dt.date) -> bool:
    """A public holiday (or a day the owner organisation's calendar closes)."""
    from forvalta.businesscalendar.calendar import holiday_name

    if day in calendar.special:
        return not calendar.special[day]
    return day in calendar.closed or holiday_name(day) is not None


def plan_recurring(
    *, actor: Any = None, body: Body | None = None, now: dt.datetime | None = None
) -> list[Meeting]:
    """Create the meetings of every body with a rhythm (or of one body) for the dates
    from now to its days ahead (not past its end date), skipping public holidays and
    the days its owner's calendar closes. Idempotent: a date that already has its
    meeting (even moved or cancelled) is left alone, so running twice creates nothing
    more. Each meeting created is recorded (by the actor, or by the system)."""
    from django.db import IntegrityError

    from forvalta.businesscalendar.selectors import calendar_for

    now = now or timezone.now()
    today = timezone.localdate(now)
    # scoping: allowed the scheduled task plans for every body that has a rhythm
    bodies = Body.objects.exclude(rhythm="").filter(
        rhythm_from__isnull=False, rhythm_weekday__isnull=False, rhythm_time__isnull=False
    )
    if body is not None:
        bodies = bodies.filter(pk=body.pk)
    zone = timezone.get_default_timezone()
    created: list[Meeting] = []
    for each in bodies.select_related("organisation"):
        end = today + dt.timedelta(days=each.rhythm_days_ahead)
        dates = rhythm_dates(each, today, end)
        if not dates:
            continue
        taken = set(
            Meeting.objects.filter(body=each, occurrence_on__in=dates).values_list(
                "occurrence_on", flat=True
            )
        )
        calendar = calendar_for(each.organisation_id)
        for day in dates:
            if day in taken or _closed_on(calendar, day):
                continue
            assert each.rhythm_time is not None
            starts = timezone.make_aware(dt.datetime.combine(day, each.rhythm_time), zone)
            if starts <= now:
                continue
            meeting = Meeting(
                body=each,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=each.rhythm_minutes)
                if each.rhythm_minutes
                else None,
                place=each.rhythm_place,
                video_link=each.rhythm_video_link,
                occurrence_on=day,
            )
            try:
                with transaction.atomic():
                    meeting.save()
                    record(
                        actor=actor,
                        action="governance.meeting.created",
                        obj=meeting,
                        changes={
                            **diff({}, snapshot(meeting)),
                            "occurrence_on": [None, day.isoformat()],
                            "rhythm": [None, each.rhythm],
                        },
                    )
            except IntegrityError:
                continue  # another run made it at the same moment
            created.append(meeting)
    return created


def body_set_rhythm(*, actor: Any, instance: Body, data: dict[str, Any]) -> Body:
    """Change the body's meeting rhythm (by those who set the body up), then create its
    meetings ahead at once. Meetings the old rhythm created that are still only
    planned, lie ahead and have no agenda or documents are removed when the new rhythm
    no longer has their date."""
    rhythm = {k: v for k, v in data.items() if k in RHYTHM_FIELDS}
    with transaction.atomic():
        saved = body_update(actor=actor, instance=instance, data=rhythm)
        now = timezone.now()
        keep = set(
            rhythm_dates(
                saved,
                timezone.localdate(now),
                timezone.localdate(now) + dt.timedelta(days=saved.rhythm_days_ahead),
            )
        )
        stale = (
            # scoping: allowed the body's own planned meetings, the actor may change it
            Meeting.objects.filter(
                body=saved,
                occurrence_on__isnull=False,
                status=MeetingStatus.PLANNED,
                starts_at__gt=now,
                agenda_items__isnull=True,
                documents__isnull=True,
            )
            .exclude(occurrence_on__in=keep)
            .distinct()
        )
        for meeting in list(stale):
            before = snapshot(meeting)
            text = str(meeting)
            meeting.delete()
            record(
                actor=actor,
                action="governance.meeting.deleted",
                object_type="governance.meeting",
                object_repr=text,
                object_id=str(before.get("id", "")),
                organisation=saved.organisation,
                changes=diff(before, {}),
                reason="rhythm changed",
            )
        plan_recurring(actor=actor, body=saved, now=now)
    return saved


def meeting_update(*, actor: Any, instance: Meeting, data: dict[str, Any]) -> Meeting:
    """Time, place, link and adjusters, until the minutes are approved."""
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().select_related("body").get(pk=instance.pk)
        allowed = actor.has_perm("governance.change_meeting", fresh)
        if allowed:
            if fresh.minutes_locked:
                raise ValidationError(
                    _("Approved minutes cannot be changed; open a new version of the minutes.")
                )
            before = snapshot(fresh)
            adjusters = data.pop("adjusters", None)
            for name, value in data.items():
                setattr(fresh, name, value)
            fresh.full_clean()
            fresh.save()
            changes = diff(before, snapshot(fresh))
            if adjusters is not None:
                old = sorted(fresh.adjusters.values_list("pk", flat=True))
                fresh.adjusters.set(adjusters)
                new = sorted(a.pk for a in adjusters)
                if old != new:
                    changes["adjusters"] = [old, new]
            if changes:
                record(actor=actor, action="governance.meeting.updated", obj=fresh, changes=changes)
    if not allowed:
        _refuse(actor, instance, "update")
    return fresh


def _take(meeting: Meeting, name: str, actor: Any, comment: str = "") -> Meeting:
    engine.take(meeting, name, actor=actor, comment=comment)
    return Meeting.objects.select_related("body").get(pk=meeting.pk)


def meeting_send_notice(*, actor: Any, meeting: Meeting, reason: str = "") -> Meeting:
    """Send the notice with agenda and documents to the members (inbox, e-mail, calendar
    feed). Later than the body's notice period only with a recorded reason."""
    if not actor.has_perm("governance.change_meeting", meeting):
        _refuse(actor, meeting, "send notice")
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
        from forvalta.governance.workflows import notice_is_late

        if notice_is_late(fresh):
            if not reason.strip():
                raise ValidationError(
                    {
                        "reason": _(
                            "The notice is later than the body's notice period of %(days)s "
                            "days: give the reason."
                        )
                        % {"days": fresh.body.notice_days}
                    }
                )
            Meeting.objects.filter(pk=fresh.pk).update(late_notice_reason=reason.strip())
            fresh.late_notice_reason = reason.strip()
        return _take(fresh, "send_notice", actor, comment=reason.strip())


def notify_notice(meeting: Meeting, actor: Any) -> None:
    for person in people_of(meeting.body):
        if actor is not None and person.pk == actor.pk:
            continue
        notify(
            person,
            "meeting_notice",
            organisation=meeting.body.organisation,
            link=meeting.get_absolute_url(),
            obj=meeting,
            key=f"meeting-notice-{meeting.pk}",
        )


def meeting_hold(*, actor: Any, meeting: Meeting) -> Meeting:
    """Mark the meeting held: the council-meeting control is fulfilled, and the decisions
    made by circulation since the previous meeting become its first paragraphs."""
    with transaction.atomic():
        return _take(meeting, "hold", actor)


def on_held(meeting: Meeting, actor: Any) -> None:
    """The workflow's effect of "hold" (inside its transaction)."""
    body = meeting.body
    control_fulfilled.send(
        sender=Meeting,
        kind="council_meeting",
        organisation=body.organisation,
        target=body.target,
        on=meeting.held_on,
        evidence=meeting,
    )
    place_circulations(meeting)


def _next_paragraph_number(body: Body, year: int) -> int:
    Body.objects.select_for_update().filter(pk=body.pk).exists()
    top = Paragraph.objects.filter(body_id=body.pk, year=year).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _next_decision_sequence(body: Body, year: int) -> int:
    Body.objects.select_for_update().filter(pk=body.pk).exists()
    top = Decision.objects.filter(body_id=body.pk, year=year).aggregate(n=Max("sequence"))["n"]
    return (top or 0) + 1


def place_circulations(meeting: Meeting) -> list[Paragraph]:
    """Each closed circulation of the body not yet in any minutes becomes a paragraph of
    this meeting ("Beslut fattade per capsulam sedan föregående möte")."""
    placed = []
    waiting = Circulation.objects.filter(
        body_id=meeting.body_id,
        status=CirculationStatus.CLOSED,
        paragraph__isnull=True,
        closed_at__lte=timezone.now(),
    ).order_by("closed_at", "pk")
    year = timezone.localtime(meeting.starts_at).year
    for circulation in waiting:
        decision = getattr(circulation, "decision", None)
        paragraph = Paragraph.objects.create(
            meeting=meeting,
            body_id=meeting.body_id,
            year=year,
            number=_next_paragraph_number(meeting.body, year),
            title=_("Decision by circulation since the previous meeting: %(title)s")
            % {"title": circulation.title},
            discussion=circulation_summary(circulation),
            decision_text=decision.text if decision is not None else "",
            decision_kind=circulation.kind,
        )
        circulation.paragraph = paragraph
        circulation.save(update_fields=["paragraph", "updated_at"])
        if decision is not None:
            decision.paragraph = paragraph
            decision.save(update_fields=["paragraph", "updated_at"])
        record(
            actor=None,
            action="governance.paragraph.created",
            obj=paragraph,
            changes={**diff({}, snapshot(paragraph)), "circulation": [None, circulation.pk]},
        )
        placed.append(paragraph)
    return placed


def circulation_summary(circulation: Circulation) -> str:
    votes = counted_votes(circulation)
    tally = {choice: 0 for choice in VoteChoice.values}
    for vote in votes.values():
        tally[vote.choice] += 1
    closed = timezone.localtime(circulation.closed_at).date() if circulation.closed_at else None
    return _(
        "Decided by circulation, closed %(closed)s: %(yes)s yes, %(no)s no, %(abstain)s "
        "abstaining. Result: %(result)s."
    ) % {
        "closed": closed.isoformat() if closed else "",
        "yes": tally[VoteChoice.YES],
        "no": tally[VoteChoice.NO],
        "abstain": tally[VoteChoice.ABSTAIN],
        "result": circulation.get_result_display(),
    }


def attendance_set(*, actor: Any, meeting: Meeting, data: dict[str, Any]) -> Attendance:
    """Add or change one person's attendance."""
    if not actor.has_perm("governance.change_meeting", meeting):
        _refuse(actor, meeting, "attendance")
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
        if fresh.minutes_locked:
            raise ValidationError(
                _("Approved minutes cannot be changed; open a new version of the minutes.")
            )
        row = Attendance.objects.filter(meeting=fresh, person=data["person"]).first()
        before = snapshot(row) if row is not None else {}
        row = row or Attendance(meeting=fresh, person=data["person"])
        row.organisation = data.get("organisation")
        row.status = data["status"]
        row.substitute_for = data.get("substitute_for")
        row.full_clean()
        row.save()
        record(
            actor=actor,
            action="governance.attendance.updated" if before else "governance.attendance.created",
            obj=row,
            changes=diff(before, snapshot(row)),
        )
    return row


def _unlocked_minutes(meeting: Meeting) -> None:
    if meeting.minutes_locked:
        raise ValidationError(
            _("Approved minutes cannot be changed; open a new version of the minutes.")
        )
    if meeting.status not in (MeetingStatus.HELD, MeetingStatus.MINUTES_DRAFTED):
        raise ValidationError(_("Minutes are written once the meeting is held."))


def _sync_decision(paragraph: Paragraph, actor: Any) -> None:
    """A paragraph with a decision is a decision of the body (made at the meeting)."""
    decision = Decision.objects.filter(paragraph_id=paragraph.pk).first()
    if not paragraph.decision_text.strip():
        if decision is not None and decision.made_by == DecisionMadeBy.MEETING:
            decision.delete()
        return
    meeting = paragraph.meeting
    day = meeting.held_on or timezone.localtime(meeting.starts_at).date()
    if decision is None:
        sequence = _next_decision_sequence(paragraph.body, day.year)
        decision = Decision(
            body_id=paragraph.body_id,
            year=day.year,
            sequence=sequence,
            number=f"{day.year}:{sequence}",
            made_by=DecisionMadeBy.MEETING,
            paragraph=paragraph,
            recorded_by=actor,
        )
    elif decision.made_by != DecisionMadeBy.MEETING:
        return  # a decision by circulation keeps its own text
    decision.decided_on = day
    decision.kind = paragraph.decision_kind or DecisionKind.OTHER
    decision.title = paragraph.title[:300]
    decision.text = paragraph.decision_text
    decision.confidential = paragraph.confidential
    decision.full_clean()
    decision.save()


def paragraph_create(*, actor: Any, data: dict[str, Any]) -> Paragraph:
    meeting: Meeting = data["meeting"]
    if not actor.has_perm("governance.change_meeting", meeting):
        _refuse(actor, meeting, "add paragraph")
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
        _unlocked_minutes(fresh)
        year = timezone.localtime(fresh.starts_at).year
        paragraph = Paragraph(
            meeting=fresh,
            body=fresh.body,
            year=year,
            number=_next_paragraph_number(fresh.body, year),
            title=data["title"],
            discussion=data.get("discussion", ""),
            decision_text=data.get("decision_text", ""),
            decision_kind=data.get("decision_kind", ""),
            confidential=bool(data.get("confidential")),
            concerns_type=data.get("concerns_type"),
            concerns_id=data.get("concerns_id"),
        )
        _check_concern(actor, data)
        paragraph.full_clean()
        paragraph.save()
        _sync_decision(paragraph, actor)
        record(
            actor=actor,
            action="governance.paragraph.created",
            obj=paragraph,
            changes=diff({}, snapshot(paragraph)),
        )
    return paragraph


PARAGRAPH_FIELDS = (
    "title",
    "discussion",
    "decision_text",
    "decision_kind",
    "confidential",
    "concerns_type",
    "concerns_id",
)


def paragraph_update(*, actor: Any, instance: Paragraph, data: dict[str, Any]) -> Paragraph:
    if not actor.has_perm("governance.change_meeting", instance.meeting):
        _refuse(actor, instance, "update")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=instance.meeting_id)
        _unlocked_minutes(meeting)
        fresh = Paragraph.objects.select_for_update().get(pk=instance.pk)
        _check_concern(actor, data, fresh)
        before = snapshot(fresh)
        for name in PARAGRAPH_FIELDS:
            if name in data:
                setattr(fresh, name, data[name])
        fresh.full_clean()
        fresh.save()
        _sync_decision(fresh, actor)
        changes = diff(before, snapshot(fresh))
        if changes:
            record(actor=actor, action="governance.paragraph.updated", obj=fresh, changes=changes)
    return fresh


def paragraph_delete(*, actor: Any, instance: Paragraph) -> None:
    if not actor.has_perm("governance.change_meeting", instance.meeting):
        _refuse(actor, instance, "delete")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=instance.meeting_id)
        _unlocked_minutes(meeting)
        if Circulation.objects.filter(paragraph_id=instance.pk).exists():
            raise ValidationError(_("A decision by circulation stays in the minutes."))
        Decision.objects.filter(paragraph_id=instance.pk, made_by=DecisionMadeBy.MEETING).delete()
        before = snapshot(instance)
        text = str(instance)
        instance.delete()
        record(
            actor=actor,
            action="governance.paragraph.deleted",
            object_type="governance.paragraph",
            object_repr=text,
            organisation=meeting.body.organisation if hasattr(meeting, "body") else None,
            changes=diff(before, {}),
        )


def minutes_submit(*, actor: Any, meeting: Meeting) -> Meeting:
    """Send the minutes to the adjusters for approval."""
    with transaction.atomic():
        return _take(meeting, "draft_minutes", actor)


def notify_adjusters(meeting: Meeting, actor: Any) -> None:
    for person in meeting.adjusters.all():
        if actor is not None and person.pk == actor.pk:
            continue
        notify(
            person,
            "minutes_to_approve",
            organisation=meeting.body.organisation,
            link=meeting.get_absolute_url(),
            obj=meeting,
            key=f"minutes-approve-{meeting.pk}-v{meeting.minutes_version}",
        )


def minutes_approve(*, actor: Any, meeting: Meeting) -> Meeting:
    """An adjuster approves the current version; with the last approval the minutes are
    approved (and can no longer be edited)."""
    if not actor.has_perm("governance.approve_meeting", meeting):
        _refuse(actor, meeting, "approve")
    with transaction.atomic():
        fresh = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
        if fresh.status != MeetingStatus.MINUTES_DRAFTED:
            raise ValidationError(_("The minutes are not waiting for approval."))
        _approval, created = MinutesApproval.objects.get_or_create(
            meeting=fresh, version=fresh.minutes_version, person=actor
        )
        if created:
            record(
                actor=actor,
                action="governance.meeting.minutes_approved_by",
                obj=fresh,
                changes={"approved_by": [None, actor.pk], "version": [None, fresh.minutes_version]},
            )
        from forvalta.governance.workflows import _all_approved

        if _all_approved(fresh) is None:
            return _take(fresh, "approve", actor)
    return fresh


def minutes_publish(*, actor: Any, meeting: Meeting) -> Meeting:
    with transaction.atomic():
        return _take(meeting, "publish", actor)


def notify_published(meeting: Meeting, actor: Any) -> None:
    for person in people_of(meeting.body):
        if actor is not None and person.pk == actor.pk:
            continue
        notify(
            person,
            "minutes_published",
            organisation=meeting.body.organisation,
            link=meeting.get_absolute_url(),
            obj=meeting,
            key=f"minutes-published-{meeting.pk}-v{meeting.minutes_version}",
        )
    recipients = [line.strip() for line in meeting.body.minutes_recipients.splitlines()]
    if any(recipients):
        from forvalta.governance.tasks import send_minutes

        meeting_id, version = meeting.pk, meeting.minutes_version
        transaction.on_commit(lambda: send_minutes.enqueue(meeting_id, version))


def minutes_snapshot(meeting: Meeting) -> dict[str, Any]:
    return {
        "version": meeting.minutes_version,
        "paragraphs": [
            {
                "number": p.number,
                "title": p.title,
                "discussion": p.discussion,
                "decision_text": p.decision_text,
                "confidential": p.confidential,
                "concerns": [p.concerns_type_id, p.concerns_id] if p.concerns_type_id else None,
            }
            for p in meeting.paragraphs.order_by("number")  # type: ignore[attr-defined]  # reverse relation
        ],
        "attendance": [
            [a.person_id, a.status, a.substitute_for_id]
            for a in meeting.attendance.order_by("pk")  # type: ignore[attr-defined]  # reverse relation
        ],
        "approvals": [
            [a.person_id, a.approved_at.isoformat()]
            for a in meeting.approvals.filter(version=meeting.minutes_version)  # type: ignore[attr-defined]  # reverse relation
        ],
    }


def minutes_new_version(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Approved minutes change only through a new version, itself approved: the
    approved version is kept as it was."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for a new version.")})
    with transaction.atomic():
        fresh = _take(meeting, "new_version", actor, comment=reason.strip())
        MinutesVersion.objects.filter(meeting=fresh, version=fresh.minutes_version - 1).update(
            reason=reason.strip()
        )
        return fresh


def keep_version(meeting: Meeting, actor: Any) -> None:
    """The workflow's effect of "new_version", before the version number moves on."""
    MinutesVersion.objects.create(
        meeting=meeting,
        version=meeting.minutes_version,
        content=minutes_snapshot(meeting),
        reason="",
        created_by=actor,
    )


# --- decisions ------------------------------------------------------------------------------
def decision_create(*, actor: Any, data: dict[str, Any]) -> Decision:
    """A decision recorded directly: by delegation to the management lead within the
    plan (decisions at meetings come from the minutes, by circulation from the vote)."""
    body: Body = data["body"]
    day: dt.date = data["decided_on"]
    decision = Decision(
        body=body,
        year=day.year,
        sequence=0,
        number="-",
        decided_on=day,
        kind=data["kind"],
        title=data["title"],
        text=data["text"],
        basis=data.get("basis", ""),
        basis_link=data.get("basis_link", ""),
        made_by=DecisionMadeBy.DELEGATION,
        confidential=bool(data.get("confidential")),
        recorded_by=actor,
    )
    decision.full_clean(exclude=["sequence", "number"])
    if not actor.has_perm("governance.add_decision", decision):
        _refuse(actor, body, "add decision")
    with transaction.atomic():
        decision.sequence = _next_decision_sequence(body, day.year)
        decision.number = f"{day.year}:{decision.sequence}"
        decision.save()
        record(
            actor=actor,
            action="governance.decision.created",
            obj=decision,
            changes=diff({}, snapshot(decision)),
        )
    return decision


# --- circulations ---------------------------------------------------------------------------
def circulation_create(*, actor: Any, data: dict[str, Any]) -> Circulation:
    """Put a proposal to the members. Only for the decision kinds the body lets go by
    circulation ("större beslut tas enbart på förvaltningsråd"), only while no member
    objects to the procedure, with at least the body's minimum days to answer."""
    body: Body = data["body"]
    circulation = Circulation(
        body=body,
        title=data["title"],
        kind=data["kind"],
        proposal=data["proposal"],
        basis=data.get("basis", ""),
        basis_link=data.get("basis_link", ""),
        deadline=data["deadline"],
        created_by=actor,
    )
    circulation.full_clean()
    if not actor.has_perm("governance.add_circulation", circulation):
        _refuse(actor, body, "add circulation")
    errors: dict[str, Any] = {}
    if circulation.kind not in (body.circulation_kinds or []):
        errors["kind"] = _(
            "A decision of the kind “%(kind)s” cannot be made by circulation in this body: "
            "it is decided at a meeting."
        ) % {"kind": circulation.get_kind_display()}
    earliest = timezone.now() + dt.timedelta(days=body.circulation_min_days)
    if circulation.deadline < earliest:
        errors["deadline"] = _("The members must have at least %(days)s days to answer.") % {
            "days": body.circulation_min_days
        }
    members = current_members(body)
    if members.filter(objects_to_circulation=True).exists():
        errors.setdefault(
            "kind",
            _("A member objects to decisions by circulation: the body decides at a meeting."),
        )
    if not members.filter(representative__isnull=False).exists():
        errors.setdefault("body", _("The body has no member with a representative to vote."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        circulation.save()
        record(
            actor=actor,
            action="governance.circulation.created",
            obj=circulation,
            changes=diff({}, snapshot(circulation)),
        )
        for member in members:
            for person in (member.representative, member.substitute):
                if person is None or person.pk == actor.pk:
                    continue
                notify(
                    person,
                    "vote_waiting",
                    organisation=body.organisation,
                    link=circulation.get_absolute_url(),
                    obj=circulation,
                    key=f"vote-waiting-{circulation.pk}",
                )
    return circulation


def _open_for_votes(circulation: Circulation) -> None:
    if circulation.status != CirculationStatus.OPEN or circulation.deadline <= timezone.now():
        raise ValidationError(_("The circulation is closed: no more votes can be cast."))


def vote_cast(*, actor: Any, circulation: Circulation, choice: str, reason: str = "") -> Vote:
    """The member's representative or substitute votes (and may change the vote until
    the deadline). Anyone else is refused and nothing changes."""
    member, role = voting_seat(circulation, actor)
    if member is None:
        _refuse(actor, circulation, "vote")
    assert member is not None
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": _("Choose yes, no or abstain.")})
    with transaction.atomic():
        fresh = (
            Circulation.objects.select_for_update().select_related("body").get(pk=circulation.pk)
        )
        _open_for_votes(fresh)
        vote = Vote.objects.filter(circulation=fresh, member=member, voter_role=role).first()
        before = snapshot(vote) if vote is not None else {}
        if vote is None:
            vote = Vote(
                circulation=fresh,
                member=member,
                organisation_id=member.organisation_id,
                voter_role=role,
            )
        vote.cast_by = actor
        vote.choice = choice
        vote.reason = reason.strip()
        vote.full_clean()
        vote.save()
        record(
            actor=actor,
            action="governance.vote.updated" if before else "governance.vote.created",
            obj=vote,
            changes=diff(before, snapshot(vote)),
        )
        if set(counted_votes(fresh)) >= set(
            current_members(fresh.body).values_list("pk", flat=True)
        ):
            # Everyone has voted: the circulation closes now.
            _close(fresh, actor=None)
    return vote


def circulation_object(*, actor: Any, circulation: Circulation, reason: str) -> Circulation:
    """A member's representative or substitute objects to deciding this by circulation:
    it closes undecided and goes to a meeting."""
    member, _role = voting_seat(circulation, actor)
    if member is None:
        _refuse(actor, circulation, "object")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the objection.")})
    with transaction.atomic():
        fresh = (
            Circulation.objects.select_for_update().select_related("body").get(pk=circulation.pk)
        )
        _open_for_votes(fresh)
        fresh.objected_by = member
        fresh.objection_reason = reason.strip()
        fresh.save(update_fields=["objected_by", "objection_reason", "updated_at"])
        record(
            actor=actor,
            action="governance.circulation.objected",
            obj=fresh,
            changes={"objected_by": [None, member.organisation_id if member else None]},
            reason=reason.strip()[:500],
        )
        _close(fresh, actor=actor)
    return fresh


def circulation_withdraw(*, actor: Any, circulation: Circulation, reason: str) -> Circulation:
    if not actor.has_perm("governance.change_circulation", circulation):
        _refuse(actor, circulation, "withdraw")
    with transaction.atomic():
        fresh = Circulation.objects.select_for_update().get(pk=circulation.pk)
        if fresh.status != CirculationStatus.OPEN:
            raise ValidationError(_("Only an open circulation can be withdrawn."))
        fresh.status = CirculationStatus.WITHDRAWN
        fresh.closed_at = timezone.now()
        fresh.save(update_fields=["status", "closed_at", "updated_at"])
        record(
            actor=actor,
            action="governance.circulation.withdrawn",
            obj=fresh,
            changes={"status": [CirculationStatus.OPEN, CirculationStatus.WITHDRAWN]},
            reason=reason[:500],
        )
    return fresh


def outcome(circulation: Circulation) -> str:
    """The result by the body's rule."""
    if circulation.objected_by_id:
        return CirculationResult.OBJECTED
    body = circulation.body
    votes = list(counted_votes(circulation).values())
    members = current_members(body).count()
    yes = sum(1 for v in votes if v.choice == VoteChoice.YES)
    no = sum(1 for v in votes if v.choice == VoteChoice.NO)
    rule = body.circulation_rule
    if rule == CirculationRule.QUORUM and len(votes) < (body.circulation_quorum or 0):
        return CirculationResult.NO_QUORUM
    if rule == CirculationRule.MAJORITY_MEMBERS:
        adopted = yes * 2 > members
    elif rule == CirculationRule.UNANIMITY:
        adopted = len(votes) == members and no == 0 and yes > 0
    else:
        if not votes:
            return CirculationResult.NO_QUORUM
        adopted = yes > no
    return CirculationResult.ADOPTED if adopted else CirculationResult.REJECTED


def _close(circulation: Circulation, actor: Any) -> Circulation:
    """Close (in the caller's transaction, on a locked row): the result by the body's
    rule; an adopted proposal becomes a decision of the body."""
    circulation.result = outcome(circulation)
    circulation.status = CirculationStatus.CLOSED
    circulation.closed_at = timezone.now()
    circulation.save(update_fields=["result", "status", "closed_at", "updated_at"])
    record(
        actor=actor,
        action="governance.circulation.closed",
        obj=circulation,
        changes={
            "status": [CirculationStatus.OPEN, CirculationStatus.CLOSED],
            "result": [None, circulation.result],
        },
    )
    if circulation.result == CirculationResult.ADOPTED:
        day = timezone.localdate(circulation.closed_at)
        sequence = _next_decision_sequence(circulation.body, day.year)
        decision = Decision.objects.create(
            body=circulation.body,
            year=day.year,
            sequence=sequence,
            number=f"{day.year}:{sequence}",
            decided_on=day,
            kind=circulation.kind,
            title=circulation.title,
            text=circulation.proposal,
            basis=circulation.basis,
            basis_link=circulation.basis_link,
            made_by=DecisionMadeBy.CIRCULATION,
            circulation=circulation,
            recorded_by=circulation.created_by,
        )
        record(
            actor=actor,
            action="governance.decision.created",
            obj=decision,
            changes=diff({}, snapshot(decision)),
        )
    for member in current_members(circulation.body):
        for person in (member.representative, member.substitute):
            if person is None:
                continue
            notify(
                person,
                "circulation_closed",
                organisation=circulation.body.organisation,
                link=circulation.get_absolute_url(),
                obj=circulation,
                key=f"circulation-closed-{circulation.pk}",
            )
    return circulation


def close_due_circulations(now: dt.datetime | None = None) -> int:
    """Close every open circulation whose deadline has passed (the scheduled task;
    idempotent: a closed one is left)."""
    now = now or timezone.now()
    closed = 0
    due = list(
        Circulation.objects.filter(status=CirculationStatus.OPEN, deadline__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        with transaction.atomic():
            fresh = (
                Circulation.objects.select_for_update()
                .select_related("body")
                .filter(pk=pk, status=CirculationStatus.OPEN)
                .first()
            )
            if fresh is None:
                continue
            _close(fresh, actor=None)
            closed += 1
    return closed


def remind_non_voters(now: dt.datetime | None = None) -> int:
    """Remind the representatives and substitutes of members who have not voted, the
    body's hours before the deadline (once per circulation)."""
    now = now or timezone.now()
    sent = 0
    candidates = Circulation.objects.filter(
        status=CirculationStatus.OPEN, deadline__gt=now, reminded_at__isnull=True
    ).select_related("body", "body__organisation")
    for circulation in candidates:
        if circulation.deadline - dt.timedelta(hours=circulation.body.reminder_hours) > now:
            continue
        with transaction.atomic():
            voted = set(counted_votes(circulation))
            for member in current_members(circulation.body):
                if member.pk in voted:
                    continue
                for person in (member.representative, member.substitute):
                    if person is None:
                        continue
                    if notify(
                        person,
                        "vote_reminder",
                        organisation=circulation.body.organisation,
                        link=circulation.get_absolute_url(),
                        obj=circulation,
                        key=f"vote-reminder-{circulation.pk}",
                    ):
                        sent += 1
            Circulation.objects.filter(pk=circulation.pk).update(reminded_at=now)
    return sent
