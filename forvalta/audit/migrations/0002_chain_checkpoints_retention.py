"""The hash chain (seq, prev_hash, hash), API token id, checkpoints, disposals, retention,
search indexes, and the append-only guards (triggers) per database vendor.

Existing events are chained in the order they were written (time, then id) before the
guards go on.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import forvalta.audit.fields


def chain_existing_events(apps, schema_editor):
    from forvalta.audit import chain

    AuditEvent = apps.get_model("audit", "AuditEvent")
    alias = schema_editor.connection.alias
    builder = chain.ChainBuilder()
    for event in AuditEvent.objects.using(alias).order_by("occurred_at", "id").iterator(2000):
        event.changes = chain.normalise(event.changes or {})
        event.client_address = chain.canonical_address(event.client_address)
        fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        fields["occurred_at"] = chain.timestamp(event.occurred_at)
        event.seq, event.prev_hash, event.hash = builder.append(fields)
        event.save(update_fields=["seq", "prev_hash", "hash", "changes", "client_address"])


def install_guards(apps, schema_editor):
    from forvalta.audit import db

    db.install_guards(schema_editor.connection)


def remove_guards(apps, schema_editor):
    from forvalta.audit import db

    db.remove_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True, unique=True, verbose_name="position"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="api_token_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="API token"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="changes",
            field=forvalta.audit.fields.CanonicalJSONField(
                blank=True, default=dict, verbose_name="changes"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="client_address",
            field=models.CharField(
                blank=True, max_length=45, null=True, verbose_name="client address"
            ),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="actor id"),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["-seq"],
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
            },
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["organisation_id", "occurred_at"], name="audit_org_time_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation_id", "seq"], name="audit_org_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["client_address", "occurred_at"], name="audit_client_time_idx"
            ),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(unique=True, verbose_name="day")),
                ("seq", models.BigIntegerField(verbose_name="position")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("count", models.BigIntegerField(verbose_name="events in the trail")),
                ("created_at", models.DateTimeField(verbose_name="created")),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["-day"],
            },
        ),
        migrations.CreateModel(
            name="AuditDisposal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("disposed_at", models.DateTimeField(verbose_name="disposed")),
                (
                    "actor_id",
                    models.BigIntegerField(blank=True, null=True, verbose_name="actor id"),
                ),
                ("actor_name", models.CharField(blank=True, max_length=300, verbose_name="actor")),
                ("before", models.DateTimeField(verbose_name="events before")),
                ("from_seq", models.BigIntegerField(verbose_name="from position")),
                ("up_to_seq", models.BigIntegerField(unique=True, verbose_name="up to position")),
                (
                    "anchor_hash",
                    models.CharField(
                        max_length=64, verbose_name="hash at the last disposed position"
                    ),
                ),
                ("removed", models.BigIntegerField(verbose_name="events removed")),
                (
                    "per_organisation",
                    models.JSONField(default=dict, verbose_name="events removed per organisation"),
                ),
            ],
            options={
                "verbose_name": "audit disposal",
                "verbose_name_plural": "audit disposals",
                "ordering": ["-up_to_seq"],
            },
        ),
        migrations.CreateModel(
            name="AuditDisposalFlag",
            fields=[
                ("id", models.SmallIntegerField(default=1, primary_key=True, serialize=False)),
            ],
            options={"verbose_name": "audit disposal flag"},
        ),
        migrations.CreateModel(
            name="AuditRetention",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "years",
                    models.PositiveSmallIntegerField(
                        default=10,
                        validators=[
                            django.core.validators.MinValueValidator(
                                10, message="The audit trail must be kept at least ten years."
                            ),
                            django.core.validators.MaxValueValidator(200),
                        ],
                        verbose_name="years kept",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "organisation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_retention",
                        to="core.organisation",
                        verbose_name="organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "audit retention",
                "verbose_name_plural": "audit retentions",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("years__gte", 10)),
                        name="audit_retention_at_least_ten_years",
                        violation_error_message="The audit trail must be kept at least ten years.",
                    )
                ],
            },
        ),
        migrations.RunPython(install_guards, remove_guards),
    ]
