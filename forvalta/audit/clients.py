"""A short description of the client an event came from: "Firefox på Windows" rather
than the whole user-agent string (which stays in the event and in extracts)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# (pattern, name), the first that matches wins: Edge and Opera also say "Chrome", and
# Chrome also says "Safari".
BROWSERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(Chromium)/"), "Chromium"),
    (re.compile(r"\b(Chrome|CriOS)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
    (re.compile(r"\bTrident/|\bMSIE "), "Internet Explorer"),
)
SYSTEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\b(iPhone|iPad|iPod)\b"), "iOS"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
)
# A program rather than a browser: its first product token ("curl", "python-requests").
PROGRAM = re.compile(r"^([A-Za-z][\w.-]{0,40})(?:/[\w.-]+)?")


def describe_client(user_agent: str) -> str:
    """ "Firefox på Windows", "Safari på iOS", "curl"; "" when there is no user agent."""
    agent = (user_agent or "").strip()
    if not agent:
        return ""
    browser = next((name for pattern, name in BROWSERS if pattern.search(agent)), "")
    system = next((name for pattern, name in SYSTEMS if pattern.search(agent)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if agent.startswith("Mozilla/"):
        return _("A browser on %(system)s") % {"system": system} if system else _("A browser")
    program = PROGRAM.match(agent)
    return program.group(1) if program else _("Another program")
