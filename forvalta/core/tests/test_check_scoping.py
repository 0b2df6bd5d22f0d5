"""The lint check that every view, viewset, export, feed and form reads scoped models
through `visible_to` (scripts/check_scoping.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "check_scoping.py"

_spec = importlib.util.spec_from_file_location("check_scoping", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_scoping = importlib.util.module_from_spec(_spec)
sys.modules["check_scoping"] = check_scoping
_spec.loader.exec_module(check_scoping)

MODELS = {"System", "Unit", "Organisation"}


def findings(source: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in check_scoping.check_source(source, "views.py", MODELS)]


def test_the_code_base_reads_only_through_the_scope():
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_scoped_models_are_read_from_the_declarations():
    models = check_scoping.scoped_models(ROOT)
    assert {"ManagementObject", "System", "Integration", "Unit", "User", "AuditEvent"} <= models
    assert "RoleType" not in models


def test_bad_reads_are_found():
    bad = """
from django.shortcuts import get_object_or_404

def detail(request, pk):
    system = get_object_or_404(System, pk=pk)
    others = System.objects.filter(name="x")
    every = System.objects.all()
    unit = Unit.objects.get(pk=pk)
    raw = request.model._default_manager.filter(pk=pk)
    base = System._base_manager.all()
    listed = get_list_or_404(Unit, organisation=1)
    return system, others, every, unit, raw, base, listed
"""
    assert [line for line, _ in findings(bad)] == [5, 6, 7, 8, 9, 10, 11]
    assert "get_object_or_404(System, ...)" in findings(bad)[0][1]


def test_reads_through_the_scope_and_justified_exceptions_pass():
    good = """
from django.shortcuts import get_object_or_404
from django import forms

class SystemForm(forms.Form):
    # Re-pointed at visible_to(user) by ScopedModelForm on every request.
    unit = forms.ModelChoiceField(queryset=Unit.objects.all())

def detail(request, pk):
    system = get_object_or_404(System.objects.visible_to(request.user), pk=pk)
    mine = request.model._default_manager.visible_to(request.user)
    # scoping: allowed open data: systems marked public by their owner
    public = System.objects.filter(is_public=True)
    roles = RoleType.objects.all()  # not a scoped model
    return system, mine, public, roles
"""
    assert findings(good) == []
    # A reason is required after "allowed".
    assert findings("x = System.objects.all()  # scoping: allowed\n") != []
    # A queryset built in a method is not a field declaration.
    in_method = """
class F:
    def limit(self):
        self.q = forms.ModelChoiceField(queryset=Unit.objects.all())
"""
    assert [line for line, _ in findings(in_method)] == [4]


def test_which_modules_are_checked():
    checked = check_scoping.is_checked
    for name in [
        "forvalta/register/views.py",
        "forvalta/register/import_views.py",
        "forvalta/register/api.py",
        "forvalta/core/exports.py",
        "forvalta/register/opendata.py",
        "forvalta/governance/feeds.py",
        "forvalta/core/forms.py",
        "forvalta/core/filters.py",
    ]:
        assert checked(Path(name)), name
    for name in [
        "forvalta/register/services.py",
        "forvalta/register/selectors.py",
        "forvalta/register/scoping.py",
        "forvalta/core/tenancy.py",
        "forvalta/register/migrations/0001_initial.py",
        "forvalta/register/management/commands/load_demo_data.py",
        "forvalta/register/tests/test_views.py",
        "forvalta/register/models.py",
    ]:
        assert not checked(Path(name)), name


def test_the_script_fails_the_build_on_a_bad_file(tmp_path):
    bad = tmp_path / "views.py"
    bad.write_text("def v(request, pk):\n    return System.objects.get(pk=pk)\n")
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SCRIPT), str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "views.py:2: System.objects.get reads a scoped model around its scope" in result.stdout
