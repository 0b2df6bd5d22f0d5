"""Project-wide pytest configuration."""

from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _steady_session_writes(monkeypatch):
    """A session's last-seen time is written once a minute (forvalta.accounts.middleware);
    in tests not at all after login, so that a page's query count does not depend on
    whether a minute turned during the test. A test of the write sets it back."""
    monkeypatch.setattr("forvalta.accounts.middleware.SEEN_AT_EVERY", 10**12)


def _transactional(item: pytest.Item) -> bool:
    """Whether the test runs as a TransactionTestCase (ends with a flush)."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences = validate_django_db(marker)[:2]
        if transaction or reset_sequences:
            return True
    names = getattr(item, "fixturenames", ())
    return any(
        name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )


def reseed_catalogues() -> None:
    """The rows the data migrations seed: the role types, the crisis coordinator, the
    checklist templates and the legal acts. Idempotent."""
    import importlib

    from django.apps import apps

    def migration(name: str) -> ModuleType:
        return importlib.import_module(f"forvalta.{name}")

    migration("register.migrations.0002_role_types").load_role_types(apps, None)
    migration("compliance.migrations.0004_crisis_coordinator").add_role_type(apps, None)
    migration("processes.migrations.0002_seed_templates").forwards(apps, None)
    migration("compliance.migrations.0006_seed_legal_acts").seed(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A transactional test ends with a flush, which empties the tables the data
    migrations seeded. pytest-django runs such tests after the others, but a worker of
    pytest-xdist (worksteal) may take other tests after them, which rely on the seeded
    rows: put them back after the flush."""
    yield
    # After the last test the test databases are gone (the session's fixtures are torn
    # down with it) and the connection points at the real database: nothing to do.
    if nextitem is not None and _transactional(item):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        # Never outside a test database.
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            return

        with item.config.stash[blocking_manager_key].unblock():
            reseed_catalogues()
