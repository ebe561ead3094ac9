"""Celery tasks of the review app (thin wrappers around services)."""

from celery import shared_task

from review import services


@shared_task(name="review.run_checks", queue="cpu")
def run_checks(item_id: int) -> str:
    return services.run_checks(item_id).checks_state


@shared_task(name="review.expire_claims", queue="cpu")
def expire_claims() -> int:
    return services.expire_claims()


@shared_task(name="review.sync_submissions", queue="cpu")
def sync_submissions() -> int:
    return services.sync_submissions(force=True)
