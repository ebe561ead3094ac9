"""SQLite: a NOCASE index on the author, so the author prefix search (LIKE 'x%', which is
case-insensitive on SQLite) uses an index instead of a scan. PostgreSQL has its own (0005)."""

from django.db import migrations


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS ip_author_nocase "
                              "ON library_ip (original_author COLLATE NOCASE)")


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS ip_author_nocase")


class Migration(migrations.Migration):
    dependencies = [("library", "0005_ip_text_search_trigram")]

    operations = [migrations.RunPython(up, down)]
