"""The calendar feed's providers: each app contributes its own items.

An app puts a `calendar_feed.py` module next to its models and registers a function
`(user) -> iterable of FeedItem` with `@register`. Providers read only through
`Model.objects.visible_to(user)` (the scoping lint checks `*_feed.py`), so the feed
shows exactly what the pages show. An item's text must not depend on who reads it:
its SEQUENCE is bumped when its content changes (see services.sequences_for).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Provider = Callable[[Any], Iterable["FeedItem"]]

_providers: dict[str, Provider] = {}


@dataclass(frozen=True)
class FeedItem:
    """One entry. `start` a date: an all-day event; a datetime (aware): a timed event
    shown in Europe/Stockholm. `kind` and `pk` make the UID `<kind>-<pk>@<host>`."""

    kind: str
    pk: int | str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime | None = None
    description: str = ""
    url: str = ""

    def fingerprint(self) -> str:
        text = "\x1f".join(
            [
                self.summary,
                self.start.isoformat(),
                self.end.isoformat() if self.end else "",
                self.description,
                self.url,
            ]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register(provider: Provider) -> Provider:
    """Register a provider (usable as a decorator); registering again replaces it."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = provider
    return provider


def providers() -> list[Provider]:
    return [_providers[key] for key in sorted(_providers)]


def items_for(user: Any) -> list[FeedItem]:
    items: list[FeedItem] = []
    for provider in providers():
        items.extend(provider(user))
    return sorted(items, key=lambda i: (str(i.start), i.kind, str(i.pk)))
