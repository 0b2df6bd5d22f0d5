"""Project-wide pytest configuration."""

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
