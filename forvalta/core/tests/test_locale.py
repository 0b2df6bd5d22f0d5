"""Swedish first: the browser's language does not switch the interface, the user's choice does."""

import pytest

from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_swedish_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()


def test_chosen_language_sticks_and_is_swedish_by_default(client):
    user = UserFactory()
    MembershipFactory(user=user, organisation=OrganisationFactory())
    client.force_login(user)
    assert '<html lang="sv">' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert '<html lang="sv">' in client.get("/").content.decode()


def test_unknown_language_cookie_falls_back_to_swedish(client):
    client.cookies["django_language"] = "de"
    assert '<html lang="sv">' in client.get("/login/").content.decode()
