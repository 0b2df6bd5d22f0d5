"""Cell values: from what a spreadsheet or CSV file holds to Python values, and back.

Readers hand over what the file holds (text from CSV; text, numbers, booleans and
dates from Excel). Each column has a parser that turns that into one Python value or
raises `CellError` with a message for the person who made the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from forvalta.core.exports import FORMULA_PREFIXES

TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "true", "sant", "1", "x"})
FALSE_WORDS = frozenset({"nej", "n", "no", "false", "falskt", "0"})
LIST_SEPARATOR = re.compile(r"[;\n]")


class CellError(ValueError):
    """A cell that cannot be read; the message is shown next to the column heading."""


class FormulaWithoutValue:
    """An Excel cell holding a formula that was never computed (no cached value): not an
    empty cell, which would clear what the register holds, but an error on its row."""

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FormulaWithoutValue) and other.formula == self.formula

    def __hash__(self) -> int:
        return hash(self.formula)

    def __str__(self) -> str:
        return f"={self.formula}"

    __repr__ = __str__


# C0 controls (tab, line feed and carriage return are text in multi-line fields), DEL
# and C1 controls: refused in every text value of an import.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str, multiline: bool) -> str | None:
    """The first control character in `text` that the field may not hold, or None.
    Surrounding spaces and line breaks do not count (cells are stripped)."""
    found = (CONTROL_BUT_LINES if multiline else CONTROL).search(text.strip(" \t\r\n"))
    return found.group() if found else None


def without_controls(text: str, multiline: bool) -> str:
    return (CONTROL_BUT_LINES if multiline else CONTROL).sub("", text)


def loose(name: str) -> str:
    """A name without control characters and surrounding spaces: how an export written
    before control characters were refused shows a stored name."""
    return CONTROL.sub("", name).strip()


def unescape(value: str) -> str:
    """Undo `safe_cell`: drop the apostrophe it put before a formula character."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def raw_text(value: Any) -> str:
    """Any cell as text: whole numbers without ".0", dates as YYYY-MM-DD, newlines as \\n."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = unescape(str(value))
    return normalise_newlines(text).strip()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- parsers: raw cell -> Python value ------------------------------------------------------
Parser = Callable[[Any], Any]


def text(value: Any) -> str:
    return raw_text(value)


def boolean(value: Any) -> bool | None:
    """Ja/Nej (and yes/no, true/false, 1/0, x); an empty cell is None (the default)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = raw_text(value).casefold()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is neither Yes nor No.") % {"value": raw_text(value)})


def date(value: Any) -> dt.date | None:
    """A date as YYYY-MM-DD (or an Excel date cell); empty is None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = raw_text(value)
    if not raw:
        return None
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?", raw)
    try:
        if match:
            return dt.date.fromisoformat(match.group(1))
    except ValueError:
        pass
    return _bad_date(raw)


def _bad_date(raw: str) -> dt.date:
    raise CellError(_("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": raw})


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw_text(value)})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = raw_text(value).replace("\u00a0", "").replace(" ", "")
    if not raw:
        return None
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    raise CellError(_("“%(value)s” is not a whole number.") % {"value": raw_text(value)})


def name_list(value: Any) -> list[str]:
    """Names separated by semicolons or line breaks, each once, in the order given."""
    seen: dict[str, None] = {}
    for part in LIST_SEPARATOR.split(raw_text(value)):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def labels_of(choices: type[models.Choices], language: str = "sv") -> dict[str, str]:
    """code -> label in one language (read once per language and catalogue; not to be
    changed by the caller)."""
    key = (choices, language)
    found = _LABELS.get(key)
    if found is None:
        with translation.override(language):
            found = {str(value): str(label) for value, label in choices.choices}
        # The catalogue does not change while the process runs.
        _LABELS[key] = found
    return found


_LABELS: dict[tuple[Any, str], dict[str, str]] = {}


def choice(choices: type[models.Choices]) -> Parser:
    """A choice by its Swedish label, its English label or its code (case does not matter)."""

    def parse(value: Any) -> str | None:
        raw = raw_text(value)
        if not raw:
            return None
        wanted = raw.casefold()
        for language in ("sv", "en"):
            for code, label in labels_of(choices, language).items():
                if wanted in (label.casefold(), code.casefold()):
                    return code
        allowed = ", ".join(labels_of(choices, "sv").values())
        raise CellError(
            _("“%(value)s” is not one of the choices (%(allowed)s).")
            % {"value": raw, "allowed": allowed}
        )

    parse.choices = choices  # type: ignore[attr-defined]  # read by the templates' instructions
    return parse


# --- writing: Python value -> cell --------------------------------------------------------
def yes_no(value: bool) -> str:
    with translation.override("sv"):
        return _("Yes") if value else _("No")


def choice_label(choices: type[models.Choices], code: str) -> str:
    return labels_of(choices, "sv").get(code, code)


def date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def join_names(names: Iterable[str]) -> str:
    return "; ".join(sorted(names, key=sort_key))


def sort_key(value: Any) -> tuple[str, str]:
    """A collation that is the same on every database: case-folded, then exact."""
    text_value = "" if value is None else str(value)
    return (text_value.casefold(), text_value)
