"""Running a file's rows through the register's own forms and rules.

Every row is validated by the form the UI uses for that kind (so choice lists are the
user's scope, narrowed as on the page; `forms.FormPlan` builds it once per run) and
checked against the same `rules` predicates as the UI's services, with one scope for the
whole run. Nothing is written while rows are validated: a preview only reads (no
transaction, no lock, no write but its own audit event afterwards). A commit validates
every row the same way and, when all are good, writes them in one transaction: each
row's own INSERT or UPDATE and its audit event (`record`), the way the services write.
Kinds whose rows build on earlier rows of the file (units, people) commit row by row
through their services instead, each row in a savepoint, in one transaction.

A row whose values already are what the register holds is "unchanged": nothing is
written for it, so importing the same file twice writes nothing the second time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from forvalta.audit.services import diff, record, snapshot
from forvalta.core.services import action_code, perm_name
from forvalta.core.tenancy import forget_scope, scope_for
from forvalta.register.imports.forms import FormPlan, UniqueProbe
from forvalta.register.imports.values import (
    CellError,
    FormulaWithoutValue,
    control_character,
    is_blank,
    normalise_newlines,
    yes_no,
)

if TYPE_CHECKING:
    from forvalta.register.imports.kinds import Kind
    from forvalta.register.imports.reading import Table

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
# A row of another organisation's: not the importer's to change, so left as it is (and
# nothing of what the register holds for it is looked at or shown).
SKIPPED = "skipped"


@dataclass
class Change:
    heading: str
    old: str
    new: str


@dataclass
class RowResult:
    number: int
    label: str = ""
    action: str = UNCHANGED
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, action: str, changes: Iterable[Change] = ()) -> None:
        """Several writes for one row (a person and their membership): the strongest wins."""
        order = [UNCHANGED, UPDATE, CREATE]
        if order.index(action) > order.index(self.action):
            self.action = action
        self.changes.extend(changes)


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: list[RowResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    committed: bool = False
    refused_rows: list[int] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, SKIPPED: 0, ERROR: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == ERROR]

    @property
    def has_errors(self) -> bool:
        return any(r.action == ERROR for r in self.rows)

    @property
    def has_changes(self) -> bool:
        return any(r.action in (CREATE, UPDATE) for r in self.rows)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.filename,
            "rows": len(self.rows),
            **self.counts,
            "error_rows": [r.number for r in self.error_rows][:100],
            # Refusals inside a rolled-back run lose their own access.denied event; the
            # summary, written outside that transaction, keeps them.
            "refused_rows": self.refused_rows[:100],
        }


class RowFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class _Rollback(Exception):
    pass


@dataclass
class Context:
    """What one run knows: who imports, which columns the file has, and what it has read
    (one scope, one form per kind, lookups by name) for the whole run."""

    actor: Any
    kind: Kind
    present: set[str]
    # False: validate every row and plan its write (a preview, or a commit's first pass);
    # True: write as each row is read (kinds whose rows build on earlier rows).
    writing: bool = False
    seen_keys: dict[Any, int] = field(default_factory=dict)
    current_row: int = 0
    result: Any = None
    cache: dict[Any, Any] = field(default_factory=dict)
    refused: list[int] = field(default_factory=list)
    # The row's references: form field -> (plural noun, {pk: value in the file}).
    named: dict[str, tuple[Any, dict[str, str]]] = field(default_factory=dict)
    forms: dict[Any, FormPlan] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    # Rows a validation run would have created, for later rows that refer to them.
    pending: dict[Any, Any] = field(default_factory=dict)
    # Told (phase, rows done, rows in all) as rows are checked ("checking") and written
    # ("writing"); a background import shows it as a progress bar.
    progress: Progress | None = None

    def tick(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)


Progress = Callable[[str, int, int], None]
CHECKING, WRITING = "checking", "writing"


# --- one run ------------------------------------------------------------------------------
def run_import(
    *,
    actor: Any,
    kind: Kind,
    table: Table,
    commit: bool,
    progress: Progress | None = None,
    finalise: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Preview (commit=False) or commit a file. Nothing stays written unless every row is
    good and commit is true.

    `progress(phase, done, total)` is told how far the run is; `finalise(report)` is
    called inside the commit's transaction, after the last row and the committed event:
    what it writes lands with the rows or not at all, and an exception from it rolls the
    whole import back (a background import marks its job done there).

    A preview only reads: no transaction, no lock, no write, no event but the preview's
    own. A commit validates every row the same way first, then writes the planned rows
    in one transaction (kinds whose rows build on earlier rows of the file, such as units
    and people, write row by row through their services instead)."""
    report = ImportReport(kind=kind.key, filename=table.filename, warnings=list(table.warnings))
    ctx = Context(actor=actor, kind=kind, present=set(table.present), progress=progress)
    try:
        if commit and kind.sequential:
            ctx.writing = True
            with transaction.atomic():
                _run_rows(ctx, report, table)
                if report.has_changes and not report.has_errors:
                    _committed(ctx, report, table)
                    if finalise is not None:
                        finalise(report)
                else:
                    raise _Rollback
        else:
            kind.prepare(ctx, table.rows)
            _run_rows(ctx, report, table)
            if commit and report.has_changes and not report.has_errors:
                with transaction.atomic():
                    _write_all(ctx)
                    _committed(ctx, report, table)
                    if finalise is not None:
                        finalise(report)
    except _Rollback:
        report.committed = False
    finally:
        forget_scope(actor)
    report.refused_rows = sorted(set(ctx.refused))
    if not commit or report.has_errors:
        record(
            actor=actor,
            action="register.import.previewed" if not commit else "register.import.rejected",
            object_type="register.import",
            object_repr=f"{kind.key}: {table.filename}"[:300],
            organisation=_organisation_of(actor),
            changes={k: [None, v] for k, v in report.summary().items()},
        )
    return report


def _run_rows(ctx: Context, report: ImportReport, table: Table) -> None:
    kind = ctx.kind
    states: list[tuple[RowResult, Any]] = []
    phase, total = (WRITING if ctx.writing else CHECKING), len(table.rows)
    ctx.tick(phase, 0, total)
    for done, (number, raw) in enumerate(table.rows, start=1):
        result = RowResult(number=number)
        report.rows.append(result)
        ctx.current_row = number
        ctx.result = result
        states.append((result, run_step(ctx, result, kind.process, ctx, raw, result)))
        ctx.tick(phase, done, total)
    kind.finish(ctx, states)


def _committed(ctx: Context, report: ImportReport, table: Table) -> None:
    report.committed = True
    record(
        actor=ctx.actor,
        action="register.import.committed",
        object_type="register.import",
        object_repr=f"{ctx.kind.key}: {table.filename}"[:300],
        organisation=_organisation_of(ctx.actor),
        changes={k: [None, v] for k, v in report.summary().items()},
    )


def run_step(ctx: Context, result: RowResult, step: Callable[..., Any], *args: Any) -> Any:
    """One step for a row; a failure marks the row as an error. When the run writes as it
    goes, the step runs in a savepoint of its own, so a failure rolls back only the step."""
    ctx.result = result
    try:
        if not ctx.writing:
            return step(*args)
        with transaction.atomic():
            return step(*args)
    except RowFailed as exc:
        result.errors.extend(exc.errors)
    except CellError as exc:
        result.errors.append(str(exc))
    except PermissionDenied as exc:
        result.errors.append(str(exc) or _("You do not have permission to do this."))
        ctx.refused.append(result.number)
    except ValidationError as exc:
        result.errors.extend(exc.messages)
    result.action = ERROR
    if ctx.writing:
        # The step's writes were rolled back: a scope computed after them is wrong now.
        forget_scope(ctx.actor)
    # A row that failed plans nothing.
    ctx.writes = [w for w in ctx.writes if w.result is not result]
    return None


def _organisation_of(actor: Any) -> Any:
    """The organisation an import event is filed under: the one the actor administers."""
    from forvalta.core.models import Organisation

    admin = scope_for(actor).admin_org_ids
    if len(admin) == 1:
        return Organisation.objects.filter(pk=next(iter(admin))).first()
    return None


# --- forms and services -------------------------------------------------------------------
def base_data(form_class: Any, instance: models.Model | None, model: type[models.Model]) -> dict:
    """The form's data for the row as the register holds it (or the model's defaults)."""
    obj = instance if instance is not None else model()
    names = [n for n, f in form_class.base_fields.items() if not isinstance(f, forms.FileField)]
    data = model_to_dict(obj, fields=names)
    for name, value in data.items():
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
    return data


def comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return frozenset(getattr(v, "pk", v) for v in value)
    if isinstance(value, str):
        return normalise_newlines(value).strip()
    return value


def display(instance: Any, name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return "; ".join(sorted(str(v) for v in value))
    try:
        model_field = instance._meta.get_field(name)
    except Exception:
        model_field = None
    if model_field is not None and getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def form_errors(
    form: forms.BaseForm, headings: dict[str, str], named: dict[str, Any] | None = None
) -> list[str]:
    messages: list[str] = []
    for name, errors in form.errors.as_data().items():
        label = headings.get(name) or (
            str(form.fields[name].label) if name in form.fields and form.fields[name].label else ""
        )
        for error in errors:
            texts = _reference_message(error, (named or {}).get(name)) or error.messages
            for text in texts:
                messages.append(f"{label}: {text}" if label and name != "__all__" else str(text))
    return messages


def _reference_message(error: ValidationError, named: Any) -> list[str] | None:
    """A reference the form does not offer, in the words used for one that does not exist."""
    if named is None or error.code not in ("invalid_choice", "invalid_pk_value"):
        return None
    from forvalta.register.imports.base import not_found

    what, raw_by_pk = named
    value = str((error.params or {}).get("value", (error.params or {}).get("pk", "")))
    raw = raw_by_pk.get(value) or "; ".join(raw_by_pk.values())
    return [str(not_found(raw, what))]


def validation_messages(exc: ValidationError, headings: dict[str, str]) -> list[str]:
    if hasattr(exc, "error_dict"):
        out = []
        for name, errors in exc.error_dict.items():
            label = headings.get(name, "")
            for error in errors:
                for message in error.messages:
                    out.append(f"{label}: {message}" if label else message)
        return out
    return list(exc.messages)


def save_with_form(
    ctx: Context,
    *,
    form_class: Any,
    model: type[models.Model],
    instance: models.Model | None,
    overlay: dict[str, Any],
    create: Callable[..., Any],
    update: Callable[..., Any],
    headings: dict[str, str],
    keep: Callable[[dict[str, Any]], None] | None = None,
    probe: UniqueProbe | None = None,
) -> tuple[Any, str, list[Change]]:
    """Validate `overlay` (form data for the columns in the file) with the UI's form and
    plan its write (validation run), or write it with the UI's service (a run that
    writes as it goes). Returns (object, action, changes).

    A row whose values are already exactly what the register holds writes nothing and
    needs no form: it is unchanged whatever the form would say.
    """
    if instance is not None and _same(instance, overlay):
        return instance, UNCHANGED, []
    data = base_data(form_class, instance, model)
    data.update(overlay)
    plan = ctx.forms.get(form_class)
    if plan is None:
        plan = ctx.forms[form_class] = FormPlan(form_class, ctx.actor)
    # The form writes onto its instance: give it a copy.
    form = plan.form(data, copy.copy(instance) if instance is not None else None, probe)
    if not form.is_valid():
        raise RowFailed(form_errors(form, headings, ctx.named))
    cleaned = dict(form.cleaned_data)
    if keep is not None:
        keep(cleaned)
    if instance is None:
        if not ctx.writing:
            return _plan_create(ctx, model, form.instance, cleaned), CREATE, []
        try:
            saved = create(actor=ctx.actor, data=cleaned)
        except ValidationError as exc:
            raise RowFailed(validation_messages(exc, headings)) from exc
        return saved, CREATE, []
    current = model_to_dict(instance, fields=list(overlay))
    changes: list[Change] = []
    for name in overlay:
        if name not in cleaned or name not in current:
            continue
        field_ = form.fields.get(name)
        wanted = cleaned[name]
        if field_ is not None and field_.disabled:
            # A disabled field keeps its value in the form; a file that asks to change it
            # is told so rather than silently ignored.
            try:
                wanted = field_.clean(overlay[name])
            except ValidationError:
                wanted = overlay[name]
            if comparable(wanted) != comparable(current[name]):
                raise RowFailed(
                    [
                        _("%(heading)s: cannot be changed here.")
                        % {"heading": headings.get(name, name)}
                    ]
                )
            continue
        if comparable(wanted) != comparable(current[name]):
            old = getattr(instance, name)
            if isinstance(old, models.Manager):
                old = list(old.all())
            changes.append(
                Change(
                    heading=headings.get(name, name),
                    old=display(instance, name, old),
                    new=display(instance, name, wanted),
                )
            )
    if not changes:
        return instance, UNCHANGED, []
    if not ctx.writing:
        _plan_update(ctx, model, instance, form.instance, cleaned)
        return instance, UPDATE, changes
    try:
        saved = update(actor=ctx.actor, instance=instance, data=cleaned)
    except ValidationError as exc:
        raise RowFailed(validation_messages(exc, headings)) from exc
    return saved, UPDATE, changes


# --- planned writes -----------------------------------------------------------------------
@dataclass
class Write:
    """A row's write, validated and permitted, carried out when the file is committed."""

    result: RowResult
    model: type[models.Model]
    instance: models.Model  # the new row, or the row with the file's values on it
    data: dict[str, Any]  # the form's cleaned data
    before: dict[str, Any] | None = None  # the stored row as validated (updates)
    check_after_m2m: bool = False


def _split(model: type[models.Model], data: dict[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in data.items() if k not in m2m_names}
    return plain, {k: v for k, v in data.items() if k in m2m_names}


def _refused() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this."))


def _plan_create(
    ctx: Context, model: type[models.Model], instance: models.Model, cleaned: dict[str, Any]
) -> models.Model:
    """The page's permission check for a new row, against the run's scope (the same
    `rules` predicates the service asks); nothing is written."""
    _plain, m2m = _split(model, cleaned)
    allowed = ctx.actor.has_perm(perm_name(model, "add"), instance)
    if not allowed and not m2m:
        raise _refused()
    # Rights that depend on what the row covers (M2M) are known once it is written.
    ctx.writes.append(Write(ctx.result, model, instance, cleaned, check_after_m2m=not allowed))
    return instance


def _plan_update(
    ctx: Context,
    model: type[models.Model],
    stored: models.Model,
    changed: models.Model,
    cleaned: dict[str, Any],
) -> None:
    perm = perm_name(model, "change")
    if not ctx.actor.has_perm(perm, stored) or not ctx.actor.has_perm(perm, changed):
        # Refused as the service refuses: the row, or the change, is out of reach.
        raise _refused()
    ctx.writes.append(Write(ctx.result, model, stored, cleaned, before=snapshot(stored)))


def _write_all(ctx: Context) -> None:
    """Carry out the planned writes in the surrounding transaction: each row's own INSERT
    or UPDATE and its audit event. Rows to update are locked and read again in one query
    per model; one that changed since it was validated stops the commit."""
    locked: dict[type[models.Model], dict[Any, models.Model]] = {}
    for model in {w.model for w in ctx.writes if w.before is not None}:
        pks = [w.instance.pk for w in ctx.writes if w.model is model and w.before is not None]
        found: dict[Any, models.Model] = {}
        manager: Any = model._default_manager
        for i in range(0, len(pks), 500):
            # Ordered by pk alone: a model ordered across a nullable relation (integrations
            # by their target's name) would join it, and PostgreSQL locks no outer join.
            found.update(manager.select_for_update().order_by("pk").in_bulk(pks[i : i + 500]))
        locked[model] = found
    total = len(ctx.writes)
    ctx.tick(WRITING, 0, total)
    for done, write in enumerate(ctx.writes, start=1):
        try:
            if write.before is None:
                _insert(ctx, write)
            else:
                _update(ctx, write, locked[write.model].get(write.instance.pk))
        except (RowFailed, PermissionDenied, ValidationError, IntegrityError) as exc:
            result = write.result
            result.action = ERROR
            if isinstance(exc, RowFailed):
                result.errors.extend(exc.errors)
            elif isinstance(exc, PermissionDenied):
                result.errors.append(str(exc))
                ctx.refused.append(result.number)
            elif isinstance(exc, ValidationError):
                result.errors.extend(exc.messages)
            else:
                result.errors.append(
                    _("The change conflicts with existing data and was not saved.")
                )
            raise _Rollback from exc
        ctx.tick(WRITING, done, total)


def _insert(ctx: Context, write: Write) -> None:
    model, instance = write.model, write.instance
    _plain, m2m = _split(model, write.data)
    instance.save(force_insert=True)
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    if write.check_after_m2m and not ctx.actor.has_perm(perm_name(model, "add"), instance):
        raise _refused()
    record(
        actor=ctx.actor,
        action=action_code(model, "created"),
        obj=instance,
        changes=diff({}, snapshot(instance)),
    )


def _update(ctx: Context, write: Write, fresh: models.Model | None) -> None:
    if fresh is None or snapshot(fresh) != write.before:
        raise RowFailed(
            [
                _(
                    "Someone changed or removed this row after the file was checked. "
                    "Upload the file again."
                )
            ]
        )
    model = write.model
    plain, m2m = _split(model, write.data)
    for name, value in plain.items():
        setattr(fresh, name, value)
    fresh.save()
    for name, values in m2m.items():
        getattr(fresh, name).set(values)
    if m2m and not ctx.actor.has_perm(perm_name(model, "change"), fresh):
        # What the row covers now would move it out of the actor's reach (as the service).
        raise _refused()
    changes = diff(write.before, snapshot(fresh))
    if changes:
        record(actor=ctx.actor, action=action_code(model, "updated"), obj=fresh, changes=changes)


def _same(instance: models.Model, overlay: dict[str, Any]) -> bool:
    names = {f.name for f in instance._meta.get_fields() if getattr(f, "concrete", False)}
    names |= {f.name for f in instance._meta.many_to_many}
    if not set(overlay) <= names:
        return False  # a form-only field (e.g. a new person's organisation)
    current = model_to_dict(instance, fields=list(overlay))
    return all(comparable(overlay[n]) == comparable(current.get(n)) for n in overlay)


def parse_row(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Parse every present column. Returns the values that could be read and the messages
    for the cells that could not (those columns are left out of the values)."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for column in ctx.kind.columns:
        if column.key not in ctx.present:
            continue
        cell = raw.get(column.key)
        if isinstance(cell, FormulaWithoutValue):
            errors.append(
                _(
                    "%(heading)s: the cell holds a formula (%(formula)s) that has no computed "
                    "value. Open the file in Excel, save it and upload it again, or type the "
                    "value."
                )
                % {"heading": column.heading, "formula": str(cell)[:100]}
            )
            continue
        if isinstance(cell, str):
            bad = control_character(cell, ctx.kind.is_multiline(column))
            if bad is not None:
                errors.append(
                    _(
                        "%(heading)s: contains a control character (U+%(code)04X) that cannot "
                        "be stored. Remove it and try again."
                    )
                    % {"heading": column.heading, "code": ord(bad)}
                )
                continue
        try:
            value = column.parse(cell)
        except CellError as exc:
            errors.append(f"{column.heading}: {exc}")
            continue
        if column.required and is_blank(value if not isinstance(value, list) else "".join(value)):
            errors.append(_("%(heading)s: must be filled in.") % {"heading": column.heading})
            continue
        values[column.key] = value
    return values, errors
