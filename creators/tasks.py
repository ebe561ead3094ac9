"""Celery tasks of the creators app (thin wrappers around services)."""

from celery import shared_task

from creators import services
from creators.notify import notify_studio


@shared_task(bind=True, name="creators.notify_studio", queue="cpu")
def notify_studio_task(self, studio_id: int, payload: dict) -> None:
    notify_studio(studio_id, {**payload, "sent_by": self.request.hostname or "eager"})


def _report(payload: dict) -> None:
    notify_studio(payload["studio"], payload)


@shared_task(name="creators.probe_episode", queue="cpu")
def probe_episode(episode_id: int) -> str:
    return services.probe_episode_video(episode_id, report=_report).probe_state


@shared_task(name="creators.cleanup_abandoned_uploads", queue="cpu")
def cleanup_abandoned_uploads() -> int:
    return services.cleanup_abandoned_uploads()
