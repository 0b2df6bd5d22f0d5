"""Seed the built-in role types from the governance model (role_catalogue.py)."""

from django.db import migrations


def load_role_types(apps, schema_editor):
    from forvalta.register.role_catalogue import ROLE_TYPES

    RoleType = apps.get_model("register", "RoleType")
    for order, spec in enumerate(ROLE_TYPES, start=1):
        RoleType.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name_sv": spec["name_sv"],
                "name_en": spec["name_en"],
                "level": spec["level"],
                "applies_to_object": "object" in spec["applies_to"],
                "applies_to_service": "service" in spec["applies_to"],
                "applies_to_system": "system" in spec["applies_to"],
                "is_supplier_role": spec["supplier_role"],
                "manages": spec["manages"],
                "mandatory_for_system_in_operation": spec["mandatory_for_system_in_operation"],
                "duties_sv": spec["duties_sv"],
                "duties_en": spec["duties_en"],
                "source": spec["source"],
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]

    operations = [migrations.RunPython(load_role_types, migrations.RunPython.noop)]
