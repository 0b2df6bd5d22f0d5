"""Headers, the API's rate limits and 404s, control characters, no enumeration of other
organisations' people, and optimistic concurrency on every edit (web form and API)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from forvalta.audit.models import AuditEvent
from forvalta.core.generic_views import url_name
from forvalta.core.models import Membership, Organisation, Unit, User
from forvalta.core.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UnitFactory,
    UserFactory,
)
from forvalta.register.models import System
from forvalta.register.tests.world import ASSOC_OWN, build_world

pytestmark = pytest.mark.django_db

JSON = "application/json"


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, msgid
    return text % params if params else text


def last_id() -> int:
    event = AuditEvent.objects.order_by("-id").first()
    return event.id if event else 0


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def org() -> Organisation:
    return OrganisationFactory(name="Kommun Ett")


@pytest.fixture
def admin(org: Organisation) -> User:
    user = UserFactory(username="admin1")
    MembershipFactory(user=user, organisation=org, is_org_admin=True)
    return user


# --- headers ----------------------------------------------------------------------------------
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def csp(response: Any) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


@pytest.mark.parametrize("path", ["/login/", "/api/docs/", "/api/units/", "/api/nowhere/"])
def test_content_security_policy_allows_only_own_assets(path):
    response = Client().get(path)
    assert csp(response) == EXPECTED_CSP
    assert "Content-Security-Policy-Report-Only" not in response
    assert (
        response["X-Frame-Options"],
        response["X-Content-Type-Options"],
        response["Referrer-Policy"],
        response["Cross-Origin-Opener-Policy"],
    ) == ("DENY", "nosniff", "same-origin", "same-origin")
    # Over plain http (tests, no proxy header): no HSTS.
    assert "Strict-Transport-Security" not in response


def test_pages_have_no_inline_script_or_style(admin, org):
    client = as_user(admin)
    for path in ["/", "/units/", reverse("core:organisation_edit", args=[org.pk]), "/login/"]:
        html = client.get(path).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        own = (
            '<script src="/static/vendor/htmx.min.js"',
            '<script src="/static/forvalta/forvalta.js"',
        )
        assert "<script " not in html.replace(own[0], "").replace(own[1], "")
    # htmx is told not to add its indicator styles inline (allowed by no CSP here).
    assert '"includeIndicatorStyles":false' in client.get("/").content.decode()


@override_settings(
    SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_hsts_behind_a_tls_proxy():
    over_tls = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert over_tls["Strict-Transport-Security"] == "max-age=31536000"
    plain = Client().get("/login/")
    assert "Strict-Transport-Security" not in plain


def settings_from_environment(**env: str) -> list[str]:
    """The settings a server process would load with these environment variables."""
    code = (
        "import forvalta.settings as s;"
        "print(s.SECURE_PROXY_SSL_HEADER);print(s.SECURE_HSTS_SECONDS);"
        "print(s.SESSION_COOKIE_SECURE);print(s.CACHES['default']['BACKEND'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FORVALTA_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split("\n")[:4]


def test_proxy_ssl_header_hsts_and_cache_come_from_the_environment(tmp_path):
    production = {"FORVALTA_SECRET_KEY": "x" * 50, "FORVALTA_VAR_DIR": str(tmp_path)}
    assert settings_from_environment(**production) == [
        "None",
        "31536000",
        "True",
        "django.core.cache.backends.filebased.FileBasedCache",
    ]
    on_postgresql = settings_from_environment(
        **production, DATABASE_URL="postgres://forvalta@db/forvalta"
    )
    assert on_postgresql[3] == "django.core.cache.backends.db.DatabaseCache"
    assert settings_from_environment(
        **production,
        FORVALTA_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        FORVALTA_HSTS_SECONDS="600",
        FORVALTA_CACHE_URL="redis://127.0.0.1:6379/0",
    ) == [
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "600",
        "True",
        "django.core.cache.backends.redis.RedisCache",
    ]
    assert (
        settings_from_environment(**production, FORVALTA_PROXY_SSL_HEADER="X-Forwarded-Proto")[0]
        == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    # Cookies over plain http (a test installation): no HSTS.
    assert settings_from_environment(**production, FORVALTA_SECURE_COOKIES="0")[1:3] == [
        "0",
        "False",
    ]


# --- the API: rate limits and unknown paths ---------------------------------------------------
SHARED_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "forvalta_cache",
    }
}


@pytest.fixture
def shared_cache():
    """The database cache every server process shares (rolled back with the test)."""
    with override_settings(CACHES=SHARED_CACHE):
        call_command("createcachetable", verbosity=0)
        yield


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert list(body) == ["error"]
    return body["error"]


def test_api_rate_limit_per_user(shared_cache, admin):
    client = as_user(admin)
    colleague = UserFactory(username="annan")
    MembershipFactory(user=colleague, organisation=admin.memberships.get().organisation)
    other = as_user(colleague)
    with override_settings(FORVALTA_API_RATES={"user": "3/minute", "address": ""}):
        assert [client.get("/api/units/").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/units/")
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        assert 1 <= wait <= 60
        assert error(refused) == {
            "code": "throttled",
            "message": sv("Too many requests. Try again in %(seconds)d seconds.", seconds=wait),
            "fields": {},
            "retry_after": wait,
        }
        # Another user from the same address is not affected.
        assert other.get("/api/units/").status_code == 200


def test_api_rate_limit_per_address_counts_bad_tokens_and_anonymous_requests(shared_cache):
    bad = {"HTTP_AUTHORIZATION": "Bearer fv_00000000_wrong"}
    with override_settings(FORVALTA_API_RATES={"user": "", "address": "3/minute"}):
        client = Client()
        statuses = [client.get("/api/units/", **bad).status_code for _ in range(2)]
        statuses.append(client.get("/api/units/").status_code)
        assert statuses == [401, 401, 401]
        refused = client.get("/api/units/", **bad)
        assert refused.status_code == 429
        assert error(refused)["code"] == "throttled"
        assert int(refused["Retry-After"]) >= 1
        assert Client().get("/api/units/", REMOTE_ADDR="10.1.1.1", **bad).status_code == 401


@pytest.mark.parametrize("path", ["/api/nowhere/", "/api/units/1/x/", "/api/audit/nowhere/"])
def test_unmatched_api_paths_answer_with_the_json_error_body(admin, path):
    response = as_user(admin).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == JSON
    assert error(response) == {
        "code": "not_found",
        "message": as_user(admin).get("/api/units/999999/").json()["error"]["message"],
        "fields": {},
    }
    # Outside /api/ the page stays a page.
    page = as_user(admin).get("/nowhere/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


# --- control characters -------------------------------------------------------------------------
def control_message(code: str) -> str:
    return sv(
        "The text contains a control character (U+%(code)s) that is not allowed. "
        "Remove it and try again.",
        code=code,
    )


@pytest.mark.parametrize(("char", "code"), [("\x07", "0007"), ("\x1b", "001B"), ("\x85", "0085")])
def test_control_characters_are_refused_in_web_forms(admin, org, char, code):
    client = as_user(admin)
    before = list(Unit.objects.values())
    response = client.post(
        reverse("core:unit_add"), {"organisation": org.pk, "name": f"Enhet{char}Ett"}
    )
    assert response.status_code == 400
    assert {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()} == {
        "name": [control_message(code)]
    }
    assert list(Unit.objects.values()) == before


def test_control_characters_are_refused_through_the_api(admin, org):
    client = as_user(admin)
    unit = UnitFactory(organisation=org, name="Kansliet")
    before = list(Unit.objects.values())
    created = client.post("/api/units/", {"organisation": org.pk, "name": "Ny\x00"}, JSON)
    assert created.status_code == 400
    changed = client.patch(f"/api/units/{unit.pk}/", {"name": "Kans\x9bliet"}, JSON)
    assert changed.status_code == 400
    assert error(changed)["fields"] == {"name": [control_message("009B")]}
    assert list(Unit.objects.values()) == before


def test_multi_line_text_keeps_tabs_and_line_breaks_but_refuses_other_controls(admin, org):
    client = as_user(admin)
    url = f"/api/organisations/{org.pk}/"
    refused = client.patch(url, {"description": "Rad ett\nRad\x0btvå"}, JSON)
    assert refused.status_code == 400
    assert error(refused)["fields"] == {"description": [control_message("000B")]}
    org.refresh_from_db()
    assert org.description == ""
    accepted = client.patch(url, {"description": "Rad ett\r\nRad\ttvå"}, JSON)
    assert accepted.status_code == 200
    org.refresh_from_db()
    assert org.description == "Rad ett\r\nRad\ttvå"
    # A single-line field refuses even a line break.
    name = client.patch(url, {"name": "Kommun\nEtt"}, JSON)
    assert name.status_code == 400
    assert error(name)["fields"] == {"name": [control_message("000A")]}


# --- no enumeration of other organisations' people ----------------------------------------------
def person_form(org: Organisation, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "Nilsson",
        "email": "nina@kommun.se",
        "phone": "",
        "organisation": org.pk,
        "unit": "",
        "password": "",
    }
    data.update(overrides)
    return data


def form_errors(response: Any) -> dict[str, list[str]]:
    return {k: [str(e) for e in v] for k, v in response.context["form"].errors.items()}


def everyone() -> list[dict[str, Any]]:
    return list(User.objects.order_by("pk").values()) + list(
        Membership.objects.order_by("pk").values()
    )


def test_a_taken_user_name_is_refused_alike_whoever_holds_it(admin, org):
    elsewhere = UserFactory(username="ute")
    MembershipFactory(user=elsewhere, organisation=OrganisationFactory())
    colleague = UserFactory(username="inne")
    MembershipFactory(user=colleague, organisation=org)
    client = as_user(admin)
    before = everyone()
    answers = []
    for taken in ("ute", "UTE", "inne"):
        response = client.post(reverse("core:user_add"), person_form(org, username=taken))
        answers.append((response.status_code, form_errors(response)))
    neutral = sv("This user name cannot be used. Choose another one.")
    assert answers == [(400, {"username": [neutral]})] * 3
    assert everyone() == before


def test_an_e_mail_address_of_another_organisation_is_answered_as_a_free_one(admin, org):
    elsewhere = UserFactory(username="ute", email="nina@kommun.se")
    membership = MembershipFactory(user=elsewhere, organisation=OrganisationFactory())
    stored = (User.objects.filter(pk=elsewhere.pk).values().get(), membership.pk)
    client = as_user(admin)
    taken = client.post(reverse("core:user_add"), person_form(org))
    free = client.post(
        reverse("core:user_add"), person_form(org, username="nora", email="nora@kommun.se")
    )
    assert (taken.status_code, free.status_code) == (302, 302)
    new = User.objects.get(username="nina")
    assert taken["Location"] == reverse("core:user_detail", args=[new.pk])
    # A separate account: nothing links it to the other organisation's person.
    assert new.pk != elsewhere.pk
    assert list(Membership.objects.filter(user=new).values_list("organisation_id", flat=True)) == [
        org.pk
    ]
    assert (User.objects.filter(pk=elsewhere.pk).values().get(), membership.pk) == stored
    assert list(Membership.objects.filter(user=elsewhere).values_list("pk", flat=True)) == [
        membership.pk
    ]


def test_an_e_mail_address_of_a_colleague_is_refused(admin, org):
    colleague = UserFactory(username="inne", email="nina@kommun.se")
    MembershipFactory(user=colleague, organisation=org)
    client = as_user(admin)
    before = everyone()
    response = client.post(reverse("core:user_add"), person_form(org, email="Nina@Kommun.se"))
    assert response.status_code == 400
    assert form_errors(response) == {
        "email": [sv("Someone in your organisation already has this e-mail address.")]
    }
    assert everyone() == before


def test_membership_form_answers_alike_for_another_organisations_person_and_no_one(admin, org):
    elsewhere = UserFactory(username="ute")
    MembershipFactory(user=elsewhere, organisation=OrganisationFactory())
    client = as_user(admin)
    before = everyone()
    answers = []
    for user_id in (elsewhere.pk, 987654):
        response = client.post(
            reverse("core:membership_add"),
            {"user": user_id, "organisation": org.pk, "valid_from": "2026-01-01"},
        )
        answers.append((response.status_code, form_errors(response)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert list(answers[0][1]) == ["user"]
    assert everyone() == before


# --- optimistic concurrency ---------------------------------------------------------------------
def post_data(response: Any) -> dict[str, Any]:
    """What the edit page would post unchanged: its form's values and its version."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[name] = "" if value is None else str(value)
    data[response.context["version_field"]] = response.context["version"]
    return data


@pytest.fixture
def world() -> Any:
    return build_world()


def system_row(system: System) -> dict[str, Any]:
    return System.objects.filter(pk=system.pk).values().get()


def test_web_form_refuses_a_stale_save_and_shows_what_changed(world):
    system = world.items["SYS_A"]
    System.objects.filter(pk=system.pk).update(description="Gammal beskrivning")
    url = reverse("register:system_edit", args=[system.pk])
    a, b = as_user(world.user("assoc_admin")), as_user(world.user("assoc_admin"))
    opened_a, opened_b = post_data(a.get(url)), post_data(b.get(url))

    saved = a.post(url, {**opened_a, "description": "Ny beskrivning från A"})
    assert saved.status_code == 302
    after_a, events = system_row(system), last_id()

    # B saves its older copy (changing the name): refused, A's description kept.
    stale = b.post(url, {**opened_b, "name": "Namn från B"})
    assert stale.status_code == 409
    with translation.override("sv"):
        label = str(System._meta.get_field("description").verbose_name)
    assert label == "beskrivning"
    assert [str(e) for e in stale.context["form"].non_field_errors()] == [
        sv(
            "Someone else changed this since you opened the form. Nothing was saved. "
            "Check the changes below and save again to overwrite them."
        ),
        sv(
            "Changed since you opened the form: %(change)s",
            change="Beskrivning: Gammal beskrivning → Ny beskrivning från A",
        ),
    ]
    assert system_row(system) == after_a
    assert AuditEvent.objects.filter(id__gt=events).count() == 0
    # B's input is kept on the page, which now carries the current version: B may save
    # again knowingly.
    assert stale.context["form"]["name"].value() == "Namn från B"
    again = b.post(url, {**post_data(stale), "name": "Namn från B"})
    assert again.status_code == 302
    assert system_row(system)["name"] == "Namn från B"


def test_web_form_refuses_a_forged_version(world):
    system = world.items["SYS_A"]
    url = reverse("register:system_edit", args=[system.pk])
    client = as_user(world.user("assoc_admin"))
    data = post_data(client.get(url))
    before = system_row(system)
    response = client.post(url, {**data, "name": "X", "_version": data["_version"][:-2] + "zz"})
    assert response.status_code == 409
    assert system_row(system) == before


def test_a_validation_error_keeps_the_version_the_form_was_opened_on(world):
    system = world.items["SYS_A"]
    url = reverse("register:system_edit", args=[system.pk])
    a, b = as_user(world.user("assoc_admin")), as_user(world.user("assoc_admin"))
    opened_b = post_data(b.get(url))
    assert a.post(url, {**post_data(a.get(url)), "description": "Från A"}).status_code == 302
    invalid = b.post(url, {**opened_b, "name": ""})
    assert invalid.status_code == 400
    assert invalid.context["version"] == opened_b["_version"]
    assert b.post(url, {**post_data(invalid), "name": "B"}).status_code == 409
    assert system_row(system)["description"] == "Från A"


def test_api_etag_and_if_match_refuse_a_lost_update(world):
    system = world.items["SYS_A"]
    url = f"/api/systems/{system.pk}/"
    a, b = as_user(world.user("assoc_admin")), as_user(world.user("assoc_admin"))
    read_a, read_b = a.get(url), b.get(url)
    etag = read_a["ETag"]
    assert etag.startswith('"') and etag == read_b["ETag"]

    body_a = {**read_a.json(), "description": "Ny beskrivning från A"}
    saved = a.put(url, body_a, JSON, HTTP_IF_MATCH=etag)
    assert saved.status_code == 200
    assert saved["ETag"] not in (etag, "") and saved["ETag"] == a.get(url)["ETag"]
    after_a, events = system_row(system), last_id()

    stale = b.put(url, {**read_b.json(), "name": "Namn från B"}, JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert error(stale) == {
        "code": "precondition_failed",
        "message": sv(
            "The row has changed since you read it (If-Match does not match its ETag). "
            "Nothing was changed: read it again and retry."
        ),
        "fields": {},
    }
    patch = b.patch(url, {"name": "B"}, JSON, HTTP_IF_MATCH=etag)
    assert patch.status_code == 412
    delete = b.delete(url, HTTP_IF_MATCH=etag)
    assert delete.status_code == 412
    assert system_row(system) == after_a
    assert AuditEvent.objects.filter(id__gt=events).count() == 0

    fresh = b.patch(url, {"name": "Namn från B"}, JSON, HTTP_IF_MATCH=saved["ETag"])
    assert fresh.status_code == 200
    assert system_row(system)["description"] == "Ny beskrivning från A"
    assert system_row(system)["name"] == "Namn från B"


@pytest.mark.parametrize("key", sorted(ASSOC_OWN))
def test_every_edit_page_carries_its_version_and_an_unchanged_save_goes_through(world, key):
    """Every model's edit page: a save of what was opened is never taken for stale, and
    a save after someone else's change always is."""
    item = world.items[key]
    model = type(item)
    url = reverse(url_name(model, "edit"), args=[item.pk])
    client = as_user(world.user("assoc_admin"))
    opened = client.get(url)
    assert opened.status_code == 200
    assert f'name="_version" value="{opened.context["version"]}"' in opened.content.decode()
    data = post_data(opened)
    saved = client.post(url, data)
    assert saved.status_code == 302, (key, saved.content[-3000:])
    # Someone else changes a text field; the old copy is refused and nothing changes.
    field = next(
        n
        for n in ("description", "note", "code", "name")
        if n in data and n in {f.name for f in model._meta.fields}
    )
    model.objects.filter(pk=item.pk).update(**{field: "Ändrad av någon annan"})
    before = model.objects.filter(pk=item.pk).values().get()
    stale = client.post(url, data)
    assert stale.status_code == 409, key
    assert model.objects.filter(pk=item.pk).values().get() == before


def test_the_version_token_carries_no_id_of_a_row_the_user_cannot_see(world):
    """The token is signed, not encrypted: a hidden counterpart is masked in it."""
    from django.core import signing

    from forvalta.core import concurrency

    integration, hidden = world.items["INT_A"], world.items["SYS_M1"]
    type(integration).objects.filter(pk=integration.pk).update(target=hidden, external_system="")
    url = reverse("register:integration_edit", args=[integration.pk])
    page = as_user(world.user("assoc_admin")).get(url)
    token = page.context["version"]
    data = signing.loads(token, salt="forvalta.edit-version")
    assert data["v"]["target"] == concurrency._HIDDEN
    assert data["v"]["source"] == integration.source_id
    assert concurrency.is_current(data, page.context["form"])
