"""Removal requests made by unauthorised-access follow-ups before `named_by_number`
existed are named by their number from now on too (their later events, such as the
approval and the snapshot's confirmation, no longer name the person)."""

from django.db import migrations


def name_by_number(apps, schema_editor):
    UnauthorisedAccess = apps.get_model("logreview", "UnauthorisedAccess")
    AccessRequest = apps.get_model("access", "AccessRequest")
    made = UnauthorisedAccess.objects.filter(removal_request__isnull=False).values(
        "removal_request_id"
    )
    AccessRequest.objects.filter(pk__in=made).update(named_by_number=True)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_request_named_by_number"),
        ("logreview", "0010_suspicion_administrator"),
    ]

    operations = [migrations.RunPython(name_by_number, migrations.RunPython.noop)]
