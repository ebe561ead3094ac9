"""The studio credit wallet: every change is a conditional UPDATE of the balance plus an
append-only CreditEntry, in one transaction. Per job: reserve once, then charge or refund
once (the job's entries are unique per kind, and the job's own state change guards them)."""

from django.db import IntegrityError, transaction
from django.db.models import F

from creators.models import Studio, User
from generation.models import CreditEntry, Job, Wallet


class InsufficientCredits(Exception):
    pass


def wallet_of(studio: Studio) -> Wallet:
    return Wallet.objects.get_or_create(studio=studio)[0]


def balance(studio: Studio) -> int:
    return Wallet.objects.filter(studio=studio).values_list("balance", flat=True).first() or 0


def _entry(studio_id, kind, amount, job=None, note="", by=None) -> CreditEntry:
    after = Wallet.objects.filter(studio_id=studio_id).values_list("balance", flat=True).get()
    return CreditEntry.objects.create(
        studio_id=studio_id, kind=kind, amount=amount, balance_after=after, job=job,
        note=note, created_by=by,
    )


@transaction.atomic
def grant(studio: Studio, amount: int, by: User | None = None, note: str = "") -> CreditEntry:
    if amount <= 0:
        raise ValueError("a grant must be positive")
    wallet_of(studio)
    Wallet.objects.filter(studio=studio).update(balance=F("balance") + amount)
    return _entry(studio.pk, CreditEntry.Kind.GRANT, amount, note=note, by=by)


def reserve(job: Job) -> None:
    """Within the caller's transaction: take the job's price off the balance, or raise
    InsufficientCredits. The WHERE balance >= price makes concurrent reservations safe."""
    Wallet.objects.get_or_create(studio_id=job.studio_id)
    taken = Wallet.objects.filter(studio_id=job.studio_id, balance__gte=job.price).update(
        balance=F("balance") - job.price
    )
    if not taken:
        raise InsufficientCredits
    _entry(job.studio_id, CreditEntry.Kind.RESERVE, -job.price, job=job, by=job.created_by)


def _settle(job: Job, kind: str, amount: int) -> bool:
    if CreditEntry.objects.filter(job=job, kind__in=[CreditEntry.Kind.CHARGE,
                                                      CreditEntry.Kind.REFUND]).exists():
        return False
    try:
        with transaction.atomic():
            if amount:
                Wallet.objects.filter(studio_id=job.studio_id).update(
                    balance=F("balance") + amount
                )
            _entry(job.studio_id, kind, amount, job=job)
    except IntegrityError:
        return False
    return True


def charge(job: Job) -> bool:
    """Within the transaction that marks the job succeeded: the hold becomes final."""
    return _settle(job, CreditEntry.Kind.CHARGE, 0)


def refund(job: Job) -> bool:
    """Within the transaction that marks the job failed or canceled: the hold comes back."""
    return _settle(job, CreditEntry.Kind.REFUND, job.price)
