"""Reads with rules: the names of people are shown only to those who may see them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from forvalta.core.models import User
from forvalta.core.tenancy import scope_for


def hidden_person() -> str:
    return _("(someone in another organisation)")


def person_label(viewer: Any, person: Any, cache: dict[int, bool] | None = None) -> Any:
    """The person, or a neutral text when the viewer may not see them (a run's manager or
    a step's assignee may belong to an organisation the viewer does not see)."""
    if person is None:
        return None
    if cache is not None and person.pk in cache:
        return person if cache[person.pk] else hidden_person()
    visible = bool(scope_for(viewer).visible_among(User, [person]))
    if cache is not None:
        cache[person.pk] = visible
    return person if visible else hidden_person()


def visible_person_ids(viewer: Any, people: list[Any]) -> set[int]:
    return set(scope_for(viewer).visible_among(User, [p for p in people if p is not None]))


def template_label(viewer: Any, template: Any, cache: dict[int, bool] | None = None) -> Any:
    """A run's template, or a neutral text when it is another organisation's own copy."""
    from forvalta.processes.models import ProcessTemplate

    if template is None or template.organisation_id is None:
        return template
    if cache is not None and template.pk in cache:
        return template if cache[template.pk] else hidden_template()
    visible = template.organisation_id in scope_for(viewer).org_ids or (
        ProcessTemplate.objects.visible_to(viewer).filter(pk=template.pk).exists()
    )
    if cache is not None:
        cache[template.pk] = visible
    return template if visible else hidden_template()


def hidden_template() -> str:
    return _("(another organisation's checklist)")


def shown(viewer: Any, value: Any) -> Any:
    """A field value as the viewer may see it (people and templates)."""
    from forvalta.processes.models import ProcessTemplate

    if isinstance(value, User):
        return person_label(viewer, value)
    if isinstance(value, ProcessTemplate):
        return template_label(viewer, value)
    return value
