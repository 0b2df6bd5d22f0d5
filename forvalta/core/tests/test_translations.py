"""The Swedish catalogue is complete, compiled and in use.

A string added to the code without a Swedish translation fails here with the list of
missing msgids. To fix: run makemessages, translate the new entries in
forvalta/locale/sv/LC_MESSAGES/django.po and run compilemessages (see the commands below).

    FORVALTA_DEBUG=1 python manage.py makemessages -l sv -l en --no-location \\
        --ignore=.venv --ignore=node_modules --ignore=staticfiles
    FORVALTA_DEBUG=1 python manage.py compilemessages --ignore=.venv
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client

from forvalta.core.tests.factories import TEST_PASSWORD, MembershipFactory

PROJECT_DIR = Path(__file__).resolve().parents[3]
LOCALE_DIR = PROJECT_DIR / "forvalta" / "locale"
SV_PO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.po"
SV_MO = LOCALE_DIR / "sv" / "LC_MESSAGES" / "django.mo"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def label(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}|{self.msgid}"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text[0] == text[-1] == '"'):
        raise ValueError(f"Not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file (header included, obsolete #~ entries left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if started:
                finish()
            entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}: continuation line without a keyword: {raw!r}")
            kind, index = target
            text = _unquote(line)
            if kind == "msgstr":
                entry.msgstrs[index] += text
            else:
                setattr(entry, kind, (getattr(entry, kind) or "") + text)
        else:
            keyword, _, rest = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword in {"msgctxt", "msgid"} and started and entry.msgstrs:
                finish()
            started = True
            if match:
                target = ("msgstr", int(match.group(1)))
                entry.msgstrs[target[1]] = _unquote(rest)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstrs[0] = _unquote(rest)
            elif keyword in {"msgid", "msgid_plural", "msgctxt"}:
                target = (keyword, 0)
                setattr(entry, keyword, _unquote(rest))
            else:
                raise ValueError(f"{path}: unknown keyword in {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The entries of a PO file without the header."""
    return [e for e in parse_po(path) if not (e.msgid == "" and e.msgctxt is None)]


def is_translated(entry: Entry) -> bool:
    return bool(entry.msgstrs) and all(s.strip() for s in entry.msgstrs.values())


def test_swedish_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    entries = messages(SV_PO)
    assert len(entries) > 100, "the Swedish catalogue looks empty"
    untranslated = [e.label for e in entries if not is_translated(e)]
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "Untranslated in sv/django.po:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy in sv/django.po:\n" + "\n".join(fuzzy)


def test_swedish_header_and_plural_forms() -> None:
    header = next(e for e in parse_po(SV_PO) if e.msgid == "" and e.msgctxt is None)
    assert "fuzzy" not in header.flags
    assert "Language: sv\n" in header.msgstrs[0]
    assert "charset=UTF-8" in header.msgstrs[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstrs[0]
    for entry in messages(SV_PO):
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstrs) == [0, 1], entry.label


def test_swedish_translations_keep_the_placeholders() -> None:
    wrong = []
    for entry in messages(SV_PO):
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in entry.msgstrs.values():
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{entry.label!r} -> {text!r}")
    assert not wrong, "Placeholders differ from the msgid:\n" + "\n".join(wrong)


def _copy_project(destination: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "staticfiles", "media")
    shutil.copytree(PROJECT_DIR / "forvalta", destination / "forvalta", ignore=ignore)
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy2(PROJECT_DIR / name, destination / name)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (GNU gettext) not installed")
def test_every_string_in_the_code_has_a_swedish_translation(tmp_path: Path) -> None:
    """Regenerate the catalogue from a copy of the code and look every msgid up."""
    _copy_project(tmp_path)
    env = {
        **os.environ,
        "FORVALTA_DEBUG": "1",
        "FORVALTA_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "forvalta.settings",
        "PYTHONPATH": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-location"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    regenerated = messages(tmp_path / "forvalta" / "locale" / "sv" / "LC_MESSAGES" / "django.po")
    assert regenerated, "makemessages found no strings"
    committed = {e.key: e for e in messages(SV_PO) if "fuzzy" not in e.flags}
    missing = sorted(
        e.label
        for e in regenerated
        if e.key not in committed or not is_translated(committed[e.key])
    )
    assert not missing, (
        "Strings in the code without a Swedish translation in forvalta/locale/sv/LC_MESSAGES/"
        "django.po (run makemessages, translate, compilemessages):\n" + "\n".join(missing)
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (GNU gettext) not installed")
def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    """The committed .mo holds exactly what the committed .po compiles to."""
    assert SV_MO.exists(), "forvalta/locale/sv/LC_MESSAGES/django.mo is missing: compilemessages"
    fresh = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603 - fixed arguments
        ["msgfmt", "--check-format", "-o", str(fresh), str(SV_PO)],  # noqa: S607 - found on PATH
        check=True,
        capture_output=True,
        timeout=60,
    )
    with SV_MO.open("rb") as committed_file, fresh.open("rb") as fresh_file:
        committed = gettext.GNUTranslations(committed_file)
        compiled = gettext.GNUTranslations(fresh_file)
    assert committed._catalog == compiled._catalog, (  # type: ignore[attr-defined]
        "django.mo is out of date with django.po: run compilemessages"
    )


@pytest.mark.django_db
def test_pages_are_swedish_by_default_and_english_on_request() -> None:
    membership = MembershipFactory()
    client = Client()
    assert client.login(username=membership.user.username, password=TEST_PASSWORD)

    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="sv">' in html
    assert "Mitt uppdrag" in html
    assert "My assignments" not in html

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302

    page = client.get("/")
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert "My assignments" in html
    assert "Mitt uppdrag" not in html
