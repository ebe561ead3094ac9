import json

from django.core.management.base import BaseCommand, CommandError

from creators.models import Studio, User
from revenue.queries import statement, statement_csv
from revenue.services import RevenueError


class Command(BaseCommand):
    help = "Print the statement of a studio or a rights holder for a settled period."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--studio")
        who.add_argument("--licensor")
        parser.add_argument("period")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **opts):
        try:
            if opts["studio"]:
                st = statement(opts["period"], studio=Studio.objects.get(slug=opts["studio"]))
            else:
                st = statement(opts["period"],
                               licensor=User.objects.get(username=opts["licensor"]))
        except (Studio.DoesNotExist, User.DoesNotExist) as exc:
            raise CommandError("no such payee") from exc
        except RevenueError as exc:
            raise CommandError(str(exc)) from exc
        if opts["format"] == "csv":
            self.stdout.write(statement_csv(st), ending="")
        else:
            self.stdout.write(json.dumps(st, ensure_ascii=False, indent=2))
