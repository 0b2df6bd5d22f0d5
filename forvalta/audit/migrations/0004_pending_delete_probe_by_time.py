"""The staging table's delete guard probes the event table by time only.

The guard (db.forvalta_audit_pending_deleted) looked each deleted staged row up among
the chained events; with stale statistics PostgreSQL used the index on the action, one
value for many events, and every sequencer batch read the events of that action again:
chaining slowed down as the trail grew. Re-installing the guards replaces the function.
"""

from django.db import migrations


def install_guards(apps, schema_editor):
    from forvalta.audit import db

    db.install_guards(schema_editor.connection)


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_staging_actor_org_disposal_period"),
    ]

    operations = [migrations.RunPython(install_guards, noop)]
