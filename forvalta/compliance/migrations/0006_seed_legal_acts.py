"""Seed the legal framework register (legal_catalogue.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from forvalta.compliance.legal_catalogue import LEGAL_ACTS

    LegalAct = apps.get_model("compliance", "LegalAct")
    for reference, name, short_name, url in LEGAL_ACTS:
        LegalAct.objects.update_or_create(
            organisation=None,
            reference=reference,
            defaults={"name": name, "short_name": short_name, "url": url},
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0005_legal_framework_undertakings")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
