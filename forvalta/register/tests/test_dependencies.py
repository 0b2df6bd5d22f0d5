"""A system's dependency picture (issue 9): services and integrations as server-drawn
SVG with the same links as text, named as the reader may see them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from forvalta.register.models import System
from forvalta.register.tests.factories import IntegrationFactory, SystemFactory
from forvalta.register.tests.test_register_views import Reg

pytestmark = pytest.mark.django_db


def section(html: str) -> str:
    return re.search(r'<section class="dependencies".*?</section>', html, re.S).group(0)


def test_the_picture_and_its_text_name_only_what_the_reader_sees(
    org_admin_client: Any, reg: Reg
) -> None:
    lifecare = SystemFactory(management_object=reg.obj, name="Lifecare")
    IntegrationFactory(
        source=reg.system, target=reg.other_system, external_system="", method="file"
    )
    IntegrationFactory(source=lifecare, target=reg.system, external_system="", method="api")
    html = section(org_admin_client.get(reg.system.get_absolute_url()).content.decode())

    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img" aria-labelledby="dep-title dep-desc"' in svg
    assert '<title id="dep-title">Beroenden för Procapita</title>' in svg
    # Boxes: the service left, the system in the middle, two counterparts right.
    labels = re.findall(r'<text [^>]*class="dep-label">([^<]+)</text>', svg)
    assert labels == ["Hemtjänst", "system hos Kommun B", "Lifecare", "Procapita"]
    assert svg.count('marker-end="url(#dep-arrow)"') == 2

    items = re.findall(
        r"<li>(.*?)</li>", re.search(r'<ul class="dep-links">(.*?)</ul>', html, re.S).group(1)
    )
    assert items == [
        f'<a href="{reg.service.get_absolute_url()}">Hemtjänst</a> – tjänst som använder systemet',
        "system hos Kommun B – tar emot data från systemet (Filöverföring)",
        f'<a href="{lifecare.get_absolute_url()}">Lifecare</a> – skickar data till systemet '
        "(API/webbtjänst)",
    ]
    # The other municipality's system is never named nor linked, in the picture or text.
    assert "Elevregister" not in html
    assert reg.other_system.get_absolute_url() not in html


def test_a_system_without_dependencies_says_so(org_admin_client: Any, reg: Reg) -> None:
    alone = SystemFactory(management_object=reg.obj, name="Ensam")
    html = section(org_admin_client.get(alone.get_absolute_url()).content.decode())
    assert "<svg" not in html
    assert "Systemet har inga registrerade tjänster eller integrationer." in html
    assert System.objects.filter(name="Ensam").count() == 1


def test_an_archived_item_is_marked_where_it_still_appears(org_admin_client: Any, reg: Reg) -> None:
    """Archived items leave the lists but stay in their parent's related tables, marked."""
    from django.utils import timezone

    old = SystemFactory(management_object=reg.obj, name="Gamla journalen")
    System.objects.filter(pk=old.pk).update(archived_at=timezone.now())
    html = org_admin_client.get(reg.obj.get_absolute_url()).content.decode()
    assert (
        f'<a href="{old.get_absolute_url()}">Gamla journalen</a> '
        '<span class="tag tag-archived">arkiverad</span>'
    ) in html
    assert f'<a href="{reg.system.get_absolute_url()}">Procapita</a></td>' in html
