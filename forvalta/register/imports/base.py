"""What every kind of import shares: columns, reference lookups and the generic row step."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core.models import Organisation, Unit, User
from forvalta.core.tenancy import scope_for
from forvalta.core.validators import normalise_org_number
from forvalta.register.imports.engine import (
    SKIPPED,
    Context,
    RowFailed,
    RowResult,
    parse_row,
    save_with_form,
)
from forvalta.register.imports.forms import UniqueProbe
from forvalta.register.imports.values import CellError, Parser, loose, name_list, raw_text, text

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str

ORG_NUMBER = re.compile(r"\d{6}-?\d{4}|\d{8}-?\d{4}")


@dataclass(frozen=True)
class Column:
    """One column of a file: its fixed Swedish heading and how its cells are read.

    `field` is the form field the column feeds. `direct` columns go to the form as
    parsed; the others are references the kind resolves. An empty cell clears the
    value, except in `keep_blank` columns (choices, Yes/No, start dates), where it
    keeps what the register holds (or the default for a new row).
    """

    key: str
    heading: str
    parse: Parser = text
    required: bool = False
    field: str | None = None
    direct: bool = True
    keep_blank: bool = False
    help: StrOrPromise = ""
    aliases: tuple[str, ...] = ()

    @property
    def all_headings(self) -> tuple[str, ...]:
        return (self.heading, self.key, *self.aliases)


def not_found(value: str, what: StrOrPromise) -> CellError:
    # One message whether the thing does not exist or belongs to someone else: an import
    # must not tell a user what they cannot see.
    return CellError(
        _("“%(value)s” was not found among the %(what)s you can choose.")
        % {"value": value, "what": what}
    )


def org_ref(qs: models.QuerySet, raw: str) -> Any:
    """An organisation by organisation number (NNNNNN-NNNN) or by its exact name."""
    raw = raw.strip()
    if ORG_NUMBER.fullmatch(raw.replace(" ", "")):
        try:
            number = normalise_org_number(raw)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from exc
        obj = qs.filter(org_number=number).first()
    else:
        obj = qs.filter(name=raw).first() or _single(qs.filter(name__iexact=raw))
    if obj is None:
        raise not_found(raw, gettext_lazy("organisations"))
    return obj


def org_key(raw: Any) -> str:
    """A row key for an organisation reference: the number's digits, or the folded name."""
    value = raw_text(raw)
    compact = value.replace("-", "").replace(" ", "")
    if compact.isdigit():
        return compact[-10:]
    return value.casefold()


def by_name(
    qs: models.QuerySet, name: str, what: StrOrPromise, field: str = "name", actor: Any = None
) -> Any:
    """The row with this name (exactly, else the one whose name differs only in case).
    With `actor`, `qs` is unscoped and only rows the actor sees count."""

    def matches(lookup: str) -> list[Any]:
        rows = qs.filter(**{lookup: name}).order_by("pk")
        return seen_by(actor, rows) if actor is not None else list(rows[:2])

    found = matches(field)[:1] or matches(f"{field}__iexact")
    if len(found) != 1:
        raise not_found(name, what)
    return found[0]


def seen_by(actor: Any, qs: models.QuerySet) -> list[Any]:
    """The rows of an unscoped lookup (a few rows, by a natural key) that the actor sees,
    decided by the tenancy scope (`Scope.visible_among`)."""
    rows = list(qs[:50])
    seen = scope_for(actor).visible_among(type(rows[0]), rows) if rows else set()
    return sorted((r for r in rows if r.pk in seen), key=lambda r: r.pk)


def first_seen(actor: Any, qs: models.QuerySet) -> Any:
    found = seen_by(actor, qs)
    return found[0] if found else None


def name_index(ctx: Context, model: type[models.Model], owner_id: Any) -> dict[str, Any]:
    """An owner organisation's rows of `model`, read once per run (one query): by exact
    name, by case-folded name and by name without control characters (as older exports
    wrote it) among those the actor sees, and every name with its pk (for the uniqueness
    of names, which counts rows the actor does not see too).

    Only for runs that validate before they write: nothing changes the rows meanwhile."""
    key = ("names", model, owner_id)
    if key not in ctx.cache:
        manager: Any = model._default_manager
        rows = list(manager.filter(owner_organisation_id=owner_id).order_by("pk"))
        seen = scope_for(ctx.actor).visible_among(model, rows) if rows else set()
        exact: dict[str, list[Any]] = {}
        folded: dict[str, list[Any]] = {}
        loosely: dict[str, list[Any]] = {}
        for row in rows:
            if row.pk in seen:
                exact.setdefault(row.name, []).append(row)
                folded.setdefault(row.name.casefold(), []).append(row)
                if loose(row.name) != row.name:
                    loosely.setdefault(loose(row.name), []).append(row)
        taken = {row.name: row.pk for row in rows}
        ctx.cache[key] = {"exact": exact, "folded": folded, "loose": loosely, "taken": taken}
    return ctx.cache[key]


def indexed_by_name(
    ctx: Context, model: type[models.Model], owner: Any, name: str, what: StrOrPromise
) -> Any:
    """`by_name` among the owner's rows the actor sees, from the run's name index."""
    if owner is None:
        raise not_found(name, what)
    index = name_index(ctx, model, owner.pk)
    found = index["exact"].get(name) or []
    if not found:
        found = index["folded"].get(name.casefold()) or index["loose"].get(name) or []
        if len(found) != 1:
            raise not_found(name, what)
    return found[0]


def owner_name_probe(ctx: Context, model: type[models.Model]) -> UniqueProbe | None:
    """The model's unique (owner organisation, name), checked from the name index."""
    constraint = next(
        (
            c
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint)
            and set(c.fields) == {"owner_organisation", "name"}
            and c.condition is None
        ),
        None,
    )
    if constraint is None:
        return None

    def check(instance: Any) -> None:
        if instance.owner_organisation_id is None:
            return
        taken = name_index(ctx, model, instance.owner_organisation_id)["taken"]
        pk = taken.get(instance.name)
        if pk is not None and pk != instance.pk:
            raise ValidationError(constraint.get_violation_error_message())

    return UniqueProbe({"owner_organisation", "name"}, check)


def _single(qs: models.QuerySet) -> Any:
    found = list(qs[:2])
    return found[0] if len(found) == 1 else None


def ref(ctx: Context, field: str, obj: Any, raw: str, what: StrOrPromise) -> Any:
    """The pk the form gets for a reference found among what the user sees.

    The form then narrows as on the page (e.g. to objects the user manages); its
    "select a valid choice" is reported as "not found among … you can choose" for the
    value in the file (`engine.form_errors`), the same words as for a name that does not
    exist at all.
    """
    if obj is None:
        return None
    ctx.named.setdefault(field, (what, {}))[1][str(obj.pk)] = raw
    return obj.pk


class Kind:
    """One kind of row: systems, agreements … Subclasses declare columns and references."""

    key: str
    label: StrOrPromise
    sheet_title: str
    what: StrOrPromise  # plural noun for messages, e.g. "systems"
    model: type[models.Model]
    form_class: Any
    perm: str
    view_perm: str
    list_url: str
    columns: list[Column]
    create: Callable[..., Any]
    update: Callable[..., Any]
    # Rows build on earlier rows of the same file (units under units, people's managers):
    # a commit writes row by row through the services instead of validating first.
    sequential = False
    # The column naming the organisation a row belongs to (its owner, customer, or the
    # organisation a person or role acts for): a row of another organisation's is
    # skipped, not refused (`belongs_elsewhere`).
    owner_key: str | None = None

    # --- description ---------------------------------------------------------------------
    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headings(self) -> dict[str, str]:
        """form field -> heading, for messages."""
        return {c.field: c.heading for c in self.columns if c.field}

    def row_label(self, values: dict[str, Any]) -> str:
        return raw_text(values.get("name"))

    def is_multiline(self, column: Column) -> bool:
        """Whether the column's text may hold tabs and line breaks: lists, and the
        columns of multi-line fields (descriptions, notes)."""
        if column.parse is name_list:
            return True
        if not column.field:
            return False
        try:
            model_field = self.model._meta.get_field(column.field)
        except FieldDoesNotExist:
            return False
        return isinstance(model_field, models.TextField)

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...] | None:
        return None

    # --- one row -----------------------------------------------------------------------
    def process(self, ctx: Context, raw: dict[str, Any], result: RowResult) -> Any:
        """Read the row, resolve its references and write it. Every problem the row has
        (unreadable cells, unknown references) is reported together; a row with any
        problem writes nothing."""
        result.label = self.row_label({k: raw_text(v) for k, v in raw.items()})
        ctx.named = {}
        values, errors = parse_row(ctx, raw)
        if self.belongs_elsewhere(ctx, values):
            result.action = SKIPPED
            return None
        try:
            return self.apply(ctx, values, result, errors)
        except RowFailed as exc:
            raise RowFailed(errors + [e for e in exc.errors if e not in errors]) from exc
        except KeyError:
            if errors:  # a key column could not be read: its cell error says why
                raise RowFailed(errors) from None
            raise

    def belongs_elsewhere(self, ctx: Context, values: dict[str, Any]) -> bool:
        """Whether the file says the row belongs to an organisation the importer is not a
        member of. Decided from the file alone, before anything of the row is looked up,
        so a skipped row tells nothing of what the register holds for it. Someone of no
        organisation (the platform administrator) is told what the rules say instead."""
        if self.owner_key is None or not values.get(self.owner_key):
            return False
        own = scope_for(ctx.actor).org_ids
        if not own:
            return False
        try:
            org = directory_ref(ctx, values[self.owner_key])
        except CellError:
            return False  # not found: the row's own lookup says so
        return org.pk not in own

    def prepare(self, ctx: Context, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Read in bulk what the rows will look up, before the first row (optional)."""

    def probe(self, ctx: Context) -> UniqueProbe | None:
        """A uniqueness check the kind answers from its bulk lookups (optional)."""
        return None

    def apply(
        self, ctx: Context, values: dict[str, Any], result: RowResult, errors: list[str]
    ) -> Any:
        """Resolve and write a parsed row. Raise RowFailed before writing if `errors`."""
        self.check_duplicate(ctx, values)
        instance, refs = self.find(ctx, values)
        overlay = self.overlay(ctx, values, refs, instance)
        if errors:
            raise RowFailed([])
        obj, action, changes = save_with_form(
            ctx,
            form_class=self.form_class,
            model=self.model,
            instance=instance,
            overlay=overlay,
            create=self.create,
            update=self.update,
            headings=self.headings,
            keep=self.keeper(instance),
            probe=self.probe(ctx),
        )
        result.merge(action, changes)
        return obj

    def check_duplicate(self, ctx: Context, values: dict[str, Any]) -> None:
        key = self.row_key(values)
        if key is None:
            return
        seen = ctx.seen_keys
        if key in seen:
            raise RowFailed(
                [
                    _("Row %(row)d of the file already imports the same %(what)s.")
                    % {"row": seen[key], "what": self.what_one()}
                ]
            )
        seen[key] = ctx.current_row

    def what_one(self) -> str:
        return str(self.model._meta.verbose_name)

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError

    def overlay(
        self,
        ctx: Context,
        values: dict[str, Any],
        refs: dict[str, Any],
        instance: Any,
    ) -> dict[str, Any]:
        """Form data for the columns in the file: direct values, plus `refs` resolved."""
        data: dict[str, Any] = {}
        for column in self.columns:
            if not column.direct or column.field is None or column.key not in values:
                continue
            value = values[column.key]
            if value is None and column.keep_blank:
                continue
            data[column.field] = value
        return data

    def keeper(self, instance: Any) -> Callable[[dict[str, Any]], None] | None:
        return None

    def finish(self, ctx: Context, states: list[tuple[RowResult, Any]]) -> None:
        """A second pass over the rows (e.g. managers, who may come later in the file)."""

    # --- export ------------------------------------------------------------------------
    def export_rows(self, actor: Any) -> list[list[Any]]:
        """The rows of the actor's own register: what their organisations may import
        back (`own_org_ids`)."""
        raise NotImplementedError


def own_org_ids(actor: Any) -> frozenset[int] | None:
    """The organisations whose register the actor exports: those they are a member of.
    None for someone of no organisation (the platform administrator): what they see."""
    return scope_for(actor).org_ids or None


def owned_by(qs: models.QuerySet, actor: Any, field: str = "owner_organisation") -> Any:
    """`qs` (already `visible_to` the actor) narrowed to the actor's own organisations."""
    own = own_org_ids(actor)
    if own is None:
        return qs
    return qs.filter(**{f"{field}_id__in": sorted(own)})


class Resolver:
    """Collects reference errors of one row so that all of them are reported together."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.errors: list[str] = []

    def __call__(self, key: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except CellError as exc:
            self.errors.append(f"{self.kind.column(key).heading}: {exc}")
            return None

    def done(self) -> None:
        if self.errors:
            raise RowFailed(self.errors)


# --- shared references ----------------------------------------------------------------------
ORGANISATIONS = gettext_lazy("organisations")
UNITS = gettext_lazy("units")
PEOPLE = gettext_lazy("people")
OBJECTS = gettext_lazy("management objects")
SYSTEMS = gettext_lazy("systems")
SERVICES = gettext_lazy("services")
ROLES = gettext_lazy("roles")

ORG_NUMBER_HELP = gettext_lazy(
    "Organisation number, NNNNNN-NNNN (or the organisation's exact name)."
)
YES_NO_HELP = gettext_lazy("Ja or Nej. Empty keeps what the register holds (new rows: Nej).")


def directory(actor: Any) -> Any:
    return Organisation.objects.visible_to(actor)


def directory_ref(ctx: Context, raw: str) -> Any:
    """An organisation of the directory; looked up once per value and run (organisations
    are not created or renamed by any kind but the organisations import itself)."""
    cache = ctx.cache.setdefault("organisations", {})
    if ctx.kind.model is Organisation:
        return org_ref(directory(ctx.actor), raw)
    if raw not in cache:
        cache[raw] = org_ref(directory(ctx.actor), raw)
    return cache[raw]


def unit_paths(units: list[Unit]) -> dict[int, str]:
    """Each unit's path "A / B / C" without a query per level."""
    by_id = {u.pk: u for u in units}
    paths: dict[int, str] = {}
    for unit in units:
        names: list[str] = []
        node: Unit | None = unit
        while node is not None and len(names) < 20:
            names.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
        paths[unit.pk] = " / ".join(reversed(names))
    return paths


def unit_by_path(qs: Any, path: str) -> Unit:
    """A unit by its path "A / B / C" from the top of the organisation, or by a unique name."""
    node: Unit | None = None
    for part in (p.strip() for p in path.split(" / ")):
        node = qs.filter(parent=node, name=part).first()
        if node is None:
            break
    if node is not None:
        return node
    found = list(qs.filter(name=path.strip())[:2])
    if len(found) == 1:
        return found[0]
    raise not_found(path, UNITS)


def person_ref(qs: Any, raw: str, actor: Any = None) -> User:
    """A person by user name or e-mail address. With `actor`, `qs` is unscoped and only
    people the actor sees count."""
    raw = raw.strip()

    def matches(**lookup: Any) -> list[Any]:
        rows = qs.filter(**lookup).order_by("pk")
        return seen_by(actor, rows) if actor is not None else list(rows[:2])

    found = matches(username=raw)
    if not found and "@" in raw:
        found = matches(email__iexact=raw)
    if len(found) != 1:
        raise not_found(raw, PEOPLE)
    return found[0]
