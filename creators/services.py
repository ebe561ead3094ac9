"""Writes that matter for users and studios: sign-up, studio creation, membership."""

from django.db import transaction

from config.slugs import unique_slug
from creators.models import Membership, Studio, User


def unique_studio_slug(base: str) -> str:
    return unique_slug(Studio, base, "studio", max_length=50)


def form_studio(user: User, name: str) -> Studio:
    """A further studio the user starts and owns, while they own fewer than the limit.
    Counted under a lock on the user's row, so two forms sent at once cannot both take the
    last free place."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    from creators import conf

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).count()
        if owned >= conf.STUDIOS_OWNED_MAX:
            raise ValidationError(
                gettext("You already own %(n)d studios; one person may not start more "
                        "than that.") % {"n": conf.STUDIOS_OWNED_MAX})
        return create_studio(user, name, slug=unique_studio_slug(name or user.username))


@transaction.atomic
def create_studio(owner: User, name: str, slug: str | None = None) -> Studio:
    studio = Studio.objects.create(slug=slug or unique_studio_slug(owner.username), name=name)
    Membership.objects.create(studio=studio, user=owner, role=Membership.Role.OWNER)
    return studio


@transaction.atomic
def sign_up(username: str, email: str, password: str, studio_name: str = "",
            own_studio: bool = True) -> User:
    """A new creator, with the one-person studio a creator starts with (unless they came
    to join a studio that invited them)."""
    user = User(username=username, email=email, is_creator=True)
    user.set_password(password)
    user.save()
    if not own_studio:
        return user
    # Named in the language the person signed up in: "xiaoyu's studio", "xiaoyu的工作室".
    from django.utils.translation import gettext

    create_studio(user, studio_name or gettext("%(username)s's studio") % {"username": username})
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
    """Hands the episode to review (completeness checks belong to the caller's form); the
    review queue hears of it through `episode_submitted` once the transaction commits."""
    from creators.signals import episode_submitted

    with transaction.atomic():
        # Waits for a license change of the series in progress (update_series holds this
        # lock), so the change never misses the episode that now locks the license.
        list(Series.objects.select_for_update().filter(pk=episode.series_id).values("pk"))
        moved = _move(
            episode,
            {Episode.Status.DRAFT, Episode.Status.REJECTED, Episode.Status.CHANGES_REQUESTED},
            Episode.Status.SUBMITTED,
        )
        transaction.on_commit(
            lambda: episode_submitted.send(sender=Episode, episode=moved), robust=True
        )
    return moved


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
        # The category prices every line of the series (DOMAIN.md): once another of its
        # episodes is published or earns, the confirmed one stays (as update_series keeps).
        from django.db.models import Q

        if Episode.objects.filter(Q(published_on__isnull=False) | Q(revenue_lines__isnull=False),
                                  series_id=series.pk).exclude(pk=episode.pk).exists():
            raise ValidationError(
                _("The series already has published episodes priced by its category "
                  "%(category)s; a correction would reprice them all. Approve with that "
                  "category, or ask the studio to start a new series.")
                % {"category": series.get_category_display()})
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


# --- Studio profile, payout details, members ------------------------------------------

import datetime  # noqa: E402
import fcntl  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402
from django.http import Http404  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.utils.translation import gettext_noop, ngettext, pgettext  # noqa: E402

from creators import conf, media  # noqa: E402
from creators.models import Invitation, Series, Upload  # noqa: E402

log = logging.getLogger(__name__)


def _require_owner(membership: Membership) -> None:
    if membership.role != Membership.Role.OWNER:
        raise PermissionDenied(_("Only the studio's owners may do this."))


@transaction.atomic
def update_studio_profile(studio: Studio, name: str, bio: str, avatar=None) -> Studio:
    studio.name, studio.bio = name, bio
    fields = ["name", "bio"]
    if avatar is not None:
        studio.avatar = avatar
        fields.append("avatar")
    studio.save(update_fields=fields)
    return studio


@transaction.atomic
def update_payout_details(membership: Membership, details: str) -> Studio:
    _require_owner(membership)
    studio = membership.studio
    studio.payout_details = details
    studio.save(update_fields=["payout_details"])
    return studio


def _address(who: str) -> str:
    who = who.strip()
    return who.lower() if "@" in who else who


def _named_by(address: str) -> User | None:
    """The account a username names. An email names no account: nothing proves who holds
    an address but the address itself, so email invitations go by a mailed link."""
    if "@" in address:
        return None
    return User.objects.filter(username=address, is_active=True).first()


def _member_by_address(studio: Studio, address: str) -> bool:
    members = Membership.objects.filter(studio=studio)
    if "@" in address:
        return members.filter(user__email__iexact=address).exists()
    return members.filter(user__username=address).exists()


def token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_member(membership: Membership, who: str, role: str = Membership.Role.MEMBER
                  ) -> Invitation:
    """Offers a place in the studio to the person a username or email names.

    Nobody joins a studio without saying yes. A username's invitation waits on that
    user's invitations page; an email's is a link the caller mails to the address
    (`invitation.token` holds it, on the returned object only). The owner hears the same
    thing whether or not the address names an account, so the form cannot be used to learn
    who is registered or which username an email belongs to."""
    from django.db import IntegrityError

    _require_owner(membership)
    address = _address(who)
    if not address:
        raise ValidationError(_("Enter a username or email."))
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    studio = membership.studio
    if _member_by_address(studio, address):
        raise ValidationError(_("%(who)s is already a member.") % {"who": address})
    now = timezone.now()
    waiting = (Invitation.objects.select_for_update()
               .filter(studio=studio, addressed_to=address, status=Invitation.Status.PENDING)
               .first())
    taken = ValidationError(_("An invitation to %(who)s is already waiting for an answer.")
                            % {"who": address})
    if waiting is not None and waiting.expires_at > now:
        raise taken
    if waiting is not None:  # expired: it makes way for the new one
        waiting.status, waiting.decided_at = Invitation.Status.WITHDRAWN, now
        waiting.save(update_fields=["status", "decided_at"])
    token = secrets.token_urlsafe(24) if "@" in address else ""
    try:
        with transaction.atomic():  # two owners inviting one address at the same moment
            invitation = Invitation.objects.create(
                studio=studio, addressed_to=address, user=_named_by(address), role=role,
                invited_by=membership.user, token_hash=token_hash(token) if token else "",
                expires_at=now + datetime.timedelta(days=Invitation.LIFETIME_DAYS),
            )
    except IntegrityError:
        raise taken
    invitation.token = token
    return invitation


def invitation_by_token(token: str, pending: bool = True) -> Invitation | None:
    """The email invitation a mailed link names (only a pending one unless `pending` is
    False), or None."""
    if not token:
        return None
    found = (Invitation.objects.select_related("studio", "invited_by")
             .filter(token_hash=token_hash(token)).exclude(token_hash=""))
    if pending:
        found = found.filter(status=Invitation.Status.PENDING)
    return found.first()


def _check_open(invitation: Invitation | None, user: User) -> Invitation:
    if invitation is None or not user.is_active:
        raise Http404
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired; ask the studio for a new one."))
    # An invitation speaks for the owner who sent it while they are an owner: one removed
    # or stepped down cannot come back through an invitation sent before.
    if not Membership.objects.filter(studio=invitation.studio, user=invitation.invited_by,
                                     role=Membership.Role.OWNER).exists():
        raise ValidationError(_("This invitation lapsed: whoever sent it is no longer an "
                                "owner of the studio. Ask an owner for a new one."))
    return invitation


def _open_invitation(user: User, pk: int) -> Invitation:
    """The user's own pending invitation, locked; anyone else's reads as missing."""
    invitation = (Invitation.objects.select_for_update().select_related("studio")
                  .filter(pk=pk, user=user, status=Invitation.Status.PENDING).first())
    return _check_open(invitation, user)


def _join(invitation: Invitation, user: User) -> Membership:
    joined, _created = Membership.objects.get_or_create(
        studio=invitation.studio, user=user, defaults={"role": invitation.role}
    )
    # Two invitations can name the same person (by username and by email): one yes
    # answers both.
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        status=Invitation.Status.ACCEPTED, decided_at=now, user=user)
    Invitation.objects.filter(
        studio=invitation.studio, user=user, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.ACCEPTED, decided_at=now)
    return joined


@transaction.atomic
def accept_invitation(user: User, pk: int) -> Membership:
    return _join(_open_invitation(user, pk), user)


@transaction.atomic
def accept_invitation_link(user: User, token: str) -> Membership:
    """Whoever opens the link mailed to an address takes up its invitation."""
    found = invitation_by_token(token)
    locked = (Invitation.objects.select_for_update().select_related("studio")
              .filter(pk=found.pk, status=Invitation.Status.PENDING).first()
              if found is not None else None)
    return _join(_check_open(locked, user), user)


@transaction.atomic
def decline_invitation(user: User, pk: int) -> Invitation:
    invitation = _open_invitation(user, pk)
    invitation.status, invitation.decided_at = Invitation.Status.DECLINED, timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


@transaction.atomic
def decline_invitation_link(user: User, token: str) -> Invitation:
    found = invitation_by_token(token)
    if found is None:
        raise Http404
    Invitation.objects.filter(pk=found.pk, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.DECLINED, decided_at=timezone.now())
    return found


@transaction.atomic
def withdraw_invitation(membership: Membership, pk: int) -> Invitation:
    _require_owner(membership)
    invitation = (Invitation.objects.select_for_update()
                  .filter(pk=pk, studio=membership.studio, status=Invitation.Status.PENDING)
                  .first())
    if invitation is None:
        raise Http404
    invitation.status, invitation.decided_at = Invitation.Status.WITHDRAWN, timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


def _withdraw_sent_by(studio_id: int, user_id: int) -> None:
    """An owner who leaves or steps down takes back the invitations they sent."""
    Invitation.objects.filter(studio_id=studio_id, invited_by_id=user_id,
                              status=Invitation.Status.PENDING).update(
        status=Invitation.Status.WITHDRAWN, decided_at=timezone.now())


def _owners_left(studio_id: int, without: int) -> int:
    """Owners other than `without`, counted under a lock on the studio's row: a locked
    COUNT locks nothing (Django drops FOR UPDATE from it), and two owners leaving at once
    would each count the other and leave the studio with none."""
    Studio.objects.select_for_update().filter(pk=studio_id).first()
    return (
        Membership.objects
        .filter(studio_id=studio_id, role=Membership.Role.OWNER)
        .exclude(pk=without)
        .count()
    )


@transaction.atomic
def remove_member(membership: Membership, target: Membership) -> None:
    _require_owner(membership)
    if target.studio_id != membership.studio_id:
        raise PermissionDenied
    if target.role == Membership.Role.OWNER and _owners_left(target.studio_id, target.pk) == 0:
        raise ValidationError(_("A studio always keeps at least one owner."))
    _withdraw_sent_by(target.studio_id, target.user_id)
    target.delete()


@transaction.atomic
def leave_studio(membership: Membership) -> None:
    """A member leaves of their own accord; the last owner hands the studio over first
    (the studio always keeps an owner). An owner's pending invitations go with them."""
    if (membership.role == Membership.Role.OWNER
            and _owners_left(membership.studio_id, membership.pk) == 0):
        raise ValidationError(_("You are this studio's only owner: make another member an "
                                "owner before you leave."))
    _withdraw_sent_by(membership.studio_id, membership.user_id)
    Membership.objects.filter(pk=membership.pk).delete()


@transaction.atomic
def change_role(membership: Membership, target: Membership, role: str) -> Membership:
    _require_owner(membership)
    if target.studio_id != membership.studio_id:
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    if (target.role == Membership.Role.OWNER and role != Membership.Role.OWNER
            and _owners_left(target.studio_id, target.pk) == 0):
        raise ValidationError(_("A studio always keeps at least one owner."))
    if role != Membership.Role.OWNER:
        _withdraw_sent_by(target.studio_id, target.user_id)
    target.role = role
    target.save(update_fields=["role"])
    return target


# --- Series and episodes --------------------------------------------------------------


def unique_series_slug(title: str) -> str:
    return unique_slug(Series, title, "series")


def _check_license(studio: Studio, license, today: datetime.date | None = None) -> None:
    if license is not None:
        from library.services import assert_license_usable

        assert_license_usable(studio, license, today or timezone.localdate())


@transaction.atomic
def create_series(studio: Studio, **fields) -> Series:
    _check_license(studio, fields.get("license"))
    series = Series(studio=studio, slug=unique_series_slug(fields["title"]), **fields)
    series.save()
    return series


@transaction.atomic
def update_series(series: Series, **fields) -> Series:
    """Saves the series' fields. Its license (or its being original) is read from the
    database, as a bound form has already set the new one on `series`, and may change
    only while nothing earns under it: royalties follow the license the series has when
    its lines are settled (DOMAIN.md)."""
    from creators.queries import license_locked

    # One locked read of the stored series serves both checks.
    stored = Series.objects.select_for_update().get(pk=series.pk)
    license = fields.get("license")
    license_changed = ("license" in fields
                       and (license.pk if license else None) != stored.license_id)
    # Category and exclusivity price every line (DOMAIN.md); once the series earns, its
    # reviewer-confirmed values stay.
    pricing_changed = any(name in fields and fields[name] != getattr(stored, name)
                          for name in ("category", "exclusive"))
    if (license_changed or pricing_changed) and license_locked(stored):
        if license_changed:
            raise ValidationError(
                _("This series already has episodes submitted, published or with "
                  "revenue, and their royalties are shared under its license: the "
                  "license can no longer be removed or changed."),
                code="license_locked",
            )
        raise ValidationError(
            _("This series already has episodes submitted, published or with revenue, "
              "and its category and exclusivity price them: they can no longer be "
              "changed."),
            code="pricing_locked",
        )
    if license_changed:
        _check_license(series.studio, license)
    for name, value in fields.items():
        setattr(series, name, value)
    series.save()
    return series


@transaction.atomic
def delete_series(series: Series) -> None:
    if series.episodes.exists():
        raise ValidationError(_("Delete the series' episodes first."))
    series.delete()


def new_episode_ref() -> str:
    while True:
        ref = "EP-" + secrets.token_hex(4).upper()
        if not Episode.objects.filter(ref=ref).exists():
            return ref


@transaction.atomic
def create_episode(series: Series, number: int, title: str, hook_line: str = "",
                   ref: str | None = None) -> Episode:
    """A new draft; `ref` is given only by imports, which keep the code they came with.
    A series made under an expired license takes no new episodes (its past ones stay)."""
    if ref is None:
        from library.services import assert_can_add_episode

        assert_can_add_episode(series)
    return Episode.objects.create(
        series=series, number=number, title=title, hook_line=hook_line,
        ref=ref or new_episode_ref(),
    )


EDITABLE_STATUSES = {Episode.Status.DRAFT, Episode.Status.REJECTED,
                     Episode.Status.CHANGES_REQUESTED}


def is_open(episode_id: int) -> bool:
    """Whether the episode may still change, by the status stored now (not the one a
    caller loaded): once in review or published, what review saw stays as it was."""
    status = Episode.objects.filter(pk=episode_id).values_list("status", flat=True).first()
    return status in EDITABLE_STATUSES


@transaction.atomic
def update_episode(episode: Episode, number: int, title: str, hook_line: str) -> Episode:
    if not is_open(episode.pk):
        raise ValidationError(_("An episode in review or published can no longer be edited."),
                              code="episode_locked")
    episode.number, episode.title, episode.hook_line = number, title, hook_line
    episode.save(update_fields=["number", "title", "hook_line", "updated_at"])
    return episode


@transaction.atomic
def delete_episode(episode: Episode) -> None:
    if episode.status != Episode.Status.DRAFT:
        raise ValidationError(_("Only draft episodes can be deleted."))
    files = [f for f in (episode.video, episode.cover, episode.poster, episode.preview) if f]
    episode.delete()
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])


def missing_for_submission(episode: Episode) -> list[str]:
    """What keeps the episode from review: a valid probed video, a title, a cover."""
    missing = []
    if not episode.title.strip():
        missing.append(_("a title"))
    if not episode.video or episode.probe_state != Episode.Probe.DONE:
        missing.append(_("a valid video"))
    if not episode.cover:
        missing.append(_("a cover"))
    return missing


def human_list(items) -> str:
    """Items as a sentence lists them in the active language: "a title, a cover" in
    English, "标题、封面" in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def missing_text(episode: Episode) -> str:
    """missing_for_submission as one phrase of the active language ("" when complete)."""
    return human_list(missing_for_submission(episode))


def submit_for_review(episode: Episode) -> Episode:
    with transaction.atomic():
        # Read under the row lock that a storyboard assembly takes to put its video in:
        # the video checked here is the one submitted, never one swapped in meanwhile.
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        missing = missing_for_submission(locked)
        if missing:
            raise ValidationError(
                _("The episode still needs %(what)s.") % {"what": human_list(missing)}
            )
        return submit_episode(locked)


# --- Resumable upload -----------------------------------------------------------------
# POST create → id; PUT bytes at ?offset=N → new offset (409 with the server's offset when
# N is not it); GET → offset; POST finalize → validated by content and moved into place.
# The part file is the only copy of the bytes; its offset moves by conditional UPDATE
# while an exclusive lock on that file keeps two writers of one upload apart.


class UploadError(Exception):
    def __init__(self, message: str, status: int = 400, offset: int | None = None):
        super().__init__(message)
        self.status, self.offset = status, offset


def part_path(upload: Upload) -> Path:
    return conf.upload_dir() / f"{upload.pk}.part"


def _size_limit(kind: str) -> int:
    if kind == Upload.Kind.COVER:
        return min(conf.COVER_MAX_BYTES, settings.UPLOAD_MAX_BYTES)
    return settings.UPLOAD_MAX_BYTES


def start_upload(user: User, episode: Episode, kind: str, filename: str, size: int) -> Upload:
    if kind not in Upload.Kind.values:
        raise UploadError(_("Unknown upload kind."))
    if episode.status not in EDITABLE_STATUSES:
        raise UploadError(_("This episode can no longer be changed."), status=409)
    if size <= 0:
        raise UploadError(_("The file is empty."))
    if size > _size_limit(kind):
        raise UploadError(
            _("The file is %(size)s bytes; the most allowed is %(max)s bytes.")
            % {"size": size, "max": _size_limit(kind)},
            status=413,
        )
    studio = episode.series.studio
    with transaction.atomic():
        # Counted under the studio's row lock, so parallel starts cannot pass together.
        Studio.objects.select_for_update().get(pk=studio.pk)
        since = timezone.now() - datetime.timedelta(seconds=conf.UPLOAD_ABANDONED_AFTER_S)
        open_now = Upload.objects.filter(studio=studio, status=Upload.Status.RECEIVING,
                                         updated_at__gte=since).count()
        if open_now >= conf.UPLOAD_MAX_OPEN:
            raise UploadError(
                ngettext("This studio already has %(n)s upload in progress; finish it "
                         "before starting another.",
                         "This studio already has %(n)s uploads in progress; finish one "
                         "before starting another.", open_now) % {"n": open_now}, status=429)
        upload = Upload.objects.create(
            id=uuid.uuid4(), studio=studio, episode=episode, created_by=user,
            kind=kind, filename=filename[:255], size=size,
        )
    conf.upload_dir().mkdir(parents=True, exist_ok=True)
    part_path(upload).touch()
    return upload


COPY_BLOCK = 1024 * 1024


def _chunk_too_big(offset: int | None = None) -> UploadError:
    chunk_max = settings.UPLOAD_CHUNK_MAX_BYTES
    return UploadError(_("A chunk may hold at most %(max)s bytes.") % {"max": chunk_max},
                       status=413, offset=offset)


def open_chunk(upload: Upload, offset: int, length: int | None) -> int:
    """Admits a chunk of `length` bytes (None: not announced) at `offset`: takes the
    upload's exclusive lock and checks the offset and the limits. Returns the part file's
    descriptor, which holds the lock until commit_chunk or abandon_chunk closes it."""
    if length is not None and length > settings.UPLOAD_CHUNK_MAX_BYTES:
        raise _chunk_too_big()
    try:
        fd = os.open(part_path(upload), os.O_WRONLY)
    except FileNotFoundError:
        raise UploadError(_("This upload no longer exists; start again."), status=410)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        current = Upload.objects.filter(pk=upload.pk).values_list("offset", "status").first()
        if current is None or current[1] != Upload.Status.RECEIVING:
            raise UploadError(_("This upload is not receiving data."), status=409)
        if offset != current[0]:
            raise UploadError(_("Wrong offset."), status=409, offset=current[0])
        if length is not None:
            check_chunk_growth(upload, offset, length)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_chunk_growth(upload: Upload, offset: int, written: int) -> None:
    """Raises once a chunk holds more than a chunk may, or the upload more than announced."""
    if written > settings.UPLOAD_CHUNK_MAX_BYTES:
        raise _chunk_too_big(offset)
    if offset + written > upload.size:
        raise UploadError(_("The upload is larger than the size it announced."), status=413,
                          offset=offset)


def commit_chunk(upload: Upload, fd: int, offset: int, written: int) -> int:
    """Makes the chunk's bytes durable, then moves the offset past them; returns the new
    offset. The offset a client is told must survive a crash of this machine: a resumed
    upload appends there, and bytes lost behind it would be a hole in the video."""
    try:
        os.ftruncate(fd, offset + written)
        os.fdatasync(fd)
        moved = Upload.objects.filter(
            pk=upload.pk, offset=offset, status=Upload.Status.RECEIVING
        ).update(offset=offset + written, updated_at=timezone.now())
        if moved != 1:
            raise UploadError(_("Wrong offset."), status=409)
    finally:
        os.close(fd)
    return offset + written


def write_at(fd: int, data: bytes, at: int) -> None:
    """pwrite until every byte is down (a regular file may take fewer in one call)."""
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, at)
        view, at = view[done:], at + done


def abandon_chunk(fd: int, offset: int) -> None:
    """The chunk did not arrive whole, or was refused: the offset stays, and so does the
    file's length (what arrived of the chunk is cut off)."""
    try:
        os.ftruncate(fd, offset)
    finally:
        os.close(fd)


def receive_chunk(upload: Upload, offset: int, stream, length: int | None) -> int:
    """Writes the chunk read from `stream` at `offset`; returns the new offset. (Chunk PUTs
    through the ASGI server are streamed by creators.chunks; this serves the same route
    when Django itself reads the body.)"""
    fd = open_chunk(upload, offset, length)
    written = 0
    try:
        while block := stream.read(COPY_BLOCK):
            check_chunk_growth(upload, offset, written + len(block))
            write_at(fd, block, offset + written)
            written += len(block)
    except BaseException:
        abandon_chunk(fd, offset)
        raise
    return commit_chunk(upload, fd, offset, written)


def _refuse(upload: Upload, reason: str) -> None:
    """Nothing half-stored remains: the part file goes, the row keeps the reason."""
    part_path(upload).unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.REFUSED, reason=reason)
    upload.status, upload.reason = Upload.Status.REFUSED, reason


def finalize_upload(upload: Upload) -> Episode:
    """Checks the complete file by its content and puts it on the episode, or refuses it."""
    claimed = Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.RECEIVING, offset=upload.size
    ).update(status=Upload.Status.VALIDATING)
    if claimed != 1:
        upload.refresh_from_db()
        if upload.status == Upload.Status.RECEIVING:
            raise UploadError(_("The upload is not complete yet."), status=409,
                              offset=upload.offset)
        raise UploadError(_("This upload is not receiving data."), status=409)
    part = part_path(upload)
    try:
        if upload.kind == Upload.Kind.VIDEO:
            facts = media.check_video(part)
            suffix = ".mp4"
        else:
            image_format = media.check_image(part)
            suffix = media.IMAGE_SUFFIXES[image_format]
    except media.MediaRefused as refused:
        _refuse(upload, str(refused))
        raise UploadError(str(refused), status=422)
    except Exception:
        log.exception("validating upload %s", upload.pk)
        _refuse(upload, _("The file could not be checked."))
        raise UploadError(_("The file could not be checked."), status=422)

    episode = upload.episode
    folder = "episodes/videos" if upload.kind == Upload.Kind.VIDEO else "episodes/covers"
    name = f"{folder}/{episode.ref}-{upload.pk.hex[:8]}{suffix}"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    try:
        with transaction.atomic():
            episode = Episode.objects.select_for_update().get(pk=episode.pk)
            if episode.status not in EDITABLE_STATUSES:
                raise UploadError(_("This episode can no longer be changed."), status=409)
            old = episode.video if upload.kind == Upload.Kind.VIDEO else episode.cover
            old_name = old.name if old else ""
            if upload.kind == Upload.Kind.VIDEO:
                episode.video.name = name
                episode.duration_seconds = round(float(facts.duration), 3)
                episode.width, episode.height = facts.width, facts.height
                episode.fps = round(float(facts.fps), 3)
                episode.video_codec = facts.codec
                episode.probe_state, episode.probe_progress = Episode.Probe.PENDING, 0
                episode.probe_error = ""
                episode.save()
                from creators.tasks import probe_episode

                transaction.on_commit(lambda: probe_episode.delay(episode.pk))
            else:
                episode.cover.name = name
                episode.save(update_fields=["cover", "updated_at"])
            Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.DONE)
    except Exception:
        target.unlink(missing_ok=True)
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.REFUSED)
        raise
    if old_name and old_name != name:
        (Path(settings.MEDIA_ROOT) / old_name).unlink(missing_ok=True)
    return episode


def cleanup_abandoned_uploads(older_than_s: int | None = None) -> int:
    """Removes uploads nobody has touched for a while, and finished uploads' rows."""
    age = older_than_s if older_than_s is not None else conf.UPLOAD_ABANDONED_AFTER_S
    cutoff = timezone.now() - datetime.timedelta(seconds=age)
    stale = list(Upload.objects.filter(updated_at__lt=cutoff))
    for upload in stale:
        part_path(upload).unlink(missing_ok=True)
    Upload.objects.filter(pk__in=[u.pk for u in stale]).delete()
    return len(stale)


# --- Probe after upload ---------------------------------------------------------------


def probe_episode_video(episode_id: int, report=lambda payload: None) -> Episode:
    """Reads the stored video again, records its facts, extracts a poster frame and a
    short preview. `report` receives progress payloads for the studio's pages."""
    from creators.notify import message_for

    claimed = Episode.objects.filter(
        pk=episode_id, probe_state__in=[Episode.Probe.PENDING, Episode.Probe.FAILED]
    ).update(probe_state=Episode.Probe.RUNNING, probe_progress=0)
    episode = Episode.objects.select_related("series").get(pk=episode_id)
    if claimed != 1:
        return episode
    studio_id = episode.series.studio_id

    def step(progress: int, stage: str, **extra) -> None:
        Episode.objects.filter(pk=episode_id).update(probe_progress=progress)
        report({"type": "episode.probe", "episode": episode_id, "ref": episode.ref,
                "state": "running", "progress": progress, "stage": stage,
                "studio": studio_id, **extra})

    # The file this probe reads: a video replaced meanwhile has a probe of its own, and
    # this one's facts (the duration the minimum guarantee is paid on) must not land on it.
    probed = episode.video.name
    video = Path(episode.video.path)
    base = f"{episode.ref}-{secrets.token_hex(4)}"
    poster_name = f"episodes/posters/{base}.jpg"
    preview_name = f"episodes/previews/{base}.mp4"
    root = Path(settings.MEDIA_ROOT)
    try:
        step(5, "probe")
        facts = media.video_facts(video)
        step(20, "poster")
        (root / poster_name).parent.mkdir(parents=True, exist_ok=True)
        media.extract_poster(video, root / poster_name)
        step(40, "preview")
        (root / preview_name).parent.mkdir(parents=True, exist_ok=True)
        last = [40]

        def on_frame(n: int, total: int) -> None:
            pct = 40 + int(55 * n / total)
            if pct - last[0] >= 10:
                last[0] = pct
                step(pct, "preview")

        media.encode_preview(video, root / preview_name, on_frame=on_frame)
    except Exception as error:
        for name in (poster_name, preview_name):
            (root / name).unlink(missing_ok=True)
        reason = str(error) if isinstance(error, media.MediaRefused) else _("Probe failed.")
        log.exception("probing episode %s", episode_id)
        if not Episode.objects.filter(pk=episode_id, video=probed).update(
                probe_state=Episode.Probe.FAILED, probe_error=reason[:300]):
            return Episode.objects.get(pk=episode_id)  # another video's probe speaks now
        report({"type": "episode.probe", "episode": episode_id, "ref": episode.ref,
                "state": "failed", "progress": 100, "error": reason, "studio": studio_id})
        return Episode.objects.get(pk=episode_id)

    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=episode_id)
        if episode.video.name != probed:
            for name in (poster_name, preview_name):
                (root / name).unlink(missing_ok=True)
            return episode
        old = [f.name for f in (episode.poster, episode.preview) if f]
        episode.poster.name, episode.preview.name = poster_name, preview_name
        episode.duration_seconds = round(float(facts.duration), 3)
        episode.width, episode.height = facts.width, facts.height
        episode.fps = round(float(facts.fps), 3)
        episode.video_codec = facts.codec
        episode.probe_state, episode.probe_progress = Episode.Probe.DONE, 100
        episode.save()
    for name in old:
        (root / name).unlink(missing_ok=True)
    report({"type": "episode.probe", "episode": episode_id, "ref": episode.ref,
            "state": "done", "progress": 100, "studio": studio_id,
            **message_for(gettext_noop("Video of %(ref)s checked: %(w)s×%(h)s, %(s)s s"),
                          {"ref": episode.ref, "w": episode.width, "h": episode.height,
                           "s": episode.duration_seconds})})
    return episode

