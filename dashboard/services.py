"""Use cases of the dashboard: payout requests and finance's decision on them."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creators import queries as creator_queries
from creators.models import Studio, User
from revenue.models import Account
from revenue.services import (
    ClosedPeriodError,
    balance,
    money_sum,
    post_payout,
    q,
    studio_account,
)

from .models import Payout

MIN_PAYOUT = Decimal("100.00")
_AMOUNT = Payout._meta.get_field("amount")
# The largest amount Payout.amount holds (999999999999.99), read from the field itself.
MAX_PAYOUT = (Decimal(10) ** (_AMOUNT.max_digits - _AMOUNT.decimal_places)
              - Decimal(10) ** -_AMOUNT.decimal_places)


class PayoutError(Exception):
    """A refused request or decision; `field` names the form field it is about (None:
    the request as a whole)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def pending(studio: Studio) -> Decimal:
    return money_sum(Payout.objects.filter(studio=studio, state=Payout.State.REQUESTED))


def available(studio: Studio) -> Decimal:
    account = Account.objects.filter(studio=studio).first()
    ledger = balance(account) if account else Decimal("0.00")
    return ledger - pending(studio)


def _amount(raw) -> Decimal:
    # Bounded before rounding: q() of a number with more than 26 integer digits exceeds
    # the decimal context's precision and raises.
    try:
        amount = Decimal(str(raw).strip())
        plain = amount.is_finite() and abs(amount) <= MAX_PAYOUT and amount == q(amount)
    except (InvalidOperation, ValueError):
        plain = False
    if not plain:
        raise PayoutError(_("Enter an amount in yuan, such as 150.00."), "amount")
    return amount


def request_payout(studio: Studio, user: User, raw_amount, key: str) -> tuple[Payout, bool]:
    """A payout request of an owner; (payout, created). The same key returns the first
    request. The studio's ledger account row is locked, so concurrent requests queue and
    each sees the reservations of the ones before it."""
    key = (key or "").strip()[:64]
    if not key:
        raise PayoutError(_("The request has no idempotency key; reload the page."))
    existing = Payout.objects.filter(studio=studio, idempotency_key=key).first()
    if existing:
        return existing, False
    amount = _amount(raw_amount)
    if amount < MIN_PAYOUT:
        raise PayoutError(_("A payout is at least ¥%(min)s.") % {"min": f"{MIN_PAYOUT:,.2f}"}, "amount")
    studio_account(studio)
    try:
        with transaction.atomic():
            Account.objects.select_for_update().get(studio=studio)
            existing = Payout.objects.filter(studio=studio, idempotency_key=key).first()
            if existing:
                return existing, False
            free = available(studio)
            if amount > free:
                raise PayoutError(
                    _("A payout is at most the available balance, ¥%(free)s.")
                    % {"free": f"{q(max(free, Decimal('0'))):,.2f}"}, "amount")
            return Payout.objects.create(studio=studio, amount=amount, idempotency_key=key,
                                         requested_by=user), True
    except IntegrityError:
        return Payout.objects.get(studio=studio, idempotency_key=key), False


def decide_payout(payout_id: int, user: User, approve: bool,
                  day: datetime.date | None = None) -> Payout:
    """Finance approves (posts the payout to the ledger on `day`, today by default) or
    rejects a requested payout. A conditional UPDATE claims the request, so it is decided
    once. Raises Payout.DoesNotExist for an unknown id."""
    if not (user.is_finance or user.is_staff):
        raise PayoutError(_("Only finance decides payouts."))
    payee = Payout.objects.filter(pk=payout_id).values_list("studio_id", flat=True).first()
    if payee is not None and creator_queries.is_member(user, payee):
        # Four eyes on money: whoever can request a studio's payout never approves it.
        raise PayoutError(_("You are a member of this studio: another finance user decides "
                            "its payouts."))
    state = Payout.State.APPROVED if approve else Payout.State.REJECTED
    with transaction.atomic():
        claimed = Payout.objects.filter(pk=payout_id, state=Payout.State.REQUESTED).update(
            state=state, decided_by=user, decided_at=timezone.now())
        payout = Payout.objects.select_related("studio").get(pk=payout_id)
        if not claimed:
            raise PayoutError(_("This payout was already decided."))
        if approve:
            try:
                tx = post_payout(payout.studio, payout.amount, day or timezone.localdate())
            except ClosedPeriodError as e:  # the claim above is rolled back with it
                raise PayoutError(
                    _("The payout day %(day)s lies in a closed period; choose a day after "
                      "%(closed)s.") % {"day": e.day, "closed": e.closed}) from e
            Payout.objects.filter(pk=payout.pk).update(transaction=tx)
            payout.transaction = tx
    return payout
