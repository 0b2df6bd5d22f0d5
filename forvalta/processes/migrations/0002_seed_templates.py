"""Seed the global checklist templates found in the seeds (seed_templates.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from forvalta.processes.seed_templates import seed

    seed(
        apps.get_model("processes", "ProcessTemplate"),
        apps.get_model("processes", "TemplateStep"),
        apps.get_model("register", "RoleType"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0001_initial"),
        ("register", "0002_role_types"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
