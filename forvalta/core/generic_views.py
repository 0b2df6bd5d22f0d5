"""Generic list, detail, edit and delete views.

A concrete view declares its model, table, filterset, form and services; these
bases handle the tenancy scope, permissions (and recording refusals), htmx
partials, exports, messages and redirects. Model: NetBox's generic object views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import (
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View
from django_filters import FilterSet

from forvalta.audit.services import object_type_of, record
from forvalta.core import concurrency, list_preferences
from forvalta.core.exports import csv_response, export_filename, xlsx_response
from forvalta.core.services import perm_name
from forvalta.core.tables import WindowCountPaginator

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
else:
    StrOrPromise = str

PER_PAGE = 25


def deny(request: HttpRequest, model: type[models.Model], verb: str, obj: Any = None) -> None:
    """Record a refusal in the audit trail and raise PermissionDenied."""
    record(
        actor=request.user,
        action="access.denied",
        obj=obj if obj is not None and getattr(obj, "pk", None) else None,
        object_type=object_type_of(model()),
        object_repr=request.path[:300],
        changes={"attempted": [None, verb]},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def url_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


def safe_reverse(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class ScopedViewMixin(LoginRequiredMixin):
    """Fetches only through `visible_to`; anything else is a 404."""

    model: type[models.Model]
    request: HttpRequest
    kwargs: dict[str, Any]

    def base_queryset(self) -> QuerySet:
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]  # every scoped manager has it

    def get_object(self) -> Any:
        try:
            pk = int(self.kwargs["pk"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Http404 from exc
        try:
            return self.base_queryset().get(pk=pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def require(self, action: str, obj: Any = None) -> None:
        if not self.request.user.has_perm(perm_name(self.model, action), obj):
            deny(self.request, self.model, action, obj)

    def model_context(self) -> dict[str, Any]:
        meta = self.model._meta
        return {
            "model_name": meta.model_name,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "list_url": safe_reverse(url_name(self.model, "list")),
        }


class ObjectListView(ScopedViewMixin, View):
    """Filtered, sorted, paginated list with CSV and Excel export."""

    table_class: type[tables.Table]
    filterset_class: type[FilterSet] | None = None
    template_name = "core/object_list.html"
    partial_template_name = "core/partials/list_results.html"
    title: StrOrPromise | None = None
    add_label: StrOrPromise | None = None
    empty_text: StrOrPromise | None = None

    # The key of the person's column choice and saved filters for this list, and the
    # URL name of the list (both default from the model).
    list_key: str | None = None
    list_url_name: str | None = None
    columns_shown: list[str] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        table_class = getattr(cls, "table_class", None)
        if model is None or table_class is None:
            return
        if "list_key" not in cls.__dict__:
            cls.list_key = f"{model._meta.app_label}.{cls.__name__.lower()}"
        list_preferences.register_list(
            str(cls.list_key), cls.list_url_name or url_name(model, "list"), table_class
        )

    def get_queryset(self) -> QuerySet:
        return self.base_queryset()

    def make_table(self, queryset: QuerySet) -> tables.Table:
        """The table with the person's chosen columns (or the table's defaults)."""
        assert self.list_key is not None
        shown = list_preferences.shown_columns(self.request.user, self.list_key, self.table_class)
        self.columns_shown = shown
        hidden = [
            name for name in list_preferences.column_names(self.table_class) if name not in shown
        ]
        if not self.tool_columns_shown():
            hidden += list(getattr(self.table_class, "tool_columns", ()))
        return self.table_class(queryset, exclude=hidden)

    def tool_columns_shown(self) -> bool:
        """Whether the table's tool columns (a row's checkbox for bulk changes) show."""
        return False

    def extra_list_context(self) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require("view")
        queryset = self.get_queryset()
        filterset = None
        filter_invalid = False
        if self.filterset_class is not None:
            filterset = self.filterset_class(
                request.GET or None, queryset=queryset, request=request
            )
            choices_for = request.GET.get("_choices")
            # Asked for by the field's htmx only; an address with it opens the list.
            if choices_for is not None and getattr(request, "htmx", False):
                return self.lookup_suggestions(filterset, choices_for)
            if filterset.is_bound and not filterset.is_valid():
                # The errors are shown beside the filter; the list does not pretend
                # that nothing matched (and nothing is exported).
                filter_invalid = True
                queryset = queryset.none()
            else:
                queryset = filterset.qs
        # Configured (ordering, pagination) once, below: given the request here the
        # table would also paginate itself with a plain paginator (a COUNT query).
        export = request.GET.get("export")
        # An export holds every column; the page the person's chosen ones.
        table = self.table_class(queryset) if export else self.make_table(queryset)
        if export in {"csv", "xlsx"} and not filter_invalid:
            # Everything that matches the filter, in the order the user sorted by.
            tables.RequestConfig(request, paginate=False).configure(table)
            return self.export(table, export)
        tables.RequestConfig(
            request, paginate={"per_page": PER_PAGE, "paginator_class": WindowCountPaginator}
        ).configure(table)
        if hasattr(table, "region_label"):
            table.region_label = self.title or self.model._meta.verbose_name_plural
        context = {
            "filter_invalid": filter_invalid,
            **self.model_context(),
            "title": self.title or self.model._meta.verbose_name_plural,
            "table": table,
            "filterset": filterset,
            "add_url": self.add_url(),
            "add_label": self.add_label,
            "empty_text": self.empty_text,
            "list_key": self.list_key,
            "column_choices": [
                (name, label, name in self.columns_shown)
                for name, label in list_preferences.column_choices(self.table_class)
            ],
            "saved_filters": list_preferences.saved_filters(request.user, self.list_key or ""),
            **self.extra_list_context(),
            "filter_query": list_preferences.filter_query(request.GET),
            "is_filtered": bool(
                filterset is not None
                and filterset.is_bound
                and any(
                    v
                    for k, v in request.GET.items()
                    if k not in {"page", "sort", "per_page", "_choices"}
                )
            ),
        }
        status = 400 if filter_invalid else 200
        if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]  # django-htmx
            # The filter's errors go beside its fields too (out-of-band swaps).
            context["partial"] = True
            response = render(request, self.partial_template_name, context, status=status)
        else:
            response = render(request, self.template_name, context, status=status)
        # The same URL answers with a fragment or a page: caches must keep them apart.
        patch_vary_headers(response, ("HX-Request", "HX-Boosted"))
        return response

    def lookup_suggestions(self, filterset: FilterSet, name: str) -> HttpResponse:
        """The <option>s of a lookup field's <datalist> (core.widgets.LookupInput): rows
        of its filter's list that the person sees, matching what they typed."""
        from forvalta.core.filters import LookupChoiceFilter, lookup_label

        lookup = filterset.filters.get(name)
        if not isinstance(lookup, LookupChoiceFilter):
            raise Http404
        rows = lookup.suggestions(str(self.request.GET.get(name) or ""))
        html = format_html_join(
            "", '<option value="{}"></option>\n', ((lookup_label(r),) for r in rows)
        )
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        patch_vary_headers(response, ("HX-Request",))
        return response

    def add_url(self) -> str | None:
        if self.request.user.has_perm(perm_name(self.model, "add")):
            return safe_reverse(url_name(self.model, "add"))
        return None

    def export(self, table: tables.Table, fmt: str) -> HttpResponse:
        rows = list(table.as_values(exclude_columns=getattr(table, "export_exclude", ())))
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        header = [capfirst(str(h)) for h in header]
        stem = export_filename(str(self.model._meta.verbose_name_plural).replace(" ", "-"))
        record(
            actor=self.request.user,
            action=f"{object_type_of(self.model())}.exported",
            object_type=object_type_of(self.model()),
            object_repr=f"{len(body)} rows",
            changes={"format": [None, fmt], "query": [None, self.request.GET.urlencode()[:500]]},
        )
        if fmt == "csv":
            return csv_response(stem, header, body)
        return xlsx_response(stem, header, body, title=str(self.model._meta.verbose_name_plural))


class ObjectDetailView(ScopedViewMixin, View):
    template_name = "core/object_detail.html"
    fields: tuple[str, ...] = ()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("view", obj)
        context = {
            **self.model_context(),
            "object": obj,
            "title": str(obj),
            "field_rows": self.field_rows(obj),
            "related": self.get_related(obj),
            "can_change": request.user.has_perm(perm_name(self.model, "change"), obj),
            "can_delete": request.user.has_perm(perm_name(self.model, "delete"), obj),
            "edit_url": safe_reverse(url_name(self.model, "edit"), obj.pk),
            "delete_url": safe_reverse(url_name(self.model, "delete"), obj.pk),
        }
        context.update(self.extra_context(obj))
        return render(request, self.template_name, context)

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for name in self.fields:
            field = obj._meta.get_field(name)
            label = field.verbose_name
            if getattr(field, "choices", None):
                value: Any = getattr(obj, f"get_{name}_display")()
            elif field.many_to_many:
                related = getattr(obj, name)
                if hasattr(related, "visible_to"):
                    related = related.visible_to(self.request.user)
                value = ", ".join(str(v) for v in related.all()) or None
            else:
                value = getattr(obj, name)
            rows.append((str(label), value))
        return rows

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        """Related lists shown under the fields: dicts of title, table, add_url."""
        return []

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {}

    def related_table(
        self,
        title: StrOrPromise,
        table_class: type[tables.Table],
        queryset: QuerySet,
        add_url: str | None = None,
        empty_text: str = "",
    ) -> dict[str, Any]:
        # No tool columns (a row's checkbox for bulk changes) outside their list.
        table = table_class(
            queryset,
            prefix=f"{table_class.__name__}-",
            exclude=getattr(table_class, "tool_columns", ()),
        )
        if hasattr(table, "region_label"):
            table.region_label = title
        tables.RequestConfig(
            self.request, paginate={"per_page": 10, "paginator_class": WindowCountPaginator}
        ).configure(table)
        return {"title": title, "table": table, "add_url": add_url, "empty_text": empty_text}


class ObjectEditView(ScopedViewMixin, View):
    """Create (no pk) or update (pk) through the model's service functions."""

    form_class: Any  # a ScopedModelForm subclass
    template_name = "core/object_edit.html"
    create_service: Callable[..., Any] | None = None
    update_service: Callable[..., Any] | None = None

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> BaseForm:
        kwargs: dict[str, Any] = {"data": data, "files": files, "user": self.request.user}
        if obj is not None:
            kwargs["instance"] = obj
        else:
            kwargs["initial"] = self.initial()
        return self.form_class(**kwargs)

    def initial(self) -> dict[str, Any]:
        """Prefill from the query string (?service=3) where the form has such a field."""
        return {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}

    def target(self) -> Any:
        if "pk" in self.kwargs:
            obj = self.get_object()
            self.require("change", obj)
            return obj
        self.require("add")
        return None

    def inline_formsets(self, obj: Any, data: Any = None) -> list[Any]:
        """Rows of child items entered with the item (a system's environments): formsets
        with a ``title``, saved by ``save_inlines`` in the same transaction."""
        return []

    def save_inlines(self, saved: Any, formsets: list[Any]) -> None:
        """Save the inline rows through their services; a row's ValidationError is put on
        its form and raised as ``InlineRejected``, which undoes the whole save."""

    def parent(self, form: BaseForm, saved: Any = None) -> Any:
        """The item a new child is added from (``?system=3``): the page to return to.
        Looked up through the form's own (scoped) choices, so a hostile id finds nothing."""
        for name, value in self.request.GET.items():
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.many_to_one or name not in form.fields:
                continue
            if saved is not None:
                related = getattr(saved, name, None)
            else:
                queryset = getattr(form.fields[name], "queryset", None)
                related = (
                    queryset.filter(pk=value).first()
                    if queryset is not None and str(value).isdigit()
                    else None
                )
            if related is not None and hasattr(related, "get_absolute_url"):
                return related
        return None

    def render_form(
        self,
        form: BaseForm,
        obj: Any,
        status: int = 200,
        version: str | None = None,
        formsets: list[Any] | None = None,
    ) -> HttpResponse:
        if obj is not None and version is None:
            version = concurrency.version_token(form)
        if formsets is None:
            formsets = self.inline_formsets(obj)
        parent = self.parent(form) if obj is None else None
        context = {
            **self.model_context(),
            "form": form,
            "formsets": formsets,
            "extra_errors": inline_errors(formsets),
            "can_add_another": obj is None,
            "object": obj,
            # The version the form was opened on (see forvalta.core.concurrency).
            "version_field": concurrency.VERSION_FIELD,
            "version": version,
            "title": (
                _("Edit %(name)s") % {"name": obj}
                if obj
                else _("New %(model)s") % {"model": self.model._meta.verbose_name}
            ),
            "cancel_url": obj.get_absolute_url()
            if obj
            else parent.get_absolute_url()
            if parent
            else safe_reverse(url_name(self.model, "list")),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.target()
        return self.render_form(self.get_form(obj), obj)

    def shown(self, saved: Any) -> Any:
        """The saved row as the user sees it (names of related rows through the scope)."""
        return self.base_queryset().filter(pk=saved.pk).first() or saved

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.target()
        form = self.get_form(obj, request.POST, request.FILES)
        formsets = self.inline_formsets(obj, request.POST)
        # The version the page was opened on; a form posted without one (a script, not
        # the page) is not checked.
        version = request.POST.get(concurrency.VERSION_FIELD) if obj is not None else None
        valid = form.is_valid()
        if not all([fs.is_valid() for fs in formsets]) or not valid:
            return self.render_form(form, obj, status=400, version=version, formsets=formsets)
        data = self.service_data(form)
        try:
            if obj is None:
                assert self.create_service is not None
                denied: PermissionDenied | None = None
                try:
                    with transaction.atomic():
                        try:
                            saved = self.create_service(actor=request.user, data=data)
                        except PermissionDenied as exc:
                            # The service recorded the refusal, which must stay.
                            denied = exc
                        else:
                            self.save_inlines(saved, formsets)
                except InlineRejected:
                    return self.render_form(
                        form, obj, status=400, version=version, formsets=formsets
                    )
                if denied is not None:
                    raise denied
                messages.success(
                    request, _("“%(name)s” was created.") % {"name": self.shown(saved)}
                )
                if request.POST.get("_addanother"):
                    return HttpResponseRedirect(request.get_full_path())
                parent = self.parent(form, saved)
                if parent is not None:
                    return HttpResponseRedirect(parent.get_absolute_url())
            else:
                assert self.update_service is not None
                refused: PermissionDenied | None = None
                with transaction.atomic():
                    if version is not None:
                        stale = self.changed_since_opened(obj, version)
                        if stale is not None:
                            return self.refuse_stale(form, obj, stale)
                    try:
                        saved = self.update_service(actor=request.user, instance=obj, data=data)
                    except PermissionDenied as exc:
                        # The service rolled its change back and recorded the refusal,
                        # which must not be rolled back with this transaction.
                        refused = exc
                if refused is not None:
                    raise refused
                messages.success(request, _("“%(name)s” was saved.") % {"name": self.shown(saved)})
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.render_form(form, obj, status=400, version=version)
        return HttpResponseRedirect(self.success_url(saved))

    def changed_since_opened(self, obj: Any, version: str) -> tuple[list[str], Any] | None:
        """(what changed, the row now) if the row changed since the form was opened.

        Locks the row until the surrounding transaction ends, so that no one changes it
        between this check and the save.
        """
        current = (
            # scoping: allowed locks the row already fetched through visible_to
            self.model._default_manager.select_for_update(of=("self",)).filter(pk=obj.pk).first()
        )
        if current is None:
            raise Http404  # deleted since the form was opened
        current_form = self.get_form(current)
        try:
            opened = concurrency.opened_version(version, obj)
        except concurrency.BadVersion:
            return [], current
        if concurrency.is_current(opened, current_form):
            return None
        return concurrency.changes_since(opened, current_form), current

    def refuse_stale(self, form: BaseForm, obj: Any, stale: tuple[list[str], Any]) -> HttpResponse:
        """Nothing is saved; the form keeps the user's input and now carries the
        current version, so saving again (knowingly) overwrites the other change."""
        lines, current = stale
        form.add_error(
            None,
            _(
                "Someone else changed this since you opened the form. Nothing was saved. "
                "Check the changes below and save again to overwrite them."
            ),
        )
        for line in lines:
            form.add_error(
                None, _("Changed since you opened the form: %(change)s") % {"change": line}
            )
        version = concurrency.version_token(self.get_form(current))
        return self.render_form(form, obj, status=409, version=version)

    def service_data(self, form: BaseForm) -> dict[str, Any]:
        return dict(form.cleaned_data)

    def success_url(self, obj: Any) -> str:
        return obj.get_absolute_url()


class InlineRejected(Exception):
    """An inline row's service refused it; the errors are on the row's form."""


def inline_errors(formsets: list[Any]) -> list[tuple[str, str]]:
    """(anchor, text) of each inline row's errors, for the form's error summary."""
    found: list[tuple[str, str]] = []
    for formset in formsets:
        for number, row in enumerate(formset, start=1):
            prefix = f"{formset.row_label} {number}"
            for error in row.non_field_errors():
                found.append((row[next(iter(row.fields))].id_for_label, f"{prefix}: {error}"))
            for field in row:
                for error in field.errors:
                    label = capfirst(str(field.label))
                    found.append((field.id_for_label, f"{prefix}, {label}: {error}"))
    return found


def add_validation_error(form: BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ObjectDeleteView(ScopedViewMixin, View):
    template_name = "core/object_delete.html"
    delete_service: Callable[..., Any]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("delete", obj)
        return self.render_page(obj)

    def render_page(self, obj: Any, error: str = "", status: int = 200) -> HttpResponse:
        context = {**self.model_context(), "object": obj, "title": str(obj), "error": error}
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("delete", obj)
        name = str(obj)
        try:
            self.delete_service(actor=request.user, instance=obj)
        except ValidationError as exc:
            return self.render_page(obj, error=" ".join(exc.messages), status=400)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
        return HttpResponseRedirect(
            safe_reverse(url_name(self.model, "list")) or reverse("core:home")
        )
