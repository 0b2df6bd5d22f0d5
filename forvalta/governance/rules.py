"""Who may do what in governance.

- A body is set up and changed by whoever manages its object or service (the
  organisation's administrators, the managing roles: the förvaltningsledare).
- Its meetings, minutes, circulations and decisions are run by those managers and by
  the body's chair, convener and secretary ("runs the body").
- A member organisation's administrator nominates its own representative and substitute.
- Minutes are approved by the adjusters appointed at the meeting.
- A vote is cast by the member's representative or substitute (checked by the service).
"""

from __future__ import annotations

from typing import Any

import rules

from forvalta.core.tenancy import scope_for


def _visible(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(scope_for(user).org_ids)
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def sees(user: Any, obj: Any) -> bool:
    return _visible(user, obj)


def manages_body(user: Any, body: Any) -> bool:
    if body is None or not user.is_authenticated:
        return False
    scope = scope_for(user)
    if body.service_id:
        return scope.manages_service(body.service)
    if body.management_object_id:
        return scope.manages_object(body.management_object)
    return False


def runs_body(user: Any, body: Any) -> bool:
    if body is None or not user.is_authenticated:
        return False
    if user.pk in (body.chair_id, body.convener_id, body.secretary_id) and _visible(user, body):
        return True
    return manages_body(user, body)


def _may_set_up_some_body(user: Any) -> bool:
    scope = scope_for(user)
    return bool(scope.admin_org_ids or scope.managed_object_ids or scope.managed_service_ids)


@rules.predicate
def sets_up_body(user: Any, body: Any) -> bool:
    if body is None:
        return _may_set_up_some_body(user)
    return manages_body(user, body)


@rules.predicate
def runs_body_of(user: Any, obj: Any) -> bool:
    """For a meeting, circulation, decision, member or adjoined row: runs its body."""
    if obj is None:
        return _may_set_up_some_body(user)
    body = obj if obj.__class__.__name__ == "Body" else getattr(obj, "body", None)
    if body is None and hasattr(obj, "meeting"):
        body = obj.meeting.body
    return runs_body(user, body)


@rules.predicate
def nominates_member(user: Any, member: Any) -> bool:
    """A member organisation's administrator names its own representative and substitute."""
    return member is not None and scope_for(user).is_org_admin(member.organisation_id)


@rules.predicate
def is_adjuster(user: Any, meeting: Any) -> bool:
    return (
        meeting is not None
        and user.is_authenticated
        and meeting.adjusters.filter(pk=user.pk).exists()
    )


rules.add_perm("governance.view_body", sees)
rules.add_perm("governance.add_body", sets_up_body)
rules.add_perm("governance.change_body", sets_up_body)
rules.add_perm("governance.delete_body", sets_up_body)
rules.add_perm("governance.run_body", runs_body_of)
rules.add_perm("governance.view_bodymember", sees)
rules.add_perm("governance.add_bodymember", runs_body_of)
rules.add_perm("governance.change_bodymember", runs_body_of | nominates_member)
rules.add_perm("governance.delete_bodymember", runs_body_of)
rules.add_perm("governance.view_bodyadjoined", sees)
rules.add_perm("governance.add_bodyadjoined", runs_body_of)
rules.add_perm("governance.delete_bodyadjoined", runs_body_of)
rules.add_perm("governance.view_meeting", sees)
rules.add_perm("governance.add_meeting", runs_body_of)
rules.add_perm("governance.change_meeting", runs_body_of)
rules.add_perm("governance.approve_meeting", is_adjuster)
rules.add_perm("governance.view_paragraph", sees)
rules.add_perm("governance.view_decision", sees)
rules.add_perm("governance.add_decision", runs_body_of)
rules.add_perm("governance.view_circulation", sees)
rules.add_perm("governance.add_circulation", runs_body_of)
rules.add_perm("governance.change_circulation", runs_body_of)
rules.add_perm("governance.view_vote", sees)
rules.add_perm("governance.view_agendaitem", sees)
rules.add_perm("governance.add_agendaitem", runs_body_of)
rules.add_perm("governance.change_agendaitem", runs_body_of)
rules.add_perm("governance.delete_agendaitem", runs_body_of)
rules.add_perm("governance.view_meetingdocument", sees)
rules.add_perm("governance.add_meetingdocument", runs_body_of)
rules.add_perm("governance.change_meetingdocument", runs_body_of)
rules.add_perm("governance.delete_meetingdocument", runs_body_of)
rules.add_perm("governance.view_attendance", sees)
rules.add_perm("governance.view_minutesapproval", sees)
rules.add_perm("governance.view_minutesversion", sees)
