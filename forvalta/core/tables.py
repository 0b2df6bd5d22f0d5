"""Table bases (django-tables2) and the core tables."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from typing import Any, ClassVar

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils

from forvalta.core.models import Membership, Organisation, Unit, User

# django-tables2 asks `inspect.signature` of every render method, accessor and link
# callable for every cell (about 200 times for a page of 25 rows); the answer depends
# only on the function, so it is kept per function (and whether it is bound). The
# cache is bounded by the functions in the code (columns' methods, module-level lambdas).
_signature = tables_utils.signature
_signatures: dict[tuple[Any, bool], tuple[tuple[str, ...], str | None]] = {}


def _cached_signature(fn: Any) -> tuple[tuple[str, ...], str | None]:
    if isinstance(fn, types.MethodType):
        key = (fn.__func__, True)
    elif isinstance(fn, types.FunctionType):
        key = (fn, False)
    else:  # another callable (a partial, an object): not cached
        return _signature(fn)
    found = _signatures.get(key)
    if found is None:
        found = _signatures[key] = _signature(fn)
    return found


tables_utils.signature = _cached_signature


class YesNoColumn(tables.BooleanColumn):
    """Ja/Nej on the page and in exports alike (not True/False)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("yesno", (_("Yes"), _("No")))
        super().__init__(**kwargs)

    def value(self, record: Any, value: Any, bound_column: Any) -> str:
        return str(self.yesno[int(not self._get_bool_value(record, value, bound_column))])


# The cell of an empty value: the interface's one empty mark (an en dash), also the
# tables' `Column.default` (BaseTable.Meta). Exports leave empty cells empty.
EMPTY_CELL = "\u2013"

CellRenderer = Callable[[Any], str]


def text_cell(get: Callable[[Any], Any]) -> CellRenderer:
    """A plain cell: the value as text, escaped; the empty mark for None or ""."""

    def render(record: Any) -> str:
        value = get(record)
        if value is None or value == "":
            return EMPTY_CELL
        return conditional_escape(str(value))

    return render


def link_cell(get: Callable[[Any], Any]) -> CellRenderer:
    """A linked cell (`linkify=True`): the value's text linked to its own page."""

    def render(record: Any) -> str:
        value = get(record)
        if value is None or value == "":
            return EMPTY_CELL
        target = value if hasattr(value, "get_absolute_url") else record
        return format_html('<a href="{}">{}</a>', target.get_absolute_url(), value)

    return render


def yes_no_cell(get: Callable[[Any], Any]) -> CellRenderer:
    """A `YesNoColumn` cell: Ja/Nej in a span classed true/false."""
    yes, no = _("Yes"), _("No")

    def render(record: Any) -> str:
        value = bool(get(record))
        return format_html('<span class="{}">{}</span>', str(value).lower(), yes if value else no)

    return render


class DateColumn(tables.DateColumn):
    """A date as the interface shows it ("16 jan. 2027", forvalta/formats); ISO in
    exports, and an empty cell (not the empty mark) where there is no date."""

    def value(self, value: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return value.isoformat() if isinstance(value, dt.date) else ""


def _two_steps(qs: QuerySet) -> bool:
    """Whether a page of `qs` may be read as its ids, then its rows by id: model rows,
    no grouping, no window of its own (it would restart on the second read), no extra
    tables or combined queries."""
    from django.db.models.query import ModelIterable

    query = qs.query
    return (
        qs._iterable_class is ModelIterable
        and query.group_by is None
        and not query.combinator
        and not query.extra_tables
        and not any(getattr(a, "contains_over_clause", False) for a in query.annotations.values())
    )


class WindowCountPaginator(Paginator):
    """Counts the matching rows in the page's ids query (`COUNT(*) OVER ()`), so a list
    page costs two queries for its rows and its count (the ids with the count, then the
    page's rows whole), whatever the number of rows.

    Only for a table over a queryset without DISTINCT (the window counts rows before
    DISTINCT); otherwise, and when the page asked for lies past the end (no row to
    carry the count), it counts the ordinary way.
    """

    _window_total: int | None = None

    def _queryset(self) -> QuerySet | None:
        if isinstance(self.object_list, QuerySet):  # the API's pagination
            qs: Any = self.object_list
        else:  # django-tables2's BoundRows over its TableQuerysetData
            qs = getattr(getattr(self.object_list, "data", None), "data", None)
        if isinstance(qs, QuerySet) and not qs.query.distinct and not qs.query.is_sliced:
            return qs
        return None

    @property
    def count(self) -> int:  # type: ignore[override]  # a property like Django's
        if self._window_total is None:
            self._window_total = int(super().count)
        return self._window_total

    def page(self, number: Any) -> Page:
        qs = self._queryset()
        if qs is None or self.orphans:
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        counted = qs.annotate(_window_total=Window(Count("*")))
        if _two_steps(qs):
            # Two steps: the page's ids and the count over narrow rows (the sort keys and
            # the ids, not every joined column of every matching row, which the window
            # would otherwise hold and sort), then those rows whole, with their joins and
            # per-row subqueries: the same queryset, its conditions and scope included,
            # narrowed to the ids.
            ids = list(counted.values_list("pk", "_window_total")[bottom : bottom + self.per_page])
            total = ids[0][1] if ids else 0
            page_rows = qs.order_by().filter(pk__in=[pk for pk, _t in ids])
            by_pk = {row.pk: row for row in page_rows}
            rows = [by_pk[pk] for pk, _t in ids if pk in by_pk]
        else:  # one query, the window over its rows
            rows = list(counted[bottom : bottom + self.per_page])
            total = rows[0]._window_total if rows else 0
        if not rows:
            if number == 1 and self.allow_empty_first_page:
                self._window_total = 0
                return Page([], number, self)
            return super().page(number)  # counts, then EmptyPage past the end
        self._window_total = total
        if isinstance(self.object_list, QuerySet):
            return Page(rows, number, self)
        rows_of_table: Any = self.object_list  # django-tables2's BoundRows
        bound = tables.rows.BoundRows(data=rows, table=rows_of_table.table)
        return Page(bound, number, self)


class BaseTable(tables.Table):
    """Sortable, paginated; `as_values()` feeds the CSV/Excel export.

    A table may declare `fast_cells`, one renderer per column name (record -> escaped
    HTML): when every shown column has one, the page's rows are rendered by those
    functions (`fast_rows`) instead of django-tables2's per-cell machinery (a bound
    cell, accessor resolution and signature inspection per cell). A test compares both
    renderings cell by cell; exports keep using the table.
    """

    export_exclude: tuple[str, ...] = ()
    fast_cells: ClassVar[dict[str, CellRenderer]] = {}
    # The name of the table's scroll region (core/table.html): the list's or the
    # section's title, set by the view; the model's plural name otherwise.
    _region_label: Any = None

    @property
    def region_label(self) -> Any:
        if self._region_label:
            return self._region_label
        model = getattr(self._meta, "model", None)
        return model._meta.verbose_name_plural if model is not None else _("Table")

    @region_label.setter
    def region_label(self, value: Any) -> None:
        self._region_label = value

    def fast_rows(self) -> list[list[SafeString]] | None:
        page = getattr(self, "page", None)
        if page is None or not self.fast_cells:
            return None
        renderers = []
        for column in self.columns:
            renderer = self.fast_cells.get(column.name)
            if renderer is None or column.localize is not None:
                return None
            renderers.append(renderer)
        return [
            [SafeString(render(row.record)) for render in renderers] for row in page.object_list
        ]

    class Meta:
        attrs = {"class": "table"}
        template_name = "core/table.html"
        empty_text = _("Nothing to show.")
        default = EMPTY_CELL


class OrganisationTable(BaseTable):
    name = tables.Column(linkify=True)
    short_name = tables.Column()
    kind = tables.Column()
    org_number = tables.Column()
    is_active = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = Organisation
        fields = ("name", "short_name", "kind", "org_number", "is_active")


class UnitTable(BaseTable):
    name = tables.Column(linkify=True)
    parent = tables.Column()
    organisation = tables.Column()
    code = tables.Column()
    is_active = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = Unit
        fields = ("name", "parent", "organisation", "code", "is_active")


class UserTable(BaseTable):
    name = tables.Column(
        accessor="last_name",
        verbose_name=_("name"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("last_name", "first_name"),
    )
    username = tables.Column()
    email = tables.EmailColumn()

    class Meta(BaseTable.Meta):
        model = User
        fields = ("name", "username", "email")

    def render_name(self, record: Any) -> str:
        return str(record)

    def value_name(self, record: Any) -> str:
        return str(record)


class MembershipTable(BaseTable):
    user = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("person"))
    organisation = tables.Column()
    unit = tables.Column()
    title = tables.Column()
    manager = tables.Column()
    is_org_admin = YesNoColumn()
    valid_from = DateColumn()
    valid_to = DateColumn()

    class Meta(BaseTable.Meta):
        model = Membership
        fields = (
            "user",
            "organisation",
            "unit",
            "title",
            "manager",
            "is_org_admin",
            "valid_from",
            "valid_to",
        )
        order_by = ("user",)
