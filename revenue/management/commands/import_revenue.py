from django.core.management.base import BaseCommand, CommandError

from revenue.services import RevenueError, import_revenue


class Command(BaseCommand):
    help = "Import a revenue CSV for one platform, whole or not at all."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--platform", required=True)

    def handle(self, *args, **opts):
        try:
            with open(opts["file"], "rb") as fh:
                batch = import_revenue(fh, opts["platform"], filename=opts["file"])
        except (RevenueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {batch.rows} lines")
