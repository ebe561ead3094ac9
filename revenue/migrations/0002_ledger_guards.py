"""On PostgreSQL: each ledger transaction must sum to zero (checked at commit by a
deferred constraint trigger), and ledger entries are never updated or deleted."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION revenue_ledger_balanced() RETURNS trigger AS $$
BEGIN
  IF (SELECT COALESCE(SUM(amount), 0) FROM revenue_ledgerentry
      WHERE transaction_id = NEW.transaction_id) <> 0 THEN
    RAISE EXCEPTION USING MESSAGE =
      'ledger transaction ' || NEW.transaction_id || ' does not balance';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER revenue_ledger_balanced AFTER INSERT ON revenue_ledgerentry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION revenue_ledger_balanced();
CREATE OR REPLACE FUNCTION revenue_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are never updated or deleted';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER revenue_ledger_entry_append_only BEFORE UPDATE OR DELETE ON revenue_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION revenue_ledger_append_only();
CREATE TRIGGER revenue_ledger_tx_append_only BEFORE UPDATE OR DELETE ON revenue_ledgertransaction
  FOR EACH ROW EXECUTE FUNCTION revenue_ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS revenue_ledger_tx_append_only ON revenue_ledgertransaction;
DROP TRIGGER IF EXISTS revenue_ledger_entry_append_only ON revenue_ledgerentry;
DROP TRIGGER IF EXISTS revenue_ledger_balanced ON revenue_ledgerentry;
DROP FUNCTION IF EXISTS revenue_ledger_append_only();
DROP FUNCTION IF EXISTS revenue_ledger_balanced();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("revenue", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
