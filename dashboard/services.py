"""Use cases of the dashboard: payout requests and finance's decision on them.

A payee is a studio (its owners request) or a rights holder, a User (who requests for
themselves): the same rules, locks and ledger postings serve both."""

import datetime
import re
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
    payee_account,
    post_payout,
    q,
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


def _of(payee: Studio | User) -> dict:
    """The lookup of a payee's payouts (and of its ledger account: `user` for a rights
    holder)."""
    return {"studio": payee} if isinstance(payee, Studio) else {"licensor": payee}


def _account_of(payee: Studio | User) -> dict:
    return {"studio": payee} if isinstance(payee, Studio) else {"user": payee}


def pending(payee: Studio | User) -> Decimal:
    return money_sum(Payout.objects.filter(**_of(payee), state=Payout.State.REQUESTED))


def available(payee: Studio | User) -> Decimal:
    account = Account.objects.filter(**_account_of(payee)).first()
    ledger = balance(account) if account else Decimal("0.00")
    return ledger - pending(payee)


# What a person types for yuan: ASCII digits, at most two decimals. Decimal() alone also
# reads "1_000", "1e5", "+100" and full-width or Arabic-Indic digits, each a typo trap.
PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def _amount(raw) -> Decimal:
    # Bounded before rounding: q() of a number with more than 26 integer digits exceeds
    # the decimal context's precision and raises.
    text = str(raw).strip()
    if not PLAIN_AMOUNT.fullmatch(text):
        raise PayoutError(_("Enter an amount in yuan, such as 150.00."), "amount")
    try:
        amount = Decimal(text)
        plain = amount.is_finite() and abs(amount) <= MAX_PAYOUT and amount == q(amount)
    except (InvalidOperation, ValueError):
        plain = False
    if not plain:
        raise PayoutError(_("Enter an amount in yuan, such as 150.00."), "amount")
    return amount


def request_payout(payee: Studio | User, user: User, raw_amount,
                   key: str) -> tuple[Payout, bool]:
    """A payout request; (payout, created). The payee is a studio (the view lets only its
    owners request) or a rights holder, who requests for themselves. The same key returns
    the first request. The payee's ledger account row is locked, so concurrent requests
    queue and each sees the reservations of the ones before it."""
    if not isinstance(payee, Studio) and payee.pk != user.pk:
        raise PayoutError(_("A rights holder's payout is requested by the rights holder."))
    of = _of(payee)
    key = (key or "").strip()[:64]
    if not key:
        raise PayoutError(_("The request has no idempotency key; reload the page."))
    existing = Payout.objects.filter(**of, idempotency_key=key).first()
    if existing:
        return existing, False
    amount = _amount(raw_amount)
    if amount < MIN_PAYOUT:
        raise PayoutError(_("A payout is at least ¥%(min)s.") % {"min": f"{MIN_PAYOUT:,.2f}"}, "amount")
    payee_account(payee)
    try:
        with transaction.atomic():
            Account.objects.select_for_update().get(**_account_of(payee))
            existing = Payout.objects.filter(**of, idempotency_key=key).first()
            if existing:
                return existing, False
            free = available(payee)
            if amount > free:
                raise PayoutError(
                    _("A payout is at most the available balance, ¥%(free)s.")
                    % {"free": f"{q(max(free, Decimal('0'))):,.2f}"}, "amount")
            return Payout.objects.create(**of, amount=amount, idempotency_key=key,
                                         requested_by=user), True
    except IntegrityError:
        return Payout.objects.get(**of, idempotency_key=key), False


def decide_payout(payout_id: int, user: User, approve: bool,
                  day: datetime.date | None = None) -> Payout:
    """Finance approves (posts the payout to the ledger on `day`, today by default) or
    rejects a requested payout. A conditional UPDATE claims the request, so it is decided
    once. Raises Payout.DoesNotExist for an unknown id."""
    if not (user.is_finance or user.is_staff):
        raise PayoutError(_("Only finance decides payouts."))
    studio_id, licensor_id = Payout.objects.filter(pk=payout_id).values_list(
        "studio_id", "licensor_id").first() or (None, None)
    # Four eyes on money: whoever can request a payout never approves it.
    if studio_id is not None and creator_queries.is_member(user, studio_id):
        raise PayoutError(_("You are a member of this studio: another finance user decides "
                            "its payouts."))
    if licensor_id is not None and licensor_id == user.pk:
        raise PayoutError(_("This payout is to you: another finance user decides it."))
    if Payout.objects.filter(pk=payout_id, requested_by=user).exists():
        # Whoever asked never decides, even after leaving the studio they asked for.
        raise PayoutError(_("You requested this payout: another finance user decides it."))
    if approve and day is not None and day > timezone.localdate():
        # The day the money was sent: a year typed wrong would put it in the books ahead.
        raise PayoutError(_("The payout day %(day)s is in the future: enter the day the "
                            "money was sent, today or earlier.") % {"day": day.isoformat()})
    state = Payout.State.APPROVED if approve else Payout.State.REJECTED
    with transaction.atomic():
        claimed = Payout.objects.filter(pk=payout_id, state=Payout.State.REQUESTED).update(
            state=state, decided_by=user, decided_at=timezone.now())
        payout = Payout.objects.select_related("studio", "licensor").get(pk=payout_id)
        if not claimed:
            raise PayoutError(_("This payout was already decided."))
        if approve:
            try:
                tx = post_payout(payout.payee, payout.amount, day or timezone.localdate())
            except ClosedPeriodError as e:  # the claim above is rolled back with it
                raise PayoutError(
                    _("The payout day %(day)s lies in a closed period; choose a day after "
                      "%(closed)s.") % {"day": e.day, "closed": e.closed}) from e
            Payout.objects.filter(pk=payout.pk).update(transaction=tx)
            payout.transaction = tx
    return payout
