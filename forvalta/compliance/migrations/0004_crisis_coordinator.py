"""The crisis coordinator (krisberedskapssamordnare) as a role type of the register's
catalogue: the municipality's risk and vulnerability analyses are forwarded to the
holder (seed 000 4.6.3). Added as a row; the register's models are unchanged."""

from django.db import migrations

from forvalta.compliance.roles import CRISIS_COORDINATOR_SPEC


def add_role_type(apps, schema_editor):
    RoleType = apps.get_model("register", "RoleType")
    RoleType.objects.get_or_create(
        code=CRISIS_COORDINATOR_SPEC["code"],
        defaults={k: v for k, v in CRISIS_COORDINATOR_SPEC.items() if k != "code"},
    )


def remove_role_type(apps, schema_editor):
    RoleType = apps.get_model("register", "RoleType")
    RoleType.objects.filter(code=CRISIS_COORDINATOR_SPEC["code"], assignments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_risk_analyses"),
        ("register", "0002_role_types"),
    ]

    operations = [migrations.RunPython(add_role_type, remove_role_type)]
