#!/usr/bin/env python3
"""Fail when a view, viewset, export, feed or form fetches a scoped model other than
through `visible_to(user)`.

Reading goes through `Model.objects.visible_to(user)` (forvalta/core/scoping.py), so a
page, an API endpoint, an export, a feed or a form choice list can never show another
organisation's rows. This check reads the source (no Django needed) and reports:

- `Model.objects.<anything but visible_to>` for a scoped model (`.get`, `.filter`,
  `.all`, `.active`, `.none` ...);
- `<anything>._default_manager` / `._base_manager` not followed by `.visible_to`;
- `get_object_or_404(Model, ...)` / `get_list_or_404(Model, ...)` with a model class
  (give it `Model.objects.visible_to(user)` instead).

The scoped models are those declared in the apps' `scoping.py` (and core's
`tenancy.py`): `declare(Model, ...)`. A `queryset=Model.objects.all()` declared on a
form or filter field in the class body is accepted: ScopedModelForm and SearchFilterSet
scope every such choice list per request. Services, selectors, the scoping modules
themselves, migrations, management commands and tests are not checked: they are where
unscoped reads belong. A justified exception carries a comment on the line or the line
above: `# scoping: allowed <reason>`.

Usage: python scripts/check_scoping.py [paths ...]   (default: forvalta/)
Exit status 1 and one line per finding when anything is found.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW = re.compile(r"#\s*scoping:\s*allowed\s+\S")
FETCH_404 = {"get_object_or_404", "get_list_or_404"}

# Modules that show data to a user: views, viewsets, exports, feeds, forms and what
# they are built from (filters, tables, context processors).
CHECKED_NAME = re.compile(
    r"(views?|api|exports?|feeds?|forms?|filters|tables|opendata|context_processors|urls)\.py$"
)
CHECKED_PART = re.compile(r"(^|_)(views?|api|exports?|feeds?|forms?)(_|\.py$)")
# Where unscoped reads belong.
SKIPPED_NAME = {"services.py", "selectors.py", "scoping.py", "tenancy.py"}
SKIPPED_DIR = {"migrations", "management", "tests", "scoping", ".venv", "node_modules"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def scoped_models(root: Path) -> set[str]:
    """Names of the models declared in the apps' scoping modules: `declare(Model, ...)`."""
    names: set[str] = set()
    candidates = [*root.glob("forvalta/*/scoping.py"), *root.glob("forvalta/*/scoping/*.py")]
    candidates += [*root.glob("forvalta/*/tenancy.py")]
    for path in candidates:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "declare"
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                names.add(node.args[0].id)
    return names


def is_checked(path: Path) -> bool:
    if path.suffix != ".py" or path.name in SKIPPED_NAME:
        return False
    if SKIPPED_DIR & set(path.parts):
        return False
    return bool(CHECKED_NAME.search(path.name) or CHECKED_PART.search(path.name))


def _allowed(lines: list[str], line: int) -> bool:
    for number in (line, line - 1):
        if 1 <= number <= len(lines) and ALLOW.search(lines[number - 1]):
            return True
    return False


def check_source(source: str, path: str, models: set[str]) -> list[Finding]:
    tree = ast.parse(source, path)
    lines = source.splitlines()
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def rescoped_declaration(node: ast.AST) -> bool:
        """`queryset=Model.objects...` in a class body (a form or filter field): the
        base classes (ScopedModelForm, SearchFilterSet) re-point it at
        `visible_to(user)` on every request."""
        current: ast.AST | None = node
        in_queryset_keyword = False
        while current is not None:
            parent = parents.get(current)
            if isinstance(parent, ast.keyword) and parent.arg == "queryset":
                in_queryset_keyword = True
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return False
            if isinstance(parent, ast.ClassDef):
                return in_queryset_keyword
            current = parent
        return False

    def next_attribute(node: ast.AST) -> str | None:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return parent.attr
        return None

    findings: list[Finding] = []
    for node in ast.walk(tree):
        found: str | None = None
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            if isinstance(node.value, ast.Name) and node.value.id in models:
                after = next_attribute(node)
                if after != "visible_to" and not rescoped_declaration(node):
                    found = (
                        f"{node.value.id}.objects.{after or '...'} reads a scoped model "
                        "around its scope; use .objects.visible_to(user)"
                    )
        elif isinstance(node, ast.Attribute) and node.attr in {"_default_manager", "_base_manager"}:
            after = next_attribute(node)
            if after != "visible_to":
                found = f"{node.attr} reads around the scope; use .visible_to(user)"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FETCH_404
            and node.args
            and isinstance(node.args[0], ast.Name)
            and (node.args[0].id in models or node.args[0].id[:1].isupper())
        ):
            found = (
                f"{node.func.id}({node.args[0].id}, ...) fetches around the scope; "
                f"pass {node.args[0].id}.objects.visible_to(user)"
            )
        if found and not _allowed(lines, node.lineno):
            findings.append(Finding(path, node.lineno, found))
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.message))


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (
                p
                for p in sorted(path.rglob("*.py"))
                if is_checked(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
            )
        elif is_checked(path):
            yield path


def check_paths(paths: Iterable[Path], root: Path = ROOT) -> list[Finding]:
    models = scoped_models(root)
    if not models:
        return [Finding("forvalta", 0, "no scope declarations found (declare(Model, ...))")]
    findings: list[Finding] = []
    for path in _files(paths):
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        findings += check_source(path.read_text(encoding="utf-8"), str(shown), models)
    return findings


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or [ROOT / "forvalta"]
    findings = check_paths(paths)
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"{len(findings)} read(s) around the tenancy scope. Read through "
            "Model.objects.visible_to(user), or justify with '# scoping: allowed <reason>'.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
