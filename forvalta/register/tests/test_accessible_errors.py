"""Form errors that a screen reader reads and a keyboard user reaches (issue 9, point 5).

Every register form and every core form used by a page is posted empty (and with bad
values) through HTTP; in the answer each field in error is `aria-invalid="true"` and its
`aria-describedby` names only ids that exist on the page: its error element, and its
hint where it has one. The error summary has the id "fel", takes the focus (autofocus,
tabindex=-1) and the messages name the field in Swedish.
"""

from __future__ import annotations

import inspect
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

from forvalta.core import forms as core_forms
from forvalta.core.forms import ScopedModelForm
from forvalta.register import forms as register_forms
from forvalta.register.models import Participation, System
from forvalta.register.tests import test_register_views as register_views
from forvalta.register.tests.test_register_views import events_since, last_event_id, state

pytestmark = pytest.mark.django_db

# The register page tests' world: a municipality, its administrator, another municipality.
reg = register_views.reg
org_admin_client = register_views.org_admin_client

# Each form's add page, as the user reaches it.
ADD_PAGES = [
    "register:managementobject_add",
    "register:service_add",
    "register:system_add",
    "register:environment_add",
    "register:integration_add",
    "register:participation_add",
    "register:roleassignment_add",
    "register:agreement_add",
    "core:organisation_add",
    "core:unit_add",
    "core:user_add",
    "core:membership_add",
]


class Page(HTMLParser):
    """The ids on a page, the elements that claim to be invalid or described, and the
    error containers."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str | None]] = {}
        self.invalid: list[dict[str, str | None]] = []
        self.described: list[dict[str, str | None]] = []
        self.error_ids: list[str] = []
        self.fieldsets: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {**dict(attrs), "tag": tag}
        if tag == "fieldset":
            self.fieldsets.append(a.get("aria-describedby"))
        elif self.fieldsets and a.get("aria-invalid") and not a.get("aria-describedby"):
            # A checkbox in a list is described by its fieldset.
            a["described_by_fieldset"] = self.fieldsets[-1]
        if a.get("id"):
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids[str(a["id"])] = a
        if a.get("aria-invalid") == "true":
            self.invalid.append(a)
        if a.get("aria-describedby"):
            self.described.append(a)
        if "field-errors" in (a.get("class") or "").split():
            self.error_ids.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self.fieldsets.pop()


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, f"no Swedish for {msgid!r}"
    return text % params if params else text


def assert_errors_are_described(html: str, expected_fields: set[str]) -> Page:
    page = Page(html)
    # Every aria-describedby on the page names ids that exist.
    for element in page.described:
        for ref in str(element["aria-describedby"]).split():
            assert ref in page.ids, f"{element.get('name')} points at missing id {ref}"
    invalid = {str(e["name"]) for e in page.invalid}
    assert invalid == expected_fields
    for element in page.invalid:
        own = element.get("aria-describedby") or element.get("described_by_fieldset")
        refs = str(own or "").split()
        assert f"id_{element['name']}_error" in refs, element
        assert f"id_{element['name']}_error" in page.error_ids
    # Each error container is read with its field (a fieldset names it for checkboxes).
    referenced = {r for e in page.described for r in str(e["aria-describedby"]).split()}
    assert set(page.error_ids) <= referenced
    summary = page.ids["fel"]
    assert summary["tabindex"] == "-1"
    assert "autofocus" in summary
    assert summary["role"] == "alert"
    return page


def test_every_scoped_form_has_a_page_in_this_test():
    """A new register or core form is added to ADD_PAGES (and so to the check below)."""
    tested = {resolve(reverse(name)).func.view_class.form_class for name in ADD_PAGES}  # type: ignore[attr-defined]
    declared = {
        cls
        for module in (core_forms, register_forms)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ScopedModelForm)
        and cls.__module__ == module.__name__
        and "Meta" in cls.__dict__
        # Rows entered inside another form (a new system's environments) are checked
        # with it: forvalta/register/tests/test_guided_entry.py.
        and not cls.__dict__.get("inline_row")
    }
    assert declared == tested


@pytest.mark.parametrize("page_name", ADD_PAGES)
def test_empty_form_errors_point_at_real_elements(org_admin_client, reg, page_name):
    form_class = resolve(reverse(page_name)).func.view_class.form_class  # type: ignore[attr-defined]
    before, events = state(), last_event_id()
    response = org_admin_client.post(reverse(page_name), {})
    assert response.status_code == 400
    form = response.context["form"]
    assert isinstance(form, form_class)
    # Fields with their own error, each rendered as an invalid widget (not the
    # checkbox lists, whose fieldset is described instead).
    fields = {name for name in form.errors if name != "__all__"}
    assert fields, "an empty post gives field errors"
    assert_errors_are_described(response.content.decode(), fields)
    assert state() == before
    assert events_since(events) == []


def test_token_form_error_points_at_real_elements(org_admin_client):
    response = org_admin_client.post(reverse("core:token_add"), {"name": "", "expires": "90"})
    assert response.status_code == 400
    page = assert_errors_are_described(response.content.decode(), {"name"})
    [name] = page.invalid
    assert name["aria-describedby"] == "id_name_helptext id_name_error"


def test_checkbox_list_in_error_is_described_by_its_error(org_admin_client, reg):
    response = org_admin_client.post(
        reverse("register:agreement_add"),
        {"kind": "dpa", "title": "PUB", "systems": [reg.other_system.pk]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<fieldset class="field field-has-error" aria-describedby="id_systems_error">' in html
    assert_errors_are_described(html, {"owner_organisation", "supplier", "valid_from", "systems"})


# --- clear Swedish messages per field -------------------------------------------------------
def errors_of(response: Any) -> dict[str, list[str]]:
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


def test_register_messages_name_the_field(org_admin_client, reg):
    response = org_admin_client.post(reverse("register:system_add"), {"name": ""})
    assert response.status_code == 400
    assert errors_of(response) == {
        "owner_organisation": [sv("Choose %(field)s.", field="ägarorganisation")],
        "name": [sv("Enter %(field)s.", field="namn")],
        "lifecycle": [sv("Choose %(field)s.", field="livscykelfas")],
        "criticality": [sv("Choose %(field)s.", field="kritikalitet")],
    }
    assert errors_of(response)["name"] == ["Fyll i namn."]
    html = response.content.decode()
    assert '<li><a href="#id_name">Namn: Fyll i namn.</a></li>' in html


def test_register_invalid_choice_and_date_are_named(org_admin_client, reg):
    before = state()
    response = org_admin_client.post(
        reverse("register:participation_add"),
        {
            "service": reg.other_service.pk,
            "organisation": reg.other.pk,
            "status": "bogus",
            "valid_from": "16/1 2027",
        },
    )
    assert response.status_code == 400
    assert errors_of(response) == {
        "service": [
            sv(
                "The chosen %(field)s cannot be used here. Choose one from the list.",
                field="tjänst",
            )
        ],
        "status": [
            sv(
                "The chosen %(field)s cannot be used here. Choose one from the list.",
                field="status",
            )
        ],
        "valid_from": [
            sv("Enter %(field)s as a date, for example 2027-01-16.", field="gäller från")
        ],
    }
    assert state() == before
    assert Participation.objects.count() == len(before["Participation"])


def test_unique_name_is_reported_at_the_name_field(org_admin_client, reg):
    before, events = state(), last_event_id()
    response = org_admin_client.post(
        reverse("register:system_add"),
        {
            "owner_organisation": reg.kommun.pk,
            "management_object": reg.obj.pk,
            "name": reg.system.name,
            "lifecycle": "need",
            "criticality": "low",
        },
    )
    assert response.status_code == 400
    assert errors_of(response) == {
        "name": [sv("The organisation already has a system with this name.")]
    }
    assert_errors_are_described(response.content.decode(), {"name"})
    assert state() == before
    assert events_since(events) == []
    assert System.objects.filter(name=reg.system.name).count() == 1
