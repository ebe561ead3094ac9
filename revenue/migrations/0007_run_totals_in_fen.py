"""RunTotal keeps its sums in integer fen. The rows are only a cache of the lines: they are
dropped here, and settlement sums an open run's lines while the totals do not count them."""

from django.db import migrations, models


def drop_totals(apps, schema_editor):
    apps.get_model("revenue", "RunTotal").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("revenue", "0006_ledger_guards_sqlite"),
    ]

    operations = [
        migrations.RunPython(drop_totals, migrations.RunPython.noop),
        migrations.RemoveField(model_name="runtotal", name="studio_share"),
        migrations.RemoveField(model_name="runtotal", name="royalty"),
        migrations.AddField(model_name="runtotal", name="studio_share_fen",
                            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="runtotal", name="royalty_fen",
                            field=models.BigIntegerField(default=0), preserve_default=False),
    ]
