"""The UI's forms, prepared once per import.

A row is validated by the form the page uses (its fields, its `clean_*` methods and
`clean()`, the model's `clean()`), but the form is not rebuilt and its choice lists are
not queried again for every row: the first form of a run is built as the page builds it
(the user's scope, narrowed choice lists, fields disabled on edit), each choice list is
read once into a lookup by primary key, and every further row borrows those fields.

A value found in the lookup is one the page offers, so the model's own existence check
of that reference (a query per foreign key) is skipped; a value not found there falls
back to the field's own query (e.g. the current value of an edited row, kept as the page
keeps it). Uniqueness that a kind already knows from its bulk lookups (owner and name)
is checked from them (`UniqueProbe`); every other constraint is checked by the model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.forms.models import construct_instance


class UniqueProbe:
    """Checks one unique constraint of the model from what the run has already read."""

    def __init__(self, fields: set[str], check: Callable[[Any], None]) -> None:
        self.fields = fields
        self.check = check


def _key(value: Any) -> str:
    return str(getattr(value, "pk", value))


def _attach(field: forms.Field, cache: dict[str, Any]) -> None:
    """Answer the field's choice check from `cache`; fall back to its own query."""
    field.forvalta_cache = cache  # type: ignore[attr-defined]
    cls = type(field)
    if isinstance(field, forms.ModelMultipleChoiceField):

        def check_values(value: Any) -> Any:
            keys = [_key(v) for v in value]
            if all(k in cache for k in keys):
                return list(dict.fromkeys(cache[k] for k in keys))
            return cls._check_values(field, value)  # type: ignore[attr-defined]

        field._check_values = check_values  # type: ignore[attr-defined]
    else:

        def to_python(value: Any) -> Any:
            if value in field.empty_values:
                return None
            found = cache.get(_key(value))
            return found if found is not None else cls.to_python(field, value)

        field.to_python = to_python  # type: ignore[method-assign]


def _fast_class(form_class: Any) -> Any:
    class FastForm(form_class):  # type: ignore[misc, valid-type]
        def __init__(
            self,
            *,
            data: dict[str, Any],
            instance: Any,
            user: Any,
            fields: dict[str, forms.Field],
            probe: UniqueProbe | None,
        ) -> None:
            forms.BaseModelForm.__init__(self, data=data, instance=instance)
            self.user = user
            self.fields = dict(fields)
            self._hidden_current: dict[str, list[Any]] = {}
            self.probe = probe

        def _post_clean(self) -> None:
            opts = self._meta
            exclude = self._get_validation_exclusions()
            instance: Any = self.instance  # type: ignore[has-type]
            try:
                self.instance = construct_instance(self, instance, opts.fields, opts.exclude)
            except ValidationError as exc:
                self._update_errors(exc)
            checked = {
                name
                for name, field in self.fields.items()
                if getattr(field, "forvalta_cache", None) is not None
            }
            try:
                self.instance.full_clean(
                    exclude=exclude | checked, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                self._update_errors(exc)
            failed = {name for name in self._errors if name != NON_FIELD_ERRORS}
            covered: set[str] = set()
            if self.probe is not None and not self._errors:
                covered = self.probe.fields
                try:
                    self.probe.check(self.instance)
                except ValidationError as exc:
                    self._update_errors(exc)
            try:
                self.instance.validate_constraints(exclude=exclude | failed | covered)
            except ValidationError as exc:
                self._update_errors(exc)
            if self._validate_unique:
                self.validate_unique()

    FastForm.base_fields = {}
    FastForm.__name__ = FastForm.__qualname__ = f"Import{form_class.__name__}"
    return FastForm


class FormPlan:
    """One form class for one user during one run: built once, borrowed by every row."""

    def __init__(self, form_class: Any, user: Any) -> None:
        self.form_class = form_class
        self.user = user
        self.fast = _fast_class(form_class)
        self.caches: dict[str, dict[str, Any]] = {}
        self.fields: dict[bool, dict[str, forms.Field]] = {}

    def _fields(self, editing: bool, instance: Any) -> dict[str, forms.Field]:
        if editing not in self.fields:
            if editing:
                proto = self.form_class(user=self.user, instance=copy.copy(instance))
            else:
                proto = self.form_class(user=self.user)
            fields = dict(proto.fields)
            for name, field in fields.items():
                if not isinstance(field, forms.ModelChoiceField):
                    continue
                if name not in self.caches:
                    if editing:
                        # Choices of a new row (the edit form adds the row's own values).
                        self._fields(False, None)
                    if name not in self.caches:
                        self.caches[name] = {_key(o): o for o in field.queryset or ()}
                _attach(field, self.caches[name])
            self.fields[editing] = fields
        return self.fields[editing]

    def form(self, data: dict[str, Any], instance: Any, probe: UniqueProbe | None = None) -> Any:
        editing = instance is not None and instance.pk is not None
        fields = self._fields(editing, instance)
        form = self.fast(data=data, instance=instance, user=self.user, fields=fields, probe=probe)
        if editing:
            self._keep_current(form)
        return form

    def _keep_current(self, form: Any) -> None:
        """The current value of an edited row stays choosable (as on the page), even when
        the narrowed list does not offer it."""
        for name, field in list(form.fields.items()):
            cache = getattr(field, "forvalta_cache", None)
            if cache is None or name not in form.initial:
                continue
            current = form.initial[name]
            values = current if isinstance(current, list | tuple) else [current]
            ids = [_key(v) for v in values if v not in (None, "")]
            missing = [i for i in ids if i not in cache]
            if not missing:
                continue
            own = copy.copy(field)
            # scoping: allowed the row's current values stay choosable, as on its edit page
            manager = field.queryset.model._default_manager
            own.queryset = manager.filter(Q(pk__in=field.queryset.values("pk")) | Q(pk__in=missing))
            _attach(own, cache)
            form.fields[name] = own
