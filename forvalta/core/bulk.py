"""Helpers for bulk work in one request or task (imports of tens of thousands of rows)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk parse and write.

    Such work allocates a dict or tuple per row and keeps them all: each allocation
    threshold starts a collection that walks every object still alive, so the collector
    runs over the same growing rows again and again (about a fifth of an access snapshot
    import and split, bench/access_snapshot_bench.py). Reference counting still frees
    what is dropped; the collector runs again when the block ends, even on an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
