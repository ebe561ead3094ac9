"""Reads about studios for views: which studios a user may act for."""

from django.db.models import QuerySet
from django.http import Http404

from creators.models import Membership, Studio, User


def studios_of(user: User) -> QuerySet[Studio]:
    if not user.is_authenticated:
        return Studio.objects.none()
    return Studio.objects.filter(memberships__user=user).order_by("created_at", "id")


def membership_or_404(user: User, studio_slug: str) -> Membership:
    """The user's membership in that studio; outsiders get 404, never a hint it exists."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("studio").get(
            studio__slug=studio_slug, user=user
        )
    except Membership.DoesNotExist:
        raise Http404


def is_member(user: User, studio_id: int) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(studio_id=studio_id, user=user).exists()
    )
