"""`{% workflow_panel object %}`: the transition buttons the user may take and the
history, for a detail page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from forvalta.core.models import User
from forvalta.core.tenancy import scope_for
from forvalta.workflow import engine

register = template.Library()


@register.inclusion_tag("workflow/partials/panel.html", takes_context=True)
def workflow_panel(context: Any, obj: Any, show_history: bool = True) -> dict[str, Any]:
    user = context["request"].user
    workflow = engine.workflow_for(type(obj))
    buttons = []
    for transition in engine.available(obj, user):
        buttons.append(
            {
                "transition": transition,
                "url": reverse(
                    "workflow:transition",
                    args=[obj._meta.label_lower, obj.pk, transition.name],
                ),
                "needs_input": bool(transition.requires),
            }
        )
    rows = []
    if show_history and workflow is not None:
        entries = list(engine.history(obj, user))
        # The actors' names only where the reader may see them (another organisation's
        # people are not named).
        seen = scope_for(user).visible_among(User, [e.actor for e in entries])
        hidden = _("(someone in another organisation)")
        for entry in entries:
            rows.append(
                {
                    "entry": entry,
                    "actor": entry.actor if entry.actor_id in seen else hidden,
                    "from": workflow.state_label(entry.from_state),
                    "to": workflow.state_label(entry.to_state),
                }
            )
    return {
        "object": obj,
        "state": workflow.state_label(engine.state_of(obj)) if workflow else "",
        "buttons": buttons,
        "history": rows,
        "show_history": show_history,
        "csrf_token": context.get("csrf_token"),
        "dom_id": f"wf-{obj._meta.model_name}-{obj.pk}",
    }
