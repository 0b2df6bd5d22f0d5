"""Tasks used by the tests (imported by path, also by worker subprocesses)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def record_completion(directory: str, key: str) -> str:
    """Idempotent by design: completion is a file created exclusively under a unique key.

    Appends a line to `attempts` when it starts, waits while a `hold` file exists (so a
    test can kill the worker mid-task), then records its completion once.
    """
    folder = Path(directory)
    with (folder / "attempts").open("a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 20
    while (folder / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        descriptor = os.open(folder / f"done-{key}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        with (folder / "duplicates").open("a") as duplicates:
            duplicates.write(f"{key}\n")
        return "already done"
    os.close(descriptor)
    return "done"


@task()
def fail_on_purpose(reason: str) -> None:
    raise ValueError(f"failed on purpose: {reason}")


@task()
def add(a: int, b: int) -> int:
    return a + b
