"""On PostgreSQL: the balance of ledger transactions is checked once per INSERT statement
instead of once per entry at commit.

The deferred row trigger of 0002 ran one query per entry at commit: a settlement posting a
thousand entries spent most of its commit there. This statement trigger reads the entries
the statement wrote (a transition table) and checks, in one query, that each transaction
they belong to sums to zero. It is stricter than the deferred check: every INSERT must
bring whole transactions, which the service layer always does (a transaction's legs go
in together, in one statement); an entry added to a transaction later unbalances it and
is refused at once."""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS revenue_ledger_balanced ON revenue_ledgerentry;
DROP FUNCTION IF EXISTS revenue_ledger_balanced();
CREATE FUNCTION revenue_ledger_balanced() RETURNS trigger AS $$
DECLARE
  unbalanced bigint;
BEGIN
  SELECT e.transaction_id INTO unbalanced
    FROM revenue_ledgerentry e
   WHERE e.transaction_id IN (SELECT DISTINCT transaction_id FROM new_entries)
   GROUP BY e.transaction_id
  HAVING SUM(e.amount) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING MESSAGE =
      'ledger transaction ' || unbalanced || ' does not balance';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER revenue_ledger_balanced AFTER INSERT ON revenue_ledgerentry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION revenue_ledger_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS revenue_ledger_balanced ON revenue_ledgerentry;
DROP FUNCTION IF EXISTS revenue_ledger_balanced();
CREATE FUNCTION revenue_ledger_balanced() RETURNS trigger AS $$
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
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("revenue", "0004_run_totals")]
    operations = [migrations.RunPython(forward, backward)]
