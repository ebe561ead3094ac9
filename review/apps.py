"""App config for review: review."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Review")

    def ready(self) -> None:
        from creators.signals import episode_published, episode_submitted

        episode_submitted.connect(_enqueue, dispatch_uid="review-enqueue")
        episode_published.connect(_index, dispatch_uid="review-index")


def _enqueue(sender, episode, **kwargs) -> None:
    from review.services import enqueue

    enqueue(episode)


def _index(sender, episode, **kwargs) -> None:
    from review.services import index_published

    index_published(episode)
