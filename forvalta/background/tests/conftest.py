"""A database that a worker subprocess can see, and the worker subprocess itself."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

PROJECT_DIR = Path(settings.PROJECT_DIR)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def shared_database(transactional_db: None, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment that points a subprocess at this test's database.

    PostgreSQL: the test database itself (the test is transactional, so rows commit).
    SQLite: the in-memory test database is copied to a file and this process switches to
    that file for the test, then back.
    """
    connection = connections["default"]
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        yield {"DATABASE_URL": f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"}
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    saved_connection, saved_name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield {"FORVALTA_SQLITE_PATH": str(path), "DATABASE_URL": ""}
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        connection.connection = saved_connection


@pytest.fixture
def start_worker(shared_database: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `manage.py run_worker` subprocesses against the shared database; all are
    stopped (SIGKILL if they do not stop on SIGTERM) when the test ends."""
    started: list[subprocess.Popen] = []

    def start(*extra: str, **env: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "FORVALTA_TESTING": "1",
            "FORVALTA_TASKS_BACKEND": "database",
            "FORVALTA_TASKS_HEARTBEAT_SECONDS": "0.3",
            "FORVALTA_TASKS_STALE_SECONDS": "1.5",
            **shared_database,
            **env,
        }
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "-v",
                "0",
                *extra,
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
