"""Builds the built-in tiny models into MANJU_MODELS_DIR; quick when they are there."""

from django.core.management.base import BaseCommand

from generation import conf, tiny


class Command(BaseCommand):
    help = "Build the tiny random-weight models (tiny-keyframe, tiny-motion) once."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild even if present")

    def handle(self, *args, force=False, **options):
        root = conf.models_dir()
        root.mkdir(parents=True, exist_ok=True)
        for key in tiny.BUILDERS:
            built = tiny.build(key, root / key, force=force)
            state = "built" if built else "already built"
            self.stdout.write(f"{key}: {state} ({root / key})")
