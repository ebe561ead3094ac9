"""The revenue demo settles last month once, and adds nothing when loaded again."""

from creators.services import create_studio
from revenue import demo
from revenue.models import LedgerEntry, PolicyVersion, RevenueLine, SettlementRun
from tests.conftest import make_user


def test_the_demo_settles_last_month_and_is_idempotent(db):
    create_studio(make_user("lin"), "月光动画", slug="moonlight")
    demo.load()
    counts = (RevenueLine.objects.count(), SettlementRun.objects.count(),
              LedgerEntry.objects.count(), PolicyVersion.objects.count())
    assert counts[0] > 0 and counts[1] == 1 and counts[2] > 0 and counts[3] == 2
    demo.load()
    assert (RevenueLine.objects.count(), SettlementRun.objects.count(),
            LedgerEntry.objects.count(), PolicyVersion.objects.count()) == counts
