"""Loads the demo accounts, studios and IP; safe to run again (it only adds what is missing)."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from creators.models import Studio, User
from creators.services import create_studio

DEMO_PASSWORD = "manju-demo-2026"

DEMO_USERS = [
    # username, email, roles, studio (slug, name) or None
    ("lin", "lin@moonlight.example", {"is_creator": True}, ("moonlight", "月光动画")),
    ("chen", "chen@bamboo.example", {"is_creator": True}, ("bamboo", "竹林影业")),
    ("zhwx", "rights@zhwx.example", {"is_rights_holder": True, "is_creator": False}, None),
    ("reviewer", "review@manju.local", {"is_reviewer": True, "is_creator": False}, None),
    ("finance", "finance@manju.local", {"is_finance": True, "is_creator": False}, None),
    ("admin", "admin@manju.local",
     {"is_staff": True, "is_superuser": True, "is_creator": False}, None),
]


class Command(BaseCommand):
    help = "Create the demo users, studios and IP if they are missing, and print the logins."

    @transaction.atomic
    def handle(self, *args, **options):
        for username, email, flags, studio in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"email": email})
            if created:
                for field, value in flags.items():
                    setattr(user, field, value)
                user.set_password(DEMO_PASSWORD)
                user.save()
            if studio and not Studio.objects.filter(slug=studio[0]).exists():
                create_studio(user, studio[1], slug=studio[0])
        # Each app may add its own demo data (IP, credits, policies) in `<app>/demo.py`.
        apps = ("creators", "library", "generation", "review", "revenue", "storyboard",
                "dashboard")
        for app in apps:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.load()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all: "
                                             f"{DEMO_PASSWORD}):"))
        for username, _email, flags, studio in DEMO_USERS:
            role = ", ".join(f.removeprefix("is_") for f, v in flags.items() if v)
            where = f" — studio {studio[1]}" if studio else ""
            self.stdout.write(f"  {username:<9} {role}{where}")
        if settings.DEBUG:
            self.stdout.write("  Admin: http://127.0.0.1:8000/admin/")
