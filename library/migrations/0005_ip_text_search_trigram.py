"""PostgreSQL indexes for the library's text search (SQLite keeps plain scans, fast enough
there, see bench/library_search.py):
- title: Django runs icontains as UPPER(title) LIKE UPPER('%term%'); a pg_trgm GIN index
  serves that shape (CJK included) for terms of 3+ characters, so a rare title no longer
  scans 100,000 rows (shorter terms are matched through LOWER(), see queries.search_ips);
- author: a prefix match, UPPER(author) LIKE 'X%', served by a text_pattern_ops btree;
- tags (both databases): (tag_id, ip_id) so a tag's IPs come out in id order."""

from django.db import migrations

UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ip_title_trgm ON library_ip "
    "USING gin (UPPER(title::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ip_author_prefix ON library_ip "
    "(UPPER(original_author::text) text_pattern_ops)",
]
DOWN = ["DROP INDEX IF EXISTS ip_title_trgm", "DROP INDEX IF EXISTS ip_author_prefix"]
TAG_INDEX = "CREATE INDEX IF NOT EXISTS ip_tags_tag_ip ON library_ip_tags (tag_id, ip_id)"
TAG_INDEX_DOWN = "DROP INDEX IF EXISTS ip_tags_tag_ip"


def _run(statements, everywhere):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
        schema_editor.execute(everywhere)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0004_event_delete_allowed_on_sqlite")]

    operations = [migrations.RunPython(_run(UP, TAG_INDEX), _run(DOWN, TAG_INDEX_DOWN))]
