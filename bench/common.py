"""What the Django benches share: the database and cache they run on, a page request made
without middleware, a percentile, and the revenue-share policy they settle with.

    from bench.common import setup_django   # after the repository root is on sys.path

setup_django(prefix): without DATABASE_URL, a fresh SQLite file in a temporary folder named
after prefix; with one, that database, emptied first when flush is true (the ledger's
tables by TRUNCATE, since its triggers refuse DELETE). DEBUG is off, as in production:
with it on, Django keeps every query's SQL and a bench of 100,000 rows measures that.
Without REDIS_URL the cache is Django's in-process LocMemCache.
"""

import os
import tempfile
from pathlib import Path

LEDGER_TABLES = ("revenue_ledgerentry", "revenue_ledgertransaction", "revenue_revenueline",
                 "revenue_settlementrun", "revenue_importbatch", "revenue_account",
                 "revenue_policyversion")


def setup_django(prefix: str, *, flush: bool = False) -> None:
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp(prefix=f"{prefix}-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        flush = False  # a new file holds nothing to flush
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]  # the test client's "testserver"
    if not os.environ.get("REDIS_URL"):
        settings.CACHES = {"default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if flush:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(LEDGER_TABLES)} CASCADE")
        call_command("flush", interactive=False, verbosity=0)


def percentile(values, p: float):
    """The nearest-rank p-th percentile of values (p from 0 to 100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def page_request(factory, path: str, user, query: dict | None = None):
    """A GET request for a view called directly: a user, a session and message storage,
    which the middleware would otherwise have attached."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = factory.get(path, query or {})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def bench_policy(valid_from: str) -> dict:
    """The policy the revenue benches settle with (DOMAIN.md's coefficients), from a date."""
    return {
        "name": "Bench", "valid_from": valid_from, "minute_price": "0.0005",
        "category_coefficients": {"ai_real": "60", "premium_3d": "50", "premium_2d": "40",
                                  "narrated": "5", "standard": "1"},
        "copyright_coefficients": {"exclusive": "2", "non_exclusive": "1"},
        "ad_coefficients": {"exclusive": "2.00", "non_exclusive": "1.00"},
        "mg_per_minute": {"S": "5000", "A": "2000", "B": "500", "C": "0"},
        "hit_bonus_tiers": [{"min_views": 1000000, "bonus": "3000"}],
        "continuous_creation": {"min_episodes": 3, "uplift": "0.10"},
    }
