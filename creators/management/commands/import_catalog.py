from django.core.management.base import BaseCommand, CommandError

from creators.catalog import CatalogError, import_catalog_file


class Command(BaseCommand):
    help = "Import a catalog (users, studios, IP, licenses, series, published episodes)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        try:
            counts = import_catalog_file(opts["file"])
        except (CatalogError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
