"""Demo data: the demo studios start with credits (idempotent)."""

from creators.models import Studio
from generation import conf, credits
from generation.models import CreditEntry

DEMO_STUDIOS = ["moonlight", "bamboo"]


def load() -> None:
    for studio in Studio.objects.filter(slug__in=DEMO_STUDIOS):
        if not CreditEntry.objects.filter(studio=studio, note="demo").exists():
            credits.grant(studio, conf.DEMO_CREDITS, note="demo")
