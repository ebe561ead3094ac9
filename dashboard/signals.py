"""What makes the dashboard's cached answers stale: each receiver bumps the versions of
dashboard.cached (or drops the cached user of dashboard.auth) when the data behind them
changes. Connected in DashboardConfig.ready."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from creators.models import Episode, Membership, Series, Studio
from revenue.models import LedgerTransaction, SettlementRun

from .auth import forget_user
from .cached import FIGURES, bump, studio_key, user_gen_key


def _user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)
    transaction.on_commit(lambda: forget_user(instance.pk), robust=True)
    # A new user may carry the id of one whose cached studios outlived it (a rolled-back
    # test, a restored database): start from a fresh generation.
    bump(user_gen_key(instance.pk))


def _membership_changed(sender, instance, **kwargs):
    bump(user_gen_key(instance.user_id))


def _studio_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if created:  # a slug may be taken again after its studio was deleted
        bump(studio_key(instance.slug))
        return
    if update_fields is not None and "slug" not in update_fields:
        return
    # Renamed: the members' maps of slug → studio name the old slug.
    users = list(Membership.objects.filter(studio_id=instance.pk)
                 .values_list("user_id", flat=True))
    bump(studio_key(instance.slug), *(user_gen_key(u) for u in users))


def _series_changed(sender, instance, **kwargs):
    slug = Studio.objects.filter(pk=instance.studio_id).values_list("slug", flat=True).first()
    if slug:
        bump(studio_key(slug))


def _episode_changed(sender, instance, update_fields=None, **kwargs):
    # The charts read an episode only for its duration (content minutes per series).
    if update_fields is not None and "duration_seconds" not in update_fields:
        return
    slug = (Series.objects.filter(pk=instance.series_id)
            .values_list("studio__slug", flat=True).first())
    if slug:
        bump(studio_key(slug))


def _figures_changed(sender, instance, **kwargs):
    bump(FIGURES)


def connect() -> None:
    user = get_user_model()
    receivers = [
        (_user_changed, user), (_membership_changed, Membership), (_series_changed, Series),
        (_episode_changed, Episode), (_figures_changed, SettlementRun),
        (_figures_changed, LedgerTransaction),
    ]
    for receiver, model in receivers:
        uid = f"dashboard:{receiver.__name__}:{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + ":delete")
    post_save.connect(_studio_changed, sender=Studio, dispatch_uid="dashboard:studio:save")
