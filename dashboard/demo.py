"""Dashboard demo: one pending payout request of moonlight's owner, so finance's page has
something to decide. Idempotent (the request's idempotency key is fixed)."""

from decimal import Decimal

from creators.models import Studio, User

from .services import PayoutError, available, request_payout


def load() -> None:
    studio = Studio.objects.filter(slug="moonlight").first()
    lin = User.objects.filter(username="lin").first()
    if studio is None or lin is None or available(studio) < Decimal("100.00"):
        return
    try:
        request_payout(studio, lin, "100.00", "demo-payout")
    except PayoutError:
        pass
