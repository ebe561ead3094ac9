"""Demo data of the review app: every submitted demo episode waits in the queue with its
checks run. Idempotent: an episode never gets a second open item."""

from django.db.models import Exists, OuterRef

from creators.models import Episode
from review import services
from review.models import ReviewItem


def load() -> None:
    open_items = ReviewItem.objects.filter(episode=OuterRef("pk"), state="open")
    waiting = Episode.objects.filter(
        status__in=[Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW]
    ).filter(~Exists(open_items)).select_related("series")
    for episode in waiting:
        services.enqueue(episode, run_checks_now=True)
