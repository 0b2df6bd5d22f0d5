"""The browser fixtures of forvalta/core/tests/test_browser.py (Chromium, the demo data)."""

from forvalta.core.tests.test_browser import browser, context, demo, page  # noqa: F401
