"""Related names pass through the scope: an integration's counterpart.

The leak found in review: the association's shared system SYS_A integrates with an own
system of Kommun Ett (SYS_M1X). Everyone who sees SYS_A sees the integration, but only
Kommun Ett's people may learn the own system's name: not on a page, in an export, in the
API (list, detail, search), in the integration's title, nor in the association's audit
trail where the creation is filed.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from forvalta.audit.models import AuditEvent
from forvalta.register.models import Integration, System
from forvalta.register.tests.test_tenancy_matrix import REGISTER_LISTS, body_text
from forvalta.register.tests.world import (
    COUNTERPART,
    COUNTERPART_SEEN_BY,
    PERSONAS,
    build_world,
    marker,
)

pytestmark = pytest.mark.django_db

HIDDEN = marker(COUNTERPART)
# Searched for: part of the hidden name. A page may echo what was typed, never the name.
TYPED = COUNTERPART
NEUTRAL = "system hos Kommun Ett"
SEES_SHARED_SYSTEM = {"assoc_admin", "lead", "owner1", "staff2", "sup", "sup2"}


def _urls(world) -> list[str]:
    """Every list and export, the home page, and the pages of the rows involved."""
    integration = world.items["INT_AX"]
    urls = [reverse("core:home"), reverse("register:documentation_gaps")]
    for name in REGISTER_LISTS:
        base = reverse(f"register:{name}_list")
        urls += [base, base + "?export=csv", base + "?export=xlsx"]
    base = reverse("register:integration_list")
    search = reverse("audit:search")
    return [
        *urls,
        base + "?q=" + TYPED,
        base + "?q=" + TYPED + "&export=csv",
        base + "?sort=counterpart",
        search,
        search + "?object=" + TYPED,
        search + "?export=csv",
        search + "?export=xlsx",
        integration.get_absolute_url(),
        reverse("register:integration_edit", args=[integration.pk]),
        reverse("register:integration_delete", args=[integration.pk]),
        world.items["SYS_A"].get_absolute_url(),
        world.items["OBJ_A"].get_absolute_url(),
        world.items[COUNTERPART].get_absolute_url(),
    ]


def _api_urls(world) -> list[str]:
    integration = world.items["INT_AX"]
    return [
        "/api/integrations/",
        f"/api/integrations/{integration.pk}/",
        "/api/integrations/?q=" + TYPED,
        "/api/integrations/?q=Eget",
        f"/api/systems/{world.items['SYS_A'].pk}/",
        "/api/systems/",
    ]


def test_the_world_sets_the_trap():
    world = build_world(counterpart=True)
    integration = world.items["INT_AX"]
    assert integration.source == world.items["SYS_A"]
    assert integration.target == world.items[COUNTERPART]
    for persona in PERSONAS[1:]:
        user = world.user(persona)
        sees_target = System.objects.visible_to(user).filter(pk=integration.target_id).exists()
        assert sees_target == (persona in COUNTERPART_SEEN_BY), persona
        sees_flow = Integration.objects.visible_to(user).filter(pk=integration.pk).exists()
        assert sees_flow == (persona in SEES_SHARED_SYSTEM), persona


def test_the_audit_trail_never_names_another_organisations_system():
    world = build_world(counterpart=True)
    event = AuditEvent.objects.get(
        action="register.integration.created", object_id=str(world.items["INT_AX"].pk)
    )
    assert event.organisation_id == world.orgs["assoc"].pk
    assert HIDDEN not in event.object_repr
    assert event.object_repr == f"Plattform {marker('SYS_A')} → {NEUTRAL}"


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_the_counterpart_is_named_only_to_those_who_see_it(client, persona):
    world = build_world(counterpart=True)
    user = world.user(persona)
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    texts: dict[str, str] = {}
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        texts[url] = body_text(response)
    for url in _api_urls(world):
        response = api.get(url)
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        texts["api " + url] = response.content.decode()

    integration = world.items["INT_AX"]
    detail = texts[integration.get_absolute_url()]
    listing = texts[reverse("register:integration_list") + "?export=xlsx"]
    api_search = texts["api /api/integrations/?q=" + TYPED]
    if persona in COUNTERPART_SEEN_BY:
        # The owner's people see their system named, and find it by name.
        assert HIDDEN in detail
        assert HIDDEN in listing
        assert HIDDEN in texts[world.items["SYS_A"].get_absolute_url()]
        assert HIDDEN in texts["api " + f"/api/integrations/{integration.pk}/"]
        assert f"/api/integrations/{integration.pk}/" in api_search
        return
    leaks = [url for url, text in texts.items() if HIDDEN in text]
    assert leaks == [], f"{persona} sees the counterpart's name at {leaks}"
    if persona in SEES_SHARED_SYSTEM:
        # The flow itself is shown, with the counterpart named by its owner only.
        assert NEUTRAL in detail
        assert NEUTRAL in listing
        assert NEUTRAL in texts[world.items["SYS_A"].get_absolute_url()]
        assert NEUTRAL in texts["api " + f"/api/integrations/{integration.pk}/"]
        # Searching for the hidden name finds nothing; searching for the own text does.
        assert f"/api/integrations/{integration.pk}/" not in api_search
        assert texts["api /api/integrations/?q=Eget"].count(f"/api/integrations/{integration.pk}/")
    if persona == "assoc_admin":
        # The association's audit reader sees the creation event, without the name.
        trail = texts[reverse("audit:search") + "?export=csv"]
        assert "register.integration.created" in trail
        assert NEUTRAL in trail


def test_the_title_names_the_target_only_to_those_who_see_it():
    """Read through the scope the title names a visible target; elsewhere only its owner."""
    world = build_world()
    flow = Integration.objects.get(pk=world.items["INT_M1"].pk)
    # Unscoped (as in the audit trail): SYS_A belongs to another organisation.
    assert str(flow) == f"Omsorg {marker('SYS_M1')} → system hos Förbundet"
    seen = Integration.objects.visible_to(world.user("owner1")).get(pk=flow.pk)
    assert str(seen) == f"Omsorg {marker('SYS_M1')} → Plattform {marker('SYS_A')}"
    world.items["SYS_M1"].integrations_out.update(target=None, external_system="Navet")
    assert str(Integration.objects.get(pk=flow.pk)) == f"Omsorg {marker('SYS_M1')} → Navet"
