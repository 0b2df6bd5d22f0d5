"""The kinds of notification, declared once each, and the parts' deadline sources.

A part declares the kinds it sends (usually in its `reminders.py` or `workflows.py`):

    declare_kind(Kind("access_review_waiting", _("An access review is waiting for you"),
                      subject=_("Forvalta: a review is waiting for you"),
                      default_channel=Channel.EMAIL))

and calls `forvalta.notifications.services.notify(person, "access_review_waiting", ...)`.
A kind's label, title and subject are neutral: they name what kind of thing happened,
never which object (an e-mail leaves the platform; OSL).

A part with deadlines registers a source with `@deadline_source`: a function
`(today, horizon) -> iterable of Deadline` listing the open deadlines up to `horizon`
(due on or before it), each for a person who may see the item. The daily reminder job
(`forvalta.notifications.tasks.send_deadline_reminders`) turns them into
`deadline_approaching` and `deadline_passed` notifications, once per item, due date and
kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox only")
    EMAIL = "email", _("E-mail at once")
    DIGEST = "digest", _("Daily digest e-mail")


@dataclass(frozen=True)
class Kind:
    name: str
    label: StrOrPromise  # for the preferences page
    title: StrOrPromise  # the inbox item's neutral title
    subject: StrOrPromise  # the e-mail's neutral subject
    default_channel: str = Channel.EMAIL


_KINDS: dict[str, Kind] = {}


def declare_kind(kind: Kind) -> Kind:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.name!r} is declared twice")
    if kind.default_channel not in Channel.values:
        raise ValueError(f"Notification kind {kind.name!r}: unknown channel")
    _KINDS[kind.name] = kind
    return kind


def kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown notification kind {name!r}; declare it first") from None


def kinds() -> list[Kind]:
    return list(_KINDS.values())


@dataclass(frozen=True)
class Deadline:
    """An open deadline of `obj` for `person` (who sees `obj`)."""

    person: Any
    obj: Any
    due_on: dt.date


DeadlineSource = Callable[[dt.date, dt.date], Iterable[Deadline]]
_SOURCES: dict[str, DeadlineSource] = {}


def deadline_source(source: DeadlineSource) -> DeadlineSource:
    _SOURCES[f"{source.__module__}.{source.__qualname__}"] = source
    return source


def deadline_sources() -> list[DeadlineSource]:
    return list(_SOURCES.values())
