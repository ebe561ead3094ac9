"""Celery tasks of the creators app (thin wrappers around services)."""

from celery import shared_task

from creators.notify import notify_studio


@shared_task(bind=True, name="creators.notify_studio", queue="cpu")
def notify_studio_task(self, studio_id: int, payload: dict) -> None:
    notify_studio(studio_id, {**payload, "sent_by": self.request.hostname or "eager"})
