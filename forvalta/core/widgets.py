"""Choice widgets that render their options in Python.

Django renders each <option> and each checkbox of a choice widget through a template
include (about 0.1 ms apiece); a list page's filter panel (owner organisation,
management object, lifecycle, criticality ...) spent more time on that than on its
table (bench/profile_page.py). These widgets give the same HTML as Django's templates
(django/forms/widgets/select.html, multiple_input.html, input_option.html), built with
`format_html`, so every value and label is escaped as before.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As django/forms/widgets/attrs.html, in the same order: True gives the bare name,
    False (and None) leave the attribute out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False and value is not None:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


class FastSelect(forms.Select):
    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.append(
                format_html_join(
                    "",
                    '\n  <option value="{}"{}>{}</option>',
                    ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in options),
                )
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        own = widget["attrs"]
        parts: list[str] = [
            format_html(
                "<div{}{}>",
                format_html(' id="{}"', own["id"]) if own.get("id") else "",
                format_html(' class="{}"', own["class"]) if own.get("class") else "",
            )
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("\n  <div><label>{}</label>", group))
            parts.extend(_checkbox(o) for o in options)
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


def _checkbox(option: dict[str, Any]) -> SafeString:
    tag = format_html(
        '<input type="{}" name="{}"{}{}>',
        option["type"],
        option["name"],
        format_html(' value="{}"', str(option["value"])) if option["value"] is not None else "",
        _attrs(option["attrs"]),
    )
    if option.get("wrap_label"):
        option_id = option["attrs"].get("id")
        tag = format_html(
            "<label{}>{} {}</label>",
            format_html(' for="{}"', option_id) if option_id else "",
            tag,
            option["label"],
        )
    return format_html("<div>\n    {}</div>", tag)


class ListedModelChoiceIterator(ModelChoiceIterator):
    """Reads a choice list in one plain query. Django's iterator uses
    `QuerySet.iterator()`, which on PostgreSQL outside a transaction declares a cursor
    WITH HOLD, fetches from it and closes it: three round trips for a list of a few
    hundred rows at most, which the page renders whole anyway."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


_LISTED: dict[type, type] = {ModelChoiceIterator: ListedModelChoiceIterator}


def _listed(cls: type) -> type:
    """`cls` reading its rows as ListedModelChoiceIterator does; a subclass's own
    additions (django-filter's "none" choice) stay, placed before it in the MRO."""
    if cls not in _LISTED:
        _LISTED[cls] = type(f"Listed{cls.__name__}", (cls, ListedModelChoiceIterator), {})
    return _LISTED[cls]


def speed_up(form: forms.BaseForm) -> None:
    """Swap the form's Select and CheckboxSelectMultiple widgets for the fast ones, and
    read model choice lists in one query."""
    for field in form.fields.values():
        widget = field.widget
        choices = getattr(widget, "choices", None)
        if isinstance(choices, ModelChoiceIterator):
            choices.__class__ = _listed(type(choices))
        if type(widget) is forms.Select:
            widget.__class__ = FastSelect
        elif type(widget) is forms.CheckboxSelectMultiple:
            widget.__class__ = FastCheckboxSelectMultiple


class LookupInput(forms.TextInput):
    """A search field with suggestions for a filter over a long list (systems, services,
    units): a native <datalist> that the list page fills as the person types
    (`?_choices=<field>`, forvalta.core.generic_views.ObjectListView), instead of a
    <select> of every row the person sees. The chosen row reads "Name (#id)"; without
    JavaScript the typed text filters by name."""

    input_type = "search"

    def format_value(self, value: Any) -> Any:
        """The chosen row as "Name (#id)", read through the field's (scoped) queryset,
        which ModelChoiceField hands its widget as `choices`; typed text as typed."""
        from forvalta.core.filters import lookup_label, lookup_pk

        if value in (None, ""):
            return None
        pk = lookup_pk(str(value))
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if pk is not None and queryset is not None:
            row = queryset.filter(pk=pk).first()
            if row is not None:
                return lookup_label(row)
        return str(value)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        from urllib.parse import urlencode

        attrs = self.build_attrs(self.attrs, attrs)
        list_id = f"{attrs.get('id') or name}-choices"
        attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": "?" + urlencode({"_choices": name}),
                "hx-trigger": "input changed delay:300ms, focus once",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                # The filter form pushes its URL; the suggestions are not a page.
                "hx-push-url": "false",
            }
        )
        shown = self.format_value(value)
        return format_html(
            '<input type="search" name="{}"{}{}>\n<datalist id="{}"></datalist>',
            name,
            format_html(' value="{}"', shown) if shown not in (None, "") else "",
            _attrs(attrs),
            list_id,
        )
