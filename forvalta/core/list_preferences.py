"""Per person choices on list pages: which columns to show, and named saved filters.

Every list page built on ``ObjectListView`` takes part: its table's columns can be
chosen (the first column, which links to the row, always stays), and its filter can be
saved under a name and opened again. Both belong to the person alone; they hold no
tenant data (a saved filter is a query string, read again through the list's scope
each time it is opened).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forvalta.audit.services import record
from forvalta.core.models import ListPreference, SavedFilter

# list key -> (the URL name of the list to return to, its table class); filled as
# ObjectListView subclasses are defined.
LISTS: dict[str, tuple[str, Any]] = {}
NOT_SAVED = {"page", "export", "sort", "_choices"}  # _choices: a lookup field's request
MAX_SAVED_FILTERS = 50


def register_list(list_key: str, url_name: str, table_class: Any) -> None:
    LISTS[list_key] = (url_name, table_class)


def column_choices(table_class: Any) -> list[tuple[str, str]]:
    """(name, header) of every column the table can show, in its order."""
    tools = set(getattr(table_class, "tool_columns", ()))
    table = table_class([])
    return [
        (column.name, str(column.header))
        for column in table.columns.all()
        if column.name not in tools
    ]


_names: dict[Any, list[str]] = {}


def column_names(table_class: Any) -> list[str]:
    """The names of the table's columns (kept per table class: they never change)."""
    found = _names.get(table_class)
    if found is None:
        tools = set(getattr(table_class, "tool_columns", ()))
        found = _names[table_class] = [
            column.name for column in table_class([]).columns.all() if column.name not in tools
        ]
    return found


def default_columns(table_class: Any) -> list[str]:
    names = column_names(table_class)
    chosen = getattr(table_class, "default_columns", None)
    return [n for n in names if n in chosen] if chosen else names


def shown_columns(user: Any, list_key: str, table_class: Any) -> list[str]:
    """The person's columns for the list (their choice, or the table's defaults)."""
    available = column_names(table_class)
    pref = ListPreference.objects.visible_to(user).filter(list_key=list_key).first()
    if pref is None or not pref.columns:
        return default_columns(table_class)
    keep = [available[0], *[c for c in pref.columns if c in available and c != available[0]]]
    return [c for c in available if c in keep]


def filter_query(query: QueryDict) -> str:
    """The part of a list's query string that a saved filter keeps."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key in NOT_SAVED:
            continue
        values = [v for v in values if v != ""]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/"):
        return target
    return fallback


def _user_pk(request: HttpRequest) -> int:
    """The signed-in person's id (every view here requires login)."""
    return int(request.user.pk or 0)


def _reverse_or_home(name: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("core:home")


def _list(list_key: str) -> tuple[str, Any]:
    try:
        return LISTS[list_key]
    except KeyError as exc:
        raise Http404 from exc


@login_required
@require_POST
def columns_save(request: HttpRequest, list_key: str) -> HttpResponse:
    """Save the chosen columns (or, with ``reset``, go back to the defaults)."""
    url_name, table_class = _list(list_key)
    back = _back(request, _reverse_or_home(url_name))
    available = column_names(table_class)
    if request.POST.get("reset"):
        chosen: list[str] = []
    else:
        chosen = [c for c in request.POST.getlist("columns") if c in available]
        unknown = set(request.POST.getlist("columns")) - set(available)
        if unknown or not chosen:
            return render(
                request,
                "core/list_columns_refused.html",
                {"title": _("Columns were not saved"), "back": back, "unknown": bool(unknown)},
                status=400,
            )
    with transaction.atomic():
        pref, _created = (
            ListPreference.objects.visible_to(request.user)
            .select_for_update()
            .get_or_create(
                user=request.user,  # type: ignore[misc]  # login_required
                list_key=list_key,
            )
        )
        old = pref.columns
        pref.columns = chosen
        pref.save()
        record(
            actor=request.user,
            action="core.listpreference.changed",
            object_type="core.listpreference",
            object_id=str(pref.pk),
            object_repr=list_key,
            changes={"columns": [old, chosen]},
        )
    return HttpResponseRedirect(back)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the filter"), max_length=80)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


@login_required
@require_POST
def saved_filter_add(request: HttpRequest, list_key: str) -> HttpResponse:
    url_name, _table = _list(list_key)
    list_url = _back(request, _reverse_or_home(url_name)).split("?")[0]
    query = filter_query(QueryDict(request.POST.get("query", "")))
    form = SavedFilterForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Give the filter a name.")
    elif not query:
        error = _("Choose a filter first: an empty filter shows the whole list.")
    elif len(query) > 2000:
        error = _("The filter is too long to be saved.")
    elif SavedFilter.objects.visible_to(request.user).filter(list_key=list_key).count() >= (
        MAX_SAVED_FILTERS
    ):
        error = _("You can save at most %(n)s filters per list.") % {"n": MAX_SAVED_FILTERS}
    if not error:
        saved = SavedFilter(
            user_id=_user_pk(request),
            list_key=list_key,
            name=form.cleaned_data["name"],
            query=query,
        )
        try:
            saved.full_clean()
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if error:
        return render(
            request,
            "core/saved_filter_refused.html",
            {"title": _("The filter was not saved"), "error": error, "back": list_url},
            status=400,
        )
    with transaction.atomic():
        saved.save()
        record(
            actor=request.user,
            action="core.savedfilter.created",
            object_type="core.savedfilter",
            object_id=str(saved.pk),
            object_repr=saved.name,
            changes={"list": [None, list_key], "query": [None, query]},
        )
    return HttpResponseRedirect(f"{list_url}?{query}")


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = SavedFilter.objects.visible_to(request.user).filter(pk=pk).first()
    if saved is None or saved.list_key not in LISTS:
        raise Http404
    with transaction.atomic():
        saved.delete()
        record(
            actor=request.user,
            action="core.savedfilter.deleted",
            object_type="core.savedfilter",
            object_id=str(pk),
            object_repr=saved.name,
            changes={"query": [saved.query, None]},
        )
    return HttpResponseRedirect(_back(request, _reverse_or_home(LISTS[saved.list_key][0])))


def saved_filters(user: Any, list_key: str) -> list[SavedFilter]:
    return list(SavedFilter.objects.visible_to(user).filter(list_key=list_key))
