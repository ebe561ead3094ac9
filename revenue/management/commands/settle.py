from django.core.management.base import BaseCommand, CommandError

from revenue.services import RevenueError, settle


class Command(BaseCommand):
    help = "Settle a period YYYY-MM (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("period")

    def handle(self, *args, **opts):
        try:
            run, created = settle(opts["period"])
        except RevenueError as exc:
            raise CommandError(str(exc)) from exc
        what = "settled" if created else "already settled"
        self.stdout.write(f"{what} {run.period}: {run.lines} lines")
