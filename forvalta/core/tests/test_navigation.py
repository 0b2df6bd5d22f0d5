"""The main menu per persona, through HTTP: which areas, in which order, which links.

Asserted on the English labels (the menu is built from translatable strings) and on the
rendered page: every link of the context is in the HTML, `aria-current` marks the page.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db

REGISTER = [
    "Objects",
    "Services",
    "Participations",
    "Systems",
    "Environments",
    "Integrations",
    "Agreements",
    "Suppliers",
    "Roles",
    "Documentation gaps",
]
GOVERNANCE = [
    "My steps",
    "Checklist runs",
    "Checklist templates",
    "Councils and groups",
    "Meetings",
    "Decision register",
    "Decisions by circulation",
]
GOVERNANCE += ["Management plans", "Cost splits", "Goals assigned to my organisation"]
GOVERNANCE += ["System budget"]
COMPLIANCE = [
    "Annual cycle",
    "Controls",
    "Traffic-light report",
    "Classifications",
    "Risk analyses",
    "Laws",
    "Confidentiality undertakings",
    "Archiving",
    "Decommissioning",
    "Personal-data incidents",
]
ADMIN_MEMBER = [
    "Organisations",
    "People",
    "Memberships",
    "Units",
    "Business calendar",
    "Invitations",
    "API tokens",
]

EXPECTED: dict[str, list[tuple[str, list[str]]]] = {
    # A platform administrator without a membership: Administration first, and only the
    # pages the rules let them open (no people/units lists, no processes).
    "platform": [
        ("Administration", ["Organisations", "Memberships", "Invitations", "API tokens"]),
        ("Internal control", ["Audit trail"]),
    ],
    "assoc_admin": [
        ("Register", [*REGISTER, "Import"]),
        # An organisation administrator also sees the failed notification e-mails.
        (
            "Administration",
            [*ADMIN_MEMBER[:5], "Failed e-mails", *ADMIN_MEMBER[5:]],
        ),
        ("Governance", GOVERNANCE),
        ("Internal control", ["Audit trail", *COMPLIANCE]),
    ],
    # A management lead with a role on the association's object: imports, no audit trail.
    "lead": [
        ("Register", [*REGISTER, "Import"]),
        ("Governance", GOVERNANCE),
        ("Internal control", COMPLIANCE),
        ("Administration", ADMIN_MEMBER),
    ],
    "owner1": [
        ("Register", [*REGISTER, "Import"]),
        ("Governance", GOVERNANCE),
        ("Internal control", COMPLIANCE),
        ("Administration", ADMIN_MEMBER),
    ],
    # Supplier staff: the register first, nothing to import, no audit trail.
    "sup": [
        ("Register", REGISTER),
        ("Governance", GOVERNANCE),
        ("Internal control", COMPLIANCE),
        ("Administration", ADMIN_MEMBER),
    ],
}


def _menu(response) -> list[tuple[str, list[str]]]:
    return [
        (area.label, [link.label for link in area.links]) for area in response.context["nav_areas"]
    ]


def _get(client: Client, user, url: str = "/"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_menu_per_persona(client, persona):
    world = build_world()
    response = _get(client, world.users[persona], "/")
    assert _menu(response) == EXPECTED[persona]
    html = response.content.decode()
    # Every link the menu lists opens for that person.
    for area in response.context["nav_areas"]:
        for link in area.links:
            assert f'href="{link.url}"' in html
            assert client.get(link.url).status_code == 200, (persona, link.url)


def test_person_without_membership_is_logged_out(client):
    """Nobody works in Forvalta outside an organisation (the platform administrator
    aside): the session ends at the next request (forvalta.accounts.middleware)."""
    from forvalta.core.tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("core:home"), follow=True)
    assert response.redirect_chain == [(f"{reverse('login')}?next=/", 302)]
    assert "_auth_user_id" not in client.session
    assert response.context["nav_areas"] == []
    assert [str(m) for m in response.context["messages"]] == [
        "Du är inte längre medlem i någon organisation i Forvalta."
    ]


def test_anonymous_has_no_menu(client):
    response = client.get(reverse("login"))
    assert response.context["nav_areas"] == []
    assert 'class="main-nav' not in response.content.decode()


def test_current_page_and_area_are_marked(client):
    world = build_world()
    response = _get(client, world.users["lead"], reverse("processes:my_steps"))
    current = [
        (area.label, link.label)
        for area in response.context["nav_areas"]
        for link in area.links
        if link.current
    ]
    assert current == [("Governance", "My steps")]
    assert response.context["nav_home"].current is False
    html = response.content.decode()
    my_steps = reverse("processes:my_steps")
    # Once in the wide menu, once behind the narrow screen's menu button.
    assert len(re.findall(rf'href="{my_steps}" aria-current="page"', html)) == 2
    assert html.count('aria-current="page"') == 2
    assert html.count('<summary class="nav-current">Governance</summary>') == 1
    # The longest matching link wins: invitations live under /memberships/.
    response = client.get(reverse("core:invitation_list"))
    current = [
        link.label for area in response.context["nav_areas"] for link in area.links if link.current
    ]
    assert current == ["Invitations"]
