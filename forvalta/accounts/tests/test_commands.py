"""The first platform administrator: create_platform_admin, and createsuperuser refusing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db

PASSWORD = "Lingon-Sylt-2026!q"


def users() -> list[dict]:
    return list(User.objects.order_by("pk").values())


def test_create_platform_admin_from_a_password_file_then_set_up_an_organisation(tmp_path: Path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "create_platform_admin",
        "--username=plattform",
        "--email=IT@Example.se",
        "--first-name=Petra",
        "--last-name=Plattform",
        f"--password-file={secret}",
        "--no-input",
        stdout=out,
    )
    admin = User.objects.get(username="plattform")
    assert (admin.email, admin.first_name, admin.last_name) == (
        "it@example.se",
        "Petra",
        "Plattform",
    )
    assert (admin.is_platform_admin, admin.is_superuser, admin.is_staff) == (True, False, False)
    assert admin.check_password(PASSWORD)
    assert "Plattformsadministratören “plattform” skapades." in out.getvalue()
    event = AuditEvent.objects.get(action="core.user.created", object_id=str(admin.pk))
    assert event.changes["is_platform_admin"] == [None, True]

    # They log in, create an organisation and its first administrator.
    client = Client()
    login = client.post(reverse("login"), {"username": "plattform", "password": PASSWORD})
    assert login.status_code == 302
    created = client.post(
        reverse("core:organisation_add"),
        {"name": "Nya kommunen", "kind": "municipality", "org_number": "212000-1355"},
    )
    assert created.status_code == 302, created.content[:2000]
    org = Organisation.objects.get(name="Nya kommunen")
    person = client.post(
        reverse("core:user_add"),
        {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "Nilsson",
            "email": "nina@nya.se",
            "organisation": org.pk,
            "password": PASSWORD,
        },
    )
    assert person.status_code == 302, person.content[:2000]
    membership = Membership.objects.get(user__username="nina")
    assert (membership.organisation_id, membership.is_org_admin) == (org.pk, True)


def test_password_from_the_environment_and_refusals(monkeypatch):
    monkeypatch.setenv("FORVALTA_ADMIN_PASSWORD", PASSWORD)
    call_command("create_platform_admin", "--username=p1", "--email=p1@example.se", "--no-input")
    assert User.objects.get(username="p1").check_password(PASSWORD)
    before = users()
    with pytest.raises(CommandError, match="redan upptaget"):
        call_command(
            "create_platform_admin", "--username=p1", "--email=p2@example.se", "--no-input"
        )
    monkeypatch.setenv("FORVALTA_ADMIN_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        call_command(
            "create_platform_admin", "--username=p2", "--email=p2@example.se", "--no-input"
        )
    with pytest.raises(CommandError):
        call_command(
            "create_platform_admin", "--username=p\x073", "--email=p3@example.se", "--no-input"
        )
    assert users() == before


def test_without_a_password_the_account_has_no_usable_one(monkeypatch):
    monkeypatch.delenv("FORVALTA_ADMIN_PASSWORD", raising=False)
    call_command("create_platform_admin", "--username=p1", "--email=p1@example.se", "--no-input")
    admin = User.objects.get(username="p1")
    assert admin.is_platform_admin is True
    assert admin.has_usable_password() is False


def test_interactive_password_is_asked_twice(monkeypatch):
    monkeypatch.delenv("FORVALTA_ADMIN_PASSWORD", raising=False)
    answers = iter([PASSWORD, "annat", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = io.StringIO()
    call_command("create_platform_admin", "--username=p1", "--email=p1@example.se", stderr=err)
    assert User.objects.get(username="p1").check_password(PASSWORD)
    assert "olika" in err.getvalue()


@pytest.mark.parametrize("args", [[], ["--noinput", "--username=root", "--email=root@example.se"]])
def test_createsuperuser_refuses_and_points_at_the_command(args):
    before = users()
    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", *args)
    assert "manage.py create_platform_admin" in str(refused.value)
    assert users() == before
