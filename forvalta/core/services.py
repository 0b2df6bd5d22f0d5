"""Generic write operations: validate, check the rule, save, and record the audit event.

Domain services (`system_create`, `unit_update` …) are thin, typed wrappers around
these, so every write of governed data takes the same path: one transaction,
one permission check through `rules`, one audit event with the changed fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, object_type_of, organisation_of, record, snapshot
from forvalta.core.tenancy import forget_scope

M = TypeVar("M", bound=models.Model)


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def action_code(model: type[models.Model], verb: str) -> str:
    return f"{object_type_of(model())}.{verb}"  # e.g. register.system.created


def _split(model: type[models.Model], data: dict[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: v for k, v in data.items() if k in m2m_names}
    return plain, m2m


def _refuse(actor: Any, model: type[models.Model], verb: str, instance: Any = None) -> None:
    record(
        actor=actor,
        action="access.denied",
        obj=instance if instance is not None and instance.pk else None,
        object_type=object_type_of(model()),
        object_repr=str(instance)[:300] if instance is not None else "",
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


class _Refused(Exception):
    """Raised inside a transaction to roll it back before the refusal is recorded."""


def _save(instance: models.Model) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("The change conflicts with existing data and was not saved.")
        ) from exc


def model_create(*, actor: Any, model: type[M], data: dict[str, Any], reason: str = "") -> M:
    plain, m2m = _split(model, data)
    instance = model(**plain)
    try:
        with transaction.atomic():
            instance.full_clean()
            allowed = actor.has_perm(perm_name(model, "add"), instance)
            if not allowed and not m2m:
                raise _Refused
            _save(instance)
            for name, values in m2m.items():
                getattr(instance, name).set(values)
            forget_scope(actor)
            if not allowed and not actor.has_perm(perm_name(model, "add"), instance):
                # Rights that depend on what the row covers (M2M) are known only now.
                raise _Refused
            record(
                actor=actor,
                action=action_code(model, "created"),
                obj=instance,
                changes=diff({}, snapshot(instance)),
                reason=reason,
            )
    except _Refused:
        instance.pk = None
        forget_scope(actor)
        _refuse(actor, model, "create", None)
    forget_scope(actor)
    return instance


def model_update(
    *,
    actor: Any,
    instance: M,
    data: dict[str, Any],
    reason: str = "",
    seal_changes: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> M:
    """Change `instance` as `actor` (refused unless allowed before and after) and record
    what changed; `seal_changes` replaces what the event must not hold in clear."""
    model = type(instance)
    perm = perm_name(model, "change")
    plain, m2m = _split(model, data)
    try:
        with transaction.atomic():
            # Check the stored row, not the caller's copy (a bound form has already
            # written the new values onto it).
            fresh = model._default_manager.select_for_update().get(pk=instance.pk)
            if not actor.has_perm(perm, fresh):
                raise _Refused
            before = snapshot(fresh)
            for name, value in plain.items():
                setattr(fresh, name, value)
            fresh.full_clean()
            _save(fresh)
            for name, values in m2m.items():
                getattr(fresh, name).set(values)
            forget_scope(actor)
            if not actor.has_perm(perm, fresh):
                # The change would move the row out of the actor's reach: refuse it whole.
                raise _Refused
            changes = diff(before, snapshot(fresh))
            if changes:
                record(
                    actor=actor,
                    action=action_code(model, "updated"),
                    obj=fresh,
                    changes=seal_changes(changes) if seal_changes else changes,
                    reason=reason,
                )
    except _Refused:
        forget_scope(actor)
        _refuse(actor, model, "update", model._default_manager.get(pk=instance.pk))
    forget_scope(actor)
    return fresh


def model_delete(*, actor: Any, instance: models.Model, reason: str = "") -> None:
    model = type(instance)
    if not actor.has_perm(perm_name(model, "delete"), instance):
        _refuse(actor, model, "delete", instance)
    with transaction.atomic():
        before = snapshot(instance)
        text = str(instance)
        pk = instance.pk
        org = organisation_of(instance)
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            raise ValidationError(
                _("“%(name)s” is still referred to by other data and cannot be deleted.")
                % {"name": text}
            ) from exc
        record(
            actor=actor,
            action=action_code(model, "deleted"),
            object_type=object_type_of(model()),
            object_repr=text,
            object_id=str(pk),
            organisation=org,
            changes=diff(before, {}),
            reason=reason,
        )
    forget_scope(actor)


# --- core entities ------------------------------------------------------------------------
# Typed, named entry points (HackSoft style) over the generic operations above.


def organisation_create(*, actor: Any, data: dict[str, Any]) -> Any:
    from forvalta.core.models import Organisation

    return model_create(actor=actor, model=Organisation, data=data)


def organisation_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def organisation_delete(*, actor: Any, instance: Any) -> None:
    model_delete(actor=actor, instance=instance)


def unit_create(*, actor: Any, data: dict[str, Any]) -> Any:
    from forvalta.core.models import Unit

    return model_create(actor=actor, model=Unit, data=data)


def unit_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def unit_delete(*, actor: Any, instance: Any) -> None:
    model_delete(actor=actor, instance=instance)


def membership_create(*, actor: Any, data: dict[str, Any]) -> Any:
    from forvalta.core.models import Membership

    return model_create(actor=actor, model=Membership, data=data)


def membership_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def membership_delete(*, actor: Any, instance: Any) -> None:
    model_delete(actor=actor, instance=instance)


# --- membership invitations ------------------------------------------------------------------
# An administrator manages the memberships of their own organisation; a person who still
# belongs to another organisation joins only by an invitation that they, or an
# administrator of one of their current organisations, accept.


def membership_add(*, actor: Any, data: dict[str, Any]) -> Any:
    """Add a membership, or invite the person when their consent is needed.

    Returns the new Membership, or the MembershipInvitation sent instead.
    """
    from forvalta.core.models import Membership

    probe = Membership(
        user=data["user"],
        organisation=data["organisation"],
        unit=data.get("unit"),
        is_org_admin=bool(data.get("is_org_admin")),
    )
    if actor.has_perm("core.add_membership", probe) or not actor.has_perm(
        "core.add_membershipinvitation", _invitation_probe(data)
    ):
        return membership_create(actor=actor, data=data)
    return membership_invite(actor=actor, data=data)


def _invitation_probe(data: dict[str, Any]) -> Any:
    from forvalta.core.models import MembershipInvitation

    return MembershipInvitation(
        organisation=data["organisation"],
        person=data.get("person") or data.get("user"),
        unit=data.get("unit"),
        title=data.get("title", ""),
        is_org_admin=bool(data.get("is_org_admin")),
    )


def membership_invite(*, actor: Any, data: dict[str, Any]) -> Any:
    """Invite a person to join the actor's organisation (unit, title and administrator
    flag proposed; dates and manager are set on the membership after it is accepted)."""
    from forvalta.core.models import Membership, MembershipInvitation

    invitation = _invitation_probe(data)
    invitation.invited_by = actor if actor.is_authenticated else None
    if not actor.has_perm("core.add_membershipinvitation", invitation):
        _refuse(actor, MembershipInvitation, "create")
    if Membership.objects.filter(
        user_id=invitation.person_id, organisation_id=invitation.organisation_id
    ).exists():
        raise ValidationError(_("This person is already a member of the organisation."))
    with transaction.atomic():
        invitation.full_clean()
        _save(invitation)
        record(
            actor=actor,
            action="core.membershipinvitation.created",
            obj=invitation,
            changes=diff(
                {},
                snapshot(
                    invitation,
                    ["organisation", "person", "unit", "title", "is_org_admin", "expires_at"],
                ),
            ),
        )
    return invitation


def _lock_open_invitation(actor: Any, invitation: Any, perm: str, verb: str) -> Any:
    """The stored invitation, locked, if the actor may act on it and it is still open."""
    from forvalta.core.models import MembershipInvitation

    fresh = MembershipInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not actor.has_perm(perm, fresh):
        raise _Refused
    if not fresh.is_open:
        raise ValidationError(_("This invitation is no longer open."))
    return fresh


def _answer(actor: Any, invitation: Any, status: str, perm: str, verb: str) -> Any:
    from django.utils import timezone

    from forvalta.core.models import Membership, MembershipInvitation

    try:
        with transaction.atomic():
            fresh = _lock_open_invitation(actor, invitation, perm, verb)
            fresh.status = status
            fresh.answered_by = actor
            fresh.answered_at = timezone.now()
            fresh.save(update_fields=["status", "answered_by", "answered_at"])
            membership = None
            if status == "accepted":
                membership = Membership(
                    user_id=fresh.person_id,
                    organisation_id=fresh.organisation_id,
                    unit_id=fresh.unit_id,
                    title=fresh.title,
                    is_org_admin=fresh.is_org_admin,
                )
                membership.full_clean()
                _save(membership)
                record(
                    actor=actor,
                    action="core.membership.created",
                    obj=membership,
                    changes=diff({}, snapshot(membership)),
                    reason=_("Invitation accepted"),
                )
            record(
                actor=actor,
                action=f"core.membershipinvitation.{status}",
                obj=fresh,
                changes={"status": ["pending", status]},
            )
    except _Refused:
        _refuse(actor, MembershipInvitation, verb, invitation)
    forget_scope(actor)
    return membership if status == "accepted" else fresh


def membership_invitation_accept(*, actor: Any, invitation: Any) -> Any:
    """Accept: the membership is created as proposed. Returns the new membership."""
    return _answer(actor, invitation, "accepted", "core.answer_membershipinvitation", "accept")


def membership_invitation_decline(*, actor: Any, invitation: Any) -> Any:
    return _answer(actor, invitation, "declined", "core.answer_membershipinvitation", "decline")


def membership_invitation_withdraw(*, actor: Any, invitation: Any) -> Any:
    return _answer(actor, invitation, "withdrawn", "core.withdraw_membershipinvitation", "withdraw")


def user_create(*, actor: Any, data: dict[str, Any]) -> Any:
    """Create a person and their first membership in one step, and invite them.

    The person has no usable password: the invitation e-mail (`core.invitations`)
    carries a link to choose one, valid for FORVALTA_INVITATION_DAYS days."""
    from forvalta.core.invitations import invitation_days, send_invitation
    from forvalta.core.models import Membership, User

    data = dict(data)
    organisation = data.pop("organisation")
    unit = data.pop("unit", None)
    # A person created by the platform administrator is the organisation's administrator.
    from forvalta.core.tenancy import scope_for

    scope = scope_for(actor)
    is_org_admin = scope.is_platform_admin and organisation.pk not in scope.admin_org_ids
    probe = Membership(organisation=organisation, unit=unit, is_org_admin=is_org_admin)
    if not actor.has_perm("core.add_membership", probe):
        _refuse(actor, Membership, "create")
    with transaction.atomic():
        person = User(**data)
        person.set_unusable_password()
        person.full_clean(exclude=["password"])
        _save(person)
        model_create(
            actor=actor,
            model=Membership,
            data={
                "user": person,
                "organisation": organisation,
                "unit": unit,
                "is_org_admin": is_org_admin,
            },
        )
        # Recorded last: the chain lock is then held for the shortest time.
        record(
            actor=actor,
            action="core.user.created",
            obj=person,
            changes=diff({}, snapshot(person, ["username", "first_name", "last_name", "email"])),
            organisation=organisation,
        )
        record(
            actor=actor,
            action="core.user.invited",
            obj=person,
            changes={"email": [None, person.email], "days": [None, invitation_days()]},
            organisation=organisation,
        )
        send_invitation(person)
    return person


def _home_organisation(person: Any) -> Any:
    """The organisation that owns the person's account (`rules.home_organisation_id`),
    for the organisation column of the person's account events."""
    from forvalta.core.models import Organisation
    from forvalta.core.rules import home_organisation_id

    org_id = home_organisation_id(person)
    return None if org_id is None else Organisation.objects.filter(pk=org_id).first()


def user_invitation_resend(*, actor: Any, person: Any) -> Any:
    """Send a new invitation link to a person who has not chosen a password yet (their
    home organisation's administrators: `core.change_user`). Earlier links stay valid
    until they expire or a password is chosen."""
    from forvalta.core.invitations import invitation_days, may_be_invited, send_invitation
    from forvalta.core.models import User

    if not actor.has_perm("core.change_user", person):
        _refuse(actor, User, "resend invitation", person)
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=person.pk)
        if not may_be_invited(fresh):
            raise ValidationError(
                _(
                    "Only an active person with an e-mail address who has not chosen a "
                    "password yet can be invited."
                )
            )
        record(
            actor=actor,
            action="core.user.invitation_resent",
            obj=fresh,
            changes={"email": [None, fresh.email], "days": [None, invitation_days()]},
            organisation=_home_organisation(fresh),
        )
        send_invitation(fresh)
    return fresh


def user_password_set(*, form: Any) -> Any:
    """The invited person chooses their password (`form`: a valid SetPasswordForm whose
    token the view has checked). Recorded with the person as the actor."""
    with transaction.atomic():
        person = form.save()
        record(
            actor=person,
            action="core.user.password_set",
            obj=person,
            changes={},
            organisation=_home_organisation(person),
        )
    return person


def user_update(*, actor: Any, instance: Any, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def crud_services(model: type[M]) -> tuple[Any, Any, Any]:
    """Named create/update/delete services for a model with no rules beyond the generic ones."""

    def create(*, actor: Any, data: dict[str, Any], reason: str = "") -> M:
        return model_create(actor=actor, model=model, data=data, reason=reason)

    def update(*, actor: Any, instance: M, data: dict[str, Any], reason: str = "") -> M:
        return model_update(actor=actor, instance=instance, data=data, reason=reason)

    def delete(*, actor: Any, instance: M, reason: str = "") -> None:
        model_delete(actor=actor, instance=instance, reason=reason)

    name = model._meta.model_name
    for fn, verb in ((create, "create"), (update, "update"), (delete, "delete")):
        fn.__name__ = fn.__qualname__ = f"{name}_{verb}"
    return create, update, delete
