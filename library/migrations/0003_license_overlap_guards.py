"""Database guards for the licensing rules, so no code path can break them:

- an exclusive license excludes every other license on the same IP for overlapping dates;
- a non-exclusive license is refused while an exclusive one overlaps;
- application events are append-only.

PostgreSQL: an exclusion constraint (btree_gist) for exclusive-vs-exclusive, and a trigger
that locks the IP row and refuses any overlap involving an exclusive license. SQLite: the
same check as BEFORE INSERT/UPDATE triggers (SQLite serialises writers anyway).
"""

from django.db import migrations

OVERLAP = (
    "other.ip_id = NEW.ip_id AND other.starts_on <= NEW.ends_on "
    "AND NEW.starts_on <= other.ends_on AND (other.exclusive OR NEW.exclusive)"
)

SQLITE_UP = [
    f"""CREATE TRIGGER license_overlap_insert BEFORE INSERT ON library_license
    BEGIN
        SELECT RAISE(ABORT, 'license_exclusive_overlap')
        WHERE EXISTS (SELECT 1 FROM library_license AS other WHERE {OVERLAP});
    END""",
    f"""CREATE TRIGGER license_overlap_update BEFORE UPDATE ON library_license
    BEGIN
        SELECT RAISE(ABORT, 'license_exclusive_overlap')
        WHERE EXISTS (SELECT 1 FROM library_license AS other
                      WHERE other.id != NEW.id AND {OVERLAP});
    END""",
    """CREATE TRIGGER application_event_no_update BEFORE UPDATE ON library_applicationevent
    BEGIN SELECT RAISE(ABORT, 'application_event_append_only'); END""",
    """CREATE TRIGGER application_event_no_delete BEFORE DELETE ON library_applicationevent
    BEGIN SELECT RAISE(ABORT, 'application_event_append_only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS license_overlap_insert",
    "DROP TRIGGER IF EXISTS license_overlap_update",
    "DROP TRIGGER IF EXISTS application_event_no_update",
    "DROP TRIGGER IF EXISTS application_event_no_delete",
]

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE library_license ADD CONSTRAINT license_exclusive_no_overlap
    EXCLUDE USING gist (ip_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
    WHERE (exclusive)""",
    f"""CREATE FUNCTION library_license_overlap() RETURNS trigger AS $$
    BEGIN
        -- Serialise writers per IP, so two transactions cannot both see "no overlap".
        PERFORM 1 FROM library_ip WHERE id = NEW.ip_id FOR UPDATE;
        IF EXISTS (SELECT 1 FROM library_license AS other
                   WHERE other.id <> NEW.id AND {OVERLAP}) THEN
            RAISE EXCEPTION 'license_exclusive_overlap' USING ERRCODE = '23P01';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER license_overlap BEFORE INSERT OR UPDATE ON library_license
    FOR EACH ROW EXECUTE FUNCTION library_license_overlap()""",
    """CREATE FUNCTION library_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'application_event_append_only' USING ERRCODE = '23514';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER application_event_append_only BEFORE UPDATE OR DELETE
    ON library_applicationevent FOR EACH ROW EXECUTE FUNCTION library_event_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS application_event_append_only ON library_applicationevent",
    "DROP FUNCTION IF EXISTS library_event_append_only()",
    "DROP TRIGGER IF EXISTS license_overlap ON library_license",
    "DROP FUNCTION IF EXISTS library_license_overlap()",
    "ALTER TABLE library_license DROP CONSTRAINT IF EXISTS license_exclusive_no_overlap",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0002_applicationevent_licenseapplication_tag_and_more")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
