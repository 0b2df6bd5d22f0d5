"""What an agenda item or a paragraph concerns: a generic reference (content type and
id) to a row of another part (a system, a service, the management plan, an agreement,
a risk analysis, an incident, a decision ... and a need or a change request once those
parts exist).

Every read goes through the target model's `visible_to`: the picker offers only rows the
user sees, a posted reference to anything else is refused, and a stored reference is
shown as a link only to those who see its target (others get a neutral text, never its
name or kind).

A part that wants its rows to be pickable declares them with `concern(...)` (from its
AppConfig.ready); the list below names the parts' models by label, and a model whose
app is not installed is simply left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q

PER_KIND = 15  # rows offered per kind in one search
MAX_QUERY = 100


@dataclass(frozen=True)
class ConcernKind:
    label: str  # "app_label.ModelName"
    search_fields: tuple[str, ...]


_DECLARED: dict[str, ConcernKind] = {}


def concern(label: str, *search_fields: str) -> None:
    """Declare that rows of `label` ("app_label.ModelName") may be linked from an agenda
    item or a paragraph, searched by `search_fields` (text fields)."""
    _DECLARED[label.lower()] = ConcernKind(label, tuple(search_fields))


# The parts that exist, and those the issue names for when they come (changes).
for _label, _fields in (
    ("changes.Need", ("title",)),
    ("changes.ChangeRequest", ("title",)),
    ("plans.ManagementPlan", ("name",)),
    ("register.Agreement", ("title", "reference")),
    ("compliance.RiskAnalysis", ("title",)),
    ("compliance.PersonalDataIncident", ("title",)),
    # A signed traffic-light report put on a council's agenda (compliance.services).
    ("compliance.AnnualReport", ()),
    ("support.Ticket", ("title",)),
    ("governance.Decision", ("number", "title")),
    ("register.ManagementObject", ("name",)),
    ("register.Service", ("name",)),
    ("register.System", ("name",)),
):
    concern(_label, *_fields)


def _model(kind: ConcernKind) -> type[Model] | None:
    app_label, _dot, name = kind.label.partition(".")
    try:
        model = apps.get_model(app_label, name)
    except LookupError:
        return None
    if not hasattr(model._default_manager, "visible_to"):
        return None
    return model


def kinds() -> list[tuple[ConcernKind, type[Model]]]:
    """The declared kinds whose models exist, in declaration order."""
    result = []
    for kind in _DECLARED.values():
        model = _model(kind)
        if model is not None:
            result.append((kind, model))
    return result


def key_of(obj: Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def _searchable(model: type[Model], fields: Iterable[str]) -> list[str]:
    names = []
    for name in fields:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        names.append(name)
    return names


def _visible(model: type[Model], user: Any, offered: bool = True) -> Any:
    """The rows the user sees; archived register items are not offered, but a stored
    reference to one still shows."""
    queryset = model._default_manager.visible_to(user)  # type: ignore[attr-defined]  # a ScopedQuerySet
    if offered and any(f.name == "archived_at" for f in model._meta.concrete_fields):
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def search(user: Any, query: str = "", per_kind: int = PER_KIND) -> list[tuple[str, list[Any]]]:
    """[(kind name, [(key, label), ...]), ...]: the rows the user sees whose searchable
    text contains the query (without a query: the first rows of each kind)."""
    query = query.strip()[:MAX_QUERY]
    groups = []
    for kind, model in kinds():
        fields = _searchable(model, kind.search_fields)
        queryset = _visible(model, user)
        if query:
            if not fields:
                continue
            condition = Q()
            for name in fields:
                condition |= Q(**{f"{name}__icontains": query})
            queryset = queryset.filter(condition)
        rows = [(key_of(obj), str(obj)) for obj in queryset[:per_kind]]
        if rows:
            groups.append((str(model._meta.verbose_name).capitalize(), rows))
    return groups


def resolve(user: Any, key: str) -> Model | None:
    """The row a picker value names, if it is of a declared kind and the user sees it."""
    label, _colon, pk = (key or "").partition(":")
    if not pk.isdigit():
        return None
    for _kind, model in kinds():
        if f"{model._meta.app_label}.{model._meta.model_name}" == label.lower():
            return _visible(model, user).filter(pk=int(pk)).first()
    return None


@dataclass(frozen=True)
class Shown:
    """A stored reference as one reader sees it: a link, or a neutral text."""

    label: str = ""
    url: str = ""

    @property
    def visible(self) -> bool:
        return bool(self.url or self.label)


HIDDEN = Shown()


def shown_to(user: Any, rows: Iterable[Any]) -> dict[int, Shown]:
    """{row pk: Shown} for rows (agenda items, paragraphs) with a `concerns_type_id` and
    `concerns_id`: one query per kind, each through the kind's `visible_to`. A row whose
    target the user cannot see (or that no longer exists) gets HIDDEN."""
    wanted: dict[int, set[int]] = {}
    rows = [r for r in rows if r.concerns_type_id and r.concerns_id]
    for row in rows:
        wanted.setdefault(row.concerns_type_id, set()).add(row.concerns_id)
    found: dict[tuple[int, int], Shown] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        declared = {m for _k, m in kinds()}
        if model is None or model not in declared or user is None:
            continue
        for obj in _visible(model, user, offered=False).filter(pk__in=ids):
            url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
            found[(type_id, obj.pk)] = Shown(label=str(obj), url=url)
    return {row.pk: found.get((row.concerns_type_id, row.concerns_id), HIDDEN) for row in rows}
