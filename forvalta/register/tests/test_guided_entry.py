"""Guided entry (issue 9, point 6): a new system with its environments in one form, the
owner organisation starting as the user's own and never a supplier, "Save and add
another", and a child added from its parent's page returning there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.register.models import Environment, System
from forvalta.register.tests.test_register_views import Reg, last_event_id, state, sv

pytestmark = pytest.mark.django_db
ADD = "register:system_add"


def system_post(reg: Reg, *rows: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "owner_organisation": reg.kommun.pk,
        "management_object": reg.obj.pk,
        "name": "Lifecare",
        "lifecycle": "introduction",
        "criticality": "high",
        "env-TOTAL_FORMS": "3",
        "env-INITIAL_FORMS": "0",
        "env-MIN_NUM_FORMS": "0",
        "env-MAX_NUM_FORMS": "10",
    }
    for i in range(3):
        row = rows[i] if i < len(rows) else {}
        for field in ("kind", "name", "url", "operated_by"):
            data[f"env-{i}-{field}"] = row.get(field, "")
    data.update(extra)
    return data


def test_the_new_system_form_starts_with_the_users_organisation_and_environment_rows(
    org_admin_client: Any, reg: Reg
) -> None:
    html = org_admin_client.get(reverse(ADD)).content.decode()
    owner = re.search(r'<select name="owner_organisation".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"( selected)?>', owner) == [
        (str(reg.kommun.pk), " selected")
    ]
    assert "Leverantören AB" not in owner
    assert 'name="env-TOTAL_FORMS" value="3"' in html
    assert html.count('name="env-0-kind"') == 1 and 'name="env-2-url"' in html
    assert "<legend>Miljöer</legend>" in html and "<legend>Miljö 1</legend>" in html
    assert 'name="_addanother"' in html and "Spara och lägg till en till" in html


def test_a_system_and_two_environments_are_saved_together(org_admin_client: Any, reg: Reg) -> None:
    events = last_event_id()
    data = system_post(
        reg,
        {"kind": "production", "url": "https://lifecare.example.se/"},
        {"kind": "test", "name": "Acceptanstest", "operated_by": reg.supplier.pk},
    )
    response = org_admin_client.post(reverse(ADD), data)
    system = System.objects.get(name="Lifecare")
    assert response.status_code == 302
    assert response["Location"] == system.get_absolute_url()
    assert list(system.environments.order_by("kind").values_list("kind", "name", "url")) == [
        ("production", "", "https://lifecare.example.se/"),
        ("test", "Acceptanstest", ""),
    ]
    assert system.environments.get(kind="test").operated_by_id == reg.supplier.pk
    assert [e.action for e in AuditEvent.objects.filter(id__gt=events).order_by("id")] == [
        "register.system.created",
        "register.environment.created",
        "register.environment.created",
    ]


@pytest.mark.parametrize(
    ("rows", "anchor", "text"),
    [
        # A row that fails its field validation: nothing is saved, not even the system.
        (
            [{"kind": "production", "url": "inte en adress"}],
            "id_env-0-url",
            "Miljö 1, Webbadress: Ange webbadress som en webbadress, till exempel "
            "https://exempel.se.",
        ),
        # Two rows the same: the second is refused by the environment's own rule after
        # the system and the first row were saved, and everything is undone.
        (
            [{"kind": "test", "name": "T"}, {"kind": "test", "name": "T"}],
            "id_env-1-kind",
            "Miljö 2: Systemet har redan den här miljön.",
        ),
    ],
    ids=["bad-url", "duplicate"],
)
def test_a_bad_environment_row_saves_nothing(
    org_admin_client: Any, reg: Reg, rows: list[dict[str, Any]], anchor: str, text: str
) -> None:
    before, events = state(), last_event_id()
    response = org_admin_client.post(reverse(ADD), system_post(reg, *rows))
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    [(href, message)] = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert (href, message) == (anchor, text)
    if "," in text.split(":")[0]:  # a field's error sits at the field, which names it
        assert f'id="{anchor}_error"' in html
        widget = re.search(rf'<input[^>]*id="{anchor}"[^>]*>', html).group(0)
        assert f'aria-describedby="{anchor}_error"' in widget
        assert 'aria-invalid="true"' in widget
    else:  # the row's own error sits at the top of the row
        assert f'<p class="field-error">{text.split(": ", 1)[1]}</p>' in html
    assert state() == before
    assert not AuditEvent.objects.filter(id__gt=events).exists()
    assert 'value="Lifecare"' in html  # the user's input is kept


def test_save_and_add_another_returns_to_a_new_form(org_admin_client: Any, reg: Reg) -> None:
    url = reverse(ADD) + f"?management_object={reg.obj.pk}"
    response = org_admin_client.post(url, system_post(reg, _addanother="1"))
    assert response.status_code == 302
    assert response["Location"] == url
    assert System.objects.filter(name="Lifecare").count() == 1
    page = org_admin_client.get(response["Location"]).content.decode()
    assert "”Lifecare” har lagts till." in page
    form = re.search(r'<select name="management_object".*?</select>', page, re.S).group(0)
    assert f'<option value="{reg.obj.pk}" selected>' in form


def test_a_child_added_from_its_parent_returns_to_the_parent(
    org_admin_client: Any, reg: Reg
) -> None:
    url = reverse("register:environment_add") + f"?system={reg.system.pk}"
    page = org_admin_client.get(url).content.decode()
    cancel = re.search(r'<a href="([^"]+)" class="link">Avbryt</a>', page).group(1)
    assert cancel == reg.system.get_absolute_url()
    response = org_admin_client.post(
        url, {"system": reg.system.pk, "kind": "training", "name": "Utbildning"}
    )
    assert response.status_code == 302
    assert response["Location"] == reg.system.get_absolute_url()
    assert Environment.objects.filter(system=reg.system, kind="training").count() == 1


def test_a_supplier_is_never_offered_as_owner(org_admin_client: Any, reg: Reg) -> None:
    before, events = state(), last_event_id()
    response = org_admin_client.post(
        reverse(ADD), system_post(reg, owner_organisation=reg.supplier.pk)
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["owner_organisation"]
    assert state() == before
    assert not AuditEvent.objects.filter(id__gt=events).exists()
    assert sv("Save and add another") == "Spara och lägg till en till"
