"""SQLite: drop the no-delete trigger on application events. Django's test flush empties
tables with DELETE on SQLite (TRUNCATE on PostgreSQL, which row triggers do not see), so
the trigger broke every transactional test run; updates stay refused, and the model
refuses deletes."""

from django.db import migrations


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS application_event_no_delete")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER application_event_no_delete BEFORE DELETE ON "
            "library_applicationevent BEGIN SELECT RAISE(ABORT, "
            "'application_event_append_only'); END"
        )


class Migration(migrations.Migration):
    dependencies = [("library", "0003_license_overlap_guards")]

    operations = [migrations.RunPython(drop, restore)]
