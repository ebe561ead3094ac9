from django.core.management.base import BaseCommand, CommandError

from revenue.services import RevenueError, import_policy_file


class Command(BaseCommand):
    help = "Import a coefficient policy version from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        try:
            p = import_policy_file(opts["file"])
        except (RevenueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"policy {p.valid_from} {p.name}")
