"""Payout requests: limits, idempotency, no overdraft under concurrency, finance decides."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from creators.models import Membership
from dashboard.models import Payout
from dashboard.services import PayoutError, available, decide_payout, request_payout
from revenue.models import LedgerEntry
from revenue.queries import statement
from revenue.services import balance, create_policy, settle, studio_account
from tests.conftest import make_user
from tests.dashboard.conftest import credit, racing_requests
from tests.revenue.conftest import POLICY


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_request_below_100_yuan_is_refused_with_a_clear_message(funded, owner):
    with pytest.raises(PayoutError, match="at least ¥100"):
        request_payout(funded, owner, "99.99", "k1")
    assert not Payout.objects.exists()


def test_a_request_above_the_available_balance_is_refused(funded, owner):
    with pytest.raises(PayoutError, match="at most the available balance, ¥1,000.00"):
        request_payout(funded, owner, "1000.01", "k1")


def test_a_pending_request_reserves_against_the_balance(funded, owner):
    request_payout(funded, owner, "700", "k1")
    assert available(funded) == Decimal("300.00")
    with pytest.raises(PayoutError, match="¥300.00"):
        request_payout(funded, owner, "301", "k2")


def test_resubmitting_the_same_key_returns_the_first_request(funded, owner):
    first, created = request_payout(funded, owner, "600", "same")
    again, created_again = request_payout(funded, owner, "600", "same")
    assert created and not created_again and again.pk == first.pk
    assert Payout.objects.count() == 1


def test_approval_posts_a_payout_to_the_ledger(funded, owner):
    finance = make_user("fin", is_finance=True)
    payout, _ = request_payout(funded, owner, "250.00", "k1")
    decide_payout(payout.pk, finance, approve=True)
    payout.refresh_from_db()
    assert payout.state == "approved" and payout.decided_by == finance
    assert balance(studio_account(funded)) == Decimal("750.00")
    assert available(funded) == Decimal("750.00")
    entry = LedgerEntry.objects.get(kind="payout", transaction=payout.transaction)
    assert entry.amount == Decimal("-250.00")


def test_a_payout_is_decided_once_and_only_by_finance(funded, owner):
    finance = make_user("fin", is_finance=True)
    payout, _ = request_payout(funded, owner, "250.00", "k1")
    with pytest.raises(PayoutError):
        decide_payout(payout.pk, owner, approve=True)
    decide_payout(payout.pk, finance, approve=False)
    with pytest.raises(PayoutError, match="already decided"):
        decide_payout(payout.pk, finance, approve=True)
    assert not LedgerEntry.objects.filter(kind="payout").exists()
    assert available(funded) == Decimal("1000.00")


def test_only_an_owner_may_request_and_outsiders_get_404(client, funded, member, outsider):
    url = reverse("dashboard:payouts", args=[funded.slug])
    client.force_login(member)
    assert client.get(url).status_code == 200
    r = client.post(url, {"amount": "200", "key": "m1"})
    assert r.status_code == 403 and not Payout.objects.exists()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"amount": "200", "key": "o1"}).status_code == 404


def test_the_form_shows_the_refusal_and_a_double_post_pays_once(client, funded, owner):
    url = reverse("dashboard:payouts", args=[funded.slug])
    client.force_login(owner)
    r = client.post(url, {"amount": "50", "key": "a"})
    assert "at least ¥100" in r.content.decode() or "至少为 ¥100" in r.content.decode()
    client.post(url, {"amount": "400", "key": "b"})
    client.post(url, {"amount": "400", "key": "b"})
    assert list(Payout.objects.values_list("amount", flat=True)) == [Decimal("400.00")]


def test_finance_approves_on_the_finance_page(client, funded, owner):
    finance = make_user("fin", is_finance=True)
    payout, _ = request_payout(funded, owner, "300", "k")
    client.force_login(owner)
    assert client.get(reverse("dashboard:finance")).status_code == 403
    client.force_login(finance)
    assert "dawn" in client.get(reverse("dashboard:finance")).content.decode()
    client.post(reverse("dashboard:decide", args=[payout.pk]), {"decision": "approve"})
    payout.refresh_from_db()
    assert payout.state == "approved"


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_two_owners_cannot_overdraw(studio, owner):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    credit(studio, "1000.00")
    second = make_user("owner2")
    Membership.objects.create(studio=studio, user=second, role=Membership.Role.OWNER)
    outcomes = racing_requests(studio, [(u, f"k{i}") for i, u in enumerate([owner, second] * 3)],
                               "400.00")
    assert outcomes.count(True) == 2 and outcomes.count("refused") == 4
    assert available(studio) == Decimal("200.00")


@pytest.mark.parametrize("amount", ["1e30", "99999999999999999999999999999",
                                    "1000000000000.00"])
def test_a_huge_amount_is_refused_with_the_amount_message(funded, owner, amount):
    with pytest.raises(PayoutError, match="Enter an amount in yuan"):
        request_payout(funded, owner, amount, "k1")
    assert not Payout.objects.exists()


@pytest.mark.parametrize("amount", ["1e30", "99999999999999999999999999999"])
def test_the_form_shows_the_refusal_of_a_huge_amount(client, funded, owner, amount):
    client.force_login(owner)
    r = client.post(reverse("dashboard:payouts", args=[funded.slug]),
                    {"amount": amount, "key": "k1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "Enter an amount in yuan" in r.content.decode()
    assert not Payout.objects.exists()


@pytest.mark.parametrize(("amount", "why"), [("50", "at least ¥100"),
                                             ("一百", "Enter an amount in yuan"),
                                             ("", "This field is required")])
def test_a_refused_amount_is_shown_at_the_field_and_kept_as_typed(client, funded, owner,
                                                                   amount, why):
    client.force_login(owner)
    r = client.post(reverse("dashboard:payouts", args=[funded.slug]),
                    {"amount": amount, "key": "k1"}, HTTP_ACCEPT_LANGUAGE="en")
    body = r.content.decode()
    assert r.status_code == 400
    field = body[body.index('<div class="field has-error">'):]
    field = field[:field.index("</div>")]
    assert f'value="{amount}"' in field or not amount
    assert 'id="amount"' in field and why in field
    assert not Payout.objects.exists()


def test_deciding_an_unknown_payout_is_a_404(client, db):
    client.force_login(make_user("fin", is_finance=True))
    r = client.post(reverse("dashboard:decide", args=[999999]), {"decision": "approve"})
    assert r.status_code == 404


def decide_on_the_page(client, payout, day):
    client.force_login(make_user("fin", is_finance=True))
    r = client.post(reverse("dashboard:decide", args=[payout.pk]),
                    {"decision": "approve", "day": day}, follow=True,
                    HTTP_ACCEPT_LANGUAGE="en")
    payout.refresh_from_db()
    return r.content.decode()


def test_a_payout_day_inside_a_closed_period_is_refused_and_the_statement_kept(
        client, studio, owner):
    create_policy(POLICY)
    credit(studio, "1000.00", datetime.date(2026, 2, 10))
    settle("2026-02")
    before = statement("2026-02", studio=studio)["totals"]
    payout, _ = request_payout(studio, owner, "300.00", "k1")
    page = decide_on_the_page(client, payout, "2026-02-15")
    assert "lies in a closed period; choose a day after 2026-02-28" in page
    row = page[page.index(f'/dashboard/finance/payouts/{payout.pk}/'):]
    assert 'value="2026-02-15"' in row[:row.index("</form>")]
    assert payout.state == "requested" and payout.transaction is None
    assert not LedgerEntry.objects.filter(kind="payout").exists()
    assert statement("2026-02", studio=studio)["totals"] == before


def test_the_service_refuses_the_last_day_of_a_closed_period(studio, owner):
    create_policy(POLICY)
    credit(studio, "1000.00", datetime.date(2026, 2, 10))
    settle("2026-02")
    payout, _ = request_payout(studio, owner, "300.00", "k1")
    finance = make_user("fin", is_finance=True)
    with pytest.raises(PayoutError, match="closed period"):
        decide_payout(payout.pk, finance, approve=True, day=datetime.date(2026, 2, 28))
    payout.refresh_from_db()
    assert payout.state == "requested" and payout.decided_by is None
    decide_payout(payout.pk, finance, approve=True, day=datetime.date(2026, 3, 1))
    payout.refresh_from_db()
    assert payout.state == "approved" and payout.transaction.day == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("day", ["2026-02-30", "20260215", "2026-W07-1", "tomorrow"])
def test_a_malformed_payout_day_is_refused_not_replaced_by_today(client, funded, owner, day):
    payout, _ = request_payout(funded, owner, "300.00", "k1")
    page = decide_on_the_page(client, payout, day)
    assert "Enter the payout day as YYYY-MM-DD" in page
    assert payout.state == "requested"
    assert not LedgerEntry.objects.filter(kind="payout").exists()
    # Said beside that request's own form, with the day as it was typed.
    row = page[page.index(f'/dashboard/finance/payouts/{payout.pk}/'):]
    row = row[:row.index("</form>")]
    assert f'value="{day}"' in row and 'data-testid="refusal"' in row
    assert "Enter the payout day as YYYY-MM-DD" in row



@pytest.mark.parametrize(("decision", "words", "state"), [
    ("approve", "Approved the payout of ¥1,000.00 to 晨光工作室; it is posted on 2026-12-01.",
     "approved"),
    ("reject", "Rejected the payout of ¥1,000.00 to 晨光工作室; the amount is free again.",
     "rejected"),
])
def test_finance_is_told_what_its_decision_did(client, funded, owner, decision, words, state):
    payout, _ = request_payout(funded, owner, "1000", "k")
    client.force_login(make_user("fin", is_finance=True))
    page = client.post(reverse("dashboard:decide", args=[payout.pk]),
                       {"decision": decision, "day": "2026-12-01"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    payout.refresh_from_db()
    assert payout.state == state
    assert words in page


def test_finance_never_decides_a_payout_to_its_own_studio(client, funded, owner):
    """Four eyes on money: a finance user who is also a member of the payee studio can
    request its payout but not approve it; another finance user can."""
    insider = make_user("fin-insider", is_finance=True)
    Membership.objects.create(studio=funded, user=insider, role="member")
    payout, _ = request_payout(funded, owner, "300", "k")
    with translation.override("en"), pytest.raises(PayoutError,
                                                     match="another finance user decides"):
        decide_payout(payout.pk, insider, approve=True)
    client.force_login(insider)
    with translation.override("zh-hans"):
        page = client.post(reverse("dashboard:decide", args=[payout.pk]),
                           {"decision": "approve"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "其提现须由其他财务人员审批" in page.content.decode()
    payout.refresh_from_db()
    assert payout.state == "requested" and not LedgerEntry.objects.filter(kind="payout").exists()
    decide_payout(payout.pk, make_user("fin", is_finance=True), approve=True)
    payout.refresh_from_db()
    assert payout.state == "approved"


@pytest.mark.parametrize("typed", ["１００", "١٠٠", "1_000", "1e3", "+100", "100.", ".50"])
def test_an_amount_is_plain_ascii_yuan(funded, owner, typed):
    with pytest.raises(PayoutError, match="Enter an amount in yuan"):
        request_payout(funded, owner, typed, f"k-{typed}")
    assert not Payout.objects.exists()


def test_who_asked_for_a_payout_never_decides_it_even_after_leaving(funded, owner):
    """A finance user who owned the studio, asked, then left: still not theirs to decide."""
    asker = make_user("asker", is_finance=True)
    Membership.objects.create(studio=funded, user=asker, role="owner")
    payout, _ = request_payout(funded, asker, "200.00", "k")
    Membership.objects.filter(studio=funded, user=asker).delete()
    with pytest.raises(PayoutError, match="You requested this payout"):
        decide_payout(payout.pk, asker, True, datetime.date(2026, 3, 2))
    assert Payout.objects.get(pk=payout.pk).state == "requested"
    decide_payout(payout.pk, make_user("fin2", is_finance=True), True, datetime.date(2026, 3, 2))
    assert Payout.objects.get(pk=payout.pk).state == "approved"


def test_a_decision_on_a_request_decided_meanwhile_is_said_at_the_top(client, funded, owner):
    payout, _ = request_payout(funded, owner, "300.00", "k1")
    decide_payout(payout.pk, make_user("fin2", is_finance=True), approve=False, day=None)
    page = decide_on_the_page(client, payout, "2026-12-01")
    assert "already decided" in page
    assert payout.state == "rejected"


def test_a_payout_day_in_the_future_is_refused(client, funded, owner):
    """A year typed wrong (2030 for 2026) went into the ledger without a question."""
    from django.utils import timezone

    payout, _ = request_payout(funded, owner, "300.00", "k1")
    ahead = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    page = decide_on_the_page(client, payout, ahead)
    assert "is in the future" in page and payout.state == "requested"
    assert not LedgerEntry.objects.filter(kind="payout").exists()
    today = timezone.localdate().isoformat()
    approved = client.post(reverse("dashboard:decide", args=[payout.pk]),
                           {"decision": "approve", "day": today}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "posted on " + today in approved
