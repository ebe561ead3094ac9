"""Writes that matter for users and studios: sign-up, studio creation, membership."""

from django.db import transaction
from django.utils.text import slugify

from creators.models import Membership, Studio, User


def unique_studio_slug(base: str) -> str:
    root = slugify(base, allow_unicode=False)[:50] or "studio"
    slug, n = root, 1
    while Studio.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


@transaction.atomic
def create_studio(owner: User, name: str, slug: str | None = None) -> Studio:
    studio = Studio.objects.create(slug=slug or unique_studio_slug(owner.username), name=name)
    Membership.objects.create(studio=studio, user=owner, role=Membership.Role.OWNER)
    return studio


@transaction.atomic
def sign_up(username: str, email: str, password: str, studio_name: str = "") -> User:
    """A new creator, with the one-person studio every creator starts with."""
    user = User(username=username, email=email, is_creator=True)
    user.set_password(password)
    user.save()
    create_studio(user, studio_name or f"{username}的工作室")
    return user


# --- Episode life cycle --------------------------------------------------------------
# draft → submitted → in_review → approved | rejected | changes_requested → published →
# taken_down. Each transition is a conditional UPDATE so two actors cannot both move the
# same episode from the same state.

from creators.models import Episode  # noqa: E402


class TransitionError(Exception):
    """The episode is not in a state that allows this step."""


def _move(episode: Episode, allowed_from: set[str], to: str, **fields) -> Episode:
    moved = Episode.objects.filter(pk=episode.pk, status__in=allowed_from).update(
        status=to, **fields
    )
    if moved != 1:
        episode.refresh_from_db(fields=["status"])
        raise TransitionError(
            f"episode {episode.ref} is {episode.status}, cannot become {to}"
        )
    episode.refresh_from_db()
    return episode


def submit_episode(episode: Episode) -> Episode:
    """Hands the episode to review (completeness checks belong to the caller's form)."""
    return _move(
        episode,
        {Episode.Status.DRAFT, Episode.Status.REJECTED, Episode.Status.CHANGES_REQUESTED},
        Episode.Status.SUBMITTED,
    )


def start_review(episode: Episode) -> Episode:
    return _move(episode, {Episode.Status.SUBMITTED}, Episode.Status.IN_REVIEW)


def return_to_queue(episode: Episode) -> Episode:
    return _move(episode, {Episode.Status.IN_REVIEW}, Episode.Status.SUBMITTED)


def approve_episode(episode: Episode, grade: str, category: str | None, publish_on) -> Episode:
    """Approves with a grade and publishes on `publish_on`; the settlement run of that
    period advances the minimum guarantee from the grade (DOMAIN.md)."""
    from library.services import assert_license_usable

    series = episode.series
    if series.license_id:
        assert_license_usable(series.studio, series.license, publish_on)
    if category and category != series.category:
        series.category = category
        series.save(update_fields=["category"])
    return _move(
        episode,
        {Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW},
        Episode.Status.PUBLISHED,
        grade=grade,
        published_on=publish_on,
    )


def reject_episode(episode: Episode) -> Episode:
    return _move(
        episode, {Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW}, Episode.Status.REJECTED
    )


def request_changes(episode: Episode) -> Episode:
    return _move(
        episode,
        {Episode.Status.SUBMITTED, Episode.Status.IN_REVIEW},
        Episode.Status.CHANGES_REQUESTED,
    )


def take_down(episode: Episode) -> Episode:
    return _move(episode, {Episode.Status.PUBLISHED}, Episode.Status.TAKEN_DOWN)
