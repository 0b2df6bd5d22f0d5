"""Workflows: declared states, transitions with the rule that may take them, required
inputs, a history and an audit event per transition.

One short module rather than a library (django-fsm-2 and friends): a transition here must
check a `rules` permission on the stored row, refuse with a message and change nothing,
write a history row with the comment and attachment, and record an audit event in the
same transaction. The libraries give the state check only and would need each of these
around them; this is the whole of it.

A model declares its workflow once (usually in its app's `workflows.py`, imported from
`AppConfig.ready()`):

    register(Workflow(
        ProcessStep, field="status",
        transitions=[
            Transition("start", _("Start"), source=("todo",), target="in_progress",
                       permission="processes.work_processstep", check=predecessors_done),
            Transition("skip", _("Not applicable"), source=("todo", "in_progress"),
                       target="not_applicable", permission="processes.work_processstep",
                       requires=("comment",)),
        ],
    ))

`take(obj, "start", actor=user, comment=...)` is the only way a state changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from forvalta.audit.services import object_type_of, record
from forvalta.core.tenancy import forget_scope
from forvalta.workflow.models import TransitionRecord

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str

# The inputs a transition may require.
COMMENT = "comment"
DECISION = "decision_reference"
ATTACHMENT = "attachment"
INPUTS = (COMMENT, DECISION, ATTACHMENT)


@dataclass(frozen=True)
class Waiting:
    """Someone who must act on `obj` once a transition is taken: they are notified with
    `kind` (a kind declared in forvalta.notifications, e.g. "decision_waiting")."""

    person: Any
    kind: str
    obj: Any


# Sent inside the transition's transaction when a transition with `waiting` is taken
# (kwargs: obj, transition, actor, waiting); forvalta.notifications notifies them.
transition_waiting = Signal()


@dataclass(frozen=True)
class Transition:
    name: str
    label: StrOrPromise
    source: tuple[str, ...]
    target: str
    # A `rules` permission, evaluated on the stored object: a role on the object, the
    # organisation administrator, a named person (whatever the predicate says).
    permission: str
    requires: tuple[str, ...] = ()
    # Returns a refusal message (in the user's language) when the object is not ready.
    check: Callable[[Any], StrOrPromise | None] | None = None
    # Called on the locked row before it is saved (dates, counters ...).
    effect: Callable[[Any, Any], None] | None = None
    primary: bool = False
    # Who must act once the transition is taken (a named person, the holders of a role):
    # each is notified (see forvalta.notifications; the actor is not).
    waiting: Callable[[Any], Iterable[Waiting]] | None = None


@dataclass
class Workflow:
    """`lock_first` names a foreign key whose row is locked before the object's, so
    that a transition reading its parent (a step that needs its run in progress) and
    one reading its children (a run that needs every step finished) take their locks
    in the same order and never both commit."""

    model: type[models.Model]
    field: str
    transitions: list[Transition] = dc_field(default_factory=list)
    lock_first: str = ""

    def get(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def state_label(self, value: str) -> str:
        choices = dict(self.model._meta.get_field(self.field).choices or [])  # type: ignore[union-attr]  # a concrete field
        return str(choices.get(value, value))


_REGISTRY: dict[type[models.Model], Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    for transition in workflow.transitions:
        unknown = set(transition.requires) - set(INPUTS)
        if unknown:
            raise ValueError(f"{transition.name}: unknown inputs {sorted(unknown)}")
    _REGISTRY[workflow.model] = workflow
    return workflow


def workflow_for(model: type[models.Model]) -> Workflow | None:
    return _REGISTRY.get(model._meta.concrete_model or model)


def workflow_models() -> Iterable[type[models.Model]]:
    return list(_REGISTRY)


def model_by_label(label: str) -> type[models.Model] | None:
    """A workflow model by "app_label.model_name", or None."""
    return next((m for m in _REGISTRY if m._meta.label_lower == label), None)


class TransitionRefused(ValidationError):
    """The transition is not possible now (state, missing input, not ready)."""


def state_of(obj: Any) -> str:
    workflow = workflow_for(type(obj))
    assert workflow is not None
    return str(getattr(obj, workflow.field))


def may_take(obj: Any, transition: Transition, user: Any) -> bool:
    return bool(user.has_perm(transition.permission, obj))


def available(obj: Any, user: Any) -> list[Transition]:
    """The transitions from the object's state that the user may take."""
    workflow = workflow_for(type(obj))
    if workflow is None:
        return []
    state = getattr(obj, workflow.field)
    return [t for t in workflow.transitions if state in t.source and may_take(obj, t, user)]


def history(obj: Any, user: Any) -> models.QuerySet:
    """The object's transition history, seen exactly when the object is (the rule
    TransitionRecord declares). Only the object's own rule is asked: the declared rule
    ORs every workflow model's, which nests too deep for SQLite's parser once the
    register's rules sit under a run's."""
    model = type(obj)
    if not model._default_manager.visible_to(user).filter(pk=obj.pk).exists():
        return TransitionRecord.objects.none()
    return TransitionRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=obj.pk
    ).select_related("actor")


class _Refused(Exception):
    pass


def take(
    obj: Any,
    name: str,
    *,
    actor: Any,
    comment: str = "",
    decision_reference: str = "",
    attachment: Any = None,
) -> TransitionRecord:
    """Take a transition, or refuse it and change nothing.

    Raises `PermissionDenied` (recorded as access.denied) when the actor may not take
    it, and `TransitionRefused` with a message when the state, an input or the object
    is not right.
    """
    model = type(obj)
    workflow = workflow_for(model)
    transition = workflow.get(name) if workflow is not None else None
    if workflow is None or transition is None:
        raise TransitionRefused(_("There is no such transition."))
    inputs = {
        COMMENT: comment.strip(),
        DECISION: decision_reference.strip(),
        ATTACHMENT: attachment,
    }
    try:
        with transaction.atomic():
            if workflow.lock_first:
                parent = model._meta.get_field(workflow.lock_first).related_model
                parent._default_manager.select_for_update().filter(  # type: ignore[union-attr]  # a foreign key
                    pk=getattr(obj, f"{workflow.lock_first}_id")
                ).exists()
            fresh = model._default_manager.select_for_update().get(pk=obj.pk)
            if not may_take(fresh, transition, actor):
                raise _Refused
            before = str(getattr(fresh, workflow.field))
            if before not in transition.source:
                raise TransitionRefused(
                    _("“%(transition)s” is not possible when the status is “%(state)s”.")
                    % {"transition": transition.label, "state": workflow.state_label(before)}
                )
            missing = {
                key: _("This is required for “%(transition)s”.") % {"transition": transition.label}
                for key in transition.requires
                if not inputs[key]
            }
            if missing:
                raise TransitionRefused(missing)
            if transition.check is not None:
                message = transition.check(fresh)
                if message:
                    raise TransitionRefused(str(message))
            setattr(fresh, workflow.field, transition.target)
            if transition.effect is not None:
                transition.effect(fresh, actor)
            fresh.save()
            entry = TransitionRecord(
                content_type=ContentType.objects.get_for_model(model),
                object_id=fresh.pk,
                transition=transition.name,
                from_state=before,
                to_state=transition.target,
                actor=actor,
                comment=inputs[COMMENT],
                decision_reference=inputs[DECISION],
            )
            if attachment:
                entry.attachment = attachment
            entry.save()
            changes: dict[str, Any] = {
                workflow.field: [before, transition.target],
                "transition": [None, transition.name],
            }
            if inputs[DECISION]:
                changes["decision_reference"] = [None, inputs[DECISION]]
            if entry.attachment:
                changes["attachment"] = [None, entry.attachment.name]
            record(
                actor=actor,
                action=f"{object_type_of(fresh)}.transition",
                obj=fresh,
                changes=changes,
                reason=inputs[COMMENT][:500],
            )
            if transition.waiting is not None:
                transition_waiting.send(
                    sender=model,
                    obj=fresh,
                    transition=transition,
                    actor=actor,
                    waiting=list(transition.waiting(fresh)),
                )
    except _Refused:
        forget_scope(actor)
        record(
            actor=actor,
            action="access.denied",
            obj=obj,
            object_type=object_type_of(obj),
            object_repr=str(obj)[:300],
            changes={"attempted": [None, f"transition:{name}"]},
        )
        raise PermissionDenied(_("You do not have permission to do this.")) from None
    setattr(obj, workflow.field, transition.target)
    for attr in ("started_on", "completed_on"):
        if hasattr(fresh, attr):
            setattr(obj, attr, getattr(fresh, attr))
    return entry
