"""On SQLite (the embedded default): ledger rows are never updated, as on PostgreSQL (0002).

The models refuse a single row's save, but a queryset's update() goes straight to SQL;
these triggers refuse that too. Deletes are left to the models there: Django empties the
tables of a test database with DELETE on SQLite (PostgreSQL's TRUNCATE fires no row
trigger), and SQLite has no statement or deferred triggers, so the balance of each
transaction stays a PostgreSQL check.

SQLite's schema editor rebuilds a table to alter it, which drops its triggers: a later
migration that alters either table must create these again."""

from django.db import migrations

TABLES = ("revenue_ledgerentry", "revenue_ledgertransaction")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'ledger rows are never updated'); END")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


class Migration(migrations.Migration):
    dependencies = [("revenue", "0005_ledger_balance_per_statement")]
    operations = [migrations.RunPython(forward, backward)]
