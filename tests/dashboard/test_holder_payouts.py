"""Payouts to rights holders: a holder's settled royalties are a balance the holder asks
to be paid; finance decides on the same page and with the same rules as for studios, the
ledger balances, and the holder's statement shows the payout."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from creators.catalog import import_catalog
from creators.models import Studio, User
from dashboard.models import Payout
from dashboard.services import PayoutError, available, decide_payout, request_payout
from revenue.models import LedgerEntry
from revenue.queries import statement
from revenue.services import (
    ClosedPeriodError,
    balance,
    create_policy,
    import_revenue,
    licensor_account,
    post_payout,
    settle,
)
from tests.conftest import logged_in, make_user
from tests.dashboard.conftest import racing_requests
from tests.revenue.conftest import POLICY, catalog, csv_bytes

FEB_5 = datetime.date(2026, 2, 5)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def rh(db) -> User:
    """Rights holder 'rh' with 600.00 of settled royalty for 2026-01: one line of 40000
    valid minutes, base 40000 × 0.0005 × 50 × 2 = 2000.00, royalty 30% = 600.00."""
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,40000.00,0.00"])), "hongguo")
    settle("2026-01")
    holder = User.objects.get(username="rh")
    assert balance(licensor_account(holder)) == Decimal("600.00")
    return holder


@pytest.fixture
def finance(db) -> User:
    return make_user("fin", is_finance=True)


def payouts_url(holder: User) -> str:
    return reverse("dashboard:holder_payouts", args=[holder.username])


def test_a_holder_is_paid_from_settled_royalties_and_the_statement_shows_it(
        client, rh, finance):
    logged_in(client, rh, "en")
    page = client.get(reverse("dashboard:holder")).content.decode()
    assert '<strong id="available">¥600.00</strong>' in page and 'id="payout-form"' in page
    r = client.post(reverse("dashboard:holder"), {"amount": "250.00", "key": "k1"})
    assert r.status_code == 302 and r["Location"] == reverse("dashboard:holder")
    payout = Payout.objects.get()
    assert (payout.licensor, payout.studio, payout.requested_by) == (rh, None, rh)
    assert payout.state == "requested" and available(rh) == Decimal("350.00")

    logged_in(client, finance, "en")
    listed = client.get(reverse("dashboard:finance")).content.decode()
    assert "Rights holder" in listed and payouts_url(rh) in listed
    page = client.post(reverse("dashboard:decide", args=[payout.pk]),
                       {"decision": "approve", "day": FEB_5.isoformat()},
                       follow=True).content.decode()
    assert ("Approved the payout of ¥250.00 to rights holder rh; it is posted on 2026-02-05."
            in page)
    payout.refresh_from_db()
    assert payout.state == "approved" and payout.decided_by == finance
    tx = payout.transaction
    assert tx.day == FEB_5 and tx.period == "2026-02"
    legs = {(e.account.kind, e.kind): e.amount for e in tx.entries.select_related("account")}
    assert legs == {("licensor", "payout"): Decimal("-250.00"),
                    ("platform_cash", "platform"): Decimal("250.00")}
    assert sum(legs.values()) == 0
    assert balance(licensor_account(rh)) == Decimal("350.00")
    assert available(rh) == Decimal("350.00")
    # The whole ledger still balances.
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0

    logged_in(client, rh, "en")
    page = client.get(reverse("dashboard:holder")).content.decode()
    assert '<strong id="available">¥350.00</strong>' in page
    history = page[page.index('id="payouts"'):]
    assert "¥250.00" in history and "Approved" in history

    settle("2026-02")
    t = statement("2026-02", licensor=rh)["totals"]
    assert (t["opening_balance"], t["earned_share"], t["payouts"], t["closing_balance"]) == (
        "600.00", "0.00", "250.00", "350.00")
    assert statement("2026-01", licensor=rh)["totals"]["payouts"] == "0.00"
    page = client.get(reverse("dashboard:holder_statement", args=["2026-02"])).content.decode()
    assert '<td class="num" id="payouts">¥250.00</td>' in page
    # The studio's statement is not touched by the holder's payout.
    sun = Studio.objects.get(slug="sun")
    assert statement("2026-02", studio=sun)["totals"]["payouts"] == "0.00"


def test_a_request_over_the_available_balance_is_refused(rh):
    with pytest.raises(PayoutError, match="at most the available balance, ¥600.00"):
        request_payout(rh, rh, "600.01", "k1")
    request_payout(rh, rh, "500.00", "k2")
    with pytest.raises(PayoutError, match="at most the available balance, ¥100.00"):
        request_payout(rh, rh, "100.01", "k3")
    with pytest.raises(PayoutError, match="at least ¥100"):
        request_payout(rh, rh, "99.99", "k4")
    assert list(Payout.objects.values_list("amount", flat=True)) == [Decimal("500.00")]


def test_the_holders_form_shows_a_refusal_at_the_field(client, rh):
    logged_in(client, rh, "en")
    r = client.post(payouts_url(rh), {"amount": "600.01", "key": "k1"})
    body = r.content.decode()
    assert r.status_code == 400
    field = body[body.index('<div class="field has-error">'):]
    assert 'value="600.01"' in field and "at most the available balance, ¥600.00" in field
    assert not Payout.objects.exists()


def test_a_duplicate_key_returns_the_first_request_and_pays_once(client, rh):
    first, created = request_payout(rh, rh, "300", "same")
    again, created_again = request_payout(rh, rh, "300", "same")
    assert created and not created_again and again.pk == first.pk
    logged_in(client, rh, "en")
    client.post(payouts_url(rh), {"amount": "200", "key": "twice"})
    client.post(payouts_url(rh), {"amount": "200", "key": "twice"})
    assert sorted(Payout.objects.values_list("amount", flat=True)) == [Decimal("200.00"),
                                                                     Decimal("300.00")]
    assert available(rh) == Decimal("100.00")


def test_nobody_but_the_holder_requests_the_holders_payout(rh, finance):
    with pytest.raises(PayoutError, match="requested by the rights holder"):
        request_payout(rh, finance, "200", "k1")
    assert not Payout.objects.exists()


def test_others_find_nothing_on_the_holders_payout_pages(client, rh, finance):
    request_payout(rh, rh, "200", "k1")
    url = payouts_url(rh)
    other_holder = make_user("rh2", is_rights_holder=True)
    studio_owner = User.objects.get(username="sol")  # owns the studio licensing rh's IP
    for user in (other_holder, studio_owner):
        logged_in(client, user, "en")
        assert client.get(url).status_code == 404
        assert client.post(url, {"amount": "100", "key": "x"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    assert client.post(url, {"amount": "100", "key": "y"}).status_code == 404
    assert Payout.objects.count() == 1
    # Another holder's own page lists their payouts, not rh's.
    logged_in(client, other_holder, "en")
    page = client.get(reverse("dashboard:holder")).content.decode()
    assert "¥200.00" not in page and "No payouts yet." in page
    # A studio member is no rights holder: no holder page either, and no decision.
    logged_in(client, studio_owner, "en")
    assert client.get(reverse("dashboard:holder")).status_code == 404
    payout = Payout.objects.get()
    assert client.post(reverse("dashboard:decide", args=[payout.pk]),
                       {"decision": "approve"}).status_code == 403
    # Finance sees the holder's payouts but asks for none.
    logged_in(client, finance, "en")
    page = client.get(url).content.decode()
    assert "¥200.00" in page and 'id="payout-form"' not in page
    assert client.post(url, {"amount": "100", "key": "z"}).status_code == 403
    assert Payout.objects.count() == 1
    payout.refresh_from_db()
    assert payout.state == "requested"


def test_a_holder_who_is_finance_never_approves_their_own_payout(client, rh, finance):
    rh.is_finance = True
    rh.save()
    payout, _ = request_payout(rh, rh, "300", "k")
    with pytest.raises(PayoutError, match="another finance user decides it"):
        decide_payout(payout.pk, rh, approve=True, day=FEB_5)
    logged_in(client, rh, "zh-hans")
    with translation.override("zh-hans"):
        page = client.post(reverse("dashboard:decide", args=[payout.pk]),
                           {"decision": "approve", "day": "2026-02-05"}, follow=True)
    assert "须由其他财务人员审批" in page.content.decode()
    payout.refresh_from_db()
    assert payout.state == "requested" and not LedgerEntry.objects.filter(kind="payout").exists()
    decide_payout(payout.pk, finance, approve=True, day=FEB_5)
    payout.refresh_from_db()
    assert payout.state == "approved" and payout.decided_by == finance


def test_a_rejected_holder_payout_frees_the_amount(rh, finance):
    payout, _ = request_payout(rh, rh, "600", "k")
    assert available(rh) == Decimal("0.00")
    decide_payout(payout.pk, finance, approve=False)
    assert available(rh) == Decimal("600.00")
    assert not LedgerEntry.objects.filter(kind="payout").exists()


def test_a_holder_payout_day_inside_a_closed_period_is_refused(rh, finance):
    payout, _ = request_payout(rh, rh, "300", "k")
    with pytest.raises(PayoutError, match="closed period; choose a day after 2026-01-31"):
        decide_payout(payout.pk, finance, approve=True, day=datetime.date(2026, 1, 31))
    payout.refresh_from_db()
    assert payout.state == "requested" and payout.transaction is None
    with pytest.raises(ClosedPeriodError):
        post_payout(rh, Decimal("100.00"), datetime.date(2026, 1, 20))
    assert not LedgerEntry.objects.filter(kind="payout").exists()


def test_a_payout_names_exactly_one_payee(rh):
    sun = Studio.objects.get(slug="sun")
    for payee in ({}, {"studio": sun, "licensor": rh}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payout.objects.create(amount="100.00", idempotency_key="k", requested_by=rh,
                                  **payee)
    # Keys are unique per payee: the same key may serve a studio and a holder.
    Payout.objects.create(amount="100.00", idempotency_key="k", requested_by=rh, licensor=rh)
    Payout.objects.create(amount="100.00", idempotency_key="k", requested_by=rh, studio=sun)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(amount="100.00", idempotency_key="k", requested_by=rh,
                              licensor=rh)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_a_holder_cannot_overdraw():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    import_catalog(catalog([("E1", "2026-01-02", "C", 60)]))
    create_policy(POLICY)
    import_revenue(io.BytesIO(csv_bytes(["2026-01-10,E1,1,40000.00,0.00"])), "hongguo")
    settle("2026-01")
    holder = User.objects.get(username="rh")
    outcomes = racing_requests(holder, [(holder, f"k{i}") for i in range(6)], "250.00")
    assert outcomes.count(True) == 2 and outcomes.count("refused") == 4
    assert available(holder) == Decimal("100.00")


def test_the_pages_read_in_chinese(client, rh, finance):
    request_payout(rh, rh, "200", "k1")
    page = logged_in(client, rh, "zh-hans").get(reverse("dashboard:holder")).content.decode()
    assert "可用余额：<strong id=\"available\">¥400.00</strong>" in page
    assert "申请提现" in page
    page = logged_in(client, finance, "zh-hans").get(reverse("dashboard:finance")).content.decode()
    assert "收款方" in page and "版权方" in page
    page = client.get(payouts_url(rh)).content.decode()
    assert "版权方 rh" in page and "¥200.00" in page


def test_a_holder_whose_ip_moved_on_is_still_paid_what_the_ledger_owes(client, rh):
    """The flag taken away and the IP handed to another holder: the 600.00 already earned
    is still owed, so the holder pages, the statement list and the menu stay open."""
    from library.models import IP

    IP.objects.filter(rights_holder=rh).update(rights_holder=make_user("heir",
                                                                       is_rights_holder=True))
    User.objects.filter(pk=rh.pk).update(is_rights_holder=False)
    client.force_login(User.objects.get(pk=rh.pk))
    page = client.get(reverse("dashboard:holder"))
    assert page.status_code == 200 and "¥600.00" in page.content.decode()
    assert 'data-nav="dashboard"' in page.content.decode()
    assert "2026-01" in client.get(reverse("revenue:index")).content.decode()
    response = client.post(payouts_url(rh), {"amount": "600.00", "key": "moved"})
    assert response.status_code == 302
    assert Payout.objects.get(licensor=rh).amount == Decimal("600.00")


def test_a_refusal_on_the_holders_own_page_comes_back_to_that_page(client, rh):
    logged_in(client, rh, "en")
    page = client.get(reverse("dashboard:holder")).content.decode()
    form = page[page.index('id="payout-form"') - 40:page.index('id="payout-form"') + 80]
    assert "action=" not in form  # the form posts to the holder's own page
    r = client.post(reverse("dashboard:holder"), {"amount": "600.01", "key": "k1"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "Royalties of my IP" in body and "By license" in body  # still the same page
    assert 'value="600.01"' in body and "at most the available balance, ¥600.00" in body
    done = client.post(reverse("dashboard:holder"), {"amount": "600.00", "key": "k2"})
    assert done.status_code == 302 and done["Location"] == reverse("dashboard:holder")
    assert Payout.objects.get(licensor=rh).amount == Decimal("600.00")
