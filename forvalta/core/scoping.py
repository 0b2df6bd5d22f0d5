"""How each scoped model is reached, declared per model and resolved into one query.

Every model with `objects.visible_to(user)` declares its rule in its app's
`scoping.py`, imported from the app's `AppConfig.ready()`:

    declare(Environment, ThroughParent("system"))
    declare(LogReviewCase, AnyOf(NeedToKnow("reviewer", "readers"), OrganisationPrivate("owner")))
    declare(System, Custom(system_condition))

`ScopedQuerySet.visible_to(user)` looks the rule up and filters by it. A rule turns the
user into a condition (`Q`) built from the user's own handful of organisations and
subqueries (`IN (SELECT ...)`, `EXISTS`): the rows a user sees are never fetched into
Python and sent back as a list of ids, so `Model.objects.visible_to(user)` is one SQL
statement whatever the number of visible rows.

Core knows no app's models: an app declares its own models, and may widen a model of
another app (`widen(User, ...)`: the people holding roles on what the user sees are
visible too). A model with `visible_to` and no declaration is an error
(`ImproperlyConfigured`), and a test checks every installed model.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

# A condition that matches nothing, without a query (`pk__in=[]` is answered by Django
# without touching the database).
NOTHING = Q(pk__in=[])


def any_of(conditions: Iterable[Q]) -> Q:
    """OR the conditions, leaving out those that match nothing."""
    result: Q | None = None
    for condition in conditions:
        if condition == NOTHING:
            continue
        result = condition if result is None else result | condition
    return NOTHING if result is None else result


class Rule:
    """How the rows of one model are reached by a user."""

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        raise NotImplementedError


def _is_multivalued(model: type[models.Model], path: str) -> bool:
    """Whether a lookup path crosses a to-many relation (and so could repeat rows)."""
    current: Any = model
    for name in path.split("__"):
        try:
            field = current._meta.get_field(name)
        except Exception:  # a lookup such as "pk" or "id" at the end of the path
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        current = field.related_model
    return False


def _rows_where(model: type[models.Model], path: str, value: Any, lookup: str = "") -> Q:
    """`path <lookup> value`, as a subquery when the path would repeat rows."""
    key = f"{path}__{lookup}" if lookup else path
    if _is_multivalued(model, path):
        return Q(pk__in=model._base_manager.filter(**{key: value}).values("pk"))
    return Q(**{key: value})


@dataclass(frozen=True)
class OrganisationPrivate(Rule):
    """Rows of one organisation, seen by the members of that organisation only.

    `path` leads to the organisation (a foreign key or a longer lookup path).
    """

    path: str = "organisation"

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        if not scope.org_ids:
            return NOTHING
        return _rows_where(model, self.path, sorted(scope.org_ids), "in")


@dataclass(frozen=True)
class ThroughParent(Rule):
    """Rows seen with their parent: `path` is a foreign key (or lookup path) to a model
    that is itself scoped; a row is visible when its parent is."""

    path: str

    def parent_model(self, model: type[models.Model]) -> type[models.Model]:
        current: Any = model
        for name in self.path.split("__"):
            current = current._meta.get_field(name).related_model
        return current

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        parent = self.parent_model(model)
        parent_condition = rule_for(parent).condition(parent, user, scope)
        if parent_condition == NOTHING:
            return NOTHING
        visible = parent._base_manager.filter(parent_condition).values("pk")
        return _rows_where(model, self.path, visible, "in")


@dataclass(frozen=True)
class NeedToKnow(Rule):
    """Rows that name their viewers: visible to the people a field names (a foreign key
    or many-to-many to users, or a longer path ending at users), and to no one else."""

    paths: tuple[str, ...]

    def __init__(self, *paths: str) -> None:
        if not paths:
            raise ImproperlyConfigured("NeedToKnow needs at least one path to the viewers.")
        object.__setattr__(self, "paths", tuple(paths))

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        if user is None or not user.is_authenticated or not user.is_active:
            return NOTHING
        return any_of(_rows_where(model, path, user.pk) for path in self.paths)


@dataclass(frozen=True)
class Custom(Rule):
    """A rule the app writes itself: `function(user, scope)` returns a `Q` built from
    subqueries (never from Python sets of visible ids).

    The function may read from Python only the user and the facts that key the compiled
    SQL (`_scope_key`: the user, their organisations and administrator rights, and the
    day); everything else (roles, participations, agreements) must stay a subquery, or
    the SQL kept for the rest of the day would not see it change.
    """

    function: Callable[[Any, Any], Q]

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        return self.function(user, scope)


@dataclass(frozen=True)
class AnyOf(Rule):
    """Visible under any of the rules."""

    rules: tuple[Rule, ...]

    def __init__(self, *rules: Rule) -> None:
        object.__setattr__(self, "rules", tuple(rules))

    def condition(self, model: type[models.Model], user: Any, scope: Any) -> Q:
        return any_of(rule.condition(model, user, scope) for rule in self.rules)


_RULES: dict[type[models.Model], Rule] = {}
_WIDENINGS: dict[type[models.Model], list[Rule]] = {}


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model or model


def declare(model: type[models.Model], rule: Rule) -> None:
    """Declare how the rows of `model` are reached (once per model)."""
    model = _concrete(model)
    existing = _RULES.get(model)
    if existing is not None and existing != rule:
        raise ImproperlyConfigured(f"{model.__name__} already declares its scope.")
    _RULES[model] = rule
    forget_compiled_conditions()


def widen(model: type[models.Model], rule: Rule) -> None:
    """Let another app add a way in to a model it does not own (ORed with the
    model's own rule)."""
    rules = _WIDENINGS.setdefault(_concrete(model), [])
    if rule not in rules:
        rules.append(rule)
        forget_compiled_conditions()


def rule_for(model: type[models.Model]) -> Rule:
    model = _concrete(model)
    try:
        rule = _RULES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no scope declaration; declare it in its app's scoping.py "
            "(forvalta.core.scoping.declare)."
        ) from None
    extra = _WIDENINGS.get(model)
    return AnyOf(rule, *extra) if extra else rule


def is_declared(model: type[models.Model]) -> bool:
    return _concrete(model) in _RULES


def declared_models() -> Iterable[type[models.Model]]:
    return list(_RULES)


def condition_for(model: type[models.Model], user: Any) -> Q:
    """The condition a row of `model` must meet to be visible to `user`."""
    from forvalta.core.tenancy import scope_for

    return rule_for(model).condition(model, user, scope_for(user))


_QS = TypeVar("_QS", bound=models.QuerySet)


def scope_queryset(queryset: _QS, user: Any) -> _QS:
    """Filter a queryset to the rows `user` sees."""
    model = _concrete(queryset.model)
    condition = condition_for(model, user) if model not in _COMPILED_MODELS else None
    if condition is not None and not _has_subquery(condition):
        if condition == NOTHING:
            return queryset.none()
        return queryset.filter(condition)
    _COMPILED_MODELS.add(model)
    compiled = _compiled_condition(model, user, queryset.db, condition)
    if compiled is None:
        return queryset.none()
    # The SQL is Django's own compilation of the declared rule, with its parameters.
    return queryset.filter(pk__in=RawSQL(*compiled))  # noqa: S611


# --- compiled conditions -------------------------------------------------------------------
# A condition with subqueries costs Django 5-20 ms to build and resolve (the register's
# system rule has a dozen nested subqueries; measured with bench/profile_page.py), on
# every page, for the list and for each choice list. The SQL it yields depends only on
# the model, the user's scope facts (user, organisations, administrator rights) and the
# day (`active()` compares with today): rows are decided by the database when the query
# runs. So the SQL is kept per that key and reused as `pk IN (<sql>)`.
_COMPILED_MAX = 4096
_COMPILED: OrderedDict[tuple[Any, ...], tuple[str, tuple[Any, ...]] | None] = OrderedDict()
_COMPILED_LOCK = threading.Lock()
# Models whose condition has subqueries (learnt on first use; simple conditions, such as
# one organisation's own rows, stay inline where indexes serve them best).
_COMPILED_MODELS: set[type[models.Model]] = set()


def _has_subquery(condition: Q) -> bool:
    for child in condition.children:
        if isinstance(child, Q):
            if _has_subquery(child):
                return True
        elif isinstance(child, tuple) and isinstance(
            child[1], models.QuerySet | Query | models.Expression
        ):
            return True
    return False


def _scope_key(model: type[models.Model], user: Any, using: str) -> tuple[Any, ...]:
    from forvalta.core.models import today
    from forvalta.core.tenancy import scope_for

    scope = scope_for(user)
    return (
        model,
        using,
        getattr(user, "pk", None),
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
        tuple(sorted(scope.org_ids)),
        tuple(sorted(scope.admin_org_ids)),
        bool(scope.is_platform_admin),
        today(),
    )


def _compiled_condition(
    model: type[models.Model], user: Any, using: str, condition: Q | None
) -> tuple[str, tuple[Any, ...]] | None:
    """`SELECT pk FROM model WHERE <condition>` as (sql, params), or None for nothing."""
    key = _scope_key(model, user, using)
    with _COMPILED_LOCK:
        if key in _COMPILED:
            _COMPILED.move_to_end(key)
            return _COMPILED[key]
    # Built after the key is taken (never reuse a condition built before it), so that
    # the day in the key is never later than the day in the SQL.
    condition = condition_for(model, user)
    compiled: tuple[str, tuple[Any, ...]] | None = None
    if condition != NOTHING:
        query = model._base_manager.filter(condition).order_by().values("pk").query
        sql, params = query.get_compiler(using=using).as_sql()
        compiled = (sql, tuple(params))
    if _scope_key(model, user, using) != key:
        # Midnight passed while the condition was built (it may carry either day's
        # date): use it for this query, but keep nothing.
        return compiled
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return compiled


def compiled_query(
    label: str, user: Any, build: Callable[[], models.QuerySet], using: str = "default"
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of a user's page query built from the scope, kept like the conditions.

    `build()` must depend only on the user's scope facts and the day (the key of
    `_scope_key`) and on constants: e.g. the home page's "my systems with gaps" is the
    user's roles and organisations as subqueries; the rows come when it runs.
    """
    key = (label, *_scope_key(models.Model, user, using)[1:])
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    try:
        sql, params = build().query.get_compiler(using=using).as_sql()
    except EmptyResultSet:
        # Matches nothing (e.g. a user of no organisation): a query that finds no row.
        sql, params = "SELECT NULL WHERE FALSE", ()
    compiled = (sql, tuple(params))
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return compiled


def forget_compiled_conditions() -> None:
    """Drop the kept SQL: a rule was declared or widened."""
    with _COMPILED_LOCK:
        _COMPILED.clear()
        _COMPILED_MODELS.clear()


def visible_rows(model: type[models.Model], user: Any) -> models.QuerySet:
    """The visible rows of `model`, from its base manager (for use as a subquery)."""
    return scope_queryset(model._base_manager.all(), user)


def visible_ids(model: type[models.Model], user: Any) -> models.QuerySet:
    """A subquery of the ids `user` sees: use it as `field__in=visible_ids(...)`."""
    return visible_rows(model, user).values("pk")


class ScopedQuerySet(models.QuerySet):
    """A queryset whose `visible_to(user)` applies the model's declared rule."""

    def visible_to(self, user: Any) -> Any:
        return scope_queryset(self, user)


__all__ = [
    "NOTHING",
    "AnyOf",
    "Custom",
    "NeedToKnow",
    "OrganisationPrivate",
    "Rule",
    "ScopedQuerySet",
    "ThroughParent",
    "any_of",
    "condition_for",
    "declare",
    "declared_models",
    "is_declared",
    "rule_for",
    "scope_queryset",
    "visible_ids",
    "visible_rows",
    "widen",
]
