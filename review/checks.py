"""The automatic checks run when a submission enters the queue. Each returns a dict
{code, level: ok|warn|bad, message, message_i18n}; the review page shows them, and the
decision keeps a snapshot of them in the audit trail.

The checks run in a worker, whose language is nobody's: `message_i18n` keeps the message
as [msgid, params], and each page shows it in its reader's language (`message_text`).
`message` is the worker's rendering, for whatever reads the JSON without Django. Here `_`
is gettext_noop: it marks a message for the catalogue and translates nothing."""

import datetime
from collections import Counter
from fractions import Fraction

import numpy as np
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from creators.models import Episode
from review import conf, fingerprint
from review.models import FrameHash

OK, WARN, BAD = "ok", "warn", "bad"
CODECS = {"h264", "hevc", "h265", "av1", "vp9"}


def result(code: str, level: str, msgid: str, params: dict | None = None, **extra) -> dict:
    """msgid is marked with gettext_noop; params are JSON values, or {"words": [msgid, ...]}
    for a list of translatable words shown as the reader's language lists them."""
    entry = {"code": code, "level": level, "message_i18n": [msgid, params or {}], **extra}
    entry["message"] = message_text(entry)
    return entry


def message_text(entry: dict) -> str:
    """A stored check's message in the active language. A result stored before
    message_i18n existed shows its message as it was written."""
    i18n = entry.get("message_i18n")
    if not i18n:
        return str(entry.get("message", ""))
    from creators.services import human_list

    msgid, params = i18n
    if not params:
        return gettext(msgid)
    values = {key: human_list(gettext(word) for word in value["words"])
              if isinstance(value, dict) else value for key, value in params.items()}
    return gettext(msgid) % values


def planned_publish_date() -> datetime.date:
    return timezone.localdate()


def check_license(episode: Episode, on_date: datetime.date) -> dict:
    from library.services import LICENSE_REFUSALS, assert_license_usable

    series = episode.series
    if series.license_id is None:
        return result("license", OK, _("Original series: no license needed."))
    try:
        assert_license_usable(series.studio, series.license, on_date)
    except ValidationError as error:
        refusal = error.error_list[0]
        return result("license", BAD, LICENSE_REFUSALS.get(refusal.code, refusal.message),
                      refusal.params)
    return result("license", OK, _("License valid until %(end)s."), {
        "end": series.license.ends_on.isoformat()})


def check_format(episode: Episode) -> list[dict]:
    out = []
    w, h = episode.width or 0, episode.height or 0
    if not (w and h):
        out.append(result("aspect", BAD, _("The video has no known size.")))
    elif abs(Fraction(w, h) - Fraction(9, 16)) > Fraction(9, 16) * Fraction(2, 100):
        out.append(result("aspect", BAD, _("%(w)s×%(h)s is not 9:16."), {"w": w, "h": h}))
    else:
        out.append(result("aspect", OK, _("%(w)s×%(h)s, 9:16."), {"w": w, "h": h}))
    seconds = float(episode.duration_seconds or 0)
    if seconds <= 0:
        out.append(result("duration", BAD, _("The video has no known duration.")))
    elif not conf.MIN_SECONDS <= seconds <= conf.MAX_SECONDS:
        out.append(result("duration", WARN, _(
            "%(s)d s is outside the usual %(lo)d–%(hi)d s of an episode."), {
            "s": seconds, "lo": conf.MIN_SECONDS, "hi": conf.MAX_SECONDS}))
    else:
        out.append(result("duration", OK, _("%(s)d s."), {"s": seconds}))
    codec = (episode.video_codec or "").lower()
    if codec in CODECS:
        out.append(result("codec", OK, _("Codec %(c)s."), {"c": codec}))
    else:
        out.append(result("codec", BAD, _("Codec %(c)s is not accepted."), {
            "c": codec or "?"}))
    return out


def visible_label_found(scan: fingerprint.Scan) -> bool:
    """The label is drawn on every frame: require it on most sampled frames."""
    if not scan.label_scores:
        return False
    hits = sum(score >= 60 for score in scan.label_scores)
    return hits >= 0.8 * len(scan.label_scores)


def check_labels(episode: Episode, path, scan: fingerprint.Scan) -> list[dict]:
    """Generated content must carry both labels and provenance (block). An upload that
    carries one label is AI content and must carry both (block); an upload with neither is
    flagged as a warning: it may be hand-made, and the reviewer decides."""
    from generation.labels import read_implicit_label, read_provenance

    implicit = read_implicit_label(path)
    implicit_ok = bool(implicit) and str(implicit.get("Label")) == "1"
    provenance = read_provenance(path)
    visible = visible_label_found(scan)
    generated = episode.source == Episode.Source.GENERATED
    out = []
    if visible and implicit_ok:
        out.append(result("labels", OK, _("Visible and implicit AI labels present.")))
    elif generated or visible or implicit_ok:
        missing = [name for name, ok in ((_("visible label"), visible),
                                         (_("implicit label"), implicit_ok)) if not ok]
        out.append(result("labels", BAD, _("AI content without its %(what)s."), {
            "what": {"words": missing}}))
    else:
        out.append(result("labels", WARN, _(
            "No AI label found: confirm the content is not AI-generated.")))
    if generated:
        if provenance:
            out.append(result("provenance", OK, _("Provenance of the platform's job %(id)s."),
                              {"id": provenance.get("job", implicit and
                                                      implicit.get("ProduceID"))}))
        else:
            out.append(result("provenance", BAD, _("Generated on the platform but the "
                                                   "provenance metadata is missing.")))
    return out


def check_duplicates(episode: Episode, scan: fingerprint.Scan) -> dict:
    """Compares the sampled frames with every published episode's frames."""
    if not scan.hashes:
        return result("duplicate", WARN, _("No frames could be sampled."))
    rows = list(FrameHash.objects.filter(published=True, algo=scan.algo)
                .exclude(episode=episode).values_list("episode_id", "value"))
    if not rows:
        return result("duplicate", OK, _("No near-duplicate among published episodes."))
    owners = np.array([r[0] for r in rows])
    library = np.array([r[1] for r in rows], dtype=np.int64)
    pairs = fingerprint.hamming_pairs(np.array(scan.hashes, dtype=np.int64), library,
                                      conf.DUP_MAX_DISTANCE)
    matched: dict[int, set[int]] = {}
    for q, lib_index, _distance in pairs:
        matched.setdefault(int(owners[lib_index]), set()).add(q)
    best = Counter({ep: len(qs) for ep, qs in matched.items()}).most_common(1)
    if best:
        episode_id, hits = best[0]
        percent = 100 * hits // len(scan.hashes)
        if percent >= conf.DUP_MIN_PERCENT:
            other = Episode.objects.filter(pk=episode_id).values_list("ref", flat=True).first()
            return result("duplicate", BAD, _(
                "%(p)d%% of the frames match the published episode %(ref)s."), {
                "p": percent, "ref": other}, match=other)
    return result("duplicate", OK, _("No near-duplicate among published episodes."))


def check_hook(episode: Episode) -> dict:
    hook = (episode.hook_line or "").strip()
    if not hook:
        return result("hook", WARN, _("No hook line: the first three seconds need one."))
    if len(hook) > conf.HOOK_MAX_CHARS:
        return result("hook", WARN, _(
            "The hook line has %(n)d characters: too long to land in three seconds."),
            {"n": len(hook)})
    return result("hook", OK, _("Hook line: %(hook)s"), {"hook": hook})
