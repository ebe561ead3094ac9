"""Writes of the review queue: enqueueing submissions, running their checks, claims with
an expiry, and decisions recorded in the append-only audit trail."""

import datetime
import logging

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from creators import queries as creator_queries
from creators import services as creators
from creators.models import Episode, Grade
from review import checks, conf, fingerprint
from review.models import Decision, FrameHash, ReviewItem

log = logging.getLogger(__name__)


def can_review(user) -> bool:
    return bool(user.is_authenticated and user.is_active
                and (user.is_staff or getattr(user, "is_reviewer", False)))


def _require_reviewer(user) -> None:
    if not can_review(user):
        raise PermissionDenied


# --- Entering the queue ---------------------------------------------------------------


def enqueue(episode: Episode, run_checks_now: bool = False) -> ReviewItem | None:
    """Opens the item of a submitted episode (once: a unique constraint keeps one open
    item per episode) and starts its checks."""
    series = episode.series
    try:
        with transaction.atomic():
            item = ReviewItem.objects.create(
                episode=episode, studio_id=series.studio_id, series=series,
                category=series.category, source=episode.source,
                submitted_at=timezone.now(),
            )
    except IntegrityError:
        return None
    if run_checks_now:
        item = run_checks(item.pk)
    else:
        from review.tasks import run_checks as task

        transaction.on_commit(lambda: _dispatch(task, item.pk))
    return item


def _dispatch(task, item_id: int) -> None:
    try:
        task.delay(item_id)
    except Exception:  # the broker is down: the checks stay pending, visible on the page
        log.exception("could not queue the checks of review item %s", item_id)


def sync_submissions(force: bool = False) -> int:
    """Opens items for submitted episodes that have none (the submit path lives in the
    creators app). Throttled: the queue page calls it at most every SYNC_SECONDS."""
    if not force and not cache.add("review:sync", 1, conf.SYNC_SECONDS):
        return 0
    open_items = ReviewItem.objects.filter(episode=OuterRef("pk"),
                                           state=ReviewItem.State.OPEN)
    waiting = (Episode.objects.filter(status__in=[Episode.Status.SUBMITTED,
                                                  Episode.Status.IN_REVIEW])
               .filter(~Exists(open_items)).select_related("series"))
    made = sum(1 for episode in waiting if enqueue(episode))
    if made:
        cache.delete("review:counts")
    return made


def run_checks(item_id: int) -> ReviewItem:
    """Runs every automatic check and stores the result on the item; the episode's
    sampled frame hashes are kept so it joins the duplicate library once published."""
    item = ReviewItem.objects.select_related("episode__series__license",
                                             "episode__series__studio").get(pk=item_id)
    episode = item.episode
    results = [checks.check_license(episode, checks.planned_publish_date()),
               *checks.check_format(episode)]
    try:
        if not episode.video:
            raise ValueError("no video")
        path = episode.video.path
        scan = fingerprint.scan_video(path)
        results += checks.check_labels(episode, path, scan)
        results.append(checks.check_duplicates(episode, scan))
        _store_hashes(episode, scan)
    except Exception as error:  # a broken video is a failed check, not a crashed task
        log.warning("scanning episode %s failed: %s", episode.pk, error)
        results.append(checks.result("video", checks.BAD,
                                     gettext_noop("The video could not be decoded.")))
    results.append(checks.check_hook(episode))
    flags = [r["code"] for r in results if r["level"] != checks.OK]
    ReviewItem.objects.filter(pk=item.pk).update(
        checks=results, checks_state=ReviewItem.Checks.DONE,
        flags="," + ",".join(flags) + "," if flags else "")
    item.refresh_from_db()
    return item


def _store_hashes(episode: Episode, scan: fingerprint.Scan) -> None:
    published = episode.status == Episode.Status.PUBLISHED
    with transaction.atomic():
        FrameHash.objects.filter(episode=episode).delete()
        seen = set()
        rows = []
        for second, value in zip(scan.seconds, scan.hashes, strict=False):
            if second not in seen:
                seen.add(second)
                rows.append(FrameHash(episode=episode, second=second, value=value,
                                      algo=scan.algo, published=published))
        FrameHash.objects.bulk_create(rows)


def index_published(episode: Episode) -> int:
    """Adds a published episode (e.g. an imported one) to the duplicate library."""
    if not FrameHash.objects.filter(episode=episode).exists() and episode.video:
        _store_hashes(episode, fingerprint.scan_video(episode.video.path))
    return FrameHash.objects.filter(episode=episode).update(published=True)


# --- Claims ---------------------------------------------------------------------------


def _require_outsider(user, episode: Episode) -> None:
    """A reviewer never reviews their own studio's work: the grade sets the minimum
    guarantee the platform advances to that studio."""
    if creator_queries.is_member(user, episode.series.studio_id):
        raise ValidationError(_("You are a member of this episode's studio: another "
                                "reviewer decides it."), code="own_studio")


def claim(item: ReviewItem, user) -> ReviewItem:
    """Holds the item for `user` until CLAIM_MINUTES from now. One conditional UPDATE:
    only an unclaimed item, an expired claim, or the user's own claim can be taken."""
    _require_reviewer(user)
    _require_outsider(user, item.episode)
    now = timezone.now()
    taken = ReviewItem.objects.filter(
        Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now) | Q(claimed_by=user),
        pk=item.pk, state=ReviewItem.State.OPEN,
    ).update(claimed_by=user, claim_expires_at=now + datetime.timedelta(
        minutes=conf.CLAIM_MINUTES))
    if taken != 1:
        raise ValidationError(_("Another reviewer holds this item, or it was decided."))
    item.refresh_from_db()
    episode = item.episode
    if episode.status == Episode.Status.SUBMITTED:
        try:
            creators.start_review(episode)
        except creators.TransitionError:
            pass
    cache.delete("review:counts")
    return item


def release(item: ReviewItem, user) -> None:
    released = ReviewItem.objects.filter(
        pk=item.pk, state=ReviewItem.State.OPEN, claimed_by=user,
    ).update(claimed_by=None, claim_expires_at=None)
    if released:
        _back_to_queue(item.episode)
        cache.delete("review:counts")


def _back_to_queue(episode: Episode) -> None:
    try:
        creators.return_to_queue(episode)
    except creators.TransitionError:
        pass


def expire_claims() -> int:
    """Periodic cleanup. Expiry already holds without it (claims are judged by
    claim_expires_at); this clears the claimant and puts the episode back to submitted."""
    now = timezone.now()
    expired = list(ReviewItem.objects.filter(state=ReviewItem.State.OPEN,
                                             claim_expires_at__lte=now)
                   .select_related("episode"))
    count = 0
    for item in expired:
        if ReviewItem.objects.filter(pk=item.pk, state=ReviewItem.State.OPEN,
                                     claim_expires_at__lte=now).update(
                claimed_by=None, claim_expires_at=None):
            _back_to_queue(item.episode)
            count += 1
    return count


# --- Decisions ------------------------------------------------------------------------


def _hold(item: ReviewItem, user) -> ReviewItem:
    """Locks the item for a decision: only its claimant, while the claim runs."""
    _require_reviewer(user)
    locked = ReviewItem.objects.select_for_update().select_related(
        "episode__series").get(pk=item.pk)
    if locked.state != ReviewItem.State.OPEN:
        raise ValidationError(_("This item was already decided."))
    now = timezone.now()
    if locked.claimed_by_id != user.pk or not locked.claim_active(now):
        if locked.claim_active(now):
            raise ValidationError(_("Another reviewer holds this item now; your decision "
                                    "was not recorded."))
        raise ValidationError(_("Claim the item before deciding."))
    _require_outsider(user, locked.episode)  # the membership may be newer than the claim
    return locked


def _check_note(note: str) -> None:
    """The note's limit (conf.NOTE_MAX_CHARS), for callers that skip the forms."""
    if len(note or "") > conf.NOTE_MAX_CHARS:
        raise ValidationError(_("A note can have at most %(limit_value)d characters; this "
                                "one has %(show_value)d. Shorten it and send it again.")
                              % {"limit_value": conf.NOTE_MAX_CHARS, "show_value": len(note)})


def _record(item: ReviewItem, user, kind: str, state: str, **fields) -> Decision:
    now = timezone.now()
    ReviewItem.objects.filter(pk=item.pk).update(state=state, decided_at=now,
                                                 claim_expires_at=None)
    decision = Decision.objects.create(
        item=item, episode=item.episode, reviewer=user, kind=kind, checks=item.checks,
        waited_seconds=max(0, int((now - item.submitted_at).total_seconds())), **fields)
    studio_id = item.studio_id
    # The message in each listening page's language, not the reviewer's (creators.consumers).
    payload = {"type": "review.decision", **decision_message(decision),
               "episode": item.episode_id, "episode_ref": item.episode.ref, "decision": kind,
               "status": item.episode.status}
    transaction.on_commit(lambda: _notify(studio_id, payload))
    cache.delete("review:counts")
    return decision


def _notify(studio_id: int, payload: dict) -> None:
    from creators.notify import notify_studio

    try:
        notify_studio(studio_id, payload)
    except Exception:  # the decision stands even when the live channel is down
        log.exception("could not notify studio %s", studio_id)


def decision_message(decision: Decision) -> dict:
    """`message` and `message_i18n` for the live event (creators.notify.message_for)."""
    from creators.notify import message_for

    ref = decision.episode.ref
    if decision.kind == Decision.Kind.APPROVE:
        return message_for(
            gettext_noop("%(ref)s approved with grade %(grade)s, published on %(day)s."),
            {"ref": ref, "grade": decision.grade, "day": decision.publish_on.isoformat()})
    if decision.kind == Decision.Kind.REJECT:
        return message_for(gettext_noop("%(ref)s was rejected."), {"ref": ref})
    return message_for(gettext_noop("Changes were requested on %(ref)s."), {"ref": ref})


@transaction.atomic
def approve(item: ReviewItem, user, grade: str, category: str,
            publish_on: datetime.date, note: str = "") -> Decision:
    """Publishes on `publish_on` with the grade (the minimum guarantee follows from it in
    the settlement run, DOMAIN.md) and the category confirmed or corrected."""
    item = _hold(item, user)
    _check_note(note)
    if grade not in Grade.values:
        raise ValidationError(_("Unknown grade."))
    original = item.episode.series.category
    try:
        creators.approve_episode(item.episode, grade, category, publish_on)
    except creators.TransitionError as error:
        raise ValidationError(str(error)) from error
    FrameHash.objects.filter(episode=item.episode).update(published=True)
    return _record(item, user, Decision.Kind.APPROVE, ReviewItem.State.APPROVED,
                   grade=grade, category=category, category_corrected=category != original,
                   publish_on=publish_on, note=note)


@transaction.atomic
def reject(item: ReviewItem, user, reasons: list[str], note: str) -> Decision:
    item = _hold(item, user)
    _check_note(note)
    unknown = set(reasons) - set(Decision.Reason.values)
    if not reasons or unknown:
        raise ValidationError(_("Give at least one reason code."))
    try:
        creators.reject_episode(item.episode)
    except creators.TransitionError as error:
        raise ValidationError(str(error)) from error
    return _record(item, user, Decision.Kind.REJECT, ReviewItem.State.REJECTED,
                   reasons=sorted(reasons), note=note)


@transaction.atomic
def ask_for_changes(item: ReviewItem, user, note: str, reasons: list[str] = ()) -> Decision:
    item = _hold(item, user)
    if not note.strip():
        raise ValidationError(_("Say what should change."))
    _check_note(note)
    try:
        creators.request_changes(item.episode)
    except creators.TransitionError as error:
        raise ValidationError(str(error)) from error
    return _record(item, user, Decision.Kind.CHANGES, ReviewItem.State.CHANGES_REQUESTED,
                   reasons=sorted(reasons), note=note)
