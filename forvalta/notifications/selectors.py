"""Reads for the inbox: the names of what notifications are about, through the
reader's scope at the time of reading."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType

from forvalta.notifications.models import Notification


def about_names(user: Any, notifications: Iterable[Notification]) -> dict[int, str]:
    """notification pk -> the name of the row it is about, for the rows the user sees
    now (one query per kind of row on the page). A row the user no longer sees, or
    one removed, has no name: the inbox shows the neutral title alone."""
    wanted: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for n in notifications:
        if n.content_type_id and n.object_id:
            wanted[n.content_type_id][n.object_id].append(n.pk)
    names: dict[int, str] = {}
    for content_type_id, by_object in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        manager = model._default_manager if model is not None else None
        if manager is None or not hasattr(manager, "visible_to"):
            continue  # only scoped rows are named
        for row in manager.visible_to(user).filter(pk__in=list(by_object)):
            for pk in by_object[row.pk]:
                names[pk] = str(row)
    return names
